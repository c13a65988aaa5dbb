package login

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// callback is what reached the loopback server.
type callback struct {
	params url.Values
}

// loopback is the one-shot callback server of `authkit login`: it listens
// on 127.0.0.1, answers the first request to the callback path at once
// with a plain page, hands its parameters over, and refuses the rest.
type loopback struct {
	ln     net.Listener
	srv    *http.Server
	path   string
	got    chan callback
	once   sync.Once
	closed chan struct{}
}

var errPortInUse = errors.New("is in use")

func listenLoopback(port int, path string) (*loopback, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, errPortInUse
		}
		return nil, err
	}
	l := &loopback{ln: ln, path: path, got: make(chan callback, 1), closed: make(chan struct{})}
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		l.srv.Serve(ln)
		close(l.closed)
	}()
	return l, nil
}

func (l *loopback) port() int { return l.ln.Addr().(*net.TCPAddr).Port }

var resultPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>authkit login</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<main><h1>{{.Title}}</h1><p>{{.Body}}</p></main></body></html>
`))

func (l *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !l.hostAllowed(r.Host) {
		w.WriteHeader(http.StatusBadRequest)
		resultPage.Execute(w, map[string]string{"Title": "Wrong host", "Body": "authkit answers only on localhost and 127.0.0.1."})
		return
	}
	if r.URL.Path != l.path {
		w.WriteHeader(http.StatusNotFound)
		resultPage.Execute(w, map[string]string{"Title": "Not found", "Body": "authkit is waiting for the provider at another address."})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	first := false
	l.once.Do(func() {
		first = true
		l.got <- callback{params: r.Form}
	})
	if !first {
		w.WriteHeader(http.StatusGone)
		resultPage.Execute(w, map[string]string{"Title": "Already used", "Body": "This sign-in has finished; run authkit login again for another."})
		return
	}
	resultPage.Execute(w, map[string]string{"Title": "Back to the terminal", "Body": "authkit received the provider's answer. The result is in your terminal; you can close this tab."})
}

// hostAllowed refuses requests whose Host is not this loopback address
// (DNS rebinding: a page on another origin resolving to 127.0.0.1).
func (l *loopback) hostAllowed(host string) bool {
	p := strconv.Itoa(l.port())
	switch host {
	case "localhost:" + p, "127.0.0.1:" + p, "[::1]:" + p:
		return true
	}
	return false
}

// wait returns the callback, or an error when ctx ends first.
func (l *loopback) wait(ctx context.Context) (callback, error) {
	select {
	case c := <-l.got:
		return c, nil
	case <-ctx.Done():
		return callback{}, context.Cause(ctx)
	}
}

// close stops the server and releases the port.
func (l *loopback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.srv.Shutdown(ctx)
	<-l.closed
}
