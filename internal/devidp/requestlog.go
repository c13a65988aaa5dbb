package devidp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// Kind is what a request was for.
type Kind string

// The kinds of request.
const (
	KindDiscovery  Kind = "discovery"
	KindJWKS       Kind = "jwks"
	KindAuthorize  Kind = "authorize"
	KindLogin      Kind = "login" // the login page's form, posted back
	KindToken      Kind = "token"
	KindUserInfo   Kind = "userinfo" // also GitHub's /user and Discord's /users/@me
	KindEmails     Kind = "emails"   // GitHub's /user/emails
	KindEndSession Kind = "end_session"
	KindAvatar     Kind = "avatar"
	KindOther      Kind = "other" // no such endpoint (404)
)

// Request is one request the provider received, as kept in its log. It
// holds no secret: no client secret, code, state, verifier or token.
type Request struct {
	Time   time.Time
	Method string
	// Path is the URL path, without the query.
	Path string
	Kind Kind
	// Status is the HTTP status answered.
	Status int
	// Grant is the token request's grant_type.
	Grant string
	// CodeRef names the authorization code issued (authorize, login) or
	// presented (token) by a short hash of it, so that a test can match
	// the two without seeing the code.
	CodeRef string
	// ClientID is the client named by the request, when it names one.
	ClientID string
	// User is the email of the user approved (authorize, login) or served
	// (token, userinfo, emails).
	User string
	// Error is the OAuth error answered (access_denied, invalid_grant,
	// redirect_uri_mismatch, ...), "" on success.
	Error string
}

// codeRef is the log's name for a code or token: 8 hex digits of its
// SHA-256, which reveal nothing usable.
func codeRef(code string) string {
	if code == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:4])
}

type requestKey struct{}

// note returns the log record of the request in ctx, for handlers to fill
// in; a throwaway record outside of the logging middleware.
func note(ctx context.Context) *Request {
	if rec, ok := ctx.Value(requestKey{}).(*Request); ok {
		return rec
	}
	return &Request{}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests records every request in the server's log and writes one
// line per request to the logger: method, path, kind, status and the
// notes, never the query (it holds state, nonce and code challenge) nor
// any header or body.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &Request{Time: s.now(), Method: r.Method, Path: r.URL.Path, Kind: KindOther}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestKey{}, rec)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		rec.Status = sw.status
		s.mu.Lock()
		s.log = append(s.log, *rec)
		s.mu.Unlock()
		attrs := []slog.Attr{slog.String("method", rec.Method), slog.String("path", rec.Path),
			slog.String("kind", string(rec.Kind)), slog.Int("status", rec.Status)}
		for _, kv := range [][2]string{{"grant", rec.Grant}, {"client_id", rec.ClientID}, {"user", rec.User}, {"code_ref", rec.CodeRef}, {"error", rec.Error}} {
			if kv[1] != "" {
				attrs = append(attrs, slog.String(kv[0], kv[1]))
			}
		}
		attrs = append(attrs, slog.Duration("took", time.Since(start).Round(time.Microsecond)))
		s.logger.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
	})
}

// Requests returns a copy of the log of requests received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count returns how many requests of kind k were received.
func (s *Server) Count(k Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Kind == k {
			n++
		}
	}
	return n
}

// ResetRequests empties the log of requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}
