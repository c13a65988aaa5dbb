package mail

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// InboxSize is how many messages an Inbox keeps; the oldest goes first.
const InboxSize = 100

// inboxCSP lets the inbox page load nothing: no script, no image, no frame,
// only its own inline style.
const inboxCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Received is a message an Inbox accepted.
type Received struct {
	// ID identifies the message in the inbox: "1", "2", ...
	ID string
	// Time is when the inbox accepted it.
	Time time.Time
	Message
}

// Links returns the http and https URLs of the text body, in order.
func (r Received) Links() []string {
	var out []string
	for _, s := range linkify(r.Text) {
		if s.Href != "" {
			out = append(out, s.Href)
		}
	}
	return out
}

// Inbox is a Sender for development: it keeps the last InboxSize messages
// in memory and shows them as an HTML page (ServeHTTP). It refuses the same
// invalid messages as the SMTP sender. The zero value is ready to use and
// it is safe for concurrent use. It is not meant for production: anyone who
// can read the page can use the sign-in links on it.
type Inbox struct {
	// OnReceive, when set, is called with each accepted message, after it
	// is stored and outside any lock; LogReceived makes one that logs the
	// links. Set it before the first Send.
	OnReceive func(Received)

	mu   sync.Mutex
	msgs []Received
	seq  int
}

var _ Sender = (*Inbox)(nil)

// Send validates m (see Message.Validate) and stores it.
func (in *Inbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return &sendError{cause: "the request was cancelled (" + err.Error() + ")", fix: "try again", err: err}
	}
	if err := m.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	in.seq++
	r := Received{ID: strconv.Itoa(in.seq), Time: time.Now(), Message: m}
	if len(in.msgs) >= InboxSize {
		in.msgs = slices.Delete(in.msgs, 0, len(in.msgs)-InboxSize+1)
	}
	in.msgs = append(in.msgs, r)
	in.mu.Unlock()
	if in.OnReceive != nil {
		in.OnReceive(r)
	}
	return nil
}

// Messages returns the kept messages, oldest first.
func (in *Inbox) Messages() []Received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.msgs)
}

// Get returns the kept message with the given ID.
func (in *Inbox) Get(id string) (Received, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.msgs {
		if r.ID == id {
			return r, true
		}
	}
	return Received{}, false
}

// LogReceived returns an OnReceive hook that logs each message with its
// recipient, subject and links at level Info. The links are sign-in links:
// use it in development only.
func LogReceived(l *slog.Logger) func(Received) {
	return func(r Received) {
		l.Info("dev inbox: email received", "id", r.ID, "to", r.To, "subject", r.Subject, "links", r.Links())
	}
}

// ServeHTTP shows the inbox: the list of messages, newest first, or one
// message with ?id=. Everything is escaped, http and https links of the
// text body are the only markup taken from a message, the HTML part is
// shown as source, and a Content-Security-Policy forbids scripts.
func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", inboxCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if id := r.URL.Query().Get("id"); id != "" {
		m, ok := in.Get(id)
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			inboxTemplate().ExecuteTemplate(w, "missing", nil)
			return
		}
		inboxTemplate().ExecuteTemplate(w, "message", viewMessage{Received: m, Body: linkify(m.Text)})
		return
	}
	msgs := in.Messages()
	slices.Reverse(msgs)
	inboxTemplate().ExecuteTemplate(w, "list", msgs)
}

type viewMessage struct {
	Received
	Body []segment
}

// segment is a piece of a text body: plain text, or a link when Href is set.
type segment struct {
	Text, Href string
}

var linkPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'` + "`" + `]+`)

// linkify splits text into plain pieces and its http(s) links.
func linkify(text string) []segment {
	var out []segment
	last := 0
	for _, loc := range linkPattern.FindAllStringIndex(text, -1) {
		start, end := loc[0], loc[1]
		for end > start && strings.ContainsRune(".,;:!?)]}", rune(text[end-1])) {
			end--
		}
		raw := text[start:end]
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
			continue
		}
		if start > last {
			out = append(out, segment{Text: text[last:start]})
		}
		out = append(out, segment{Text: raw, Href: raw})
		last = end
	}
	if last < len(text) {
		out = append(out, segment{Text: text[last:]})
	}
	return out
}

// inboxTemplate parses the page on first use, not at start-up.
var inboxTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("inbox").Funcs(template.FuncMap{
		"when": func(t time.Time) string { return t.Format("15:04:05") },
	}).Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>authkit dev inbox</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:1rem;border-radius:4px}
.meta{color:#555}a{color:#0645ad}
</style></head><body>{{end}}

{{define "list"}}{{template "head"}}
<h1>Dev inbox</h1>
<p class="meta">The last {{len .}} messages, newest first. Development only: the links sign in.</p>
{{if .}}<table><thead><tr><th>Time</th><th>To</th><th>Subject</th></tr></thead><tbody>
{{range .}}<tr><td>{{when .Time}}</td><td>{{.To}}</td><td><a href="?id={{.ID}}">{{if .Subject}}{{.Subject}}{{else}}(no subject){{end}}</a></td></tr>
{{end}}</tbody></table>{{else}}<p>No messages yet.</p>{{end}}
</body></html>{{end}}

{{define "message"}}{{template "head"}}
<p><a href="?">&larr; Inbox</a></p>
<h1>{{if .Subject}}{{.Subject}}{{else}}(no subject){{end}}</h1>
<p class="meta">From {{.From}}<br>To {{.To}}<br>{{.Time.Format "2006-01-02 15:04:05 MST"}}</p>
<pre>{{range .Body}}{{if .Href}}<a href="{{.Href}}" rel="noreferrer noopener">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</pre>
{{if .HTML}}<details><summary>HTML part (source)</summary><pre>{{.HTML}}</pre></details>{{end}}
</body></html>{{end}}

{{define "missing"}}{{template "head"}}
<p><a href="?">&larr; Inbox</a></p><p>That message is not in the inbox (it keeps the last 100).</p>
</body></html>{{end}}
`))
})
