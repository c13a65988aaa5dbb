package serve

import (
	"html/template"
	"net/http"

	"github.com/authkit-dev/authkit/pkg/flow"
)

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>authkit dev</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<main><h1>authkit serve --dev</h1>
{{if .}}<p>Signed in as <strong>{{.User.Name}}</strong> ({{.User.Email}}), user id <code>{{.User.ID}}</code>.</p>
<p><a href="{{$.Base}}/session">Session JSON</a> · <a href="{{$.Base}}/signout">Sign out</a> · <a href="/dev/inbox">Dev inbox</a></p>{{end}}
</main></body></html>
`))

// mountDemo serves the protected demo page at /: RequireSession sends a
// visitor to the sign-in page first.
func mountDemo(mux *http.ServeMux, h *flow.Handler, base string) {
	mux.Handle("/{$}", h.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := flow.SessionFromContext(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		demoPage.Execute(w, struct {
			*flow.Session
			Base string
		}{s, base})
	})))
}
