package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	authsession "github.com/authkit-dev/authkit/pkg/session"
	"github.com/spf13/cobra"
)

// EncodeOptions are the inputs of `authkit session encode`.
type EncodeOptions struct {
	Claims     string
	Format     string
	Salt       string
	CookieName string
	Alg        string
	Key        string
	MaxAge     string
	At         string
	Cookie     bool
	Secrets    secretFlags
}

const encodeAction = "encode the session token"

func newCmdEncode(f *cmdutil.Factory) *cobra.Command {
	opts := &EncodeOptions{}
	cmd := &cobra.Command{
		Use:   "encode --claims FILE|-",
		Short: "Make a session token from a JSON object of claims",
		Long: `Seals the claims in a JSON file (or stdin with -) into a session token and
prints it, or with --cookie the Set-Cookie lines that carry it (split into
chunks .0, .1, ... where Auth.js would split it). iat, exp and jti are set as
Auth.js sets them: iat is now (or --at), exp is iat + --max-age, jti is new.

Formats: authjs (the default: an Auth.js v5 JWE that Auth.js apps sharing the
secret accept, salted with the session cookie name, authjs.session-token unless
--salt or --cookie-name says otherwise), authjs-v4 (next-auth v4) and jws (a
signed JWT: with --key FILE, a PEM or JWK private key, or else with the secret
as an HMAC key, --alg HS256 by default).

The secret is the first of AUTH_SECRET_3..1, AUTH_SECRET, NEXTAUTH_SECRET
that is set, as @auth/core picks it; for --format authjs-v4, NEXTAUTH_SECRET,
else AUTH_SECRET, as next-auth v4 picks it. Or it comes from --secret-file or
--secret-env; never from a flag value. An HMAC-signed JWS needs a secret of
at least 32 bytes (48 for HS384, 64 for HS512: authkit secret --bytes 64).

The claims must be one JSON object of valid UTF-8 without duplicate names,
as every decoder requires.`,
		Example: `  echo '{"sub":"u1","name":"Ada"}' | authkit session encode --claims -
  authkit session encode --claims claims.json --max-age 7d --cookie
  authkit session encode --claims claims.json --format jws --key private.pem`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runEncode(cmd, f, opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Claims, "claims", "", "read the claims (a JSON object) from this `file`, or stdin with -")
	fl.StringVar(&opts.Format, "format", "authjs", "the token `format`: authjs, authjs-v4 or jws")
	fl.StringVar(&opts.Salt, "salt", "", "the v5 HKDF `salt` (default: the cookie name, authjs.session-token)")
	fl.StringVar(&opts.CookieName, "cookie-name", "", "the session cookie's `name`, which is also the v5 salt")
	fl.StringVar(&opts.Alg, "alg", "", "the JWS algorithm: HS256, HS384, HS512, RS256, ES256 or EdDSA (default: from the key)")
	fl.StringVar(&opts.Key, "key", "", "sign JWS with the private key in this `file` (PEM or JWK)")
	fl.StringVar(&opts.MaxAge, "max-age", "30d", "the token's lifetime: a `duration` such as 30d, 12h, 90m")
	fl.StringVar(&opts.At, "at", "", "issue the token at this `time` (RFC 3339 or Unix seconds; default now)")
	fl.BoolVar(&opts.Cookie, "cookie", false, "print Set-Cookie lines instead of the token")
	opts.Secrets.register(cmd)
	cmd.MarkFlagsMutuallyExclusive("salt", "cookie-name")
	_ = cmd.MarkFlagRequired("claims")
	return cmd
}

// encodePlan is an encode request once its flags are checked.
type encodePlan struct {
	format authsession.Format
	now    time.Time
	maxAge time.Duration
	salt   string
	cookie string
}

func runEncode(cmd *cobra.Command, f *cmdutil.Factory, opts *EncodeOptions) error {
	p, err := newEncodePlan(cmd, f, opts)
	if err != nil {
		return err
	}
	claims, order, err := readClaims(f, opts.Claims)
	if err != nil {
		return err
	}
	codec, err := encodeCodec(cmd.Context(), f, opts, p)
	if err != nil {
		return err
	}
	if replaced := setClaims(claims); len(replaced) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "authkit: note: encode sets %s; the claims' own values are replaced\n", strings.Join(replaced, ", "))
	}
	token, err := codec.Encode(claims, authsession.EncodeOptions{Now: p.now, MaxAge: p.maxAge, Order: order})
	if err != nil {
		return cmdutil.Fail(encodeAction, errors.New(strings.TrimPrefix(err.Error(), "authkit: cannot encode the session token: ")), "")
	}
	if !opts.Cookie {
		if size := chunkSize(p.format); len(token) > size {
			fmt.Fprintf(f.IO.ErrOut, "authkit: note: the token is %d bytes; Auth.js splits it into %d cookies (--cookie prints them)\n", len(token), (len(token)+size-1)/size)
		}
		_, err := fmt.Fprintln(f.IO.Out, token)
		return cmdutil.OutputError(err)
	}
	return writeCookies(f, p, token)
}

