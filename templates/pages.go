// Package templates holds authkit's embedded files. This file and its
// neighbours are the built-in HTML pages of the auth server: sign-in,
// sign-out confirmation, verify-request ("check your email") and error.
//
// The pages are html/template files under pages/, embedded in the binary.
// They load nothing from elsewhere (the CSS is one inline <style> element,
// there is no script), they work without JavaScript, and they are built
// for keyboard and screen-reader use: a <main> landmark, one <h1>, labelled
// inputs, real <button type="submit"> elements in real forms, an error
// region with role="alert" and a visible focus ring.
//
// The package imports nothing else of authkit's: the HTTP handler fills the
// page structs and calls Render.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"sync"
)

//go:embed pages/*.html
var pageFS embed.FS

// Brand is what the pages show of the site: its name, logo and accent colour.
type Brand struct {
	// Name is shown in the page title and header, and is the logo's alt
	// text. Empty means "authkit".
	Name string
	// Logo is the URL of an image shown above the page heading. Only
	// http(s) URLs and root-relative paths ("/logo.svg") are used; anything
	// else (javascript:, data:, "//host/…", relative paths) is left out.
	Logo string
	// Accent is the colour of buttons and of the focus ring, as #rgb or
	// #rrggbb. Anything else is ignored and the default accent is used.
	// The button text is black or white, whichever contrasts more.
	Accent string
}

// ProviderButton is one OAuth/OIDC provider on the sign-in page.
type ProviderButton struct {
	// ID is the provider id; the form carries it as data-provider.
	ID string
	// Name is the provider's display name: "Sign in with {Name}".
	Name string
	// Action is the absolute or root-relative URL the form POSTs to
	// (…/signin/<id>).
	Action string
}

// EmailForm is the email (magic link) form on the sign-in page.
type EmailForm struct {
	// Action is the URL the form POSTs to (…/signin/<id>).
	Action string
	// ProviderName is the provider's display name on the button; empty
	// means "Email".
	ProviderName string
}

// Field is one input of the credentials form.
type Field struct {
	// Name is the input's name, the key of the posted value.
	Name string
	// Label is the visible label; empty means Name.
	Label string
	// Type is the input type: text, password, email, tel, number or url.
	// Anything else (including empty) means text.
	Type string
	// Autocomplete is the autocomplete attribute; empty means
	// "current-password" for a password field and none otherwise.
	Autocomplete string
}

// CredentialsForm is the username/password form on the sign-in page.
type CredentialsForm struct {
	// Action is the URL the form POSTs to (…/callback/<id>).
	Action string
	// ProviderName is the provider's display name on the button; empty
	// means "Credentials".
	ProviderName string
	// Fields are the inputs, in order.
	Fields []Field
}

// SignInPage is the sign-in page: one form per provider, then the email and
// credentials forms when configured. Every form carries the hidden fields
// csrfToken and callbackUrl.
type SignInPage struct {
	// Brand is the site's name, logo and accent colour.
	Brand Brand
	// CSRFToken is the token every form posts as csrfToken.
	CSRFToken string
	// CallbackURL is where to go after signing in, posted as callbackUrl.
	CallbackURL string
	// Providers are the OAuth/OIDC buttons, in order.
	Providers []ProviderButton
	// Email is the email form; nil means none.
	Email *EmailForm
	// Credentials is the credentials form; nil means none.
	Credentials *CredentialsForm
	// Wallet is the Sign-In with Ethereum button; nil means none.
	Wallet *WalletButton
	// Error is an error code (?error=…); when set, an alert region above
	// the forms shows ErrorMessage.
	Error string
	// ErrorMessage is the sentence shown for Error; empty means
	// ErrorMessage(Error).
	ErrorMessage string
}

// SignOutPage is the sign-out confirmation page: "Are you sure you want to
// sign out?" and a button that POSTs to Action.
type SignOutPage struct {
	// Brand is the site's name, logo and accent colour.
	Brand Brand
	// CSRFToken is posted as csrfToken.
	CSRFToken string
	// CallbackURL is where to go after signing out, posted as callbackUrl.
	CallbackURL string
	// Action is the URL the form POSTs to (…/signout).
	Action string
}

