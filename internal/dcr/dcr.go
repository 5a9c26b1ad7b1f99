// Package dcr reads the stream declarations of an Azure Monitor data collection rule (DCR).
//
// A DCR's streamDeclarations name the input columns of each custom stream and their types.
// Both the sentinel exporter (to check and coerce rows) and the Logs Ingestion emulator (to
// judge rows as Azure does) read them through this package.
package dcr

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Column types a stream declaration may use.
const (
	TypeString   = "string"
	TypeInt      = "int"
	TypeLong     = "long"
	TypeReal     = "real"
	TypeBoolean  = "boolean"
	TypeDatetime = "datetime"
	TypeDynamic  = "dynamic"
)

// Column is one declared input column of a stream.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Stream is the declaration of one input stream: its name and its columns in declared order.
type Stream struct {
	Name    string
	Columns []Column
}

// Lookup returns the declared type of the named column and whether the stream declares it.
func (s Stream) Lookup(name string) (string, bool) {
	for _, c := range s.Columns {
		if c.Name == name {
			return c.Type, true
		}
	}
	return "", false
}

//go:embed sophos_dcr.json
var sophosDCR []byte

// Sophos returns the declarations of Custom-SophosEPEvents_CL and Custom-SophosEPAlerts_CL as
// Microsoft's Sentinel solution for Sophos Endpoint Protection deploys them.
func Sophos() map[string]Stream {
	streams, err := Parse(sophosDCR)
	if err != nil {
		panic(fmt.Sprintf("dcr: embedded Sophos DCR: %v", err))
	}
	return streams
}

// ReadFile parses the stream declarations of the DCR JSON file at path.
func ReadFile(path string) (map[string]Stream, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read DCR file: %w", err)
	}
	streams, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("DCR file %q: %w", path, err)
	}
	return streams, nil
}

// Parse finds every "streamDeclarations" object in data and returns the streams it declares.
// data may be a DCR resource as the Azure API returns it, an ARM template that contains one or
// more DCRs, or an array of resources. Unknown column types are an error.
func Parse(data []byte) (map[string]Stream, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", err)
	}

	streams := map[string]Stream{}
	if err := collect(doc, streams); err != nil {
		return nil, err
	}
	if len(streams) == 0 {
		return nil, fmt.Errorf("no streamDeclarations found")
	}
	return streams, nil
}

func collect(node any, streams map[string]Stream) error {
	switch v := node.(type) {
	case []any:
		for _, e := range v {
			if err := collect(e, streams); err != nil {
				return err
			}
		}
	case map[string]any:
		if decl, ok := v["streamDeclarations"].(map[string]any); ok {
			if err := addDeclarations(decl, streams); err != nil {
				return err
			}
		}
		for _, key := range sortedKeys(v) {
			if key == "streamDeclarations" {
				continue
			}
			if err := collect(v[key], streams); err != nil {
				return err
			}
		}
	}
	return nil
}

func addDeclarations(decl map[string]any, streams map[string]Stream) error {
	for _, name := range sortedKeys(decl) {
		raw, err := json.Marshal(decl[name])
		if err != nil {
			return fmt.Errorf("stream %q: %w", name, err)
		}
		var body struct {
			Columns []Column `json:"columns"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return fmt.Errorf("stream %q: columns: %w", name, err)
		}
		for _, c := range body.Columns {
			if !ValidType(c.Type) {
				return fmt.Errorf("stream %q: column %q: unknown type %q", name, c.Name, c.Type)
			}
		}
		streams[name] = Stream{Name: name, Columns: body.Columns}
	}
	return nil
}

// ValidType reports whether t is a column type the Logs Ingestion API accepts.
func ValidType(t string) bool {
	switch t {
	case TypeString, TypeInt, TypeLong, TypeReal, TypeBoolean, TypeDatetime, TypeDynamic:
		return true
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
