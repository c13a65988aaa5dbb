package devidp

import (
	"html/template"
	"net/http"
	"strconv"
)

// The pages are plain HTML: no script, no outside resource, usable from a
// keyboard and a screen reader, and easy for a headless browser to drive
// (one button per user, labelled with the user's name and email).
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · authkit dev identity provider</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
button{display:block;width:100%;margin:.5rem 0;padding:.6rem;font-size:1rem;text-align:left;cursor:pointer}
.note{color:#555;font-size:.9rem}
code{overflow-wrap:anywhere}
</style>
</head>
<body>
<main>
{{end}}

{{define "foot"}}
</main>
</body>
</html>
{{end}}

{{define "error"}}{{template "head" "Error"}}
<h1>Error {{.Status}}: {{.Code}}</h1>
<p id="error-description">{{.Description}}</p>
<p class="note">This is the authkit dev identity provider ({{.Shape}} shape). Nothing was sent back to the application.</p>
{{template "foot"}}{{end}}

{{define "login"}}{{template "head" "Sign in"}}
<h1>Sign in to {{.Client}}</h1>
<p class="note">authkit dev identity provider ({{.Shape}} shape). Choose the account to sign in with.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="request" value="{{.Request}}">
<fieldset>
<legend>Accounts</legend>
{{range .Users}}<button type="submit" name="user" value="{{.Index}}" id="user-{{.Index}}"{{if .Hinted}} autofocus{{end}}>Sign in as {{if .Name}}{{.Name}} ({{.Email}}){{else}}{{.Email}}{{end}}</button>
{{end}}</fieldset>
<button type="submit" name="deny" value="1" id="deny">Cancel (deny access)</button>
</form>
{{template "foot"}}{{end}}

{{define "signedout"}}{{template "head" "Signed out"}}
<h1>Signed out</h1>
<p>You are signed out of the authkit dev identity provider.</p>
{{template "foot"}}{{end}}
`))

// pageHeaders are the headers of every HTML page: no caching, no
// referrer, no script, no outside resource.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
}

// errorPage answers an error as a page, never as a redirect.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	note(r.Context()).Error = code
	pageHeaders(w)
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "error", map[string]any{"Status": status, "Code": code, "Description": desc, "Shape": s.shape})
}

// loginPath is where the login page posts back, on every shape.
const loginPath = "/devidp/login"

type loginUser struct {
	Index       int
	Name, Email string
	Hinted      bool
}

// showLoginPage keeps req aside and shows the accounts to choose from.
func (s *Server) showLoginPage(w http.ResponseWriter, r *http.Request, req *authRequest) {
	id := randomToken("")
	s.mu.Lock()
	s.state.sweep(s.now())
	s.state.pending[id] = req
	s.mu.Unlock()
	hint := -1
	if req.loginHint != "" {
		hint = s.pickUser(req.loginHint)
	}
	users := make([]loginUser, len(s.users))
	for i, u := range s.users {
		users[i] = loginUser{Index: i, Name: u.Name, Email: u.Email, Hinted: i == hint}
	}
	pageHeaders(w)
	_ = pages.ExecuteTemplate(w, "login", map[string]any{"Client": req.clientID, "Shape": s.shape,
		"Action": loginPath, "Request": id, "Users": users})
}

// serveLogin takes the login page's answer: a user, or "deny".
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "The form could not be read: "+err.Error())
		return
	}
	id := r.PostForm.Get("request")
	s.mu.Lock()
	req, ok := s.state.pending[id]
	delete(s.state.pending, id)
	s.mu.Unlock()
	if !ok || s.now().Sub(req.issued) > pendingTTL {
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "This sign-in request expired or was already answered; start the sign-in again from the application.")
		return
	}
	note(r.Context()).ClientID = req.clientID
	if r.PostForm.Has("deny") {
		s.redirectError(w, r, req, "access_denied", "The user denied the request.")
		return
	}
	user, err := strconv.Atoi(r.PostForm.Get("user"))
	if err != nil || user < 0 || user >= len(s.users) {
		s.errorPage(w, r, http.StatusBadRequest, "invalid_request", "No account was chosen.")
		return
	}
	s.approve(w, r, req, user)
}
