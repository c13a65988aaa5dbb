package config

import (
	"reflect"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// pos is a place in the file, both from 1; zero when unknown.
type pos struct{ line, col int }

func nodePos(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// decoder fills a File from a YAML node tree, strictly: unknown and
// repeated keys, wrong kinds, aliases and custom tags are problems. It
// interpolates ${...} in every scalar except secret references, and
// records where each key path is, for the problems found later.
type decoder struct {
	getenv func(string) string
	probs  *problems
	at     map[string]pos    // value position by key path
	keyAt  map[string]pos    // key position by key path
	raw    map[string]string // scalar text as written, by key path
	// lenient leaves a provider's value whose ${VAR} is unset empty,
	// recording the variable in unset, instead of failing.
	lenient bool
	unset   map[string]string // variable by key path, when lenient
}

func newDecoder(getenv func(string) string, probs *problems) *decoder {
	return &decoder{getenv: getenv, probs: probs, at: map[string]pos{}, keyAt: map[string]pos{}, raw: map[string]string{}, unset: map[string]string{}}
}

// inProvider reports whether path is inside a providers entry.
func inProvider(path string) bool { return strings.HasPrefix(path, "providers[") }

// where returns the position of path, or of its nearest recorded parent.
func (d *decoder) where(path string) pos {
	for {
		if p, ok := d.at[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return pos{}
		}
		path = path[:i]
	}
}

// show quotes the value at path for a message: as the file writes it when
// it reads the environment (a variable may hold a secret), else as read.
func (d *decoder) show(path, v string, n int) string {
	if raw, ok := d.raw[path]; ok && strings.Contains(raw, "${") {
		return quote(raw, n)
	}
	return quote(v, n)
}

func (d *decoder) fail(n *yaml.Node, path, msg string) { d.probs.add(nodePos(n), path, msg) }

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// in names a section for a message: "in session", "at the top level".
func in(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

var kindNames = map[yaml.Kind]string{
	yaml.DocumentNode: "document",
	yaml.SequenceNode: "list",
	yaml.MappingNode:  "mapping",
	yaml.ScalarNode:   "value",
	yaml.AliasNode:    "alias",
}

// supportedTags are the YAML core tags a file may use.
var supportedTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true,
	"!!null": true, "!!timestamp": true, "!!map": true, "!!seq": true,
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// decode stores n into v at path; secret marks a secret reference, which
// is kept as written.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, secret bool) {
	d.at[path] = nodePos(n)
	if n.Kind == yaml.AliasNode {
		d.fail(n, path, path+": anchors and aliases (*"+trimQuote(n.Value)+") are not supported; write the value out")
		return
	}
	if tag := n.ShortTag(); !supportedTags[tag] {
		d.fail(n, path, path+": the YAML tag "+quote(tag, 40)+" is not supported; remove it")
		return
	}
	switch v.Kind() {
	case reflect.String, reflect.Bool, reflect.Int64:
		d.scalarInto(n, v, path, secret)
	case reflect.Pointer:
		if isNull(n) && v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path, secret)
		v.Set(p)
	case reflect.Slice:
		d.sliceInto(n, v, path, secret)
	case reflect.Map:
		d.mapInto(n, v, path)
	case reflect.Struct:
		d.structInto(n, v, path)
	}
}

func (d *decoder) wrongKind(n *yaml.Node, path, want string) {
	d.fail(n, path, path+" must be "+want+", not a "+kindNames[n.Kind])
}

// scalar returns n's text, interpolated unless secret.
func (d *decoder) scalar(n *yaml.Node, path, want string, secret bool) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.wrongKind(n, path, want)
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	d.raw[path] = n.Value
	if secret {
		return n.Value, true
	}
	s, _, err := interpolate(n.Value, d.getenv)
	if ie, ok := err.(*interpError); ok && ie.unset != "" && d.lenient && inProvider(path) {
		d.unset[path] = ie.unset
		return "", true
	}
	if err != nil {
		d.fail(n, path, path+": "+err.Error())
		return "", false
	}
	return s, true
}

