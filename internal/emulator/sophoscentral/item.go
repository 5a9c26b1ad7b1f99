package sophoscentral

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"time"
)

// Salts keep the pseudo-random choices of one item independent of each
// other while staying deterministic.
const (
	saltPick uint64 = iota*0x51_7cc1_b727_220a + 0x2545_f491_4f6c_dd1d
	saltID
	saltID2
	saltWhen
	saltEndpoint
	saltUser
	saltThreat
	saltPath
	saltPath2
	saltSHA
	saltURL
	saltWeb
	saltApp
	saltSigner
	saltDevice
	saltExtIP
	saltExtIP2
	saltPort
	saltMisc
	saltUUID2
	saltUUID3
	saltB64
)

// mix is splitmix64's finaliser: a fast, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// itemKey identifies the item sequence of one tenant's stream.
func itemKey(seed int64, tenantID, streamName string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(tenantID))
	_, _ = h.Write([]byte{'/'})
	_, _ = h.Write([]byte(streamName))
	return h.Sum64() ^ mix(uint64(seed))
}

// item is what the generators of one item read.
type item struct {
	r         uint64 // the item's own random base
	stretch   uint64 // shared by the items of a stretch of the stream
	pool      *tenantPool
	createdMs int64
	whenMs    int64
	ep        *endpoint
	user      *user
}

func newItem(key uint64, pool *tenantPool, tl timeline, i int) *item {
	it := &item{}
	it.reset(key, pool, tl, i)
	return it
}

// reset makes it the i-th item of the sequence key.
func (it *item) reset(key uint64, pool *tenantPool, tl timeline, i int) {
	*it = item{r: mix(key + uint64(i)*0x9e3779b97f4a7c15), pool: pool}
	it.stretch = mix(key ^ uint64(i/activeStretch))
	it.createdMs = tl.createdMs(i)
	// The endpoint saw the event a little before Central recorded it;
	// now and then much earlier, after being offline.
	lag := int64(it.rand(saltWhen) % 4000)
	if it.rand(saltWhen+1)%50 == 0 {
		lag += int64(it.rand(saltWhen+2) % 3_600_000)
	}
	it.whenMs = it.createdMs - lag
	if it.rand(saltWhen+3)%3 != 0 {
		// Many endpoints report whole seconds.
		it.whenMs -= it.whenMs % 1000
	}
	// Endpoints are busy in bursts: most items of a stretch of the stream
	// come from a handful of endpoints active at that time.
	it.ep = pool.pickEndpoint(it.rand(saltEndpoint), it.stretch)
	it.user = &pool.users[it.ep.user]
	if it.rand(saltUser)%10 == 0 {
		it.user = &pool.users[it.rand(saltUser+1)%uint64(len(pool.users))]
	}
}

func (it *item) rand(salt uint64) uint64 { return mix(it.r ^ salt) }

// choice is rand for values that come in waves, like a threat hitting many
// machines at once: most items of a stretch share one of a few values.
func (it *item) choice(salt uint64) uint64 {
	r := it.rand(salt)
	if r%100 < localShare {
		return mix(it.stretch ^ salt ^ (r>>8)%localValues)
	}
	return r >> 8
}

func (it *item) pickFrom(salt uint64, pool []string) string {
	return pool[it.choice(salt)%uint64(len(pool))]
}

// Items returns the items from..from+n-1 of the tenant's stream ("events"
// or "alerts") as the API sends them, decoded. Any index may be asked for,
// also of items that do not exist yet; n is capped at 1,000,000.
func (s *Server) Items(tenantID, stream string, from, n int) []map[string]any {
	st := s.streams[stream]
	if st == nil || from < 0 || n <= 0 {
		return nil
	}
	n = min(n, 1_000_000)
	ts := s.state(tenantID)
	key, tl := ts.key(stream), ts.timeline(stream)
	pool := s.pool(ts.ID)
	out := make([]map[string]any, 0, n)
	var buf []byte
	for i := from; i < from+n; i++ {
		buf = st.set.pick(key, i).render(buf[:0], newItem(key, pool, tl, i))
		out = append(out, decodeItem(buf))
	}
	return out
}

// decodeItem decodes a rendered item with integers as int64 and other
// numbers as float64, as a careful client would.
func decodeItem(data []byte) map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		panic("sophoscentral: generated item is not JSON: " + err.Error())
	}
	return numbers(m).(map[string]any)
}

func numbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = numbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbers(e)
		}
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// ItemID returns the id of the i-th item (0-based, oldest first) of the
// tenant's stream.
func (s *Server) ItemID(tenantID, stream string, i int) string {
	key := itemKey(s.cfg.Seed, s.canonicalTenant(tenantID), stream)
	it := &item{r: mix(key + uint64(i)*0x9e3779b97f4a7c15)}
	return string(appendUUID(nil, it.rand(saltID), it.rand(saltID2)))
}

func appendUUID(dst []byte, a, b uint64) []byte {
	const hexDigits = "0123456789abcdef"
	var raw [16]byte
	for i := range 8 {
		raw[i] = byte(a >> (8 * i))
		raw[8+i] = byte(b >> (8 * i))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// appendTime appends ms as Sophos writes times (timeLayout). It does the
// calendar arithmetic itself: time.Format was a quarter of a page's cost.
func appendTime(dst []byte, ms int64) []byte {
	if ms < 0 {
		return time.UnixMilli(ms).UTC().AppendFormat(dst, timeLayout)
	}
	days, rem := ms/86_400_000, ms%86_400_000
	y, m, d := civil(days)
	dst = append4(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, int(rem/3_600_000))
	dst = append(dst, ':')
	dst = append2(dst, int(rem/60_000%60))
	dst = append(dst, ':')
	dst = append2(dst, int(rem/1000%60))
	dst = append(dst, '.')
	msPart := int(rem % 1000)
	dst = append(dst, byte('0'+msPart/100), byte('0'+msPart/10%10), byte('0'+msPart%10))
	return append(dst, 'Z')
}

// civil converts days since 1970-01-01 to a date (Howard Hinnant's
// days_from_civil inverse).
func civil(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

func append4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// rawGenerators write numbers outside strings.
var rawGenerators = map[string]func([]byte, *item) []byte{
	"created_ms": func(d []byte, it *item) []byte { return strconv.AppendInt(d, it.createdMs, 10) },
	"created_s": func(d []byte, it *item) []byte {
		return strconv.AppendInt(d, it.createdMs/1000, 10)
	},
}

// stringGenerators write the inside of strings, already escaped.
var stringGenerators = map[string]func([]byte, *item) []byte{
	"id": func(d []byte, it *item) []byte { return appendUUID(d, it.rand(saltID), it.rand(saltID2)) },
	"uuid2": func(d []byte, it *item) []byte {
		return appendUUID(d, it.rand(saltUUID2), it.rand(saltUUID2+1))
	},
	"uuid3": func(d []byte, it *item) []byte {
		return appendUUID(d, it.rand(saltUUID3), it.rand(saltUUID3+1))
	},
	"tenant":      func(d []byte, it *item) []byte { return append(d, it.pool.tenantEsc...) },
	"created":     func(d []byte, it *item) []byte { return appendTime(d, it.createdMs) },
	"when":        func(d []byte, it *item) []byte { return appendTime(d, it.whenMs) },
	"endpoint_id": func(d []byte, it *item) []byte { return append(d, it.ep.id...) },
	"host":        func(d []byte, it *item) []byte { return append(d, it.ep.host...) },
	"ip":          func(d []byte, it *item) []byte { return append(d, it.ep.ip...) },
	"user":        func(d []byte, it *item) []byte { return append(d, it.user.login...) },
	"user_name":   func(d []byte, it *item) []byte { return append(d, it.user.name...) },
	"user_id":     func(d []byte, it *item) []byte { return append(d, it.user.id...) },
	"oid": func(d []byte, it *item) []byte {
		// A MongoDB ObjectId: seconds, then 8 random bytes, in hex.
		d = appendHexN(d, uint64(it.createdMs/1000), 8)
		return appendHexN(d, it.rand(saltMisc+7), 16)
	},
	"threat": func(d []byte, it *item) []byte {
		return append(d, it.pickFrom(saltThreat, threatPool)...)
	},
	"pua":     pooled(saltThreat, puaPool),
	"path":    func(d []byte, it *item) []byte { return appendPath(d, it, saltPath) },
	"path2":   func(d []byte, it *item) []byte { return appendPath(d, it, saltPath2) },
	"sha":     func(d []byte, it *item) []byte { return append(d, it.pickFrom(saltSHA, shaPool)...) },
	"url":     func(d []byte, it *item) []byte { return appendURL(d, it) },
	"ext_ip":  func(d []byte, it *item) []byte { return appendExternalIP(d, it.choice(saltExtIP)) },
	"ext_ip2": func(d []byte, it *item) []byte { return appendExternalIP(d, it.choice(saltExtIP2)) },
	"b64": func(d []byte, it *item) []byte {
		var b [16]byte
		a, c := it.rand(saltB64), it.rand(saltB64+1)
		for i := range 8 {
			b[i], b[8+i] = byte(a>>(8*i)), byte(c>>(8*i))
		}
		return base64.StdEncoding.AppendEncode(d, b[:])
	},
	"tsid": func(d []byte, it *item) []byte {
		d = time.UnixMilli(it.createdMs).UTC().AppendFormat(d, "2006010215")
		d = append(d, '.')
		d = strconv.AppendUint(d, 10_000_000+it.rand(saltMisc)%90_000_000, 10)
		d = append(d, '.')
		return strconv.AppendUint(d, 1+it.rand(saltMisc+1)%9, 10)
	},
	"sophos_pid": func(d []byte, it *item) []byte {
		d = strconv.AppendUint(d, 100+it.rand(saltMisc+2)%60000, 10)
		d = append(d, ':')
		return strconv.AppendInt(d, it.createdMs*10_000+int64(it.rand(saltMisc+3)%10_000), 10)
	},
	"parent_pid": func(d []byte, it *item) []byte {
		return strconv.AppendUint(d, 100+it.rand(saltMisc+4)%60000, 10)
	},
	"port": func(d []byte, it *item) []byte {
		return strconv.AppendUint(d, pick(it.choice(saltPort), commonPorts), 10)
	},
	"rport": func(d []byte, it *item) []byte {
		return strconv.AppendUint(d, 1024+it.rand(saltPort+1)%64000, 10)
	},
	"ips_sig": func(d []byte, it *item) []byte {
		return strconv.AppendUint(d, 7_000_000+it.choice(saltMisc+5)%400*97, 10)
	},
	"minutes": func(d []byte, it *item) []byte {
		return strconv.AppendUint(d, 15+it.choice(saltMisc+6)%2000, 10)
	},
	"vid": func(d []byte, it *item) []byte {
		return appendHex4(d, uint16(pick(it.choice(saltDevice), usbVendors)))
	},
	"pid": func(d []byte, it *item) []byte { return appendHex4(d, uint16(it.rand(saltDevice+1))) },
	"serial": func(d []byte, it *item) []byte {
		return strconv.AppendUint(d, it.rand(saltDevice+2)|1<<63, 16)
	},
	"signer": func(d []byte, it *item) []byte {
		return append(d, signerPool[it.choice(saltSigner)%uint64(len(signerPool))].name...)
	},
	"thumbprint": func(d []byte, it *item) []byte {
		return append(d, signerPool[it.choice(saltSigner)%uint64(len(signerPool))].thumbprint...)
	},
	"version": func(d []byte, it *item) []byte {
		r := it.choice(saltApp + 1)
		d = strconv.AppendUint(d, 1+r%30, 10)
		d = append(d, '.')
		d = strconv.AppendUint(d, (r>>8)%20, 10)
		d = append(d, '.')
		return strconv.AppendUint(d, (r>>16)%9000, 10)
	},
	"web_action":   pooled(saltWeb, []string{"warned", "blocked", "blocked", "blocked"}),
	"web_category": pooled(saltWeb+1, webCategories),
	"web_threat":   pooled(saltWeb+2, webThreats),
	"app":          pooled(saltApp, apps),
	"app_category": pooled(saltApp+2, appCategories),
	"device":       pooled(saltDevice+3, devices),
	"device_class": pooled(saltDevice+4, deviceClasses),
	"product":      pooled(saltMisc+8, products),
	"update_error": pooled(saltMisc+9, updateErrors),
	"ips_message":  pooled(saltMisc+10, ipsMessages),
	"amsi_threat":  pooled(saltThreat+1, amsiThreats),
	"script_host":  pooled(saltMisc+11, scriptHosts),
	"dlp_rule":     pooled(saltMisc+12, dlpRules),
	"fw_site":      func(d []byte, it *item) []byte { return append(d, it.ep.site...) },
}

// pooled is a generator that picks from a fixed list of plain values.
func pooled(salt uint64, values []string) func([]byte, *item) []byte {
	esc := make([]string, len(values))
	for i, v := range values {
		esc[i] = string(appendEscaped(nil, v))
	}
	return func(d []byte, it *item) []byte { return append(d, it.pickFrom(salt, esc)...) }
}

func pick(r uint64, values []uint64) uint64 { return values[r%uint64(len(values))] }

func appendHexN(d []byte, v uint64, digits int) []byte {
	const hexDigits = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		d = append(d, hexDigits[v>>(4*uint(i))&0xf])
	}
	return d
}

func appendHex4(d []byte, v uint16) []byte {
	const hexDigits = "0123456789ABCDEF"
	return append(d, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
}