// VerifyRequestPage is the page shown after an email sign-in link has been
// sent: "Check your email".
type VerifyRequestPage struct {
	// Brand is the site's name, logo and accent colour.
	Brand Brand
	// Host is the site: an http(s) URL (shown as its host, and a link to
	// it) or a bare host name (shown as text). Empty shows nothing.
	Host string
}

// ConfirmEmailPage is the page an email sign-in link opens: "Sign in as
// <email>?" and a button that POSTs the token. The link itself changes
// nothing, so that mail scanners which fetch links do not spend it.
type ConfirmEmailPage struct {
	// Brand is the site's name, logo and accent colour.
	Brand Brand
	// CSRFToken is posted as csrfToken.
	CSRFToken string
	// CallbackURL is where to go after signing in, posted as callbackUrl.
	CallbackURL string
	// Action is the URL the form POSTs to (…/callback/<id>).
	Action string
	// Email is the address the link was sent to, posted as email.
	Email string
	// Token is the link's token, posted as token.
	Token string
}

// ErrorPage is the error page: a heading and a readable sentence for the
// code, and a link back to sign-in when SignInURL is set.
type ErrorPage struct {
	// Brand is the site's name, logo and accent colour.
	Brand Brand
	// Code is the error code (?error=…).
	Code string
	// Message is the sentence shown; empty means ErrorMessage(Code).
	Message string
	// SignInURL, when set, is linked as "Sign in" (to try again).
	SignInURL string
	// Status is the HTTP status the caller answers with; Render does not
	// write headers and does not use it. Zero means ErrorStatus(Code) to
	// callers that want a default.
	Status int
}

// pageTemplates parses the pages on first use, not at start-up.
var pageTemplates = sync.OnceValue(parsePages)

// parsePages parses the layout once and each page on a clone of it.
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").ParseFS(pageFS, "pages/layout.html"))
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "signout", "verify-request", "error", "confirm-email"} {
		t := template.Must(base.Clone())
		pages[name] = template.Must(t.ParseFS(pageFS, "pages/"+name+".html"))
	}
	return pages
}

