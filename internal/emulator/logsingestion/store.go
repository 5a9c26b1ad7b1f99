package logsingestion

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// streamStore holds the accepted rows of one stream, compactly as JSON, and appends them to
// the stream's JSON Lines file.
type streamStore struct {
	mu   sync.Mutex
	rows [][]byte
	file *os.File
}

func (s *Server) store(stream string) (*streamStore, error) {
	s.storeMu.Lock()
	defer s.storeMu.Unlock()

	if st, ok := s.stores[stream]; ok {
		return st, nil
	}
	st := &streamStore{}
	if s.cfg.OutputDir != "" {
		path := filepath.Join(s.cfg.OutputDir, stream+".jsonl")
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		st.file = f
	}
	s.stores[stream] = st
	return st, nil
}

// append keeps rows and writes them to the file in one write, so that a reader of the file
// sees whole requests.
func (st *streamStore) append(rows [][]byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()

	st.rows = append(st.rows, rows...)
	if st.file == nil {
		return nil
	}
	n := 0
	for _, r := range rows {
		n += len(r) + 1
	}
	buf := make([]byte, 0, n)
	for _, r := range rows {
		buf = append(buf, r...)
		buf = append(buf, '\n')
	}
	_, err := st.file.Write(buf)
	return err
}

func (st *streamStore) close() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.file == nil {
		return nil
	}
	err := st.file.Close()
	st.file = nil
	return err
}

// Rows returns the rows accepted for stream in arrival order, with only the stream's declared
// columns, decoded as encoding/json decodes into map[string]any.
func (s *Server) Rows(stream string) []map[string]any {
	s.storeMu.Lock()
	st, ok := s.stores[stream]
	s.storeMu.Unlock()
	if !ok {
		return nil
	}

	st.mu.Lock()
	raw := append([][]byte(nil), st.rows...)
	st.mu.Unlock()

	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			panic(fmt.Sprintf("logsingestion: stored row is not JSON: %v", err))
		}
		out = append(out, m)
	}
	return out
}

// RowCount returns how many rows were accepted for stream, without decoding them.
func (s *Server) RowCount(stream string) int {
	s.storeMu.Lock()
	st, ok := s.stores[stream]
	s.storeMu.Unlock()
	if !ok {
		return 0
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.rows)
}
