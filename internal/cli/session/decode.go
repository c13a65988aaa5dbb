package session

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	authsession "github.com/authkit-dev/authkit/pkg/session"
	"github.com/spf13/cobra"
)

// DecodeOptions are the inputs of `authkit session decode`.
type DecodeOptions struct {
	// Token is the argument: the token, or "" / "-" for stdin.
	Token      string
	Cookie     string
	CookieName string
	Salt       string
	Format     string
	Secrets    secretFlags
	Keys       []string
	JWKS       []string
	At         string
	JSON       bool
}

const decodeAction = "decode the session token"

func newCmdDecode(f *cmdutil.Factory) *cobra.Command {
	opts := &DecodeOptions{}
	cmd := &cobra.Command{
		Use:   "decode [<token> | -]",
		Short: "Decrypt or verify a session token and show what it holds",
		Long: `Opens a session token (an Auth.js v5 or next-auth v4 JWE, or a signed JWT)
and shows its format, which secret and salt opened it, when it was issued and
expires, its size in cookies, its largest claims (the top three, or five
listed when it nears the cookie budget), and its claims in their own order.

The token comes from stdin (no argument, or -), from the argument (visible to
other users of the machine: authkit warns), or with --cookie from a whole
Cookie header, whose session cookie (chunks .0, .1, ... joined) is read. A
terminal takes at most 4095 bytes in one line (1023 on macOS): pipe a longer
token on stdin (pbpaste | authkit session decode) rather than pasting it.

Secrets come from the environment as Auth.js reads them (AUTH_SECRET,
AUTH_SECRET_1..3, NEXTAUTH_SECRET: all are tried, newest first; on next-auth
v4 tokens NEXTAUTH_SECRET, then AUTH_SECRET, first, as v4 reads them), or from
--secret-file and --secret-env; never from a flag value. Without --salt or
--cookie-name, the Auth.js v5 salts (authjs.session-token and
__Secure-authjs.session-token) and next-auth v4 are tried; with --cookie the
cookie's own name is the salt. Signed tokens (JWS) are verified with --key or
--jwks, or, for HS256/384/512, with the secrets as HMAC keys.

Exit status: 0 for a valid token; 4 for one that is expired, not valid yet,
without exp, tampered, made under another secret, salt or key, unsigned (alg
"none") or of an alg authkit never verifies, or not a token (an opened
token's claims are still printed, marked); 1 when no secret or key is set;
2 when no token is given (empty input) or the terminal cut the paste.

With --json it prints
  {format, header, claims, salt, secretIndex, secretSource, issuedAt,
   expiresAt, expired, problem, size, chunkSize, chunks, largestClaims}
where header and claims are the token's own JSON (members in their order),
salt is null for a JWS, times are RFC 3339 in UTC (null when absent),
problem is null for a valid token, and largestClaims lists the five biggest
claims as {name, bytes}.`,
		Example: `  authkit session decode < token.txt
  pbpaste | authkit session decode --json
  authkit session decode --cookie - < cookie-header.txt
  authkit session decode --secret-file .env.local --at 2026-01-01T00:00:00Z < token.txt
  authkit session decode --jwks https://auth.example.com/jwks < token.txt`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if strings.TrimSpace(args[0]) == "" {
					return noToken("the argument is empty")
				}
				opts.Token = args[0]
			}
			return runDecode(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Cookie, "cookie", "", "read the token from this Cookie `header` ('name=value; ...'), or from stdin with -")
	fl.StringVar(&opts.CookieName, "cookie-name", "", "the session cookie's `name`, which is also the v5 salt")
	fl.StringVar(&opts.Salt, "salt", "", "the v5 HKDF `salt` (Auth.js uses the session cookie name)")
	fl.StringVar(&opts.Format, "format", "", "only try this `format`: authjs, authjs-v4 or jws (default: all)")
	opts.Secrets.register(cmd)
	fl.StringArrayVar(&opts.Keys, "key", nil, "verify signed tokens with the key in this `file` or URL (PEM, JWK or JWKS; repeatable)")
	fl.StringArrayVar(&opts.JWKS, "jwks", nil, "verify signed tokens with the JWKS at this `file` or URL (repeatable)")
	fl.StringVar(&opts.At, "at", "", "judge expiry at this `time` (RFC 3339 or Unix seconds; default now)")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.MarkFlagsMutuallyExclusive("salt", "cookie-name")
	return cmd
}

