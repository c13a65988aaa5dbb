package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/authkit-dev/authkit/pkg/session"
)

var schemaProfiles = []string{"authkit", "authjs-prisma", "authjs-pg", "authjs-drizzle"}

func (r *resolver) database(db DatabaseFile) Database {
	out := Database{Schema: r.enum("database.schema", db.Schema, schemaProfiles...)}
	v := strings.TrimSpace(db.URL)
	if v == "" {
		return out
	}
	raw := r.d.raw["database.url"]
	if literalPassword(raw) {
		r.fail("database.url", "database.url holds a password written in the file, where it is committed and leaks; write url: ${DATABASE_URL}, or take the password alone from the environment: postgres://app:${DB_PASSWORD}@db:5432/app")
		return out
	}
	out.URL = NewSecret(raw, v)
	return out
}

// literalPassword reports a password written out in a URL or key=value
// string as the file has it (a ${NAME} in its place is fine).
func literalPassword(raw string) bool {
	if refPattern.MatchString(strings.TrimSpace(raw)) {
		return false
	}
	lower := strings.ToLower(raw)
	if i := strings.Index(lower, "password="); i >= 0 {
		v := raw[i+len("password="):]
		if j := strings.IndexAny(v, " &;"); j >= 0 {
			v = v[:j]
		}
		if v != "" && !refPattern.MatchString(v) {
			return true
		}
	}
	i := strings.Index(raw, "://")
	if i < 0 {
		return false
	}
	authority := raw[i+3:]
	if j := strings.IndexAny(authority, "/?#"); j >= 0 {
		authority = authority[:j]
	}
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return false
	}
	_, password, hasPassword := strings.Cut(authority[:at], ":")
	return hasPassword && password != "" && !refPattern.MatchString(password)
}

var jwsAlgs = []string{"HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"}

func (r *resolver) session(s SessionFile) Session {
	out := Session{
		Strategy:   Strategy(r.enum("session.strategy", s.Strategy, "jwt", "database")),
		MaxAge:     r.duration("session.max_age", s.MaxAge, DefaultMaxAge, false),
		UpdateAge:  r.duration("session.update_age", s.UpdateAge, DefaultUpdateAge, true),
		Encoding:   Encoding(r.enum("session.encoding", s.Encoding, "authjs", "authjs-v4", "jws")),
		Revocation: s.Revocation,
	}
	switch {
	case out.UpdateAge <= out.MaxAge:
	case strings.TrimSpace(s.UpdateAge) == "":
		out.UpdateAge = out.MaxAge
	default:
		r.fail("session.update_age", "session.update_age is longer than session.max_age, so sessions would expire before they are refreshed; make it shorter (Auth.js uses 24h)")
	}
	if out.Strategy == StrategyDatabase && s.Revocation {
		r.fail("session.revocation", "session.revocation applies to jwt sessions; database sessions are revoked by deleting their row, so remove it or use strategy: jwt")
	}
	if out.Strategy == StrategyDatabase && s.Encoding != "" {
		r.fail("session.encoding", "session.encoding applies to jwt sessions; a database session's cookie holds a random token, so remove it or use strategy: jwt")
	}
	if out.Encoding == "" {
		out.Encoding = EncodingAuthJS
	}
	switch {
	case out.Encoding == EncodingJWS && (s.JWS == nil || strings.TrimSpace(s.JWS.Key) == ""):
		r.fail("session.encoding", "session.encoding jws needs a signing key; add session.jws.key: the path of a PEM, JWK or JWKS file (and session.jws.alg)")
	case out.Encoding != EncodingJWS && s.JWS != nil:
		r.fail("session.jws", "session.jws is set but session.encoding is "+string(out.Encoding)+"; add encoding: jws, or remove session.jws")
	case s.JWS != nil:
		out.JWSAlg = r.enum("session.jws.alg", strings.TrimSpace(s.JWS.Alg), jwsAlgs...)
		out.JWSKey = r.jwsKey(strings.TrimSpace(s.JWS.Key), out.JWSAlg)
	}
	return out
}

