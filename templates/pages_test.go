package templates

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	testCSRF     = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	testCallback = "https://app.example.com/dashboard?tab=1&x=2"
)

var (
	testProviders = []ProviderButton{
		{ID: "github", Name: "GitHub", Action: "/auth/signin/github"},
		{ID: "google", Name: "Google", Action: "https://app.example.com/auth/signin/google"},
	}
	testEmail       = &EmailForm{Action: "/auth/signin/resend", ProviderName: "Email"}
	testCredentials = &CredentialsForm{
		Action:       "/auth/callback/credentials",
		ProviderName: "Password",
		Fields: []Field{
			{Name: "username", Label: "Username", Type: "text", Autocomplete: "username"},
			{Name: "password", Label: "Password", Type: "password"},
		},
	}
	testWallet = &WalletButton{
		NonceURL: "/auth/siwe/nonce", Action: "/auth/callback/siwe", ScriptURL: "/auth/siwe/wallet.js",
	}
)

type pageCase struct {
	name string
	page any
	want a11yWant
}

func pageCases() []pageCase {
	return []pageCase{
		{"signin_providers", SignInPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Providers: testProviders,
		}, a11yWant{forms: 2}},
		{"signin_email", SignInPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Providers: testProviders, Email: testEmail,
		}, a11yWant{forms: 3}},
		{"signin_email_only", SignInPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Email: &EmailForm{Action: "/auth/signin/email"},
		}, a11yWant{forms: 1}},
		{"signin_credentials", SignInPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Credentials: testCredentials,
		}, a11yWant{forms: 1}},
		{"signin_all_error", SignInPage{
			Brand:     Brand{Name: "Acme"},
			CSRFToken: testCSRF, CallbackURL: testCallback,
			Providers: testProviders, Email: testEmail, Credentials: testCredentials,
			Error: "CredentialsSignin",
		}, a11yWant{forms: 4, alert: true}},
		{"signin_error_custom_message", SignInPage{
			CSRFToken: testCSRF, Providers: testProviders[:1],
			Error: "OAuthAccountNotLinked", ErrorMessage: "Sign in with GitHub, as you did before.",
		}, a11yWant{forms: 1, alert: true}},
		{"signin_brand", SignInPage{
			Brand:     Brand{Name: "Acme Corp", Logo: "https://cdn.example.com/acme.svg", Accent: "#FFD400"},
			CSRFToken: testCSRF, CallbackURL: testCallback, Providers: testProviders, Email: testEmail,
		}, a11yWant{forms: 3}},
		{"signin_none", SignInPage{CSRFToken: testCSRF}, a11yWant{}},
		{"signin_wallet", SignInPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Wallet: testWallet,
		}, a11yWant{forms: 1, wallet: true}},
		{"signin_wallet_all", SignInPage{
			Brand:     Brand{Name: "Acme"},
			CSRFToken: testCSRF, CallbackURL: testCallback,
			Providers: testProviders, Email: testEmail, Credentials: testCredentials, Wallet: testWallet,
			Error: "CredentialsSignin",
		}, a11yWant{forms: 5, alert: true, wallet: true}},
		{"signout", SignOutPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Action: "/auth/signout",
		}, a11yWant{forms: 1}},
		{"signout_brand", SignOutPage{
			Brand:     Brand{Name: "Acme", Logo: "/static/acme.png", Accent: "#0a7"},
			CSRFToken: testCSRF, CallbackURL: "/", Action: "https://app.example.com/api/auth/signout",
		}, a11yWant{forms: 1}},
		{"verify_request", VerifyRequestPage{Host: "https://app.example.com"}, a11yWant{}},
		{"verify_request_bare_host", VerifyRequestPage{Brand: Brand{Name: "Acme"}, Host: "app.example.com"}, a11yWant{}},
		{"confirm_email", ConfirmEmailPage{
			CSRFToken: testCSRF, CallbackURL: testCallback, Action: "/auth/callback/email",
			Email: "ada@example.com", Token: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
		}, a11yWant{forms: 1}},
		{"error_configuration", ErrorPage{Code: "Configuration", Status: 500}, a11yWant{alert: true}},
		{"error_verification", ErrorPage{
			Code: "Verification", SignInURL: "/auth/signin", Status: 403,
		}, a11yWant{alert: true}},
		{"error_access_denied_brand", ErrorPage{
			Brand: Brand{Name: "Acme", Logo: "/logo.svg", Accent: "#7b1fa2"},
			Code:  "AccessDenied", SignInURL: "https://app.example.com/auth/signin", Status: 403,
		}, a11yWant{alert: true}},
		{"error_unknown", ErrorPage{Code: "SomethingOdd"}, a11yWant{alert: true}},
	}
}

