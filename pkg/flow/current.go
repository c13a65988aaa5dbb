package flow

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
)

// Session is the signed-in session of a request.
type Session struct {
	// User is who is signed in. ID is the store's user id, or the JWT's sub.
	User SessionUser `json:"user"`
	// Expires is when the session ends.
	Expires time.Time `json:"expires"`
	// Strategy is how the session is kept.
	Strategy Strategy `json:"-"`
	// Claims are a JWT session's claims.
	Claims session.Claims `json:"-"`
	token  string
}

// SessionUser is the user of a session.
type SessionUser struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Image string `json:"image,omitempty"`
}

// errNoSession: the request carries no session, or one that is expired,
// invalid or revoked.
var errNoSession = errors.New("no session")

// current reads the session of r: the JWT cookie opened and judged (no
// database work), or the database session looked up, an expired row
// deleted. hadCookie says whether a session cookie was sent (so that an
// invalid one is cleared).
func (e *Engine) current(ctx context.Context, r *http.Request) (s *Session, hadCookie bool, err error) {
	raw, err := session.ReadChunked(r.Cookies(), e.names.SessionToken, 0)
	if errors.Is(err, session.ErrNoToken) {
		return nil, false, errNoSession
	}
	if err != nil {
		return nil, true, errNoSession
	}
	if e.cfg.Strategy == JWT {
		tok, err := session.Decode(e.codec, raw, e.now())
		if err != nil || tok.Subject() == "" {
			return nil, true, errNoSession
		}
		if e.cfg.Revocation {
			jti, _ := tok.Claims["jti"].(string)
			revoked, err := e.cfg.Store.TokenRevoked(ctx, jti)
			if err != nil {
				return nil, true, err
			}
			if jti == "" || revoked {
				return nil, true, errNoSession
			}
		}
		exp, _ := tok.ExpiresAt()
		u := SessionUser{ID: tok.Subject()}
		u.Name, _ = tok.Claims["name"].(string)
		u.Email, _ = tok.Claims["email"].(string)
		u.Image, _ = tok.Claims["picture"].(string)
		return &Session{User: u, Expires: exp, Strategy: JWT, Claims: tok.Claims, token: raw}, true, nil
	}
	row, user, err := e.cfg.Store.GetSessionAndUser(ctx, raw)
	if errors.Is(err, store.ErrNotFound) {
		return nil, true, errNoSession
	}
	if err != nil {
		return nil, true, err
	}
	if !row.Expires.After(e.now()) {
		e.cfg.Store.DeleteSession(ctx, raw)
		return nil, true, errNoSession
	}
	return &Session{User: SessionUser{ID: user.ID, Name: user.Name, Email: user.Email, Image: user.Image},
		Expires: row.Expires, Strategy: Database, token: raw}, true, nil
}

type sessionKey struct{}

// SessionFromContext returns the session RequireSession put in ctx.
func SessionFromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(*Session)
	return s, ok
}

func contextWithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// end finishes a session: its database row deleted, or with revocation its
// jti revoked (every rolled copy of the token with it).
func (e *Engine) end(ctx context.Context, s *Session) error {
	if s.Strategy == Database {
		if err := e.cfg.Store.DeleteSession(ctx, s.token); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if e.cfg.Revocation {
		jti, _ := s.Claims["jti"].(string)
		return e.cfg.Store.RevokeToken(ctx, jti, s.User.ID, s.Expires)
	}
	return nil
}