// decodePlan is what decode tries: the tokens found and how to open them.
type decodePlan struct {
	opts    *DecodeOptions
	format  authsession.Format
	now     time.Time
	secrets loadedSecrets
	keys    []sourcedKey
}

type sourcedKey struct {
	key    authsession.Key
	source string
}

// candidate is a token to open, and the cookie it came from.
type candidate struct {
	token  string
	cookie string
}

// failure is why a token did not open, kept to report the most telling.
type failure struct {
	err  error
	cand candidate
	jwe  bool
}

func runDecode(cmd *cobra.Command, f *cmdutil.Factory, opts *DecodeOptions) error {
	p, err := newDecodePlan(cmd, f, opts)
	if err != nil {
		return err
	}
	cands, fails, err := p.candidates(f)
	if err != nil {
		return err
	}
	if err := p.loadCredentials(cmd.Context(), f, cands); err != nil {
		return err
	}
	for _, c := range cands {
		t, op, err := p.open(c, &fails)
		if err != nil {
			return err
		}
		if t != nil {
			return p.show(f, t, op)
		}
	}
	return p.failed(fails)
}

func newDecodePlan(cmd *cobra.Command, f *cmdutil.Factory, opts *DecodeOptions) (*decodePlan, error) {
	usage := func(format string, args ...any) error { return cmdutil.UsageOf(cmd, fmt.Errorf(format, args...)) }
	format, err := parseFormat(opts.Format)
	if err != nil {
		return nil, cmdutil.UsageOf(cmd, err)
	}
	fl := cmd.Flags()
	switch {
	case opts.Token != "" && fl.Changed("cookie"):
		return nil, usage("give the token as an argument or --cookie, not both")
	case fl.Changed("cookie") && opts.Cookie == "":
		return nil, usage("--cookie needs a Cookie header, or - to read it from stdin")
	case fl.Changed("salt") && opts.Salt == "":
		return nil, usage("--salt is empty; Auth.js v5 salts with the session cookie name")
	case opts.Salt != "" && (format == authsession.FormatAuthJSv4 || format == authsession.FormatJWS):
		return nil, usage("--salt is for Auth.js v5 tokens (--format authjs); %s tokens have no salt", format)
	case (len(opts.Keys) > 0 || len(opts.JWKS) > 0) && format != "" && format != authsession.FormatJWS:
		return nil, usage("--key and --jwks verify signed tokens (--format jws)")
	}
	if fl.Changed("cookie-name") {
		if err := checkCookieName("--cookie-name", opts.CookieName); err != nil {
			return nil, cmdutil.UsageOf(cmd, err)
		}
	}
	if err := cmdutil.CheckText(decodeAction, "--salt", opts.Salt); err != nil {
		return nil, err
	}
	p := &decodePlan{opts: opts, format: format, now: f.Now()}
	if opts.At != "" {
		if p.now, err = parseAt(opts.At); err != nil {
			return nil, cmdutil.UsageOf(cmd, err)
		}
	}
	return p, nil
}

// noToken is the usage error (exit 2) for empty input: an empty argument,
// or nothing on stdin.
func noToken(why string) error {
	return cmdutil.Usage(decodeAction, "pipe the token on stdin (authkit session decode < token.txt), or a whole Cookie header with --cookie - < cookie.txt",
		"no token was given: %s", why)
}

// pasteFix says how to give a token too long for a terminal line.
const pasteFix = "pbpaste | authkit session decode, or authkit session decode < token.txt"

// argvWarning is printed when the token or cookie header is an argument.
const argvWarning = "authkit: warning: a token in the command line is visible to other users of this machine (process list, shell history); pipe it on stdin instead: authkit session decode < token.txt"