func newEncodePlan(cmd *cobra.Command, f *cmdutil.Factory, opts *EncodeOptions) (*encodePlan, error) {
	usage := func(format string, args ...any) error { return cmdutil.UsageOf(cmd, fmt.Errorf(format, args...)) }
	format, err := parseFormat(opts.Format)
	fl := cmd.Flags()
	switch {
	case err != nil:
		return nil, cmdutil.UsageOf(cmd, err)
	case format == "":
		return nil, usage("--format is empty; use authjs, authjs-v4 or jws")
	case opts.Claims == "":
		return nil, usage("--claims needs a file name, or - for stdin")
	case fl.Changed("salt") && opts.Salt == "":
		return nil, usage("--salt is empty; Auth.js v5 salts with the session cookie name")
	case opts.Salt != "" && format != authsession.FormatAuthJS:
		return nil, usage("--salt is for Auth.js v5 tokens (--format authjs); %s tokens have no salt", format)
	case (opts.Alg != "" || opts.Key != "") && format != authsession.FormatJWS:
		return nil, usage("--alg and --key sign JWS tokens (--format jws)")
	}
	p := &encodePlan{format: format, now: f.Now()}
	if p.maxAge, err = parseMaxAge(opts.MaxAge); err != nil {
		return nil, cmdutil.UsageOf(cmd, err)
	}
	if opts.At != "" {
		if p.now, err = parseAt(opts.At); err != nil {
			return nil, cmdutil.UsageOf(cmd, err)
		}
	}
	if fl.Changed("cookie-name") {
		if err := checkCookieName("--cookie-name", opts.CookieName); err != nil {
			return nil, cmdutil.UsageOf(cmd, err)
		}
	}
	p.cookie = cookieName(format, opts)
	p.salt = p.cookie
	if err := cmdutil.CheckText(encodeAction, "--claims", opts.Claims, "--salt", opts.Salt, "--key", opts.Key); err != nil {
		return nil, err
	}
	return p, nil
}

// cookieName is the session cookie the token is for: --cookie-name, else
// --salt (Auth.js salts with the cookie name), else the format's default.
func cookieName(format authsession.Format, opts *EncodeOptions) string {
	switch {
	case opts.CookieName != "":
		return opts.CookieName
	case opts.Salt != "":
		return opts.Salt
	case format == authsession.FormatAuthJSv4:
		return namesV4[0]
	}
	return namesV5[0]
}

// readClaims reads and strictly parses the claims file (- is stdin).
func readClaims(f *cmdutil.Factory, name string) (authsession.Claims, []string, error) {
	var data []byte
	var err error
	if name == "-" {
		var s string
		s, err = readStdin(f, "Paste the claims (one JSON object), then press Enter:")
		data = []byte(s)
	} else {
		data, err = readFile(name)
	}
	what := "the claims in " + cmdutil.Quote(name)
	if name == "-" {
		what = "the claims on stdin"
	}
	switch {
	case errors.Is(err, errTerminalCut):
		return nil, nil, terminalCut(encodeAction, "the claims", "authkit session encode --claims claims.json, or pbpaste | authkit session encode --claims -")
	case err != nil:
		return nil, nil, cmdutil.Fail(encodeAction, fmt.Errorf("read %s: %w", what, err), "give --claims a JSON file, or - to read stdin")
	}
	claims, err := authsession.ParseClaims(data)
	if err != nil {
		return nil, nil, cmdutil.Fail(encodeAction, fmt.Errorf("%s are invalid: %s", what, strings.Replace(detailOf(err), "the payload", "the JSON", 1)),
			`give one JSON object of UTF-8 text without repeated names, such as {"sub":"u1","name":"Ada"}`)
	}
	order, _ := authsession.MemberOrder(data)
	return claims, order, nil
}

func readFile(name string) ([]byte, error) {
	st, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errors.New("no such file")
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, errors.New("it is a directory")
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return readBounded(file)
}

// setClaims lists the claims of c that Encode replaces.
func setClaims(c authsession.Claims) []string {
	var out []string
	for _, name := range []string{"iat", "exp", "jti"} {
		if _, ok := c[name]; ok {
			out = append(out, name)
		}
	}
	return out
}