func render(t *testing.T, page any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, page); err != nil {
		t.Fatalf("Render(%T): %v", page, err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	for _, c := range pageCases() {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c.page)
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./templates -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendered page (run go test ./templates -update if the change is intended)\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

func TestAccessibility(t *testing.T) {
	for _, c := range pageCases() {
		checkPage(t, c.name, render(t, c.page), c.want)
	}
}

// The checker itself must catch what it is meant to catch.
func TestAccessibilityCheckerCatches(t *testing.T) {
	good := render(t, SignInPage{CSRFToken: testCSRF, Credentials: testCredentials})
	bad := map[string]string{
		"unlabelled input": strings.Replace(good, `<label for="credentials-username">Username</label>`, "", 1),
		"no submit":        strings.Replace(good, `<button type="submit">`, `<button type="button">`, 1),
		"two h1":           strings.Replace(good, "<h1>Sign in</h1>", "<h1>Sign in</h1><h1>Again</h1>", 1),
		"no main":          strings.NewReplacer("<main>", "<div>", "</main>", "</div>").Replace(good),
		"no lang":          strings.Replace(good, `<html lang="en">`, "<html>", 1),
		"script":           strings.Replace(good, "</main>", "<script>x()</script></main>", 1),
		"positive tab":     strings.Replace(good, `<input id="credentials-username"`, `<input tabindex="2" id="credentials-username"`, 1),
	}
	for name, page := range bad {
		if len(a11yProblems(page, a11yWant{forms: 1})) == 0 {
			t.Errorf("the checker passed a page with %s", name)
		}
	}
}

func TestPointerAndValueRenderTheSame(t *testing.T) {
	for _, c := range pageCases() {
		var ptr any
		switch p := c.page.(type) {
		case SignInPage:
			ptr = &p
		case SignOutPage:
			ptr = &p
		case VerifyRequestPage:
			ptr = &p
		case ErrorPage:
			ptr = &p
		case ConfirmEmailPage:
			ptr = &p
		}
		if a, b := render(t, c.page), render(t, ptr); a != b {
			t.Errorf("%s: the pointer renders differently", c.name)
		}
	}
}

func TestRenderUnknownPage(t *testing.T) {
	for _, page := range []any{nil, "signin", 42, (*SignInPage)(nil), (*ErrorPage)(nil), struct{}{}} {
		var buf bytes.Buffer
		if err := Render(&buf, page); err == nil {
			t.Errorf("Render(%#v) = nil error", page)
		}
		if buf.Len() != 0 {
			t.Errorf("Render(%#v) wrote %d bytes on error", page, buf.Len())
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("gone") }

func TestRenderReportsWriteError(t *testing.T) {
	if err := Render(failWriter{}, SignOutPage{}); err == nil {
		t.Error("a failing writer gave no error")
	}
}

func TestEscaping(t *testing.T) {
	const evilName = "<script>alert(1)</script>"
	const evilCallback = `https://app.example.com/"><script>alert(2)</script>'`
	page := render(t, SignInPage{
		Brand:       Brand{Name: `Acme"><script>alert(3)</script>`, Logo: `/logo.svg"><script>alert(4)</script>`, Accent: "red;}</style><script>alert(5)</script>"},
		CSRFToken:   `tok"en`,
		CallbackURL: evilCallback,
		Providers:   []ProviderButton{{ID: `gh" onclick="x`, Name: evilName, Action: `/auth/signin/gh"><script>`}},
		Email:       &EmailForm{Action: "javascript:alert(6)", ProviderName: evilName},
		Credentials: &CredentialsForm{Action: "/cb", ProviderName: evilName, Fields: []Field{
			{Name: `user"name`, Label: evilName, Type: `text" onfocus="x`, Autocomplete: `off" autofocus onfocus="x`},
		}},
		Error:        "CredentialsSignin",
		ErrorMessage: evilName,
	})
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Errorf("a <script> got through:\n%s", page)
	}
	for _, tg := range scanTags(page) {
		for a := range tg.attrs {
			if strings.HasPrefix(a, "on") || a == "autofocus" {
				t.Errorf("an attribute got through: <%s %s>", tg.name, a)
			}
		}
	}
	for _, want := range []string{
		"Sign in with &lt;script&gt;alert(1)&lt;/script&gt;",
		`value="https://app.example.com/&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;&#39;"`,
		`value="tok&#34;en"`,
		"--accent: " + defaultAccent + ";",
		`action="#ZgotmplZ"`, // html/template's replacement for javascript: URLs
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "red;") || strings.Contains(page, "</style><") {
		t.Error("the accent was not rejected")
	}
	if strings.Count(page, "</style>") != 1 {
		t.Error("the <style> element was broken out of")
	}
	checkPage(t, "escaping", page, a11yWant{forms: 3, alert: true})
}

func TestEscapingOtherPages(t *testing.T) {
	const evil = `"><script>alert(1)</script>`
	pages := []any{
		SignOutPage{Brand: Brand{Name: evil}, CSRFToken: evil, CallbackURL: evil, Action: evil},
		VerifyRequestPage{Brand: Brand{Name: evil}, Host: evil},
		VerifyRequestPage{Host: "https://example.com/" + evil},
		ErrorPage{Brand: Brand{Name: evil}, Code: evil, Message: evil, SignInURL: "javascript:alert(1)"},
		ConfirmEmailPage{Brand: Brand{Name: evil}, CSRFToken: evil, CallbackURL: evil, Action: "javascript:alert(1)", Email: evil, Token: evil},
	}
	for _, p := range pages {
		out := render(t, p)
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Errorf("%T: a <script> got through:\n%s", p, out)
		}
		if strings.Contains(out, "javascript:") {
			t.Errorf("%T: a javascript: URL got through", p)
		}
	}
}

func TestAccentValidation(t *testing.T) {
	good := map[string]string{
		"#abc":    "#aabbcc",
		"#ABC":    "#aabbcc",
		"#1a2B3c": "#1a2b3c",
		"#000000": "#000000",
	}
	for in, want := range good {
		if got := newTheme(in).Accent; got != want {
			t.Errorf("accent %q → %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{
		"", "red", "#ab", "#abcd", "#abcdef0", "#ggg", "abc", "#abc ", " #abc",
		"rgb(0,0,0)", "red;}</style><script>", "#abc;}", "#abc}</style>", "#12345g", "var(--x)",
	} {
		if got := newTheme(bad).Accent; got != defaultAccent {
			t.Errorf("accent %q → %q, want the default", bad, got)
		}
	}
}

func TestTextOnAccent(t *testing.T) {
	cases := map[string]string{
		"#000000":     "#ffffff",
		"#ffffff":     "#000000",
		"#ffff00":     "#000000", // yellow
		"#00ff00":     "#000000", // bright green
		"#777777":     "#000000", // mid grey: black contrasts more
		"#0000ff":     "#ffffff",
		"#7b1fa2":     "#ffffff",
		defaultAccent: "#ffffff",
		"#2196f3":     "#000000", // light blue: white would be 3.1:1
	}
	for accent, want := range cases {
		th := newTheme(accent)
		if th.OnAccent != want {
			t.Errorf("text on %s is %s, want %s", accent, th.OnAccent, want)
		}
		if c := contrast(th.Accent, th.OnAccent); c < 4.5 {
			t.Errorf("text on %s has contrast %.2f, below 4.5", accent, c)
		}
	}
	// Whatever the accent, the chosen text reaches AA.
	for r := 0; r < 16; r++ {
		for g := 0; g < 16; g++ {
			for b := 0; b < 16; b++ {
				hex := "#" + string("0123456789abcdef"[r]) + string("0123456789abcdef"[g]) + string("0123456789abcdef"[b])
				th := newTheme(hex)
				if c := contrast(th.Accent, th.OnAccent); c < 4.5 {
					t.Fatalf("text on %s has contrast %.2f", hex, c)
				}
				if c := contrast(th.Ring, lightSurface); c < 3 {
					t.Fatalf("focus ring for %s has contrast %.2f on the light surface", hex, c)
				}
				if c := contrast(th.RingDark, darkSurface); c < 3 {
					t.Fatalf("focus ring for %s has contrast %.2f on the dark surface", hex, c)
				}
				if c := contrast(th.Link, lightSurface); c < 4.5 {
					t.Fatalf("links for %s have contrast %.2f on the light surface", hex, c)
				}
				if c := contrast(th.LinkDark, darkSurface); c < 4.5 {
					t.Fatalf("links for %s have contrast %.2f on the dark surface", hex, c)
				}
			}
		}
	}
}

func TestLuminance(t *testing.T) {
	if l := luminance("#ffffff"); l < 0.9999 || l > 1.0001 {
		t.Errorf("white luminance %v", l)
	}
	if l := luminance("#000000"); l != 0 {
		t.Errorf("black luminance %v", l)
	}
	if c := contrast("#ffffff", "#000000"); c < 20.99 || c > 21.01 {
		t.Errorf("black on white %v, want 21", c)
	}
	// #767676 on white is the well-known 4.54:1.
	if c := contrast("#767676", "#ffffff"); c < 4.53 || c > 4.55 {
		t.Errorf("#767676 on white %v, want 4.54", c)
	}
}

func TestLogo(t *testing.T) {
	ok := []string{
		"https://cdn.example.com/logo.svg",
		"http://localhost:3000/logo.png",
		"/logo.svg",
		"/static/brand/logo.png?v=2",
	}
	for _, l := range ok {
		if got := safeLogo(l); got != l {
			t.Errorf("logo %q refused", l)
		}
	}
	for _, l := range []string{
		"", "javascript:alert(1)", "JavaScript:alert(1)", "data:image/svg+xml;base64,PHN2Zy8+",
		"//evil.example/logo.svg", "/\\evil.example/logo.svg", "logo.svg", "../logo.svg",
		"ftp://example.com/logo.png", "https:///logo.png", "https:logo.png", "vbscript:x", "/logo\n.svg",
	} {
		if got := safeLogo(l); got != "" {
			t.Errorf("logo %q accepted as %q", l, got)
		}
	}
	page := render(t, SignInPage{Brand: Brand{Name: "Acme", Logo: "javascript:alert(1)"}})
	if strings.Contains(page, "<img") {
		t.Error("a javascript: logo was rendered")
	}
	if !strings.Contains(page, `<p class="brand-name">Acme</p>`) {
		t.Error("without a logo the brand name is not shown")
	}
	page = render(t, SignInPage{Brand: Brand{Name: "Acme", Logo: "/logo.svg"}})
	if !strings.Contains(page, `<img class="logo" src="/logo.svg" alt="Acme">`) {
		t.Errorf("the logo is missing:\n%s", page)
	}
}

func TestBrandDefaults(t *testing.T) {
	page := render(t, SignOutPage{})
	if !strings.Contains(page, "<title>Sign out · authkit</title>") {
		t.Error("the default brand name is not authkit")
	}
	if !strings.Contains(page, "--accent: "+defaultAccent+";") {
		t.Error("the default accent is not used")
	}
}

func TestSignInForms(t *testing.T) {
	page := render(t, SignInPage{
		CSRFToken: "tok", CallbackURL: "/after",
		Providers:   []ProviderButton{{ID: "github", Name: "GitHub", Action: "/auth/signin/github"}},
		Email:       &EmailForm{Action: "/auth/signin/email"},
		Credentials: &CredentialsForm{Action: "/auth/callback/credentials", Fields: []Field{{Name: "pin", Type: "hidden"}, {Name: "password", Type: "PASSWORD"}, {Name: "password"}}},
	})
	for _, want := range []string{
		`<form method="post" action="/auth/signin/github" data-provider="github">`,
		`<button type="submit">Sign in with GitHub</button>`,
		`<input id="email-address" name="email" type="email" autocomplete="email" required>`,
		`<button type="submit">Sign in with Email</button>`,
		`<button type="submit">Sign in with Credentials</button>`,
		// A hidden type is not allowed (its label would point at nothing).
		`<label for="credentials-pin">pin</label>`,
		`<input id="credentials-pin" name="pin" type="text">`,
		`<input id="credentials-password" name="password" type="password" autocomplete="current-password">`,
		// A repeated name still gets a unique id.
		`<input id="credentials-password-2" name="password" type="text">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<input type="hidden" name="csrfToken" value="tok">`); n != 3 {
		t.Errorf("%d forms carry the CSRF token, want 3", n)
	}
	if n := strings.Count(page, `<input type="hidden" name="callbackUrl" value="/after">`); n != 3 {
		t.Errorf("%d forms carry the callback URL, want 3", n)
	}
	// DOM order is tab order: providers, then email, then credentials.
	gh, em, cr := strings.Index(page, "data-provider=\"github\""), strings.Index(page, "email-address"), strings.Index(page, "credentials-pin")
	if !(gh < em && em < cr) {
		t.Error("the forms are not in the order providers, email, credentials")
	}
	checkPage(t, "forms", page, a11yWant{forms: 3})
}

func TestSignInErrorRegion(t *testing.T) {
	page := render(t, SignInPage{Providers: testProviders, Error: "MissingCSRF"})
	alert := strings.Index(page, `role="alert"`)
	form := strings.Index(page, "<form")
	if alert < 0 || alert > form {
		t.Error("the alert is not above the forms")
	}
	if !strings.Contains(page, ErrorMessage("MissingCSRF")) {
		t.Error("the default sentence for the code is not shown")
	}
	if strings.Contains(render(t, SignInPage{Providers: testProviders}), "role=\"alert\"") {
		t.Error("an alert is shown without an error")
	}
}

func TestVerifyRequestHost(t *testing.T) {
	page := render(t, VerifyRequestPage{Host: "https://app.example.com/some/path?q=1"})
	if !strings.Contains(page, `<a href="https://app.example.com">Back to app.example.com</a>`) {
		t.Errorf("the site link is wrong:\n%s", page)
	}
	page = render(t, VerifyRequestPage{Host: "javascript://app.example.com"})
	if strings.Contains(page, "javascript") {
		t.Error("a javascript: host was shown")
	}
	page = render(t, VerifyRequestPage{})
	if strings.Contains(page, "Back to") || strings.Contains(page, "return to") {
		t.Error("an empty host was shown")
	}
}

func TestErrorPage(t *testing.T) {
	page := render(t, ErrorPage{Code: "Verification", SignInURL: "/auth/signin"})
	for _, want := range []string{"<h1>Link expired</h1>", ErrorMessage("Verification"), `<a class="button" href="/auth/signin">Sign in</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	page = render(t, ErrorPage{Code: "Configuration", Message: "Custom words."})
	if !strings.Contains(page, "<p>Custom words.</p>") || strings.Contains(page, "Sign in</a>") {
		t.Error("a custom message or the missing sign-in link is wrong")
	}
}

var clientSafeCodes = []string{
	"CredentialsSignin", "OAuthAccountNotLinked", "OAuthCallbackError", "AccessDenied",
	"Verification", "MissingCSRF", "AccountNotLinked", "WebAuthnVerificationError",
}

func TestErrorMessage(t *testing.T) {
	def := ErrorMessage("Default")
	if def == "" {
		t.Fatal("no Default sentence")
	}
	seen := map[string]string{}
	for _, code := range append(append([]string{}, clientSafeCodes...), "Configuration") {
		m := ErrorMessage(code)
		if m == "" || m == def {
			t.Errorf("%s has no sentence of its own", code)
		}
		if other, ok := seen[m]; ok {
			t.Errorf("%s and %s share a sentence", code, other)
		}
		seen[m] = code
		if !regexp.MustCompile(`^[A-Z].*\.$`).MatchString(m) {
			t.Errorf("%s: %q is not a sentence", code, m)
		}
	}
	for _, code := range []string{"", "Unknown", "configuration", "<script>", "OAuthSignin"} {
		if ErrorMessage(code) != def {
			t.Errorf("ErrorMessage(%q) is not the Default sentence", code)
		}
	}
	if len(errorMessages) != len(clientSafeCodes)+2 {
		t.Errorf("errorMessages has %d entries; update the test's code list", len(errorMessages))
	}
}

func TestErrorStatus(t *testing.T) {
	want := map[string]int{
		"Configuration": 500,
		"AccessDenied":  403,
		"Verification":  403,
		"Default":       200,
		"":              200,
		"Unknown":       200,
	}
	for _, code := range clientSafeCodes {
		if _, ok := want[code]; !ok {
			want[code] = 200
		}
	}
	for code, status := range want {
		if got := ErrorStatus(code); got != status {
			t.Errorf("ErrorStatus(%q) = %d, want %d", code, got, status)
		}
	}
}

func TestNoExternalAssets(t *testing.T) {
	for _, c := range pageCases() {
		for _, tg := range scanTags(render(t, c.page)) {
			if tg.has["src"] && !(tg.name == "img" && tg.attrs["class"] == "logo") &&
				!(tg.name == "script" && c.want.wallet && tg.attrs["src"] == testWallet.ScriptURL) {
				t.Errorf("%s: <%s src=%q> loads something", c.name, tg.name, tg.attrs["src"])
			}
			if tg.has["style"] {
				t.Errorf("%s: <%s> has a style attribute (all CSS is in the one <style>)", c.name, tg.name)
			}
		}
	}
}

func TestWalletButton(t *testing.T) {
	page := render(t, SignInPage{CSRFToken: "tok", CallbackURL: "/after", Providers: testProviders[:1], Wallet: testWallet})
	for _, want := range []string{
		`<p class="divider">or</p>
<form method="post" action="/auth/callback/siwe" data-provider-type="siwe" data-nonce-url="/auth/siwe/nonce">`,
		`<input type="hidden" name="csrfToken" value="tok">`,
		`<button type="button">Sign in with Ethereum</button>`,
		`<p class="note" role="status"></p>`,
		`<script src="/auth/siwe/wallet.js" defer></script>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "No sign-in methods") {
		t.Error("a page with only the wallet says no method is configured")
	}
	if only := render(t, SignInPage{Wallet: testWallet}); strings.Contains(only, "No sign-in methods") || strings.Contains(only, `<p class="divider">`) {
		t.Error("the wallet alone shows the empty note or a divider")
	}
	// Without the wallet there is no script, and the checker refuses one.
	if strings.Contains(render(t, SignInPage{Providers: testProviders}), "<script") {
		t.Error("a script without the wallet")
	}
	bad := map[string]string{
		"submit button": strings.Replace(page, `<button type="button">Sign in with Ethereum`, `<button type="submit">Sign in with Ethereum`, 1),
		"inline script": strings.Replace(page, `<script src="/auth/siwe/wallet.js" defer></script>`, `<script>x()</script>`, 1),
		"two scripts":   strings.Replace(page, "</main>", `<script src="/x.js" defer></script></main>`, 1),
		"no status":     strings.Replace(page, `<p class="note" role="status"></p>`, "", 1),
	}
	for name, p := range bad {
		if len(a11yProblems(p, a11yWant{forms: 2, wallet: true})) == 0 {
			t.Errorf("the checker passed a wallet page with %s", name)
		}
	}
	if len(a11yProblems(page, a11yWant{forms: 2})) == 0 {
		t.Error("the checker passed a script on a page without the wallet")
	}
	checkPage(t, "wallet", page, a11yWant{forms: 2, wallet: true})
}

func TestWalletEscaping(t *testing.T) {
	page := render(t, SignInPage{CSRFToken: `"><script>alert(1)</script>`, Wallet: &WalletButton{
		NonceURL: "javascript:alert(1)", Action: `/cb"><script>alert(2)</script>`, ScriptURL: "javascript:alert(3)",
	}})
	if strings.Contains(page, "javascript:") || strings.Count(page, "<script") != 1 {
		t.Errorf("a javascript: URL or a script got through:\n%s", page)
	}
	for _, want := range []string{`data-nonce-url="#ZgotmplZ"`, `<script src="#ZgotmplZ" defer></script>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestWalletScript(t *testing.T) {
	js := string(WalletScript())
	for _, want := range []string{`form[data-provider-type="siwe"]`, "eth_requestAccounts", "eth_chainId", "personal_sign",
		`"X-Auth-Return-Redirect": "1"`, "No Ethereum wallet found in this browser.", "data-nonce-url"} {
		if !strings.Contains(js, want) {
			t.Errorf("wallet.js lacks %s", want)
		}
	}
	// It loads nothing and evaluates nothing.
	for _, bad := range []string{"eval(", "new Function", "innerHTML", "document.write", "import(", "http://", "https://", "<script"} {
		if strings.Contains(js, bad) {
			t.Errorf("wallet.js contains %s", bad)
		}
	}
	b := WalletScript()
	b[0] = 'X'
	if WalletScript()[0] == 'X' {
		t.Error("WalletScript hands out the embedded bytes")
	}
}
