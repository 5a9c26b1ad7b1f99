package sophoscentral

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// samples holds the real items (samples/real) and the templates written for
// this package (samples/own); samples/SOURCES.md says where each came from.
//
//go:embed samples/real/*.json samples/own/*.json
var samples embed.FS

var (
	eventTemplates = mustTemplateSet("events")
	alertTemplates = mustTemplateSet("alerts")
)

// jnode is a JSON value that keeps the order of object keys, so generated
// items read like the samples they come from.
type jnode struct {
	kind byte     // '{' object, '[' array, 's' string, 'l' literal, 'g' generated number
	keys []string // object
	vals []*jnode // object values or array elements
	str  string   // string value, or generator name when kind is 'g'
	lit  string   // number, true, false or null
}

func (n *jnode) get(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) remove(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return
		}
	}
}

func parseNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &jnode{kind: 's', str: t}, nil
	case json.Number:
		return &jnode{kind: 'l', lit: t.String()}, nil
	case bool:
		return &jnode{kind: 'l', lit: fmt.Sprint(t)}, nil
	case nil:
		return &jnode{kind: 'l', lit: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func parseItems(data []byte) ([]*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the array")
	}
	if root.kind != '[' {
		return nil, fmt.Errorf("want an array of items")
	}
	return root.vals, nil
}

// template renders one kind of item.
type template struct {
	typ    string // the item's "type"
	source string // sample file it came from
	segs   []segment
}

// segment is a piece of an item's JSON: literal bytes, or a generator that
// appends a value (already escaped when it sits inside a string).
type segment struct {
	lit []byte
	gen func(dst []byte, it *item) []byte
}

func (t *template) render(dst []byte, it *item) []byte {
	for _, s := range t.segs {
		if s.gen != nil {
			dst = s.gen(dst, it)
			continue
		}
		dst = append(dst, s.lit...)
	}
	return dst
}

// templateSet is the templates of a stream with their weights.
type templateSet struct {
	templates []*template
	table     []uint16 // template index, repeated by weight
}

func (ts *templateSet) pick(key uint64, i int) *template {
	r := mix(key ^ uint64(i)*0x9e3779b97f4a7c15 ^ saltPick)
	return ts.templates[ts.table[r%uint64(len(ts.table))]]
}

func mustTemplateSet(streamName string) *templateSet {
	ts, err := loadTemplateSet(streamName)
	if err != nil {
		panic(fmt.Sprintf("sophoscentral: %s templates: %v", streamName, err))
	}
	return ts
}

func loadTemplateSet(streamName string) (*templateSet, error) {
	files, err := samples.ReadDir("samples/real")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		if strings.HasPrefix(f.Name(), streamName+"-") {
			names = append(names, "samples/real/"+f.Name())
		}
	}
	names = append(names, "samples/own/"+streamName+".json")

	ts := &templateSet{}
	for _, name := range names {
		data, err := samples.ReadFile(name)
		if err != nil {
			return nil, err
		}
		items, err := parseItems(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, it := range items {
			t, err := compileTemplate(it)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			t.source = path.Base(name)
			for range weight(t.typ) {
				ts.table = append(ts.table, uint16(len(ts.templates)))
			}
			ts.templates = append(ts.templates, t)
		}
	}
	return ts, nil
}

// weight is how often a type shows up relative to others, roughly as in a
// real estate: routine events (updates, web and device control) make most
// of the volume, detections are rare; among alerts, health and connectivity
// problems outnumber threats.
func weight(typ string) int {
	switch typ {
	case "Event::Endpoint::UpdateSuccess":
		return 30
	case "Event::Endpoint::WebControlViolation":
		return 12
	case "Event::Endpoint::Device::AlertedOnly":
		return 8
	case "Event::Endpoint::UpdateRebootRequired", "Event::Endpoint::Application::Blocked",
		"Event::Endpoint::OutOfDate":
		return 6
	case "Event::Endpoint::ServiceNotRunning", "Event::Endpoint::ServiceRestored":
		return 5
	case "Event::Endpoint::WebFilteringBlocked", "Event::Endpoint::SavScanComplete",
		"Event::Endpoint::UserAutoCreated", "Event::Endpoint::NotProtected",
		"Event::Firewall::LostConnectionToSophosCentral", "Event::Firewall::FirewallVPNTunnelDown":
		return 4
	case "Event::Endpoint::Registered", "Event::Endpoint::UpdateFailure",
		"Event::Endpoint::DataLossPreventionUserAllowed":
		return 2
	}
	return 1
}