func (d *decoder) scalarInto(n *yaml.Node, v reflect.Value, path string, secret bool) {
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string", secret); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := d.scalar(n, path, "true or false", false)
		if !ok || s == "" {
			return
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			d.fail(n, path, path+" must be true or false, not "+d.show(path, s, 40))
		}
	case reflect.Int64:
		s, ok := d.scalar(n, path, "an integer", false)
		if !ok || s == "" {
			return
		}
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			d.fail(n, path, path+" must be a whole number, not "+d.show(path, s, 40))
			return
		}
		v.SetInt(i)
	}
}

// sliceInto reads a list; a single scalar counts as a list of one.
func (d *decoder) sliceInto(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if isNull(n) {
		return
	}
	elem := v.Type().Elem()
	scalarElem := elem.Kind() != reflect.Struct
	items := n.Content
	switch {
	case n.Kind == yaml.SequenceNode:
	case n.Kind == yaml.ScalarNode && scalarElem:
		items = []*yaml.Node{n}
	default:
		d.wrongKind(n, path, "a list")
		return
	}
	s := reflect.MakeSlice(v.Type(), len(items), len(items))
	for i, it := range items {
		d.decode(it, s.Index(i), path+"["+strconv.Itoa(i)+"]", secret)
	}
	d.at[path] = nodePos(n)
	v.Set(s)
}

// mapInto reads a map of strings (provider params).
func (d *decoder) mapInto(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.wrongKind(n, path, "a mapping of names to values")
		return
	}
	m := reflect.MakeMap(v.Type())
	seen := map[string]pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.key(k, path, seen)
		if !ok {
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, joinPath(path, key), false)
		m.SetMapIndex(reflect.ValueOf(key), e)
	}
	v.Set(m)
}

// key checks a mapping key: a plain scalar, not "<<", not repeated.
func (d *decoder) key(k *yaml.Node, path string, seen map[string]pos) (string, bool) {
	if k.Kind != yaml.ScalarNode || isNull(k) {
		d.fail(k, path, "a key "+in(path)+" is a "+kindNames[k.Kind]+"; keys are plain names")
		return "", false
	}
	if k.Value == "<<" {
		d.fail(k, path, "merge keys (<<) are not supported "+in(path)+"; write the keys out")
		return "", false
	}
	if first, dup := seen[k.Value]; dup {
		d.fail(k, path, "key "+quote(k.Value, 60)+" appears twice "+in(path)+" (first at line "+strconv.Itoa(first.line)+"); keep one")
		return "", false
	}
	seen[k.Value] = nodePos(k)
	d.keyAt[joinPath(path, k.Value)] = nodePos(k)
	return k.Value, true
}

// field is one yaml-tagged field of a File type.
type field struct {
	name   string
	index  int
	secret bool
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, field{name: name, index: i, secret: f.Tag.Get("authkit") == "secret"})
	}
	return out
}

func (d *decoder) structInto(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return
	}
	fields := fieldsOf(v.Type())
	if n.Kind != yaml.MappingNode {
		var names []string
		for _, f := range fields {
			names = append(names, f.name)
		}
		what := "a mapping (key: value lines)"
		if path != "" {
			what = "a mapping of keys (" + strings.Join(names, ", ") + ")"
		}
		d.wrongKind(n, path, what)
		return
	}
	seen := map[string]pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.key(k, path, seen)
		if !ok {
			continue
		}
		var f *field
		for j := range fields {
			if fields[j].name == key {
				f = &fields[j]
				break
			}
		}
		if f == nil {
			msg := ""
			if !d.probs.full() {
				// Past the listed problems only the count is kept: the
				// suggestion is not worth its search.
				msg = unknownKey(key, path, fields)
			}
			d.fail(k, joinPath(path, key), msg)
			continue
		}
		d.decode(val, v.Field(f.index), joinPath(path, key), f.secret)
	}
}