// candidates reads the input: the token (argument or stdin), or the
// session cookies of a Cookie header. Cookies that cannot be joined are
// returned as failures.
func (p *decodePlan) candidates(f *cmdutil.Factory) ([]candidate, []failure, error) {
	opts := p.opts
	if opts.Cookie == "" {
		token := opts.Token
		if token == "" || token == "-" {
			in, err := readStdin(f, "Paste the session token, then press Enter:")
			switch {
			case errors.Is(err, errTerminalCut):
				return nil, nil, terminalCut(decodeAction, "the token", pasteFix)
			case err != nil:
				return nil, nil, cmdutil.Fail(decodeAction, fmt.Errorf("read stdin: %w", err), "pipe the token on stdin, or give it as the argument")
			}
			token = in
			if strings.TrimSpace(token) == "" {
				return nil, nil, noToken("stdin is empty")
			}
		} else {
			fmt.Fprintln(f.IO.ErrOut, argvWarning)
		}
		token = strings.TrimSpace(token)
		return []candidate{{token: token, cookie: opts.CookieName}}, nil, nil
	}
	header := opts.Cookie
	if header == "-" {
		in, err := readStdin(f, "Paste the Cookie header, then press Enter:")
		switch {
		case errors.Is(err, errTerminalCut):
			return nil, nil, terminalCut(decodeAction, "the Cookie header", "pbpaste | authkit session decode --cookie -, or authkit session decode --cookie - < cookie.txt")
		case err != nil:
			return nil, nil, cmdutil.Fail(decodeAction, fmt.Errorf("read stdin: %w", err), "pipe the Cookie header on stdin")
		}
		header = in
		if strings.TrimSpace(header) == "" {
			return nil, nil, cmdutil.Usage(decodeAction, "pipe the Cookie header on stdin: authkit session decode --cookie - < cookie.txt",
				"no Cookie header was given: stdin is empty")
		}
	} else {
		fmt.Fprintln(f.IO.ErrOut, strings.Replace(argvWarning, "< token.txt", "--cookie - < cookie.txt", 1))
	}
	return p.cookieCandidates(header)
}

func (p *decodePlan) cookieCandidates(header string) ([]candidate, []failure, error) {
	cookies, err := authsession.ParseCookieHeader(header)
	if err != nil {
		return nil, nil, credentialError(fmt.Errorf("the Cookie header: %w", err), "give the value of the Cookie request header: 'name=value; name2=value2'")
	}
	names := slices.Concat(namesV5[1:], namesV5[:1], namesV4[1:], namesV4[:1])
	if p.opts.CookieName != "" {
		names = []string{p.opts.CookieName}
	}
	var cands []candidate
	var fails []failure
	for _, name := range names {
		token, err := authsession.ReadChunked(cookies, name, 0)
		switch {
		case errors.Is(err, authsession.ErrNoToken):
		case err != nil:
			fails = append(fails, failure{err: err, cand: candidate{cookie: name}})
		default:
			cands = append(cands, candidate{token: token, cookie: name})
		}
	}
	if len(cands) == 0 && len(fails) == 0 {
		return nil, nil, credentialError(fmt.Errorf("no session cookie in the Cookie header (looked for %s)", strings.Join(names, ", ")),
			"name the session cookie with --cookie-name")
	}
	return cands, fails, nil
}

func credentialError(err error, fix string) error {
	return &cmdutil.Error{Action: decodeAction, Err: err, Fix: fix, Code: cmdutil.ExitCredential}
}

// shape tells a JWE (five parts) from a JWS (three).
func shape(token string) (jwe, jws bool) {
	switch strings.Count(token, ".") {
	case 4:
		return true, false
	case 2:
		return false, true
	}
	return false, false
}