// jwsKey checks that the key file exists and holds keys fit for alg.
func (r *resolver) jwsKey(p, alg string) string {
	p = strings.TrimPrefix(p, "file:")
	if strings.Contains(p, "://") {
		r.fail("session.jws.key", "session.jws.key must be a file path; a signing key is never fetched from a URL")
		return ""
	}
	p = r.abs(p)
	data, err := r.l.readFile(p)
	if err != nil {
		r.fail("session.jws.key", "session.jws.key: cannot read "+p+": "+fileCause(err))
		return ""
	}
	if _, err := session.ParseKeys(data, alg); err != nil {
		msg := strings.TrimPrefix(err.Error(), "authkit: cannot parse the keys: ")
		r.fail("session.jws.key", "session.jws.key: the file "+p+" holds no usable key: "+msg)
		return ""
	}
	return p
}

// abs resolves a path written in the file from the file's directory.
func (r *resolver) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(r.l.dir, p)
}

func fileCause(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "the file does not exist; check the path (relative paths start at the directory of the configuration file)"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied; make it readable by the user running authkit"
	case errors.Is(err, errNotRegular):
		return "not a regular file; give the path of a file"
	case errors.Is(err, errSecretTooLarge):
		return "the file is larger than 64 KiB; check the path"
	}
	return err.Error()
}

// secrets resolves the secret list, or reads the Auth.js variables when
// the file has no secret key.
func (r *resolver) secrets(refs []string, enc Encoding) []Secret {
	if !r.present("secret") {
		from := session.SecretsFromEnv(r.l.getenv)
		if enc == EncodingAuthJSv4 {
			from = session.SecretsFromEnvV4(r.l.getenv)
		}
		out := make([]Secret, len(from))
		for i, s := range from {
			out[i] = NewSecret("${"+s.Source+"}", s.Value)
		}
		return out
	}
	if len(refs) == 0 {
		r.fail("secret", "secret is empty; write secret: ${AUTH_SECRET}, or remove the key to read AUTH_SECRET")
		return nil
	}
	var out []Secret
	for i, ref := range refs {
		hint := "AUTH_SECRET"
		if i > 0 {
			hint = "AUTH_SECRET_" + strconv.Itoa(i)
		}
		if s, ok := r.secret("secret["+strconv.Itoa(i)+"]", ref, hint); ok {
			out = append(out, s)
		}
	}
	return out
}

// secret resolves one reference; hint is the variable to suggest.
func (r *resolver) secret(path, raw, hint string) (Secret, bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		r.fail(path, path+" is empty; write ${"+hint+"} or file:PATH")
		return Secret{}, false
	}
	ref, ok := parseSecretRef(s)
	if !ok {
		if strings.HasPrefix(s, "${") && strings.Contains(s, ":-") {
			r.fail(path, path+": a secret takes no default, which would be a secret written in the file; write ${NAME} alone and set NAME")
		} else {
			r.fail(path, path+" is a secret written in the file, where it gets committed and leaks; put it in the environment and write ${"+hint+"}, or in a file and write file:/run/secrets/"+strings.ToLower(hint))
		}
		return Secret{}, false
	}
	if ref.env != "" {
		v := r.l.getenv(ref.env)
		if v == "" {
			r.fail(path, path+": ${"+ref.env+"} is not set; set "+ref.env)
			return Secret{}, false
		}
		return NewSecret("${"+ref.env+"}", v), true
	}
	p, _, err := interpolate(ref.file, r.l.getenv)
	if err != nil {
		r.fail(path, path+": "+err.Error())
		return Secret{}, false
	}
	p = r.abs(p)
	data, err := r.l.readFile(p)
	if err != nil {
		r.fail(path, path+": cannot read "+p+": "+fileCause(err))
		return Secret{}, false
	}
	v := strings.TrimSpace(string(data))
	if v == "" {
		r.fail(path, path+": the file "+p+" is empty; write the secret in it (authkit secret makes one)")
		return Secret{}, false
	}
	return NewSecret("file:"+ref.file, v), true
}
