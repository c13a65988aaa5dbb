package config

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Find returns the configuration file to load when no --config flag was
// given (the flag, handled by the caller, comes first): the file named by
// AUTHKIT_CONFIG (read with getenv, os.Getenv when nil), else
// authkit.yaml in dir when it exists. A relative AUTHKIT_CONFIG is taken
// from dir. ok is false when neither applies; a file named by
// AUTHKIT_CONFIG is returned even when it does not exist, so that Load
// reports it.
func Find(dir string, getenv func(string) string) (path string, ok bool) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := strings.TrimSpace(getenv(EnvConfig)); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return p, true
	}
	p := filepath.Join(dir, FileName)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, true
	}
	return "", false
}

// Load reads, interpolates, validates and resolves the configuration file
// at path, reading variables with getenv (os.Getenv when nil). Files of
// secret references and the JWS key are read relative to the file's
// directory. The error is an *Error listing every problem with its line;
// for a file that does not exist it wraps fs.ErrNotExist.
func Load(path string, getenv func(string) string) (*Config, error) {
	return LoadWith(path, getenv, LoadOptions{})
}

// LoadOptions change what LoadWith accepts.
type LoadOptions struct {
	// AllowUnsetProviderEnv loads a file whose providers still wait for
	// the environment, as a fresh scaffold does: a provider value whose
	// ${VAR} is unset, and an OpenID provider without an issuer whose
	// AUTH_<ID>_ISSUER is unset. The value is left empty and the variable
	// recorded in the entry's Unset (the provider then fails its
	// Validate, naming what to set). For commands that report on a setup
	// (authkit doctor) or need only other sections (the database); not
	// for serving sign-ins.
	AllowUnsetProviderEnv bool
}

// LoadWith is Load with options.
func LoadWith(path string, getenv func(string) string, opts LoadOptions) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	name := filepath.Clean(path)
	data, err := readFile(path)
	if err != nil {
		return nil, &Error{File: name, Err: err, Problems: []Problem{{Message: readCause(err)}}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	l := &loader{name: name, dir: filepath.Dir(abs), getenv: getenv, readFile: readSecretFile, lenient: opts.AllowUnsetProviderEnv}
	return l.load(data)
}

// readFile reads the configuration file: not a directory, at most
// MaxFileSize bytes.
func readFile(path string) ([]byte, error) {
	return readBounded(path, MaxFileSize, func(st fs.FileInfo) error {
		if st.IsDir() {
			return errIsDir
		}
		return nil
	}, errTooLarge)
}

// readBounded reads path when check accepts its file info, failing with
// tooLarge beyond limit bytes (reading at most one byte more).
func readBounded(path string, limit int64, check func(fs.FileInfo) error, tooLarge error) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return data, nil
}

var (
	errIsDir    = errors.New("is a directory")
	errTooLarge = errors.New("larger than 1 MiB")
)

func readCause(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "the file does not exist; run authkit init to make one, or point --config (or " + EnvConfig + ") at it"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied; make the file readable by the user running authkit"
	case errors.Is(err, errIsDir):
		return "it is a directory; give the path of the file, such as " + FileName
	case errors.Is(err, errTooLarge):
		return "the file is larger than 1 MiB; a configuration file is never that large, so check the path"
	}
	return err.Error()
}

// loader holds what one Load needs.
type loader struct {
	name   string // the path as shown in messages
	dir    string // where relative paths start
	getenv func(string) string
	// readFile reads a secret file (replaced in fuzzing).
	readFile func(path string) ([]byte, error)
	// lenient is LoadOptions.AllowUnsetProviderEnv.
	lenient bool
}

func (l *loader) fail(ps *problems) error {
	return &Error{File: l.name, Problems: ps.sorted()}
}

// load parses data and resolves it.
func (l *loader) load(data []byte) (*Config, error) {
	ps := &problems{}
	root, err := parseYAML(data)
	if err != nil {
		ps.add(err.at, "", err.msg)
		return nil, l.fail(ps)
	}
	var f File
	d := newDecoder(l.getenv, ps)
	d.lenient = l.lenient
	if root != nil {
		d.decode(root, reflect.ValueOf(&f).Elem(), "", false)
	}
	cfg := l.resolve(&f, d, ps)
	if ps.failed {
		return nil, l.fail(ps)
	}
	return cfg, nil
}

// syntaxError is a YAML parse failure, located when the parser says where.
type syntaxError struct {
	at  pos
	msg string
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses one YAML document and returns its root node, nil for
// an empty document.
func parseYAML(data []byte) (*yaml.Node, *syntaxError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, yamlError(err, data)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		at := pos{}
		if err == nil {
			at = pos{next.Line, 0}
		}
		return nil, &syntaxError{at: at, msg: "the file holds more than one YAML document (---); keep one"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if isNull(root) {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &syntaxError{at: nodePos(root), msg: "the file must be a mapping of keys (base_url:, providers:, ...), not a " + kindNames[root.Kind]}
	}
	return root, nil
}

// parserProblems are the problems of the YAML parser (not its scanner).
// For these, go.yaml.in/yaml/v3 reports the 0-based line of the
// construct being parsed, one less than the line a person counts.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// yamlError turns the parser's error into a located message.
func yamlError(err error, data []byte) *syntaxError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	at := pos{}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		at.line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if parserProblems[msg] {
		at.line++
	}
	hint := "; check the indentation and quoting there"
	if n := tabLine(data, at.line); n > 0 {
		at.line = n
		hint = "; indent with spaces, not tabs"
	}
	return &syntaxError{at: at, msg: "the YAML is malformed: " + msg + hint}
}

// tabLine returns the line, n or the one after it (the scanner reports
// the line where the construct began), whose indentation holds a tab; 0
// when neither does. With n unknown (0), every line is searched.
func tabLine(data []byte, n int) int {
	lines := bytes.Split(data, []byte("\n"))
	from, to := n, n+1
	if n <= 0 {
		from, to = 1, len(lines)
	}
	for i := from; i <= to && i <= len(lines); i++ {
		l := lines[i-1]
		indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 {
			return i
		}
	}
	return 0
}

// MaxSecretFileSize is the largest secret file read: 64 KiB.
const MaxSecretFileSize = 64 << 10

// readSecretFile reads a regular file of at most MaxSecretFileSize bytes.
func readSecretFile(path string) ([]byte, error) {
	return readBounded(path, MaxSecretFileSize, func(st fs.FileInfo) error {
		if !st.Mode().IsRegular() {
			return errNotRegular
		}
		return nil
	}, errSecretTooLarge)
}

var (
	errNotRegular     = errors.New("not a regular file")
	errSecretTooLarge = errors.New("larger than 64 KiB")
)