// loadCredentials loads the secrets and keys the candidates need, and
// fails when a token cannot be opened for want of them (exit 1).
func (p *decodePlan) loadCredentials(ctx context.Context, f *cmdutil.Factory, cands []candidate) error {
	var err error
	if p.secrets, err = p.opts.Secrets.load(f, decodeAction); err != nil {
		return err
	}
	sources := append(slices.Clone(p.opts.Keys), p.opts.JWKS...)
	for _, src := range sources {
		if err := cmdutil.CheckText(decodeAction, "--key", src); err != nil {
			return err
		}
		keys, err := authsession.LoadKeys(ctx, src, "", nil)
		if err != nil {
			return cmdutil.Fail(decodeAction, errors.New(strings.TrimPrefix(err.Error(), "authkit: ")), "give --key a PEM, JWK or JWKS file, or --jwks the https:// URL of a JWKS")
		}
		warnExposed(f, src, keys)
		for _, k := range keys {
			p.keys = append(p.keys, sourcedKey{key: k, source: src})
		}
	}
	for _, c := range cands {
		jwe, jws := shape(c.token)
		jwe = jwe && p.format != authsession.FormatJWS
		jws = jws && (p.format == "" || p.format == authsession.FormatJWS) && len(p.keys) == 0 && verifiable(peekAlg(c.token))
		hmac := strings.HasPrefix(peekAlg(c.token), "HS")
		switch {
		case jwe && len(p.secrets.v5) == 0:
			return cmdutil.Fail(decodeAction, errors.New("no secret: none of AUTH_SECRET, AUTH_SECRET_1..3 or NEXTAUTH_SECRET is set"), fixNoSecret)
		case jws && !hmac:
			return cmdutil.Fail(decodeAction, fmt.Errorf("no key: the token is signed (JWS, alg %s)", cmdutil.Quote(peekAlg(c.token))),
				"pass the public key with --key FILE, or the key set with --jwks FILE|URL")
		case jws && len(p.secrets.v5) == 0:
			return cmdutil.Fail(decodeAction, errors.New("no secret or key for the signed token (JWS)"),
				"pass --key FILE or --jwks FILE|URL, or set AUTH_SECRET when the token is signed with it (HS256)")
		}
	}
	return nil
}

func warnExposed(f *cmdutil.Factory, src string, keys []authsession.Key) {
	if exposed, mode, err := authsession.KeyFileExposed(src, keys); err == nil && exposed {
		fmt.Fprintf(f.IO.ErrOut, "authkit: warning: the key file %s holds private material and is readable by other users (mode %04o); run chmod 600 %s\n",
			cmdutil.Quote(src), mode, cmdutil.Safe(src))
	}
}

// verifiableAlgs are the JWS algorithms pkg/session verifies (its
// allow-list; TestVerifiableAlgs keeps the two in step). A JWS of any other
// alg ("none" among them) is refused whatever the keys: a bad token (exit
// 4), never a missing key (exit 1).
var verifiableAlgs = []string{"HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"}

func verifiable(alg string) bool { return slices.Contains(verifiableAlgs, alg) }

// probeSecret is the HMAC key of the codec that refuses a JWS of an alg
// no key verifies. It is public, and so verifies nothing: refused reports
// an error even if the codec opened the token.
var probeSecret = []byte("authkit-probe-key-that-verifies-nothing-it-is-public-in-the-source")

// refused returns why a JWS whose alg no key verifies is refused, in the
// codec's own words: "alg \"none\": unsigned tokens are never accepted".
func refused(token string) error {
	k, err := authsession.HMACKey(probeSecret, "HS256")
	if err != nil {
		return err
	}
	codec, err := authsession.NewJWS([]authsession.Key{k})
	if err != nil {
		return err
	}
	if _, err := codec.Open(token); err != nil {
		return err
	}
	return fmt.Errorf("%w: alg %s is not one authkit verifies", authsession.ErrUnsupported, cmdutil.Quote(peekAlg(token)))
}

// peekAlg returns the alg of a compact token's header, "" when unreadable.
func peekAlg(token string) string {
	seg, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	return h.Alg
}

// opener is one way to open a token: a codec, and the sources of the
// secrets or keys it holds, by index.
type opener struct {
	codec   authsession.Codec
	sources []string
}

// openers lists the codecs to try on c, most likely first.
func (p *decodePlan) openers(c candidate) ([]opener, error) {
	jwe, jws := shape(c.token)
	switch {
	case jws:
		return p.jwsOpeners(c.token)
	case !jwe:
		return nil, nil
	}
	var out []opener
	if p.format == "" || p.format == authsession.FormatAuthJS {
		values, sources := split(p.secrets.v5)
		for _, salt := range p.salts(c) {
			codec, err := authsession.NewAuthJS(values, salt)
			if err != nil {
				return nil, codecError(err)
			}
			out = append(out, opener{codec, sources})
		}
	}
	if p.format == authsession.FormatAuthJSv4 || (p.format == "" && p.opts.Salt == "") {
		values, sources := split(p.secrets.v4)
		codec, err := authsession.NewAuthJSv4(values)
		if err != nil {
			return nil, codecError(err)
		}
		v4 := opener{codec, sources}
		if slices.Contains(namesV4, c.cookie) {
			return append([]opener{v4}, out...), nil
		}
		out = append(out, v4)
	}
	return out, nil
}

