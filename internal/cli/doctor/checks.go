package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
	"github.com/authkit-dev/authkit/pkg/config"
	"github.com/authkit-dev/authkit/pkg/mail"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// MinSecretBytes is the shortest secret doctor accepts: 32 bytes, what
// `authkit secret` and `npx auth secret` draw at random (and the shortest
// HMAC key pkg/session takes).
const MinSecretBytes = 32

// minDistinct is the fewest distinct characters a secret of random origin
// plausibly has; fewer is a hand-made secret ("aaaa...", "abab...").
const minDistinct = 8

// runner holds what the checks share.
type runner struct {
	ctx     context.Context
	f       *cmdutil.Factory
	o       *Options
	timeout time.Duration
	client  *http.Client

	cfg     *config.Config // nil when missing or not valid
	found   bool
	cfgErr  error
	cfgName string // the configuration file as messages name it
}

// Diagnose runs every check against the setup f sees and returns the
// report. It never prints; ctx ending (Ctrl-C) cuts the network checks
// short.
func Diagnose(ctx context.Context, f *cmdutil.Factory, o *Options) *Report {
	if o == nil {
		o = &Options{}
	}
	r := &runner{ctx: ctx, f: f, o: o, timeout: o.Timeout, cfgName: config.FileName}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	r.client = &http.Client{Timeout: r.timeout}
	// Providers waiting for their variables (a fresh scaffold) fail their
	// own checks; the rest of the setup is still checked.
	r.cfg, r.found, r.cfgErr = f.LoadConfigLenient()
	var ce *config.Error
	switch {
	case r.cfg != nil:
		r.cfgName = r.cfg.Path
	case errors.As(r.cfgErr, &ce):
		r.cfgName = ce.File
	}

	var checks []Check
	checks = append(checks, r.checkConfig(), r.checkSecret())
	checks = append(checks, r.checkProviders()...)
	checks = append(checks, r.checkBaseURL(), r.checkRedirects())
	checks = append(checks, r.checkDiscovery()...)
	checks = append(checks, r.checkDatabase(), r.checkCookies(), r.checkSession())
	if r.cfg != nil && r.cfg.Email != nil {
		checks = append(checks, r.checkEmail())
	}
	if r.cfg != nil && r.cfg.SIWE != nil {
		checks = append(checks, r.checkSIWE())
	}
	rep := &Report{OK: true, Checks: checks}
	for _, c := range checks {
		if c.Status == StatusFail {
			rep.OK = false
		}
	}
	return rep
}

// result gathers the findings of one check; its status is the worst.
type result struct {
	name   string
	status Status
	msgs   []string
	fixes  []string
}

func newResult(name string) *result { return &result{name: name, status: StatusOK} }

// add records a finding: StatusWarn or StatusFail, what was found and the
// fix.
func (r *result) add(s Status, msg, fix string) {
	if s == StatusFail || r.status != StatusFail {
		r.status = s
	}
	r.msgs = append(r.msgs, msg)
	if fix != "" && !slices.Contains(r.fixes, fix) {
		r.fixes = append(r.fixes, fix)
	}
}

// done is the Check: okMsg when nothing was found; after warnings, okMsg
// and the warnings; after a failure, the findings alone.
func (r *result) done(okMsg string) Check {
	switch r.status {
	case StatusOK:
		return Check{Name: r.name, Status: StatusOK, Message: okMsg}
	case StatusWarn:
		return Check{Name: r.name, Status: StatusWarn, Message: strings.Join(append([]string{okMsg}, r.msgs...), "; "), Fix: strings.Join(r.fixes, "\n")}
	}
	return Check{Name: r.name, Status: r.status, Message: strings.Join(r.msgs, "; "), Fix: strings.Join(r.fixes, "\n")}
}

func ok(name, msg string) Check { return Check{Name: name, Status: StatusOK, Message: msg} }

func skipped(name, why string) Check { return Check{Name: name, Status: StatusSkipped, Message: why} }

func failed(name, msg, fix string) Check {
	return Check{Name: name, Status: StatusFail, Message: msg, Fix: fix}
}

func warned(name, msg, fix string) Check {
	return Check{Name: name, Status: StatusWarn, Message: msg, Fix: fix}
}

// noConfig is the skipped check of one that needs a valid authkit.yaml
// when there is none; ok is false then.
func (r *runner) noConfig(name string) (Check, bool) {
	switch {
	case r.cfg != nil:
		return Check{}, true
	case r.cfgErr != nil:
		return skipped(name, r.cfgName+" is not valid (see config)"), false
	}
	return skipped(name, "no "+config.FileName+" (see config)"), false
}

// ---- config ----