// Render writes the HTML of page, which is a SignInPage, SignOutPage,
// VerifyRequestPage, ConfirmEmailPage or ErrorPage (or a pointer to one). Every value goes
// through html/template's contextual escaping. The page is rendered in full
// before anything is written, so a failure writes nothing. Render sets no
// headers: the caller sends "Content-Type: text/html; charset=utf-8" and
// the status (for an error page, ErrorPage.Status or ErrorStatus(code)).
func Render(w io.Writer, page any) error {
	name, data, err := view(page)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pageTemplates()[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("templates: render %s page: %w", name, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// view picks the template for page and builds the data it is executed with.
func view(page any) (string, any, error) {
	switch p := page.(type) {
	case SignInPage:
		return "signin", newSignInView(&p), nil
	case *SignInPage:
		if p != nil {
			return "signin", newSignInView(p), nil
		}
	case SignOutPage:
		return "signout", newSignOutView(&p), nil
	case *SignOutPage:
		if p != nil {
			return "signout", newSignOutView(p), nil
		}
	case VerifyRequestPage:
		return "verify-request", newVerifyView(&p), nil
	case *VerifyRequestPage:
		if p != nil {
			return "verify-request", newVerifyView(p), nil
		}
	case ConfirmEmailPage:
		return "confirm-email", confirmView{layoutView: newLayout(p.Brand), ConfirmEmailPage: p}, nil
	case *ConfirmEmailPage:
		if p != nil {
			return "confirm-email", confirmView{layoutView: newLayout(p.Brand), ConfirmEmailPage: *p}, nil
		}
	case ErrorPage:
		return "error", newErrorView(&p), nil
	case *ErrorPage:
		if p != nil {
			return "error", newErrorView(p), nil
		}
	}
	return "", nil, fmt.Errorf("templates: no page for %T", page)
}

// layoutView is what the layout needs: the brand and the colours.
type layoutView struct {
	BrandName string
	Logo      string
	Theme     theme
}

func newLayout(b Brand) layoutView {
	name := strings.TrimSpace(b.Name)
	if name == "" {
		name = "authkit"
	}
	return layoutView{BrandName: name, Logo: safeLogo(b.Logo), Theme: newTheme(b.Accent)}
}

type signInView struct {
	layoutView
	CSRFToken    string
	CallbackURL  string
	Providers    []ProviderButton
	Email        *emailView
	Credentials  *credentialsView
	Wallet       *WalletButton
	Error        string
	ErrorMessage string
}

type emailView struct {
	Action, ButtonName string
}

type credentialsView struct {
	Action, ButtonName string
	Fields             []fieldView
}

type fieldView struct {
	ID, Name, Label, Type, Autocomplete string
}

func newSignInView(p *SignInPage) signInView {
	v := signInView{
		layoutView:  newLayout(p.Brand),
		CSRFToken:   p.CSRFToken,
		CallbackURL: p.CallbackURL,
		Providers:   p.Providers,
		Wallet:      p.Wallet,
		Error:       p.Error,
	}
	if p.Error != "" {
		v.ErrorMessage = p.ErrorMessage
		if v.ErrorMessage == "" {
			v.ErrorMessage = ErrorMessage(p.Error)
		}
	}
	if p.Email != nil {
		v.Email = &emailView{Action: p.Email.Action, ButtonName: orDefault(p.Email.ProviderName, "Email")}
	}
	if p.Credentials != nil {
		c := &credentialsView{Action: p.Credentials.Action, ButtonName: orDefault(p.Credentials.ProviderName, "Credentials")}
		seen := map[string]bool{"email-address": true}
		for _, f := range p.Credentials.Fields {
			fv := fieldView{
				Name:         f.Name,
				Label:        orDefault(f.Label, f.Name),
				Type:         inputType(f.Type),
				Autocomplete: f.Autocomplete,
			}
			if fv.Autocomplete == "" && fv.Type == "password" {
				fv.Autocomplete = "current-password"
			}
			fv.ID = uniqueID("credentials-"+idPart(f.Name), seen)
			c.Fields = append(c.Fields, fv)
		}
		v.Credentials = c
	}
	return v
}

type signOutView struct {
	layoutView
	CSRFToken, CallbackURL, Action string
}

func newSignOutView(p *SignOutPage) signOutView {
	return signOutView{layoutView: newLayout(p.Brand), CSRFToken: p.CSRFToken, CallbackURL: p.CallbackURL, Action: p.Action}
}

type verifyView struct {
	layoutView
	HostName, HostURL string
}

func newVerifyView(p *VerifyRequestPage) verifyView {
	v := verifyView{layoutView: newLayout(p.Brand)}
	h := strings.TrimSpace(p.Host)
	if u, err := url.Parse(h); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		v.HostName = u.Host
		v.HostURL = u.Scheme + "://" + u.Host
	} else if h != "" && !strings.Contains(h, "://") {
		v.HostName = h
	}
	return v
}

type confirmView struct {
	layoutView
	ConfirmEmailPage
}

type errorView struct {
	layoutView
	Code, Heading, Message, SignInURL string
}

func newErrorView(p *ErrorPage) errorView {
	msg := p.Message
	if msg == "" {
		msg = ErrorMessage(p.Code)
	}
	return errorView{layoutView: newLayout(p.Brand), Code: p.Code, Heading: errorHeading(p.Code), Message: msg, SignInURL: p.SignInURL}
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// inputType keeps the input types a credentials field may have.
func inputType(t string) string {
	switch t = strings.ToLower(strings.TrimSpace(t)); t {
	case "text", "password", "email", "tel", "number", "url":
		return t
	}
	return "text"
}

// idPart turns a field name into characters valid in an id.
func idPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "field"
	}
	return b.String()
}

// uniqueID returns id, or id with a numeric suffix if it was already used.
func uniqueID(id string, seen map[string]bool) string {
	out := id
	for i := 2; seen[out]; i++ {
		out = fmt.Sprintf("%s-%d", id, i)
	}
	seen[out] = true
	return out
}

// safeLogo returns logo if it is an http(s) URL with a host or a
// root-relative path, and "" otherwise.
func safeLogo(logo string) string {
	logo = strings.TrimSpace(logo)
	if logo == "" || strings.ContainsAny(logo, "\\\x00\t\r\n") {
		return ""
	}
	u, err := url.Parse(logo)
	if err != nil {
		return ""
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			return ""
		}
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(logo, "/") && !strings.HasPrefix(logo, "//"):
	default:
		return ""
	}
	return logo
}