// split returns the values of secrets and their sources, in order.
func split(secrets []authsession.Secret) (values, sources []string) {
	for _, s := range secrets {
		sources = append(sources, s.Source)
	}
	return authsession.Values(secrets), sources
}

// salts are the v5 salts to try for c: --salt, else the cookie's name,
// else both standard session cookie names.
func (p *decodePlan) salts(c candidate) []string {
	switch {
	case p.opts.Salt != "":
		return []string{p.opts.Salt}
	case c.cookie != "" && !slices.Contains(namesV4, c.cookie):
		return []string{c.cookie}
	}
	return namesV5
}

func (p *decodePlan) jwsOpeners(token string) ([]opener, error) {
	if p.format != "" && p.format != authsession.FormatJWS {
		return nil, nil
	}
	if len(p.keys) == 0 && peekAlg(token) == "" {
		return nil, nil
	}
	var keys []authsession.Key
	var sources []string
	for _, k := range p.keys {
		keys = append(keys, k.key)
		sources = append(sources, k.source)
	}
	if alg := peekAlg(token); len(keys) == 0 && strings.HasPrefix(alg, "HS") {
		for _, s := range p.secrets.v5 {
			k, err := authsession.HMACKey([]byte(s.Value), alg)
			if err != nil {
				return nil, cmdutil.Fail(decodeAction, fmt.Errorf("the secret %s as an %s key: %s", cmdutil.Safe(s.Source), alg, strings.TrimPrefix(err.Error(), "authkit: ")),
					"pass the key that signed the token with --key FILE (an oct JWK)")
			}
			keys = append(keys, k)
			sources = append(sources, s.Source)
		}
	}
	codec, err := authsession.NewJWS(keys)
	if err != nil {
		return nil, codecError(err)
	}
	return []opener{{codec, sources}}, nil
}

func codecError(err error) error {
	return cmdutil.Fail(decodeAction, errors.New(strings.TrimPrefix(err.Error(), "authkit: ")), "")
}

// open tries every opener on c. It returns the opened token and the
// opener that opened it, or nil with the failures added to fails.
func (p *decodePlan) open(c candidate, fails *[]failure) (*authsession.Token, opener, error) {
	jwe, jws := shape(c.token)
	if alg := peekAlg(c.token); jws && alg != "" && !verifiable(alg) && (p.format == "" || p.format == authsession.FormatJWS) {
		*fails = append(*fails, failure{err: refused(c.token), cand: c})
		return nil, opener{}, nil
	}
	ops, err := p.openers(c)
	if err != nil {
		return nil, opener{}, err
	}
	if len(ops) == 0 {
		*fails = append(*fails, failure{err: notAToken(c.token, p.format), cand: c})
	}
	for _, op := range ops {
		t, err := op.codec.Open(c.token)
		if err == nil {
			return t, op, nil
		}
		*fails = append(*fails, failure{err: err, cand: c, jwe: jwe})
	}
	return nil, opener{}, nil
}

// notAToken explains a token that no codec could be made for.
func notAToken(token string, format authsession.Format) error {
	jwe, jws := shape(token)
	switch {
	case jws && peekAlg(token) == "":
		return fmt.Errorf("%w: it has 3 parts like a signed JWT, but its header is not base64url JSON with an alg", authsession.ErrMalformed)
	case jwe || jws:
		return fmt.Errorf("%w: it is a %s, and --format is %s", authsession.ErrUnsupported, map[bool]string{true: "JWE", false: "JWS"}[jwe], format)
	case strings.Contains(token, "=") && strings.Contains(token, ";"):
		return fmt.Errorf("%w: it looks like a Cookie header; pass it with --cookie - (from stdin)", authsession.ErrMalformed)
	}
	return fmt.Errorf("%w: a session token has 5 parts (JWE) or 3 (JWS) separated by dots; this has %d", authsession.ErrMalformed, strings.Count(token, ".")+1)
}