func compileTemplate(item *jnode) (*template, error) {
	typ := item.get("type")
	if typ == nil || typ.kind != 's' {
		return nil, fmt.Errorf("item without a type")
	}
	templatize(item)
	c := &compiler{}
	c.node(item)
	c.flush()
	if c.err != nil {
		return nil, fmt.Errorf("%s: %w", typ.str, c.err)
	}
	return &template{typ: typ.str, segs: c.segs}, nil
}

type compiler struct {
	segs []segment
	lit  []byte
	err  error
}

func (c *compiler) flush() {
	if len(c.lit) > 0 {
		c.segs = append(c.segs, segment{lit: c.lit})
		c.lit = nil
	}
}

func (c *compiler) gen(g func([]byte, *item) []byte) {
	c.flush()
	c.segs = append(c.segs, segment{gen: g})
}

func (c *compiler) node(n *jnode) {
	switch n.kind {
	case '{':
		c.lit = append(c.lit, '{')
		for i, k := range n.keys {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.lit = appendQuoted(c.lit, k)
			c.lit = append(c.lit, ':')
			c.node(n.vals[i])
		}
		c.lit = append(c.lit, '}')
	case '[':
		c.lit = append(c.lit, '[')
		for i, v := range n.vals {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.node(v)
		}
		c.lit = append(c.lit, ']')
	case 'l':
		c.lit = append(c.lit, n.lit...)
	case 'g':
		g, ok := rawGenerators[n.str]
		if !ok {
			c.err = fmt.Errorf("unknown number generator %q", n.str)
			return
		}
		c.gen(g)
	case 's':
		c.lit = append(c.lit, '"')
		c.str(n.str)
		c.lit = append(c.lit, '"')
	}
}

// str compiles a string value in which {{name}} marks a generated part.
func (c *compiler) str(s string) {
	for {
		open := strings.Index(s, "{{")
		if open < 0 {
			c.lit = appendEscaped(c.lit, s)
			return
		}
		end := strings.Index(s[open:], "}}")
		if end < 0 {
			c.err = fmt.Errorf("unclosed placeholder in %q", s)
			return
		}
		c.lit = appendEscaped(c.lit, s[:open])
		name := s[open+2 : open+end]
		g, ok := stringGenerators[name]
		if !ok {
			c.err = fmt.Errorf("unknown placeholder {{%s}}", name)
			return
		}
		c.gen(g)
		s = s[open+end+2:]
	}
}

func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped appends s escaped for the inside of a JSON string, without
// escaping <, > and & as encoding/json does by default.
func appendEscaped(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b == '"' || b == '\\':
			dst = append(dst, '\\', b)
		case b == '\n':
			dst = append(dst, '\\', 'n')
		case b == '\r':
			dst = append(dst, '\\', 'r')
		case b == '\t':
			dst = append(dst, '\\', 't')
		case b < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		default:
			dst = append(dst, b)
		}
	}
	return dst
}

// quotedPath finds a file path quoted in a name or description.
var quotedPath = regexp.MustCompile(`'([A-Za-z]:\\[^']+|/[^']+)'`)