func (r *runner) checkConfig() Check {
	const name = "config"
	const create = "run authkit init to make one, or point --config (or " + config.EnvConfig + ") at it"
	if r.cfgErr != nil {
		var ce *config.Error
		if !errors.As(r.cfgErr, &ce) {
			return failed(name, "cannot load "+r.cfgName+": "+errCause(r.cfgErr, "authkit: cannot load "), "fix the file, or point --config at another one")
		}
		switch {
		case errors.Is(ce.Err, fs.ErrNotExist):
			return failed(name, ce.File+" does not exist", create)
		case ce.Err != nil && len(ce.Problems) > 0:
			return failed(name, "cannot read "+ce.File, ce.Problems[0].Message)
		}
		lines := make([]string, 0, len(ce.Problems))
		for _, p := range ce.Problems {
			line := p.Message
			if loc := p.Location(); loc != "" {
				line = loc + ": " + line
			}
			lines = append(lines, line)
		}
		return failed(name, fmt.Sprintf("%s is not valid: %s", ce.File, plural(len(ce.Problems), "problem")), strings.Join(lines, "\n"))
	}
	if !r.found {
		return failed(name, "no "+config.FileName+" in this directory", create)
	}
	c := r.cfg
	var on []string
	on = append(on, plural(len(c.ProviderConfigs), "provider"))
	if c.Email != nil {
		on = append(on, "email sign-in")
	}
	if c.Credentials.Enabled {
		on = append(on, "password sign-in")
	}
	if c.SIWE != nil {
		on = append(on, "Sign-In with Ethereum")
	}
	msg := fmt.Sprintf("%s: %s; %s sessions", c.Path, strings.Join(on, ", "), r.strategy())
	if unset := c.UnsetEnv(); len(unset) > 0 {
		msg += "; waiting for " + joinAnd(unset) + " (see the provider checks)"
	}
	return ok(name, msg)
}

// ---- secret ----

// namedSecret is a secret and where it came from.
type namedSecret struct {
	source string // "${AUTH_SECRET}", "file:PATH" or a variable name
	value  string
}

func (r *runner) secrets() []namedSecret {
	var out []namedSecret
	if r.cfg != nil {
		for _, s := range r.cfg.Secrets {
			out = append(out, namedSecret{s.Source(), s.Value()})
		}
		return out
	}
	for _, s := range session.SecretsFromEnv(r.f.Getenv) {
		out = append(out, namedSecret{s.Source, s.Value})
	}
	return out
}

func (r *runner) checkSecret() Check {
	const name = "secret"
	if r.cfgErr != nil {
		c, _ := r.noConfig(name)
		return c
	}
	secrets := r.secrets()
	if len(secrets) == 0 {
		fix := "make one with `authkit secret --write .env` (32 random bytes) and load it into the environment, or set AUTH_SECRET"
		if hint := r.dotenvHint("AUTH_SECRET"); hint != "" {
			fix = hint
		}
		return failed(name, "no secret: AUTH_SECRET is not set", fix)
	}
	res := newResult(name)
	for _, s := range secrets {
		shown := showSource(s.source)
		switch n := len(s.value); {
		case n < MinSecretBytes:
			res.add(StatusFail, fmt.Sprintf("%s has %s; at least %d are needed", shown, plural(n, "byte"), MinSecretBytes),
				"replace it with `authkit secret` (32 random bytes, base64); the new one signs everybody out, unless the old one stays as AUTH_SECRET_1 a while")
		case distinct(s.value) < minDistinct:
			res.add(StatusWarn, fmt.Sprintf("%s has only %s in its %s; it does not look random", shown, plural(distinct(s.value), "distinct character"), plural(n, "byte")),
				"replace it with `authkit secret` (32 random bytes, base64)")
		}
		if path, ok := strings.CutPrefix(s.source, "file:"); ok {
			r.fileMode(res, path, "the secret file")
		}
	}
	// An Auth.js app reads AUTH_SECRET; authkit.yaml's own secret list
	// must hold it for the two to open each other's tokens.
	if env := r.f.Getenv("AUTH_SECRET"); env != "" && r.cfg != nil && !hasSecret(secrets, env) {
		res.add(StatusWarn, "AUTH_SECRET is set but is not among "+r.cfgName+"'s secrets: an Auth.js app using AUTH_SECRET cannot open authkit's tokens, nor authkit its",
			"use the same secret in both: write secret: ${AUTH_SECRET} in "+r.cfgName+", or unset AUTH_SECRET")
	}
	msg := fmt.Sprintf("%s from %s", plural(len(secrets[0].value), "byte"), showSource(secrets[0].source))
	if n := len(secrets) - 1; n > 0 {
		msg += fmt.Sprintf(", and %s for rotation (%s)", plural(n, "older secret"), showSources(secrets[1:]))
	}
	return res.done(msg)
}

func hasSecret(secrets []namedSecret, v string) bool {
	for _, s := range secrets {
		if s.value == v {
			return true
		}
	}
	return false
}

