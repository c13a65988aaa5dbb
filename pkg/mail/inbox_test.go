package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/authkit-dev/authkit/pkg/mail"
)

func get(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestInboxKeepsTheLastMessages(t *testing.T) {
	var in mail.Inbox
	for i := 1; i <= mail.InboxSize+5; i++ {
		m := signInMessage()
		m.Subject = fmt.Sprintf("message %d", i)
		if err := in.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := in.Messages()
	if len(got) != mail.InboxSize {
		t.Fatalf("kept %d messages, want %d", len(got), mail.InboxSize)
	}
	if got[0].ID != "6" || got[0].Subject != "message 6" || got[len(got)-1].ID != "105" {
		t.Errorf("kept %s..%s, want 6..105, oldest first", got[0].ID, got[len(got)-1].ID)
	}
	if _, ok := in.Get("5"); ok {
		t.Error("Get found a message that was dropped")
	}
	if r, ok := in.Get("105"); !ok || r.Subject != "message 105" || r.Time.IsZero() {
		t.Errorf("Get(105) = %+v, %v", r, ok)
	}
	got[0].Subject = "changed"
	if in.Messages()[0].Subject != "message 6" {
		t.Error("Messages returns the inbox's own slice")
	}
}

func TestInboxConcurrentUse(t *testing.T) {
	var in mail.Inbox
	var received sync.Map
	in.OnReceive = func(r mail.Received) { received.Store(r.ID, r.To) }
	const writers, each = 8, 30
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				m := signInMessage()
				m.To = fmt.Sprintf("user%d-%d@example.com", w, i)
				if err := in.Send(context.Background(), m); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range each {
				in.Messages()
				in.Get("1")
				get(t, &in, http.MethodGet, "/")
			}
		})
	}
	wg.Wait()
	got := in.Messages()
	if len(got) != mail.InboxSize {
		t.Fatalf("kept %d messages, want %d", len(got), mail.InboxSize)
	}
	ids := map[string]bool{}
	for i, r := range got {
		ids[r.ID] = true
		if n, _ := strconv.Atoi(r.ID); i > 0 {
			if prev, _ := strconv.Atoi(got[i-1].ID); n <= prev {
				t.Errorf("IDs out of order: %s after %s", r.ID, got[i-1].ID)
			}
		}
	}
	if len(ids) != mail.InboxSize || got[len(got)-1].ID != strconv.Itoa(writers*each) {
		t.Errorf("%d distinct IDs, last %s; want %d, last %d", len(ids), got[len(got)-1].ID, mail.InboxSize, writers*each)
	}
	n := 0
	received.Range(func(any, any) bool { n++; return true })
	if n != writers*each {
		t.Errorf("OnReceive saw %d messages, want %d", n, writers*each)
	}
}

