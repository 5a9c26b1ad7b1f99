package sophoscentral

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"
)

// jsonResponse encodes v as the body of a response with the given status.
func jsonResponse(status int, v any) response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only maps and slices of plain values are encoded here.
		panic(fmt.Sprintf("sophoscentral: encode response: %v", err))
	}
	return response{status: status, body: bytes.TrimRight(buf.Bytes(), "\n")}
}

// errorResponse is an error in the shape of the Sophos Central APIs.
func errorResponse(status int, code, message string, now time.Time) response {
	return jsonResponse(status, map[string]any{
		"error":         code,
		"message":       message,
		"correlationId": randomUUID(),
		"requestId":     randomUUID(),
		"createdAt":     now.UTC().Format(timeLayout),
	})
}

// randomUUID is a version 4 UUID from crypto/rand, for values that need no
// determinism (tokens, tracking ids).
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// timeLayout is how Sophos writes times: RFC 3339, milliseconds, UTC.
const timeLayout = "2006-01-02T15:04:05.000Z"
