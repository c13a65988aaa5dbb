package flow

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/authkit-dev/authkit/pkg/password"
	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/store"
)

// CredentialsSignin is Auth.js's code for a refused password sign-in; the
// message never says whether the user exists.
const CredentialsSignin ErrorCode = "CredentialsSignin"

// ErrBadCredentials: unknown user, no password, or a wrong one; which of
// these is never said. ErrThrottled: too many failures lately.
var (
	ErrBadCredentials = errors.New("wrong email or password")
	ErrThrottled      = errors.New("too many failed attempts; wait and try again")
)

// CredentialsProviderID is the provider id of password sign-in.
const CredentialsProviderID = "credentials"

// throttle counts recent failures per key (an identifier, an address) and
// makes each further attempt wait longer: after 3 failures within the
// window, attempts are refused for 2^(failures-3) seconds, up to 15
// minutes. It is per engine, in memory.
type throttle struct {
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	count int
	last  time.Time
}

const (
	throttleWindow = 15 * time.Minute
	throttleFree   = 3
	throttleMax    = 15 * time.Minute
	throttleKeys   = 100_000
)

func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.keys[key]
	if f == nil || now.Sub(f.last) > throttleWindow || f.count < throttleFree {
		return 0
	}
	d := time.Duration(1<<min(f.count-throttleFree, 10)) * time.Second
	d = min(d, throttleMax)
	if until := f.last.Add(d); now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil || len(t.keys) >= throttleKeys {
		t.keys = make(map[string]*failures)
	}
	f := t.keys[key]
	if f == nil || now.Sub(f.last) > throttleWindow {
		f = &failures{}
		t.keys[key] = f
	}
	f.count++
	f.last = now
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// credentialsProvider is the provider record of password sign-ins.
var credentialsProvider = &providers.Provider{ID: CredentialsProviderID, Name: "Email and password", Kind: providers.Credentials}

// SignInWithPassword checks an email and a password against the store
// (argon2id, or an imported bcrypt hash that is then rehashed), spending
// the same work whether or not the user exists, throttling repeated
// failures per email and per client address, and issues the session
// (JWT or database) as a provider sign-in does.
func (e *Engine) SignInWithPassword(ctx context.Context, email, pw, clientAddr string, existing CallbackRequest) (*Result, error) {
	if e.cfg.Store == nil || !e.cfg.Credentials {
		return nil, fail(Configuration, ErrProviderConfig, "password sign-in is not enabled")
	}
	now := e.now()
	email = strings.ToLower(strings.TrimSpace(email))
	keys := []string{"id:" + email, "ip:" + clientAddr}
	for _, k := range keys {
		if e.throttle.wait(k, now) > 0 {
			return nil, fail(CredentialsSignin, ErrThrottled, "")
		}
	}
	refuse := func() (*Result, error) {
		for _, k := range keys {
			e.throttle.fail(k, now)
		}
		return nil, fail(CredentialsSignin, ErrBadCredentials, "")
	}
	if email == "" || len(pw) > password.MaxLength {
		password.VerifyDummy("")
		return refuse()
	}
	user, err := e.cfg.Store.GetUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, failWith(AdapterError, ErrStore, err, "cannot look up the user")
	}
	hash := ""
	if err == nil {
		if hash, err = e.cfg.Store.PasswordHash(ctx, user.ID); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrUnsupported) {
			return nil, failWith(AdapterError, ErrStore, err, "cannot read the password")
		}
	}
	if hash == "" {
		password.VerifyDummy(pw)
		return refuse()
	}
	ok, rehash, err := password.Verify(pw, hash)
	if err != nil || !ok {
		return refuse()
	}
	for _, k := range keys {
		e.throttle.reset(k)
	}
	if rehash {
		if fresh, err := password.Hash(pw); err == nil {
			e.cfg.Store.SetPassword(ctx, user.ID, fresh)
		}
	}
	res := &Result{Provider: credentialsProvider, User: user,
		Profile:  providers.Profile{ID: user.ID, Name: user.Name, Email: user.Email, Image: user.Image},
		Decision: Decision{Kind: ExistingUser, Reason: "the password matches", UserID: user.ID}}
	if err := e.signInCallback(ctx, res, &user, false); err != nil {
		return nil, err
	}
	existing.ProviderID = CredentialsProviderID
	if err := e.issue(ctx, existing, res); err != nil {
		return nil, err
	}
	return res, nil
}
