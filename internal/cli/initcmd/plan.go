package initcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
	"github.com/authkit-dev/authkit/pkg/config"
	"github.com/authkit-dev/authkit/templates"
)

// The status of a file in the summary.
const (
	statusCreated     = "created"
	statusUnchanged   = "unchanged"
	statusUpdated     = "updated"
	statusOverwritten = "overwritten"
)

// maxExisting bounds the size of an existing file that init reads to
// compare it.
const maxExisting = 4 << 20

// file is one file of the plan.
type file struct {
	// path is relative to the directory, slash-separated.
	path string
	// target is the path written: the directory's file, through symbolic
	// links.
	target  string
	content []byte
	// mode is the new file's mode, or the existing file's.
	mode   fs.FileMode
	status string
	// conflict: the file exists with other content, and writing it needs
	// --force or a yes.
	conflict bool
	// tightened is the mode of an existing environment file that init
	// writes a new AUTH_SECRET into and that others could read: the file
	// is written 0600 (mode &^ 0o077) instead, and the summary says so.
	tightened fs.FileMode
}

// plan is everything init will write, decided before anything is.
type plan struct {
	dir     string // as given (for messages)
	abs     string // absolute
	opts    templates.ScaffoldOptions
	files   []*file
	created bool // the directory does not exist yet
	// malformed is the load error of an existing authkit.yaml that is
	// replaced (with --force).
	malformed error
}

// makePlan renders the files and compares them with what the directory
// holds. It writes nothing, and fails when anything would stop the
// writes: a target that is not a directory, one that is not writable, a
// file in the way of a directory, an existing authkit.yaml that does not
// load (unless --force).
func makePlan(f *cmdutil.Factory, opts *Options, c checked) (*plan, error) {
	dir := opts.Dir
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, cmdutil.Fail(action, err, "pass --dir with another directory")
	}
	p := &plan{dir: dir, abs: abs}
	inDir := "in " + cmdutil.Quote(dir)
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		p.created = true
		if err := checkCreatable(abs); err != nil {
			return nil, cmdutil.Fail(action+" "+inDir, err, "pass --dir with a directory you can write to")
		}
	case err != nil:
		return nil, cmdutil.Fail(action+" "+inDir, err, "pass --dir with a directory you can write to")
	case !st.IsDir():
		return nil, cmdutil.Fail(action+" "+inDir, errors.New("it is not a directory"), "pass --dir with a directory, or a path to create one at")
	}
	p.opts = scaffoldOptions(c, abs)
	files, err := templates.Scaffold(p.opts)
	if err != nil {
		return nil, cmdutil.Fail(action, err, "")
	}
	value, err := secret.New()
	if err != nil {
		return nil, cmdutil.Fail(action, fmt.Errorf("make AUTH_SECRET: %w", err), "check the system's random source")
	}
	env, err := templates.ScaffoldEnv(p.opts, value)
	if err != nil {
		return nil, cmdutil.Fail(action, err, "")
	}
	files = append(files, env)
	slices.SortFunc(files, func(a, b templates.ScaffoldFile) int { return strings.Compare(a.Path, b.Path) })
	for _, sf := range files {
		fl, err := p.compare(f, opts, sf, sf.Path == env.Path)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, fl)
	}
	if err := p.checkWritable(); err != nil {
		return nil, err
	}
	return p, nil
}

