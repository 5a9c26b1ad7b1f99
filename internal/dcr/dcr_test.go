package dcr

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSophosStreams(t *testing.T) {
	streams := Sophos()
	require.Len(t, streams, 2)

	events := streams["Custom-SophosEPEvents_CL"]
	assert.Len(t, events.Columns, 23)
	typ, ok := events.Lookup("created_at")
	assert.True(t, ok)
	assert.Equal(t, TypeDatetime, typ)
	typ, ok = events.Lookup("source_info")
	assert.True(t, ok)
	assert.Equal(t, TypeDynamic, typ)
	_, ok = events.Lookup("not_a_column")
	assert.False(t, ok)

	alerts := streams["Custom-SophosEPAlerts_CL"]
	assert.Len(t, alerts.Columns, 14)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		streams []string
		wantErr string
	}{
		{
			name:    "bare resource",
			json:    `{"properties":{"streamDeclarations":{"Custom-A_CL":{"columns":[{"name":"x","type":"long"}]}}}}`,
			streams: []string{"Custom-A_CL"},
		},
		{
			name: "ARM template with two rules",
			json: `{"resources":[
				{"properties":{"streamDeclarations":{"Custom-A_CL":{"columns":[{"name":"x","type":"real"}]}}}},
				{"properties":{"streamDeclarations":{"Custom-B_CL":{"columns":[{"name":"y","type":"int"}]}}}}]}`,
			streams: []string{"Custom-A_CL", "Custom-B_CL"},
		},
		{
			name:    "byte order mark",
			json:    "\xef\xbb\xbf" + `[{"properties":{"streamDeclarations":{"Custom-A_CL":{"columns":[]}}}}]`,
			streams: []string{"Custom-A_CL"},
		},
		{name: "no declarations", json: `{"properties":{}}`, wantErr: "no streamDeclarations"},
		{name: "not JSON", json: `{"properties":`, wantErr: "parse JSON"},
		{
			name:    "unknown type",
			json:    `{"streamDeclarations":{"Custom-A_CL":{"columns":[{"name":"x","type":"float"}]}}}`,
			wantErr: `column "x": unknown type "float"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, err := Parse([]byte(tt.json))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			var names []string
			for n := range streams {
				names = append(names, n)
			}
			assert.ElementsMatch(t, tt.streams, names)
		})
	}
}

func TestReadFile(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "missing.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read DCR file")

	path := filepath.Join(t.TempDir(), "dcr.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"streamDeclarations":{"Custom-X_CL":{"columns":[{"name":"a","type":"boolean"}]}}}`), 0o600))
	streams, err := ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, streams, "Custom-X_CL")
}