func TestInboxRefusesInvalidMessages(t *testing.T) {
	var in mail.Inbox
	called := false
	in.OnReceive = func(mail.Received) { called = true }
	for _, to := range []string{"victim@x.com\r\nBcc: e@evil.com", "a@x.com,b@y.com", `"e@attacker.com"@victim.com`, "Victim <victim@x.com>"} {
		m := signInMessage()
		m.To = to
		if err := in.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("Send(To %q) = %v, want ErrInvalidMessage", to, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := in.Send(ctx, signInMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v", err)
	}
	if len(in.Messages()) != 0 || called {
		t.Errorf("the inbox kept %d invalid messages (OnReceive called: %v)", len(in.Messages()), called)
	}
}

func TestLogReceived(t *testing.T) {
	var buf bytes.Buffer
	in := mail.Inbox{OnReceive: mail.LogReceived(slog.New(slog.NewJSONHandler(&buf, nil)))}
	if err := in.Send(context.Background(), signInMessage()); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Msg, To, Subject, ID string
		Links                []string
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if rec.Msg != "dev inbox: email received" || rec.To != "user@example.com" || rec.Subject != "Sign in to Example" || rec.ID != "1" ||
		len(rec.Links) != 1 || rec.Links[0] != callbackURL {
		t.Errorf("logged %s", buf.String())
	}
}

func TestReceivedLinks(t *testing.T) {
	r := mail.Received{Message: mail.Message{Text: "a https://a.example/x?y=1, then (http://b.example/p). " +
		"not javascript:alert(1) nor ftp://c.example nor https:// alone; HTTPS://D.example/Q!\nhttps://e.example/\"x"}}
	want := []string{"https://a.example/x?y=1", "http://b.example/p", "HTTPS://D.example/Q", "https://e.example/"}
	if got := r.Links(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Links = %q, want %q", got, want)
	}
}

func TestInboxPage(t *testing.T) {
	var in mail.Inbox
	evil := mail.Message{
		From:    `"<script>alert('from')</script>" <auth@example.com>`,
		To:      "user@example.com",
		Subject: `<script>alert("subject")</script>`,
		Text: "Sign in: " + callbackURL + ".\n" +
			"<script>alert('text')</script> <img src=x onerror=alert(1)>\n" +
			"javascript:alert(1) https://x.example/\"onmouseover=\"alert(2) https://y.example/<script>\n",
		HTML: `<script>alert("html")</script><a href="javascript:alert(3)">x</a>`,
	}
	for i, subject := range []string{"first", "second"} {
		m := signInMessage()
		m.Subject = subject
		m.To = fmt.Sprintf("user%d@example.com", i)
		if err := in.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Send(context.Background(), evil); err != nil {
		t.Fatal(err)
	}

	pages := map[string]string{}
	for _, target := range []string{"/", "/?id=3", "/?id=1"} {
		res, body := get(t, &in, http.MethodGet, target)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", target, res.StatusCode)
		}
		for k, v := range map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
		} {
			if got := res.Header.Get(k); got != v {
				t.Errorf("GET %s: %s %q, want %q", target, k, got, v)
			}
		}
		lower := strings.ToLower(body)
		for _, bad := range []string{"<script", "<img", "onmouseover=\"", `href="javascript`} {
			if strings.Contains(lower, bad) {
				t.Errorf("GET %s: the page holds %q unescaped", target, bad)
			}
		}
		pages[target] = body
	}

	list := pages["/"]
	if !strings.Contains(list, "&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt;") {
		t.Errorf("the list does not show the escaped subject:\n%s", list)
	}
	i3, i2, i1 := strings.Index(list, `href="?id=3"`), strings.Index(list, ">second<"), strings.Index(list, ">first<")
	if i3 < 0 || i2 < 0 || i1 < 0 || i3 > i2 || i2 > i1 {
		t.Errorf("the list is not newest first (%d, %d, %d):\n%s", i3, i2, i1, list)
	}

	page := pages["/?id=3"]
	escaped := strings.ReplaceAll(callbackURL, "&", "&amp;")
	for _, want := range []string{
		`<a href="` + escaped + `" rel="noreferrer noopener">` + escaped + `</a>.`,
		`<a href="https://x.example/" rel="noreferrer noopener">https://x.example/</a>&#34;onmouseover=&#34;alert(2)`,
		`<a href="https://y.example/" rel="noreferrer noopener">https://y.example/</a>&lt;script&gt;`,
		"&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;",
		"javascript:alert(1)",
		"&lt;script&gt;alert(&#34;html&#34;)&lt;/script&gt;&lt;a href=&#34;javascript:alert(3)&#34;&gt;",
		"&lt;script&gt;alert(&#39;from&#39;)&lt;/script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the message page lacks %q:\n%s", want, page)
		}
	}
	if n := strings.Count(page, "<a href=\"http"); n != 3 {
		t.Errorf("the message page has %d links to http(s), want 3", n)
	}
	if !strings.Contains(pages["/?id=1"], "first") {
		t.Errorf("?id=1 does not show the first message:\n%s", pages["/?id=1"])
	}
}

func TestInboxPageErrors(t *testing.T) {
	var in mail.Inbox
	if res, body := get(t, &in, http.MethodGet, "/?id=999"); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "not in the inbox") {
		t.Errorf("unknown id: %d %s", res.StatusCode, body)
	}
	if res, body := get(t, &in, http.MethodGet, "/?id=%3Cscript%3E"); res.StatusCode != http.StatusNotFound || strings.Contains(body, "<script") {
		t.Errorf("script id: %d %s", res.StatusCode, body)
	}
	if res, _ := get(t, &in, http.MethodPost, "/"); res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	if res, body := get(t, &in, http.MethodGet, "/"); res.StatusCode != http.StatusOK || !strings.Contains(body, "No messages yet") {
		t.Errorf("empty inbox: %d %s", res.StatusCode, body)
	}
}