// compare decides what to do with one file.
func (p *plan) compare(f *cmdutil.Factory, opts *Options, sf templates.ScaffoldFile, isEnv bool) (*file, error) {
	fl := &file{path: sf.Path, target: filepath.Join(p.abs, filepath.FromSlash(sf.Path)), content: sf.Content, mode: 0o644}
	if isEnv {
		fl.mode = 0o600
	}
	shown := cmdutil.Quote(p.show(sf.Path))
	fail := func(err error, fix string) (*file, error) {
		return nil, cmdutil.Fail(action, fmt.Errorf("%s: %w", shown, err), fix)
	}
	if p.created {
		fl.status = statusCreated
		return fl, nil
	}
	if err := checkParents(p.abs, sf.Path); err != nil {
		return fail(err, "move it out of the way, or pass --dir with another directory")
	}
	if resolved, err := filepath.EvalSymlinks(fl.target); err == nil {
		fl.target = resolved
	}
	st, err := os.Stat(fl.target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fl.status = statusCreated
		return fl, nil
	case err != nil:
		return fail(err, "check its permissions")
	case st.IsDir():
		return fail(errors.New("it is a directory"), "move it out of the way, or pass --dir with another directory")
	case !st.Mode().IsRegular():
		return fail(errors.New("it is not a regular file"), "move it out of the way, or pass --dir with another directory")
	}
	fl.mode = st.Mode().Perm()
	old, err := readExisting(fl.target)
	if err != nil {
		return fail(err, "check its permissions")
	}
	switch {
	case bytes.Equal(old, sf.Content):
		fl.status = statusUnchanged
	case isEnv:
		merged, err := mergeEnv(old, sf.Content)
		if err != nil {
			return fail(err, "fix the file by hand (init keeps every line of it)")
		}
		fl.content, fl.status = merged, statusUpdated
		if v, _, _ := dotenv.Lookup(old, secret.Name); v == "" && fl.mode&0o077 != 0 && !bytes.Equal(merged, old) {
			// A fresh secret goes in: not into a file others can read.
			fl.tightened, fl.mode = fl.mode, fl.mode&^0o077
		}
	case sf.Path == ".gitignore":
		fl.content, fl.status = mergeLines(old, sf.Content), statusUpdated
	case sf.Path == "go.mod" && requiresAuthkit(old):
		// go mod tidy and go get rewrite go.mod: one that requires authkit
		// is the app's own now.
		fl.status = statusUnchanged
	default:
		fl.status, fl.conflict = statusOverwritten, true
		if sf.Path == config.FileName {
			if err := loadsSomehow(fl.target, f.Getenv); err != nil {
				if !opts.Force {
					return nil, cmdutil.Fail(action, fmt.Errorf("the existing %s does not load: %s", shown, strings.TrimPrefix(err.Error(), "authkit: ")),
						"fix it, or pass --force to replace it with the new one")
				}
				p.malformed = err
			}
		}
	}
	if fl.status == statusUpdated && bytes.Equal(fl.content, old) {
		fl.status = statusUnchanged
	}
	return fl, nil
}

// loadsSomehow reports why an existing authkit.yaml is malformed: nil
// when it loads with the environment, or once every variable it reads
// that is unset gets a plausible value (a file that only waits for its
// environment is not malformed); else the error of that second load.
func loadsSomehow(name string, getenv func(string) string) error {
	if _, err := config.Load(name, getenv); err == nil {
		return nil
	}
	_, err := config.Load(name, func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		switch {
		case strings.Contains(k, "DATABASE"):
			return "postgres://localhost:5432/app"
		case strings.Contains(k, "SMTP"):
			return "smtp://localhost:587"
		case strings.HasSuffix(k, "_URL"), strings.HasSuffix(k, "_ISSUER"):
			return "https://example.com"
		}
		return "placeholder-0123456789abcdef0123456789abcdef"
	})
	return err
}

// show is a file's path as the user sees it: under --dir.
func (p *plan) show(rel string) string {
	if p.dir == "." {
		return rel
	}
	return path.Join(filepath.ToSlash(p.dir), rel)
}

// readExisting reads an existing file, up to maxExisting bytes.
func readExisting(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxExisting+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxExisting {
		return nil, fmt.Errorf("it is larger than %d MiB, which init never writes", maxExisting>>20)
	}
	return data, nil
}

// checkCreatable: a directory that does not exist can be made, its
// nearest existing ancestor being a writable directory.
func checkCreatable(abs string) error {
	dir := abs
	for {
		parent := filepath.Dir(dir)
		if parent == dir {
			return errors.New("no part of the path exists")
		}
		dir = parent
		st, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			continue
		}
		if err != nil {
			return err
		}
		if !st.IsDir() {
			return fmt.Errorf("%s is not a directory", cmdutil.Quote(dir))
		}
		return probe(dir)
	}
}

// checkParents: the directories between dir and the file rel are
// directories where they exist.
func checkParents(dir, rel string) error {
	parts := strings.Split(rel, "/")
	cur := dir
	for _, part := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, part)
		st, err := os.Stat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !st.IsDir() {
			return fmt.Errorf("%s is in the way: it is a file, where a directory goes", cmdutil.Quote(cur))
		}
	}
	return nil
}

