package config

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// resolver turns a decoded File into a Config, adding a Problem for every
// value that is not valid.
type resolver struct {
	l  *loader
	d  *decoder
	ps *problems
}

func (r *resolver) fail(path, msg string) { r.ps.add(r.d.where(path), path, msg) }

// failKey is fail located at the key of path rather than its value.
func (r *resolver) failKey(path, msg string) {
	at, ok := r.d.keyAt[path]
	if !ok {
		at = r.d.where(path)
	}
	r.ps.add(at, path, msg)
}

// resolve applies defaults, validates and reads secrets.
func (l *loader) resolve(f *File, d *decoder, ps *problems) *Config {
	r := &resolver{l: l, d: d, ps: ps}
	cfg := &Config{Path: l.name, getenv: l.getenv}
	cfg.BaseURL = r.baseURL(f.BaseURL)
	cfg.Serve = r.serve(f.Serve)
	cfg.Database = r.database(f.Database)
	cfg.Session = r.session(f.Session)
	cfg.Secrets = r.secrets(f.Secret, cfg.Session.Encoding)
	cfg.Linking = LinkingPolicy(r.enum("linking", f.Linking, "never", "verified", "always"))
	if cfg.Linking == "" {
		cfg.Linking = LinkNever
	}
	cfg.ProviderConfigs = r.providers(f.Providers)
	cfg.Pages = r.pages(f.Pages, cfg.BaseURL)
	cfg.Email = r.email(f.Email)
	if f.Credentials != nil {
		cfg.Credentials = *f.Credentials
	}
	cfg.SIWE = r.siwe(f.SIWE, cfg.BaseURL)
	return cfg
}

// enum checks that value is one of allowed; "" passes as "".
func (r *resolver) enum(path, value string, allowed ...string) string {
	if value == "" || slices.Contains(allowed, value) {
		return value
	}
	msg := path + " " + r.d.show(path, value, 40) + " is not known"
	if s := closest(value, allowed); s != "" {
		msg += "; did you mean " + s + "?"
	} else {
		msg += ";"
	}
	r.fail(path, msg+" use "+joinOr(allowed))
	return ""
}

// present reports whether the file has the key path.
func (r *resolver) present(path string) bool {
	_, ok := r.d.at[path]
	return ok
}

// parseDuration reads a Go duration ("720h"), days first ("30d",
// "1d12h"), or whole seconds ("2592000") as Auth.js writes maxAge.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(maxDuration/time.Second) || n < -int64(maxDuration/time.Second) {
			return 0, errTooLong
		}
		return time.Duration(n) * time.Second, nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 {
			return 0, errors.New("bad days")
		}
		if n > int64(maxDuration/(24*time.Hour)) {
			return 0, errTooLong
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
		if s[0] == '-' || s[0] == '+' {
			return 0, errors.New("sign after days")
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d > maxDuration-days {
		return 0, errTooLong
	}
	return days + d, nil
}

var errTooLong = errors.New("longer than 100 years")

// maxDuration bounds durations at 100 years, far beyond any sensible value.
const maxDuration = 100 * 365 * 24 * time.Hour

// duration reads the duration at path, or def when empty; it must be
// positive, or not negative when zeroOK.
func (r *resolver) duration(path, s string, def time.Duration, zeroOK bool) time.Duration {
	if strings.TrimSpace(s) == "" {
		return def
	}
	d, err := parseDuration(s)
	if errors.Is(err, errTooLong) {
		r.fail(path, path+" "+r.d.show(path, s, 40)+" is longer than 100 years; write 30d, 12h or 90m")
		return def
	}
	if err != nil {
		r.fail(path, path+" "+r.d.show(path, s, 40)+" is not a duration; write 30d, 12h, 90m, or seconds as a whole number")
		return def
	}
	if d < 0 || d == 0 && !zeroOK {
		want := "greater than zero"
		if zeroOK {
			want = "zero or more"
		}
		r.fail(path, path+" "+r.d.show(path, s, 40)+" must be "+want+"; write 30d, 12h or 90m")
		return def
	}
	return d
}