// encodeCodec makes the codec of the plan's format, with its secret or key.
func encodeCodec(ctx context.Context, f *cmdutil.Factory, opts *EncodeOptions, p *encodePlan) (authsession.Codec, error) {
	if p.format == authsession.FormatJWS && opts.Key != "" {
		return keyCodec(ctx, f, opts)
	}
	loaded, err := opts.Secrets.load(f, encodeAction)
	if err != nil {
		return nil, err
	}
	secrets := loaded.of(p.format)
	if len(secrets) == 0 {
		return nil, cmdutil.Fail(encodeAction, errors.New("no secret: none of AUTH_SECRET, AUTH_SECRET_1..3 or NEXTAUTH_SECRET is set"), fixNoSecret)
	}
	if len(secrets) > 1 {
		fmt.Fprintf(f.IO.ErrOut, "authkit: encoding with %s, the first of %d secrets (%s)\n", cmdutil.Safe(secrets[0].Source), len(secrets), describeSources(secrets))
	}
	values := authsession.Values(secrets[:1])
	var codec authsession.Codec
	switch p.format {
	case authsession.FormatAuthJS:
		codec, err = authsession.NewAuthJS(values, p.salt)
	case authsession.FormatAuthJSv4:
		codec, err = authsession.NewAuthJSv4(values)
	default:
		var k authsession.Key
		if k, err = authsession.HMACKey([]byte(values[0]), opts.Alg); err != nil {
			cause, fix := hmacSecretError(err, opts.Alg)
			return nil, cmdutil.Fail(encodeAction, errors.New(cause), fix)
		}
		codec, err = authsession.NewJWS([]authsession.Key{k})
	}
	if err != nil {
		return nil, cmdutil.Fail(encodeAction, errors.New(strings.TrimPrefix(err.Error(), "authkit: ")),
			"for a JWS signed with a key pair, pass --key FILE")
	}
	return codec, nil
}

// shortSecretHint starts the hint that ends HMACKey's error for a secret
// too short for its alg; the CLI replaces it with a fix line for the alg.
const shortSecretHint = "; make a longer one with authkit secret"

// hmacMinBytes is the shortest HMAC secret each alg takes (pkg/session's
// rule: 32 bytes, and the hash size for HS384 and HS512). `authkit secret
// --bytes N` makes a secret of more than N bytes (base64 is longer than
// its bytes), so N is also what to ask it for.
var hmacMinBytes = map[string]int{"": 32, "HS256": 32, "HS384": 48, "HS512": 64}

// hmacSecretError words HMACKey's error for the secret as an HMAC key of
// alg: the cause, and the fix. A secret too short for the alg is fixed
// with a longer one, which `authkit secret --bytes N` makes.
func hmacSecretError(err error, alg string) (cause, fix string) {
	const keyPair = "for a JWS signed with a key pair, pass --key FILE"
	cause = strings.TrimPrefix(err.Error(), "authkit: ")
	n, known := hmacMinBytes[alg]
	i := strings.Index(cause, shortSecretHint)
	if !known || i < 0 {
		return cause, keyPair
	}
	cmd := "authkit secret"
	if n > 32 {
		cmd += fmt.Sprintf(" --bytes %d", n)
	}
	return cause[:i], "make a longer secret with " + cmd + " (in AUTH_SECRET), or " + keyPair
}

func keyCodec(ctx context.Context, f *cmdutil.Factory, opts *EncodeOptions) (authsession.Codec, error) {
	lower := strings.ToLower(opts.Key)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return nil, cmdutil.Fail(encodeAction, errors.New("--key is a URL; a signing key is private and comes from a file"), "pass the private key file (PEM or JWK) with --key")
	}
	keys, err := authsession.LoadKeys(ctx, opts.Key, opts.Alg, nil)
	if err != nil {
		return nil, cmdutil.Fail(encodeAction, errors.New(strings.TrimPrefix(err.Error(), "authkit: ")), "pass a private key file (PEM or JWK) with --key")
	}
	warnExposed(f, opts.Key, keys)
	codec, err := authsession.NewJWS(keys)
	if err == nil {
		if _, ok := codec.SigningKey(); !ok {
			err = fmt.Errorf("the keys in %s are public keys only", cmdutil.Quote(opts.Key))
		}
	}
	if err != nil {
		return nil, cmdutil.Fail(encodeAction, errors.New(strings.TrimPrefix(err.Error(), "authkit: ")), "pass the private key (PEM or JWK with its private members) with --key")
	}
	return codec, nil
}

// chunkSize is the session cookie chunk size for tokens of format.
func chunkSize(format authsession.Format) int {
	if format == authsession.FormatAuthJSv4 {
		return authsession.ChunkSizeV4
	}
	return authsession.ChunkSizeV5
}

// writeCookies prints the Set-Cookie lines that carry token, in chunks
// where Auth.js would split it.
func writeCookies(f *cmdutil.Factory, p *encodePlan, token string) error {
	size := chunkSize(p.format)
	secure := strings.HasPrefix(p.cookie, "__Secure-") || strings.HasPrefix(p.cookie, "__Host-")
	opts := authsession.CookieOptions{Secure: secure, Expires: time.Unix(p.now.Unix()+int64(p.maxAge/time.Second), 0)}
	w := &cmdutil.ErrWriter{W: f.IO.Out}
	for _, c := range authsession.SessionCookies(p.cookie, token, size, opts, nil) {
		fmt.Fprintf(w, "Set-Cookie: %s\n", c.String())
	}
	return cmdutil.OutputError(w.Err)
}