// rank orders the reasons a token did not open, most telling first: a
// token that decrypted but holds bad claims says more than one whose tag
// fails, which says more than a kid that matches no secret, and so on.
func rank(err error) int {
	for i, reason := range []error{authsession.ErrMalformed, authsession.ErrUnsupported, authsession.ErrTooLarge,
		authsession.ErrNoMatchingSecret, authsession.ErrTampered, authsession.ErrInvalidClaims} {
		if errors.Is(err, reason) {
			return i + 1
		}
	}
	return 0
}

// failed reports the most telling failure (exit 4).
func (p *decodePlan) failed(fails []failure) error {
	best := fails[0]
	for _, f := range fails[1:] {
		if rank(f.err) > rank(best.err) {
			best = f
		}
	}
	cause, fix := p.explain(best)
	return credentialError(errors.New(cause), fix)
}

// explain words a failure: which of "not a token", "tampered" or "made
// under another secret or salt" it is, and what to try.
func (p *decodePlan) explain(f failure) (cause, fix string) {
	detail := detailOf(f.err)
	secretFix := "check that AUTH_SECRET (or --secret-file) holds the app's secret; pass --cookie-name or --salt if the app names its session cookie otherwise"
	keyFix := "pass the key that signed the token with --key or --jwks"
	hasKid := strings.Contains(peekHeader(f.cand.token), `"kid"`)
	switch {
	case errors.Is(f.err, authsession.ErrInvalidClaims):
		return "it opened, but its claims are invalid: " + detail, "the token was made by a faulty encoder; make a new one"
	case errors.Is(f.err, authsession.ErrTampered) && f.jwe && hasKid:
		return "it was tampered with: its kid names one of the secrets, but " + detail, "the token was changed after it was made; take it again from the browser"
	case errors.Is(f.err, authsession.ErrTampered) && f.jwe:
		return "it was tampered with, or encrypted under another secret or salt (it has no kid to tell which): " + detail, secretFix
	case errors.Is(f.err, authsession.ErrTampered):
		return "it was tampered with, or signed with another key: " + detail, keyFix
	case errors.Is(f.err, authsession.ErrNoMatchingSecret) && f.jwe:
		return fmt.Sprintf("it was encrypted under another secret or salt: its kid matches none of the %d secret(s) (%s) under the salt(s) tried (%s)",
			len(p.secrets.v5), describeSources(p.secrets.v5), strings.Join(p.triedSalts(f.cand), ", ")), secretFix
	case errors.Is(f.err, authsession.ErrNoMatchingSecret):
		return "it was signed with another key: " + detail, keyFix
	case errors.Is(f.err, authsession.ErrTooLarge):
		return "it is too large: " + detail, "a session token is at most 16 KiB; check what was pasted"
	case errors.Is(f.err, authsession.ErrUnsupported):
		return "it is not a session token authkit accepts: " + detail, "authkit reads Auth.js v5 and v4 JWEs and JWS signed with HS256/384/512, RS256, ES256 or EdDSA"
	}
	return "it is not a token: " + detail, "give the value of the session cookie (authjs.session-token), or the whole Cookie header with --cookie"
}

// triedSalts lists the salts tried on c, quoted.
func (p *decodePlan) triedSalts(c candidate) []string {
	var out []string
	for _, s := range p.salts(c) {
		out = append(out, cmdutil.Quote(s))
	}
	return out
}

// detailOf is a token error's detail, without the reason's own words.
func detailOf(err error) string {
	var te *authsession.TokenError
	if errors.As(err, &te) && te.Detail != "" {
		return cmdutil.Safe(te.Detail)
	}
	msg := err.Error()
	for _, reason := range []error{authsession.ErrMalformed, authsession.ErrUnsupported} {
		msg = strings.TrimPrefix(msg, reason.Error()+": ")
	}
	return cmdutil.Safe(msg)
}

// peekHeader returns the decoded header of a compact token, or "".
func peekHeader(token string) string {
	seg, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	return string(raw)
}