// checkWritable probes every existing directory a file is to be written
// in, and the target directory itself.
func (p *plan) checkWritable() error {
	if p.created {
		return nil
	}
	dirs := []string{p.abs}
	for _, fl := range p.files {
		if fl.status == statusUnchanged {
			continue
		}
		d := filepath.Dir(fl.target)
		for {
			if _, err := os.Stat(d); err == nil {
				break
			}
			d = filepath.Dir(d)
		}
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, d := range dirs {
		if err := probe(d); err != nil {
			return cmdutil.Fail(action+" in "+cmdutil.Quote(p.dir), err,
				"make the directory writable (chmod u+w), or pass --dir with another one")
		}
	}
	return nil
}

// probe checks that a file can be created in dir: it creates one and
// removes it at once.
func probe(dir string) error {
	fh, err := os.CreateTemp(dir, ".authkit-init-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("the directory %s is not writable: %w", cmdutil.Quote(dir), err)
	}
	fh.Close()
	return os.Remove(fh.Name())
}

var requireAuthkit = regexp.MustCompile(`(?m)^\s*(require\s+)?github\.com/authkit-dev/authkit\s+v\S+`)

// requiresAuthkit reports whether a go.mod requires authkit.
func requiresAuthkit(gomod []byte) bool { return requireAuthkit.Match(gomod) }

// mergeEnv adds to old, an existing environment file, the assignments of
// fresh (the rendered one) that old lacks, each with the comment lines
// before it, at the end; every line of old stays as it is. An AUTH_SECRET
// that old assigns (not empty) is never replaced; an empty one gets
// fresh's value in place.
func mergeEnv(old, fresh []byte) ([]byte, error) {
	out := old
	var add []string
	for _, block := range strings.Split(string(fresh), "\n\n") {
		var comments, missing []string
		for _, line := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
			key, _, ok := strings.Cut(line, "=")
			if strings.HasPrefix(line, "#") || !ok {
				comments = append(comments, line)
				continue
			}
			value, found, err := dotenv.Lookup(out, key)
			switch {
			case err != nil:
				return nil, fmt.Errorf("the %s line: %w", key, err)
			case !found:
				missing = append(missing, line)
			case value == "" && key == secret.Name:
				v, _, _ := dotenv.Lookup(fresh, key)
				if out, _, err = dotenv.Set(out, key, v); err != nil {
					return nil, fmt.Errorf("the %s line: %w", key, err)
				}
			}
		}
		if len(missing) > 0 {
			add = append(add, strings.Join(append(comments, missing...), "\n"))
		}
	}
	if len(add) == 0 {
		return out, nil
	}
	var b bytes.Buffer
	b.Write(out)
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
		b.WriteByte('\n')
	}
	for _, block := range add {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(block + "\n")
	}
	return b.Bytes(), nil
}

// mergeLines adds to old, an existing .gitignore, the lines of fresh it
// lacks (comments aside), after a comment; every line of old stays.
func mergeLines(old, fresh []byte) []byte {
	have := map[string]bool{}
	for _, line := range strings.Split(string(old), "\n") {
		line = strings.TrimSpace(line)
		have[line] = true
		have[strings.TrimPrefix(line, "/")] = true
	}
	var missing []string
	for _, line := range strings.Split(string(fresh), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || have[line] || have[strings.TrimPrefix(line, "/")] {
			continue
		}
		missing = append(missing, line)
	}
	if len(missing) == 0 {
		return old
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	if len(old) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString("# Added by authkit init: secrets and local data stay out of git.\n")
	b.WriteString(strings.Join(missing, "\n") + "\n")
	return b.Bytes()
}

// conflicts are the files that exist with other content.
func (p *plan) conflicts() []string {
	var out []string
	for _, fl := range p.files {
		if fl.conflict {
			out = append(out, p.show(fl.path))
		}
	}
	return out
}

// confirm gets the go-ahead to overwrite the conflicting files: --force,
// or a yes on the terminal (not with --yes, which asks nothing). Without
// either it fails, naming them, and nothing is written.
func (p *plan) confirm(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	names := p.conflicts()
	if len(names) == 0 || opts.Force {
		return nil
	}
	what := fmt.Sprintf("%d file(s) exist with other content: %s", len(names), strings.Join(quoteAll(names), ", "))
	if !f.IO.InTTY || opts.Yes {
		return cmdutil.Fail(action+" in "+cmdutil.Quote(p.dir), errors.New(what+"; nothing was written"),
			"pass --force to overwrite them (the environment file and its AUTH_SECRET are kept), or pass --dir with another directory")
	}
	q := fmt.Sprintf("%s. Overwrite them (the environment file and its AUTH_SECRET are kept)?", what)
	if err := f.Confirm(ctx, false, action, q); err != nil {
		return err
	}
	return nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = cmdutil.Quote(s)
	}
	return out
}

// write writes the files that are new or changed, each in one rename.
func (p *plan) write() error {
	var done []string
	for _, fl := range p.files {
		if fl.status == statusUnchanged {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(fl.target), 0o755); err != nil {
			return p.writeError(fl, err, done)
		}
		if err := secret.WriteAtomic(fl.target, fl.content, fl.mode); err != nil {
			return p.writeError(fl, err, done)
		}
		done = append(done, p.show(fl.path))
	}
	return nil
}

func (p *plan) writeError(fl *file, err error, done []string) error {
	cause := fmt.Errorf("write %s: %w", cmdutil.Quote(p.show(fl.path)), err)
	fix := "nothing was written; check the disk and the directory's permissions, then run init again"
	if len(done) > 0 {
		fix = "written before the failure: " + strings.Join(done, ", ") + "; fix the cause and run init again (it keeps what is the same)"
	}
	return cmdutil.Fail(action, cause, fix)
}
