package entra

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScope(t *testing.T) {
	assert.Equal(t, "https://monitor.azure.com//.default", Scope("public"))
	assert.Equal(t, "https://monitor.azure.com//.default", Scope(""))
	assert.Equal(t, "https://monitor.azure.us//.default", Scope("usgovernment"))
	assert.Equal(t, "https://monitor.azure.cn//.default", Scope("china"))
}

func TestNewCredential(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("x.y.z"), 0o600))
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "client secret", opts: Options{Type: "client_secret", TenantID: "t", ClientID: "c", ClientSecret: "s"}},
		{name: "certificate missing", opts: Options{Type: "client_certificate", TenantID: "t", ClientID: "c", CertificateFile: "nope.pem"}, wantErr: "credential.certificate_file"},
		{name: "managed system", opts: Options{Type: "managed_identity"}},
		{name: "managed user client id", opts: Options{Type: "managed_identity", ClientID: "c"}},
		{name: "managed user resource id", opts: Options{Type: "managed_identity", ResourceID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u"}},
		{name: "workload", opts: Options{Type: "workload_identity", TenantID: "t", ClientID: "c", TokenFile: tokenFile}},
		{name: "default", opts: Options{Type: "default", TenantID: "t"}},
		{name: "custom authority", opts: Options{Type: "client_secret", TenantID: "t", ClientID: "c", ClientSecret: "s", Cloud: "china", AuthorityHost: "https://127.0.0.1:1"}},
		{name: "unknown", opts: Options{Type: "password"}, wantErr: "credential.type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := NewCredential(tt.opts)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, cred)
		})
	}
}

func TestCloudConfig(t *testing.T) {
	cfg, custom := cloudConfig(Options{Cloud: "usgovernment"})
	assert.False(t, custom)
	assert.Equal(t, "https://login.microsoftonline.us/", cfg.ActiveDirectoryAuthorityHost)

	cfg, custom = cloudConfig(Options{Cloud: "china", AuthorityHost: "https://login.example.test"})
	assert.True(t, custom)
	assert.Equal(t, "https://login.example.test/", cfg.ActiveDirectoryAuthorityHost)
}
