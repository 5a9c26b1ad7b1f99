package row

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-sophos/otelcol-sophos/internal/dcr"
)

// appendCoerced appends v as a JSON value of the declared column type typ. It reports false,
// leaving dst as it was, when v can not be read as that type.
func appendCoerced(dst []byte, v pcommon.Value, typ string) ([]byte, bool) {
	if v.Type() == pcommon.ValueTypeEmpty {
		return append(dst, "null"...), true
	}
	switch typ {
	case dcr.TypeString:
		return appendAsString(dst, v), true
	case dcr.TypeInt, dcr.TypeLong:
		return appendAsInt(dst, v)
	case dcr.TypeReal:
		return appendAsReal(dst, v)
	case dcr.TypeBoolean:
		return appendAsBool(dst, v)
	case dcr.TypeDatetime:
		return appendAsDatetime(dst, v)
	}
	// dynamic keeps the value's own JSON shape.
	return appendValue(dst, v), true
}

// appendAsString writes strings as they are and any other value as its JSON text in a string.
func appendAsString(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendString(dst, v.Str())
	case pcommon.ValueTypeBytes:
		return appendValue(dst, v)
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return appendString(dst, string(appendValue(nil, v)))
	}
	dst = append(dst, '"')
	dst = appendValue(dst, v)
	return append(dst, '"')
}

func appendAsInt(dst []byte, v pcommon.Value) ([]byte, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if f != math.Trunc(f) || math.Abs(f) > 1<<63 {
			return dst, false
		}
		return strconv.AppendInt(dst, int64(f), 10), true
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return append(dst, '1'), true
		}
		return append(dst, '0'), true
	case pcommon.ValueTypeStr:
		s := strings.TrimSpace(v.Str())
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.AppendInt(dst, i, 10), true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return strconv.AppendInt(dst, int64(f), 10), true
		}
	}
	return dst, false
}

func appendAsReal(dst []byte, v pcommon.Value) ([]byte, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case pcommon.ValueTypeDouble:
		return appendFloat(dst, v.Double()), true
	case pcommon.ValueTypeStr:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		if err == nil {
			return appendFloat(dst, f), true
		}
	}
	return dst, false
}

func appendAsBool(dst []byte, v pcommon.Value) ([]byte, bool) {
	switch v.Type() {
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool()), true
	case pcommon.ValueTypeInt:
		if i := v.Int(); i == 0 || i == 1 {
			return strconv.AppendBool(dst, i == 1), true
		}
	case pcommon.ValueTypeStr:
		b, err := strconv.ParseBool(strings.TrimSpace(v.Str()))
		if err == nil {
			return strconv.AppendBool(dst, b), true
		}
	}
	return dst, false
}

// appendAsDatetime writes an ISO 8601 UTC string. Numbers are Unix times, read as seconds,
// milliseconds, microseconds or nanoseconds by their magnitude.
func appendAsDatetime(dst []byte, v pcommon.Value) ([]byte, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		if isUTCTimestamp(s) {
			// Already ISO 8601 in UTC: the common case for Sophos, written without parsing.
			dst = append(dst, '"')
			dst = append(dst, s...)
			return append(dst, '"'), true
		}
		t, ok := parseTime(strings.TrimSpace(s))
		if !ok {
			return dst, false
		}
		return appendTime(dst, t), true
	case pcommon.ValueTypeInt:
		return appendTime(dst, unixTimeInt(v.Int())), true
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return dst, false
		}
		return appendTime(dst, unixTime(f)), true
	}
	return dst, false
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// unixTime reads n as Unix seconds, milliseconds, microseconds or nanoseconds, whichever puts
// it between 1973 and 5138.
func unixTime(n float64) time.Time {
	abs := math.Abs(n)
	switch {
	case abs < 1e11:
		sec, frac := math.Modf(n)
		return time.Unix(int64(sec), int64(frac*1e9))
	case abs < 1e14:
		return time.UnixMilli(int64(n))
	case abs < 1e17:
		return time.UnixMicro(int64(n))
	}
	return time.Unix(0, int64(n))
}

// unixTimeInt is unixTime for integers, without the rounding of a float64.
func unixTimeInt(n int64) time.Time {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	switch {
	case abs < 1e11:
		return time.Unix(n, 0)
	case abs < 1e14:
		return time.UnixMilli(n)
	case abs < 1e17:
		return time.UnixMicro(n)
	}
	return time.Unix(0, n)
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC1123Z,
	time.RFC1123,
	"2006-01-02",
}

// parseTime reads the usual textual timestamps; one without a zone is taken as UTC.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return unixTime(f), true
	}
	return time.Time{}, false
}

// isUTCTimestamp reports whether s is exactly YYYY-MM-DDTHH:MM:SS[.fraction]Z.
func isUTCTimestamp(s string) bool {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' {
		return false
	}
	const pattern = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(pattern); i++ {
		c := s[i]
		if pattern[i] == 'd' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != pattern[i] {
			return false
		}
	}
	rest := s[len(pattern) : len(s)-1]
	if rest == "" {
		return validClock(s)
	}
	if rest[0] != '.' || len(rest) == 1 {
		return false
	}
	for i := 1; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return validClock(s)
}

// validClock checks the ranges of month, day, hour, minute and second, which the digit pattern
// alone does not.
func validClock(s string) bool {
	two := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	month, day, hour, minute, sec := two(5), two(8), two(11), two(14), two(17)
	return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && sec < 61
}