// templatize turns a sample item into a template: values that differ from
// item to item in a real tenant become {{placeholders}} or generated
// numbers, by key. Values already holding a placeholder are left alone.
func templatize(item *jnode) {
	// Datadog adds an "endpoint" object from the Endpoint API; the SIEM API
	// does not send it.
	if ep := item.get("endpoint"); ep != nil && ep.kind == '{' {
		item.remove("endpoint")
	}
	typ := item.get("type").str
	orig := map[string]string{}
	for _, k := range []string{"location", "threat", "source"} {
		if v := item.get(k); v != nil && v.kind == 's' && !strings.Contains(v.str, "{{") {
			orig[k] = v.str
		}
	}

	for i, k := range item.keys {
		v := item.vals[i]
		if v.kind == 's' && !strings.Contains(v.str, "{{") {
			if p := topLevelPlaceholder(k, v.str, typ); p != "" {
				v.str = p
			} else if p := nestedPlaceholder(k, "", v.str); p != "" {
				v.str = p
			}
		}
		walk(v, k)
	}

	for _, k := range []string{"name", "description"} {
		v := item.get(k)
		if v == nil || v.kind != 's' {
			continue
		}
		s := quotedPath.ReplaceAllString(v.str, "'{{path}}'")
		if loc := orig["location"]; loc != "" {
			s = strings.ReplaceAll(s, loc, "{{host}}")
		}
		if t := orig["threat"]; t != "" {
			s = strings.ReplaceAll(s, t, item.get("threat").str)
		}
		if src := orig["source"]; src != "" && src != "n/a" {
			s = strings.ReplaceAll(s, src, item.get("source").str)
		}
		v.str = s
	}
}

func topLevelPlaceholder(key, val, typ string) string {
	switch key {
	case "id", "event_service_event_id":
		return "{{id}}"
	case "customer_id":
		return "{{tenant}}"
	case "created_at":
		return "{{created}}"
	case "when":
		return "{{when}}"
	case "location":
		return "{{host}}"
	case "user_id":
		return "{{user_id}}"
	case "appSha256":
		return "{{sha}}"
	case "javaUUID":
		return "{{uuid2}}"
	case "source":
		switch {
		case val == "n/a":
			return ""
		case strings.Contains(val, `\`):
			return "{{user}}"
		}
		return "{{user_name}}"
	case "threat":
		switch {
		case val == "Unknown Threat", strings.HasPrefix(val, "IPS/"), strings.HasPrefix(val, "C2/"):
			return ""
		case strings.Contains(typ, "Pua"):
			return "{{pua}}"
		}
		return "{{threat}}"
	}
	return ""
}

// walk replaces, below the top level, the values that identify endpoints,
// files, addresses and times.
func walk(n *jnode, parent string) {
	if n.kind != '{' && n.kind != '[' {
		return
	}
	for i, v := range n.vals {
		key := parent
		if n.kind == '{' {
			key = n.keys[i]
		}
		switch v.kind {
		case 's':
			if p := nestedPlaceholder(key, parent, v.str); p != "" && !strings.Contains(v.str, "{{") {
				v.str = p
			}
		case 'l':
			if g := nestedNumber(key, parent); g != "" && v.lit != "null" {
				v.kind, v.str = 'g', g
			}
		default:
			walk(v, key)
		}
	}
}

func nestedPlaceholder(key, parent, val string) string {
	switch key {
	case "endpoint_id", "endpoint_java_id":
		return "{{endpoint_id}}"
	case "ip":
		if parent == "source_info" {
			return "{{ip}}"
		}
	case "descriptor", "executablePath", "executable_path", "process_path", "parentProcessPath":
		if val != "" {
			return "{{path}}"
		}
	case "processPath":
		if val != "" {
			return "{{path2}}"
		}
	case "remoteIp", "remote_ip":
		return "{{ext_ip}}"
	case "techSupportId", "tech_support_id":
		return "{{tsid}}"
	case "data":
		if parent == "event_service_id" || parent == "user_match_uuid" {
			return "{{b64}}"
		}
	case "event_service_id":
		return "{{id}}"
	case "user_match_id":
		return "{{user_id}}"
	case "threat_id":
		return "{{oid}}"
	}
	return ""
}

func nestedNumber(key, parent string) string {
	switch key {
	case "created_at", "inserted_at", "make_actionable_at":
		return "created_ms"
	case "timestamp", "timeSecond":
		if parent == "threat_id" || parent == "user_match_id" {
			return "created_s"
		}
	case "date", "time":
		if parent == "threat_id" || parent == "user_match_id" {
			return "created_ms"
		}
	}
	return ""
}
