package flow

import (
	"context"
	"net/http"
	"time"

	"github.com/authkit-dev/authkit/pkg/session"
	"github.com/authkit-dev/authkit/pkg/store"
)

// IssuedSession is the session a sign-in sets.
type IssuedSession struct {
	Strategy Strategy `json:"strategy"`
	// Token is the cookie value: the JWE of a JWT session, or the random
	// token of a database session. It is a credential: print it only when
	// asked.
	Token string `json:"-"`
	// Claims are the JWT session's claims (JWT strategy only).
	Claims session.Claims `json:"claims,omitempty"`
	// Expires is when the session ends.
	Expires time.Time `json:"expires"`
	// Cookies set the session (chunked when large, stale chunks cleared).
	Cookies []*http.Cookie `json:"-"`
	// Stored says whether a session row was written.
	Stored bool `json:"stored"`
}

// issue makes the session of a completed sign-in: a JWT with Auth.js's
// default claims (name, email, picture, sub) shaped by the JWT callback,
// or a database session with a fresh 256-bit token, and records the
// sign-in event.
func (e *Engine) issue(ctx context.Context, req CallbackRequest, res *Result) error {
	now := e.now()
	s := IssuedSession{Strategy: e.cfg.Strategy, Expires: now.Add(e.cfg.MaxAge)}
	if e.cfg.Strategy == JWT {
		claims := session.Claims{}
		for k, v := range map[string]string{"name": res.User.Name, "email": res.User.Email, "picture": res.User.Image, "sub": res.User.ID} {
			if v != "" {
				claims[k] = v
			}
		}
		if e.cfg.JWT != nil {
			shaped, err := e.cfg.JWT(ctx, JWTInput{Claims: claims, User: res.User, Provider: res.Provider, Profile: res.Profile, IsNewUser: res.Decision.Kind == NewUser})
			if err != nil {
				return failWith(AccessDenied, ErrSignInRefused, err, "the JWT callback refused")
			}
			claims = shaped
		}
		tok, err := e.codec.Encode(claims, session.EncodeOptions{Now: now, MaxAge: e.cfg.MaxAge})
		if err != nil {
			return failWith(Configuration, ErrProviderConfig, err, "cannot encode the session")
		}
		s.Token, s.Claims = tok, claims
	} else {
		s.Token = randomValue()
		if !req.DryRun {
			if _, err := e.cfg.Store.CreateSession(ctx, store.Session{Token: s.Token, UserID: res.User.ID, Expires: s.Expires}); err != nil {
				return failWith(AdapterError, ErrStore, err, "cannot create the session")
			}
			s.Stored = true
		}
	}
	s.Cookies = session.SessionCookies(e.names.SessionToken, s.Token, session.ChunkSizeV5,
		session.CookieOptions{Secure: e.secure, Expires: s.Expires}, req.Cookies)
	res.Session = s
	if req.DryRun {
		return nil
	}
	ev := store.Event{Type: store.EventSignIn, UserID: res.User.ID, Detail: map[string]string{"provider": res.Provider.ID, "strategy": string(e.cfg.Strategy)}}
	if e.cfg.Store != nil {
		if err := e.cfg.Store.RecordEvent(ctx, ev); err != nil {
			return failWith(AdapterError, ErrStore, err, "cannot record the sign-in")
		}
	}
	e.emit(ctx, []store.Event{ev})
	return nil
}