func showSources(secrets []namedSecret) string {
	var out []string
	for _, s := range secrets {
		out = append(out, showSource(s.source))
	}
	return strings.Join(out, ", ")
}

// distinct counts the distinct bytes of s.
func distinct(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

// fileMode warns when the file of a file:PATH reference (relative to the
// configuration file's directory) is readable by its group or others.
func (r *runner) fileMode(res *result, ref, what string) {
	if runtime.GOOS == "windows" || strings.Contains(ref, "${") {
		return
	}
	path := ref
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.configDir(), path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	if mode := st.Mode().Perm(); mode&0o044 != 0 {
		res.add(StatusWarn, fmt.Sprintf("%s %s is readable by other users (mode %04o)", what, path, mode), "chmod 600 "+path)
	}
}

// configDir is the directory of the configuration file, "." without one.
func (r *runner) configDir() string {
	if r.cfg == nil {
		return "."
	}
	abs, err := filepath.Abs(r.cfg.Path)
	if err != nil {
		return filepath.Dir(r.cfg.Path)
	}
	return filepath.Dir(abs)
}

// dotenvHint says which of names a dotenv file (.env, .env.local in the
// configuration file's directory or here) sets while the environment does
// not: authkit reads the environment only. Empty when none.
func (r *runner) dotenvHint(names ...string) string {
	dirs := []string{r.configDir()}
	if wd, err := filepath.Abs("."); err == nil && wd != dirs[0] {
		dirs = append(dirs, ".")
	}
	for _, dir := range dirs {
		for _, file := range []string{".env", ".env.local"} {
			path := filepath.Join(dir, file)
			data, err := readSmall(path)
			if err != nil {
				continue
			}
			var in []string
			for _, n := range names {
				if r.f.Getenv(n) != "" {
					continue
				}
				if v, ok, err := dotenv.Lookup(data, n); err == nil && ok && strings.TrimSpace(v) != "" {
					in = append(in, n)
				}
			}
			if len(in) == 0 {
				continue
			}
			if !filepath.IsAbs(path) && !strings.ContainsRune(path, filepath.Separator) {
				path = "." + string(filepath.Separator) + path
			}
			verb := "is"
			if len(in) > 1 {
				verb = "are"
			}
			return fmt.Sprintf("%s %s set in %s but not in the environment, and authkit reads the environment only: load the file first (set -a; . %s; set +a)", joinAnd(in), verb, path, path)
		}
	}
	return ""
}

// readSmall reads a regular file of at most 1 MiB.
func readSmall(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return io.ReadAll(io.LimitReader(fh, 1<<20))
}

// ---- providers ----

func (r *runner) checkProviders() []Check {
	if c, ok := r.noConfig("providers"); !ok {
		return []Check{c}
	}
	c := r.cfg
	if len(c.ProviderConfigs) == 0 {
		if c.Email == nil && !c.Credentials.Enabled && c.SIWE == nil {
			return []Check{warned("providers", "no way to sign in: no providers, and email, credentials and siwe are off",
				"add a provider to "+c.Path+", such as providers: [{id: github}] with AUTH_GITHUB_ID and AUTH_GITHUB_SECRET set (authkit init writes one)")}
		}
		return nil
	}
	out := make([]Check, 0, len(c.ProviderConfigs))
	for i := range c.ProviderConfigs {
		out = append(out, r.checkProvider(&c.ProviderConfigs[i]))
	}
	return out
}

func (r *runner) checkProvider(pc *config.ProviderConfig) Check {
	res := newResult("provider:" + pc.ID)
	where := fmt.Sprintf("%s, line %d", r.cfg.Path, pc.Line)
	p, err := r.cfg.Provider(pc.ID)
	if err != nil {
		return failed(res.name, errCause(err, "authkit: cannot use provider "+pc.ID+": "), "fix the entry in "+where)
	}
	idVar, secretVar, issuerVar := providers.EnvNames(pc.ID)
	var problems []providers.Problem
	if err := p.Validate(); err != nil {
		var ve *providers.ValidationError
		if !errors.As(err, &ve) {
			return failed(res.name, errCause(err, "authkit: cannot use provider "+pc.ID+": "), "fix the entry in "+where)
		}
		problems = ve.Problems
	}
	// A value the file reads from an unset variable (a lenient load):
	// that variable is the one to set.
	for _, u := range pc.Unset {
		i := slices.IndexFunc(problems, func(pr providers.Problem) bool { return pr.Field == unsetFields[u.Key] })
		if i < 0 {
			problems = append(problems, providers.Problem{Field: u.Key, Cause: u.Key + " reads ${" + u.Env + "}, which is not set", Env: u.Env})
			continue
		}
		if problems[i].Env != u.Env {
			problems[i].Env, problems[i].Fix = u.Env, ""
		}
	}
	if len(problems) > 0 {
		ve := &providers.ValidationError{Provider: pc.ID, Problems: problems}
		cause, fix := ve.CauseAndFix()
		if hint := r.dotenvHint(ve.Env()...); hint != "" {
			fix += "\n" + hint
		}
		return failed(res.name, cause+" (configured in "+where+")", fix)
	}
	idFrom := idVar
	if pc.ClientID != "" {
		idFrom = r.cfg.Path
	}
	secretFrom := secretVar
	if !pc.ClientSecret.IsZero() {
		secretFrom = showSource(pc.ClientSecret.Source())
		if path, ok := strings.CutPrefix(pc.ClientSecret.Source(), "file:"); ok {
			r.fileMode(res, path, "the client secret file")
		}
	}
	msg := fmt.Sprintf("%s (%s): client id from %s, client secret from %s", p.Name, p.Kind, idFrom, secretFrom)
	if p.Kind == providers.OIDC {
		msg += fmt.Sprintf(", issuer %s (from %s)", shownURL(p.Issuer), r.issuerFrom(pc, issuerVar))
	}
	return res.done(msg)
}

// unsetFields maps the keys of a providers entry to the fields of
// providers.Problem.
var unsetFields = map[string]string{
	"issuer": "Issuer", "client_id": "ClientID", "client_secret": "ClientSecret",
	"authorization_url": "AuthURL", "token_url": "TokenURL", "userinfo_url": "UserInfoURL",
}

// issuerFrom says where a provider's issuer comes from: the file, the
// catalogue, or AUTH_<ID>_ISSUER.
func (r *runner) issuerFrom(pc *config.ProviderConfig, issuerVar string) string {
	if pc.Issuer != "" {
		return r.cfg.Path
	}
	if tmpl, err := providers.Lookup(pc.Type); err == nil && tmpl.Issuer != "" {
		return "the catalogue"
	}
	return issuerVar
}

// ---- base URL and redirect URIs ----

func (r *runner) checkBaseURL() Check {
	const name = "base_url"
	if c, ok := r.noConfig(name); !ok {
		return c
	}
	c := r.cfg
	res := newResult(name)
	if c.BaseURL == "" {
		fix := "set base_url: to the app's public URL in " + c.Path + ", such as https://app.example.com (http://localhost:3000 in development)"
		for _, v := range []string{"AUTH_URL", "NEXTAUTH_URL"} {
			if u, err := url.Parse(strings.TrimSpace(r.f.Getenv(v))); err == nil && u.Host != "" {
				fix = "set base_url: " + u.Scheme + "://" + u.Host + " in " + c.Path + ", the origin of " + v
				break
			}
		}
		return warned(name, "base_url is not set, so the redirect URIs and cookie security depend on where authkit serve listens", fix)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return failed(name, "base_url is not a URL", "fix base_url in "+c.Path)
	}
	if u.Scheme != "https" && !isLocal(u.Hostname()) {
		res.add(StatusFail, "base_url "+c.BaseURL+" is plain http on a public host: providers refuse http redirect URIs outside localhost, and cookies would travel unencrypted",
			"use https: base_url: https://"+u.Host+u.Path)
	}
	path := strings.TrimRight(u.Path, "/")
	suffixes := []string{c.Serve.BasePath, "/api/auth", "/auth"}
	slices.SortStableFunc(suffixes, func(a, b string) int { return len(b) - len(a) })
	for _, suffix := range suffixes {
		if path == suffix || strings.HasSuffix(path, suffix) {
			res.add(StatusWarn, "base_url already ends in "+suffix+", and serve.base_path "+c.Serve.BasePath+" is added to it: the auth routes are at "+c.AuthURL(),
				"write base_url without the auth path ("+strings.TrimSuffix(c.BaseURL, suffix)+"); serve.base_path adds it")
			break
		}
	}
	for _, v := range []string{"AUTH_URL", "NEXTAUTH_URL"} {
		env := strings.TrimRight(strings.TrimSpace(r.f.Getenv(v)), "/")
		if env == "" || env == c.BaseURL || env == c.AuthURL() {
			continue
		}
		res.add(StatusWarn, v+" is "+shownURL(env)+" but base_url is "+c.BaseURL+" (auth routes at "+c.AuthURL()+"): an Auth.js app reading "+v+" builds other redirect URIs and cookies",
			"make them agree: set "+v+"="+c.AuthURL()+", or change base_url in "+c.Path)
	}
	msg := c.BaseURL + ": auth routes at " + c.AuthURL()
	if u.Scheme == "http" {
		msg += " (plain http on " + u.Hostname() + ": for development only)"
	}
	return res.done(msg)
}

// nextAuthRoutes are the files of a Next.js app that mount Auth.js at
// /api/auth.
var nextAuthRoutes = []string{
	"app/api/auth/[...nextauth]/route.ts", "app/api/auth/[...nextauth]/route.js",
	"src/app/api/auth/[...nextauth]/route.ts", "src/app/api/auth/[...nextauth]/route.js",
	"pages/api/auth/[...nextauth].ts", "pages/api/auth/[...nextauth].js",
	"src/pages/api/auth/[...nextauth].ts", "src/pages/api/auth/[...nextauth].js",
}

// nextRoute returns the Next.js route file next to authkit.yaml that
// serves Auth.js at /api/auth, or "".
func (r *runner) nextRoute() string {
	for _, f := range nextAuthRoutes {
		p := filepath.Join(r.configDir(), filepath.FromSlash(f))
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

func (r *runner) checkRedirects() Check {
	const name = "redirects"
	if c, ok := r.noConfig(name); !ok {
		return c
	}
	c := r.cfg
	res := newResult(name)
	if route := r.nextRoute(); route != "" && c.Serve.BasePath != "/api/auth" {
		res.add(StatusWarn, "the Next.js app serves Auth.js at /api/auth ("+route+"), but serve.base_path is "+c.Serve.BasePath+": authkit's redirect URIs and the app's differ",
			"set serve.base_path: /api/auth in "+c.Path)
	}
	if len(c.ProviderConfigs) == 0 {
		return res.done("no OAuth providers, so no redirect URI to register")
	}
	var uris []string
	for _, pc := range c.ProviderConfigs {
		p := &providers.Provider{ID: pc.ID}
		if c.BaseURL == "" {
			uris = append(uris, pc.ID+" <base_url>"+p.CallbackPath(c.Serve.BasePath))
		} else {
			uris = append(uris, pc.ID+" "+c.BaseURL+p.CallbackPath(c.Serve.BasePath))
		}
	}
	if c.BaseURL == "" && res.status == StatusOK {
		return skipped(name, "base_url is not set (see base_url); the redirect URIs will be "+strings.Join(uris, ", "))
	}
	return res.done("register at each provider's console: " + strings.Join(uris, ", "))
}

// ---- discovery ----

func (r *runner) checkDiscovery() []Check {
	if r.cfg == nil {
		return nil
	}
	type job struct {
		name, from string
		p          *providers.Provider
	}
	var out []Check
	var jobs []job
	for i := range r.cfg.ProviderConfigs {
		pc := &r.cfg.ProviderConfigs[i]
		p, err := r.cfg.Provider(pc.ID)
		if err != nil || p.Kind != providers.OIDC {
			continue
		}
		name := "discovery:" + pc.ID
		_, _, issuerVar := providers.EnvNames(pc.ID)
		switch {
		case p.Issuer == "":
			out = append(out, skipped(name, "no issuer (see provider:"+pc.ID+")"))
		case p.AuthURL != "" && p.TokenURL != "" && p.JWKSURL != "":
			out = append(out, skipped(name, "the endpoints are configured, so discovery is not used"))
		default:
			out = append(out, Check{Name: name})
			jobs = append(jobs, job{name: name, from: r.issuerFrom(pc, issuerVar), p: p})
		}
	}
	// The documents are fetched at once, so that several unreachable
	// providers cost one timeout, not one each.
	results := make([]Check, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { results[i] = r.discover(j.name, j.p, j.from) })
	}
	wg.Wait()
	for _, c := range results {
		for i := range out {
			if out[i].Name == c.Name {
				out[i] = c
			}
		}
	}
	return out
}

func (r *runner) discover(name string, p *providers.Provider, from string) Check {
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	doc := shownURL(providers.DiscoveryURL(p.Issuer))
	start := time.Now()
	err := providers.Discover(ctx, r.client, p.Clone())
	if err == nil {
		return ok(name, fmt.Sprintf("%s answered in %s: the issuer matches, the endpoints are usable", doc, time.Since(start).Round(time.Millisecond)))
	}
	if r.ctx.Err() != nil {
		return skipped(name, "cancelled")
	}
	if cause, off := offline(err, r.timeout); off {
		msg := "could not reach " + doc + ": " + cause
		if r.o.Online {
			return failed(name, msg, "check the network and the issuer (from "+from+"), then run authkit doctor again")
		}
		return skipped(name, "offline? "+msg+" (--online makes this a failure)")
	}
	return failed(name, errCause(err, "authkit: cannot discover provider "+p.ID+": "), "check the issuer of "+p.ID+" (from "+from+")")
}

// offline reports a failure below HTTP (DNS, a refused or cut connection,
// a timeout), and says what it was.
func offline(err error, timeout time.Duration) (string, bool) {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within " + timeout.String(), true
	case errors.As(err, &dns):
		return dns.Error(), true
	case errors.As(err, &op):
		return op.Error(), true
	}
	return "", false
}

// ---- database ----

// storeUses lists the features of authkit.yaml that need a database.
func (r *runner) storeUses() []string {
	c := r.cfg
	if c == nil {
		return nil
	}
	var out []string
	if c.Session.Strategy == config.StrategyDatabase {
		out = append(out, "database sessions")
	}
	if c.Session.Revocation {
		out = append(out, "session revocation")
	}
	if c.Credentials.Enabled {
		out = append(out, "password sign-in")
	}
	if c.Email != nil {
		out = append(out, "email sign-in")
	}
	if c.SIWE != nil {
		out = append(out, "Sign-In with Ethereum")
	}
	return out
}

// servesStore reports whether authkit serve opens the database with this
// configuration (as serve does: a configured URL, or a feature needing it).
func (r *runner) servesStore() bool {
	c := r.cfg
	return c != nil && (c.Database.URL.Value() != "" || r.f.DatabaseURL != "" || len(r.storeUses()) > 0)
}

// strategy is the session strategy authkit serve would use.
func (r *runner) strategy() config.Strategy {
	switch {
	case r.cfg != nil && r.cfg.Session.Strategy != "":
		return r.cfg.Session.Strategy
	case r.servesStore():
		return config.StrategyDatabase
	}
	return config.StrategyJWT
}

func (r *runner) checkDatabase() Check {
	const name = "database"
	raw, source := r.f.DatabaseSource()
	independent := source == "--database-url" || source == "AUTHKIT_DATABASE_URL"
	if r.cfgErr != nil && !independent {
		return skipped(name, r.cfgName+" is not valid (see config), so the database in force is not known")
	}
	uses := r.storeUses()
	if raw == sqlstore.DefaultURL && r.f.DatabaseURL == "" && r.f.Getenv("AUTHKIT_DATABASE_URL") == "" && r.f.Getenv("DATABASE_URL") == "" &&
		(r.cfg == nil || r.cfg.Database.URL.Value() == "") && len(uses) == 0 {
		if _, err := os.Stat("authkit.db"); err != nil {
			return skipped(name, "no database is configured, and JWT sessions need none (set database.url, AUTHKIT_DATABASE_URL or DATABASE_URL to keep users)")
		}
	}
	shown := sqlstore.RedactURL(raw) + " (from " + source + ")"
	st, err := r.f.OpenStore(r.ctx, sqlstore.Options{AllowUnmigrated: true, ConnectTimeout: r.dbTimeout()})
	if err != nil {
		var ce *cmdutil.Error
		if errors.As(err, &ce) {
			return failed(name, "cannot "+ce.Action+": "+errString(ce.Err), ce.Fix)
		}
		return failed(name, "cannot open "+shown+": "+err.Error(), "")
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(r.ctx, r.dbTimeout())
	defer cancel()
	status, err := st.Status(ctx)
	if err != nil {
		return failed(name, shown+": cannot read the migration status: "+err.Error(), cmdutil.StoreFix(err))
	}
	res := newResult(name)
	var msg string
	if status.Profile == sqlstore.ProfileAuthkit {
		if !status.UpToDate() {
			res.add(StatusFail, fmt.Sprintf("%s: %s pending (version %d of %d)", shown, plural(len(status.Pending), "migration"), status.Current, status.Latest),
				"run authkit db migrate")
		}
		msg = fmt.Sprintf("%s: %s, authkit schema version %d of %d", shown, status.Engine, status.Current, status.Latest)
	} else {
		msg = fmt.Sprintf("%s: %s, Auth.js schema %s (authkit uses it as it is and never migrates it)", shown, status.Engine, status.Profile)
		var need []string
		if r.cfg != nil && r.cfg.Session.Revocation {
			need = append(need, "session.revocation")
		}
		if r.cfg != nil && r.cfg.Credentials.Enabled {
			need = append(need, "credentials.enabled (password sign-in)")
		}
		if len(need) > 0 {
			res.add(StatusFail, joinAnd(need)+" need the authkit schema, and this database has the "+status.Profile+" schema",
				"turn them off in "+r.cfgName+", or use a database of the authkit schema (authkit db migrate)")
		}
	}
	if len(uses) > 0 {
		msg += "; used for " + joinAnd(uses)
	}
	return res.done(msg)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ---- cookies and session size ----

// baseURL is the public URL the cookies are set for: base_url, or
// without authkit.yaml the Auth.js variables.
func (r *runner) baseURL() (string, string) {
	if r.cfg != nil {
		return r.cfg.BaseURL, "base_url"
	}
	for _, v := range []string{"AUTH_URL", "NEXTAUTH_URL"} {
		if s := strings.TrimSpace(r.f.Getenv(v)); s != "" {
			return s, v
		}
	}
	return "", ""
}

// version is the Auth.js cookie version of the session encoding.
func (r *runner) version() session.Version {
	if r.cfg != nil && r.cfg.Session.Encoding == config.EncodingAuthJSv4 {
		return session.V4
	}
	return session.V5
}

func (r *runner) secure() bool {
	base, _ := r.baseURL()
	u, err := url.Parse(base)
	return err == nil && u.Scheme == "https"
}

func (r *runner) checkCookies() Check {
	const name = "cookies"
	if r.cfgErr != nil {
		c, _ := r.noConfig(name)
		return c
	}
	base, from := r.baseURL()
	v := r.version()
	if base == "" {
		if r.cfg == nil {
			return skipped(name, "no "+config.FileName+" and no AUTH_URL, so the public URL (and whether cookies are Secure) is not known")
		}
		return warned(name, "base_url is not set: authkit serve then uses its http listen address, and cookies get no Secure flag ("+session.Names(v, false).SessionToken+")",
			"set base_url to the app's https URL in "+r.cfg.Path)
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return failed(name, from+" is not an absolute URL", "set "+from+" to the app's public URL, such as https://app.example.com")
	}
	if u.Scheme == "https" {
		n := session.Names(v, true)
		return ok(name, fmt.Sprintf("https: Secure, HttpOnly, SameSite=Lax, with the __Secure- prefix (%s, %s)", n.SessionToken, n.CSRFToken))
	}
	n := session.Names(v, false)
	if isLocal(u.Hostname()) {
		return ok(name, fmt.Sprintf("http on %s: no Secure flag and no __Secure- prefix (%s), fine for development; production needs https", u.Hostname(), n.SessionToken))
	}
	return warned(name, fmt.Sprintf("http on the public host %s: cookies (%s) would be sent unencrypted, without Secure or the __Secure- prefix", u.Hostname(), n.SessionToken),
		"use an https "+from)
}

// A plausible large user: the claims Auth.js puts in a session token
// (name, email, picture, sub) at the sizes real profiles reach.
var typicalClaims = session.Claims{
	"name":    "Maximiliane Konstantinopoulou-Vandenberghe de la Fontaine-Okafor",                                                                                                                                         // 64 characters
	"email":   "maximiliane.konstantinopoulou@engineering.example-company.com",                                                                                                                                            // 61
	"picture": "https://lh3.googleusercontent.com/a/ACg8ocJ7Zq4mXbT2vN9pR1sW5yK8dF3hL6uE0oC4iG7aB2nM9xQ1vZ5tR8yU3wE6rT0pL4kJ7hG2fD5sA8qW1eR4tY7uI0oP3aS6dF9gH2jK5lZ8xC1vB4nM7qW0eR3tY6uI9oP2aS5dF8gH1jK4lZ7xC0vB3n=s96-c", // 200
	"sub":     "0f8fad5b-d9cb-469f-a165-70867728950e",
}

func (r *runner) checkSession() Check {
	const name = "session"
	if r.cfgErr != nil {
		c, _ := r.noConfig(name)
		return c
	}
	v := r.version()
	n := session.Names(v, r.secure())
	if r.strategy() == config.StrategyDatabase {
		return ok(name, "database sessions: the cookie "+n.SessionToken+" holds a random 43-character token, the session lives in the database")
	}
	enc := config.EncodingAuthJS
	maxAge := config.DefaultMaxAge
	if r.cfg != nil {
		enc, maxAge = r.cfg.Session.Encoding, r.cfg.Session.MaxAge
	}
	res := newResult(name)
	var codec session.Codec
	var err error
	switch enc {
	case config.EncodingJWS:
		var keys []session.Key
		keys, err = session.LoadKeys(r.ctx, r.cfg.Session.JWSKey, r.cfg.Session.JWSAlg, nil)
		if err != nil {
			return failed(name, errCause(err, "authkit: "), "fix session.jws.key in "+r.cfg.Path)
		}
		if exposed, mode, err := session.KeyFileExposed(r.cfg.Session.JWSKey, keys); err == nil && exposed {
			res.add(StatusWarn, fmt.Sprintf("the signing key %s is readable by other users (mode %04o)", r.cfg.Session.JWSKey, mode), "chmod 600 "+r.cfg.Session.JWSKey)
		}
		codec, err = session.NewJWS(keys)
	default:
		secrets := r.secrets()
		if len(secrets) == 0 {
			return skipped(name, "no secret to seal a session token with (see secret)")
		}
		values := make([]string, len(secrets))
		for i, s := range secrets {
			values[i] = s.value
		}
		if v == session.V4 {
			codec, err = session.NewAuthJSv4(values)
		} else {
			codec, err = session.NewAuthJS(values, n.SessionToken)
		}
	}
	var tok string
	if err == nil {
		tok, err = codec.Encode(typicalClaims, session.EncodeOptions{Now: r.f.Now(), MaxAge: maxAge})
	}
	if err != nil {
		fix := "check session.encoding and its key in " + r.cfgName
		if enc != config.EncodingJWS {
			fix = "check the secret (see secret)"
		}
		return failed(name, "cannot encode a session token ("+string(enc)+"): "+errCause(err, "authkit: cannot "), fix)
	}
	size, chunk := len(tok), session.ChunkSize(v)
	chunks := (size + chunk - 1) / chunk
	if chunks > 1 {
		res.add(StatusWarn, fmt.Sprintf("jwt sessions (%s): a typical session token is %d bytes, more than the %d of one cookie, so it is split in %d cookies (%s.0, %s.1, ...)",
			enc, size, chunk, chunks, n.SessionToken, n.SessionToken),
			"keep fewer claims in the session token, or use database sessions (session.strategy: database)")
	}
	return res.done(fmt.Sprintf("jwt sessions (%s): a typical session token is %d bytes, one cookie %s (at most %d bytes each)", enc, size, n.SessionToken, chunk))
}

// ---- email and SIWE ----

func (r *runner) checkEmail() Check {
	const name = "email"
	e := r.cfg.Email
	raw := e.SMTPURL.Value()
	if raw == "" {
		return failed(name, "email sign-in is on, but email.smtp_url is not set",
			"set email.smtp_url: ${SMTP_URL} in "+r.cfg.Path+" with SMTP_URL=smtp://user:password@smtp.example.com:587, or remove the email section")
	}
	sc, err := mail.ParseURL(raw)
	if err != nil {
		return failed(name, "email.smtp_url (from "+showSource(e.SMTPURL.Source())+"): "+errCause(err, "authkit: cannot read the SMTP URL: "),
			"fix email.smtp_url in "+r.cfg.Path)
	}
	if _, err := mail.NewSMTP(*sc); err != nil {
		return failed(name, "email.smtp_url: "+errCause(err, "authkit: cannot set up the SMTP sender: "), "fix email.smtp_url in "+r.cfg.Path)
	}
	server := sc.Redacted()
	msg := fmt.Sprintf("magic links from %s through %s, valid for %s", e.From, server, session.Span(e.MaxAge))
	if !r.o.Online {
		return ok(name, msg+"; the server was not contacted (--online dials it)")
	}
	port := sc.Port
	if port == 0 {
		port = mail.SubmissionPort
		if sc.ImplicitTLS {
			port = mail.SubmissionsPort
		}
	}
	addr := net.JoinHostPort(sc.Host, strconv.Itoa(port))
	d := net.Dialer{Timeout: r.timeout}
	conn, err := d.DialContext(r.ctx, "tcp", addr)
	if err != nil {
		return failed(name, "cannot reach the SMTP server "+addr+": "+err.Error(), "check email.smtp_url and the network")
	}
	conn.Close()
	return ok(name, msg+"; "+addr+" accepts connections (no message was sent)")
}

func (r *runner) checkSIWE() Check {
	const name = "siwe"
	s := r.cfg.SIWE
	msg := fmt.Sprintf("domain %s, chain ids %s", s.Domain, joinInts(s.ChainIDs))
	if r.cfg.BaseURL == "" {
		return ok(name, msg)
	}
	u, err := url.Parse(r.cfg.BaseURL)
	if err == nil && !strings.EqualFold(u.Host, s.Domain) {
		return warned(name, "siwe.domain "+s.Domain+" is not base_url's host "+u.Host+": wallets put the host of the page that asks into the message, so sign-ins from "+u.Host+" would be refused",
			"set siwe.domain: "+u.Host+" in "+r.cfg.Path+" (or remove it: it defaults to base_url's host), unless the wallet page really is on "+s.Domain)
	}
	return ok(name, msg)
}

// ---- helpers ----

// showSource names where a secret came from: AUTH_SECRET for
// "${AUTH_SECRET}", file:PATH as it is.
func showSource(src string) string {
	if strings.HasPrefix(src, "${") && strings.HasSuffix(src, "}") && !strings.Contains(src[2:len(src)-1], "$") {
		return src[2 : len(src)-1]
	}
	return src
}

// shownURL is raw without user information, query or fragment.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment = nil, "", false, ""
	return u.String()
}

// isLocal reports a host that is this machine: localhost (and its
// subdomains) or a loopback address.
func isLocal(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func joinAnd(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

func joinInts(ns []int64) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, ", ")
}

// dbTimeout bounds the database check: --timeout, but never under
// DefaultTimeout, since opening a local SQLite file on a loaded machine
// can take longer than a short network timeout.
func (r *runner) dbTimeout() time.Duration { return max(r.timeout, DefaultTimeout) }
