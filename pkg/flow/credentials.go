package flow

import (
	"context"
	"errors"
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

// throttle counts recent attempts per key and makes each further attempt
// wait longer: past a key's free attempts, attempts are refused until
// 2^(count-free) seconds after the last one, up to 15 minutes. An attempt
// is counted before its password is checked (atomically with the check
// of the wait), so a burst of concurrent guesses cannot all slip through;
// a success forgets the keys, and a busy answer gives the attempt back. A
// key's count is forgotten a day after its last attempt. It is per
// engine, in memory: counters do not survive a restart and are not shared
// between instances.
type throttle struct {
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	count int
	free  int
	last  time.Time
}

// The keys of password sign-in and their free attempts: one client
// guessing one account is slowed after 3 failures; one account from
// anywhere after 10 (about 96 guesses a day at the 15-minute cap, within
// NIST's 100); one client across accounts after 20.
const (
	freeAccountClient = 3
	freeAccount       = 10
	freeClient        = 20
)

const (
	throttleForget = 24 * time.Hour
	throttleMax    = 15 * time.Minute
	throttleKeys   = 100_000
)

func (f *failures) wait(now time.Time) time.Duration {
	if f == nil || now.Sub(f.last) > throttleForget || f.count < f.free {
		return 0
	}
	d := min(time.Duration(1<<min(f.count-f.free, 10))*time.Second, throttleMax)
	if until := f.last.Add(d); now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// attempt counts one attempt under every key, unless one of them must
// still wait; then nothing is counted and it reports false.
func (t *throttle) attempt(keys map[string]int, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = make(map[string]*failures)
	}
	for k := range keys {
		if t.keys[k].wait(now) > 0 {
			return false
		}
	}
	for k, free := range keys {
		f := t.keys[k]
		if f == nil && len(t.keys) >= throttleKeys {
			t.evict(now)
		}
		if f == nil || now.Sub(f.last) > throttleForget {
			f = &failures{free: free}
			t.keys[k] = f
		}
		f.count++
		f.last = now
	}
	return true
}

// undo gives back an attempt that was never judged (the password budget
// was full).
func (t *throttle) undo(keys map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range keys {
		if f := t.keys[k]; f != nil && f.count > 0 {
			f.count--
		}
	}
}

// evict makes room when the table is full: first the forgotten keys, then
// those not throttled yet, and only if every key is throttled, all of
// them. So a flood of fresh keys (made-up emails, many addresses) cannot
// wipe the counts of the accounts under attack without first getting
// 100,000 keys throttled.
func (t *throttle) evict(now time.Time) {
	for k, f := range t.keys {
		if now.Sub(f.last) > throttleForget {
			delete(t.keys, k)
		}
	}
	if len(t.keys) < throttleKeys {
		return
	}
	for k, f := range t.keys {
		if f.count < f.free {
			delete(t.keys, k)
		}
	}
	if len(t.keys) >= throttleKeys {
		clear(t.keys)
	}
}

func (t *throttle) reset(keys map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range keys {
		delete(t.keys, k)
	}
}

// credentialsProvider is the provider record of password sign-ins.
var credentialsProvider = &providers.Provider{ID: CredentialsProviderID, Name: "Email and password", Kind: providers.Credentials}

// passwords is the limiter of password work: the process's default
// (password.Default()), shared by every engine, since argon2id memory is
// the process's.
func (e *Engine) passwords() *password.Limiter {
	if e.cfg.PasswordLimiter != nil {
		return e.cfg.PasswordLimiter
	}
	return password.Default()
}

// SignInWithPassword checks an email and a password against the store
// (argon2id, or an imported bcrypt hash that is then rehashed), spending
// the same work whether or not the user exists, throttling repeated
// failures per email and per client address, and issues the session
// (JWT or database) as a provider sign-in does.
//
// The email is normalised as the store normalises it at registration
// (store.NormalizeEmail: NFKC, lower case, trimmed), so "Admin@X.com "
// signs in admin@x.com and shares its throttle. An empty email or
// password, or a password over password.MaxLength bytes, is refused
// before any hashing (which says nothing about the user). Every refusal
// is CredentialsSignin with ErrBadCredentials or ErrThrottled, the same
// for an unknown user, a user without a password and a wrong password.
//
// The hashing runs under the process's password.Limiter: when the memory
// budget stays full past its wait bound, or ctx ends while waiting, the
// error is a Configuration *Error whose reason is password.ErrBusy
// (errors.Is(err, password.ErrBusy)); nothing was hashed or counted
// against the throttle, and the answer to give is 503 with Retry-After.
//
// A SignIn callback that returns an error or panics refuses the sign-in
// (AccessDenied, ErrSignInRefused), as does a JWT callback that panics;
// the panic's value is not kept (it could hold anything).
func (e *Engine) SignInWithPassword(ctx context.Context, email, pw, clientAddr string, existing CallbackRequest) (*Result, error) {
	if e.cfg.Store == nil || !e.cfg.Credentials {
		return nil, fail(Configuration, ErrProviderConfig, "password sign-in is not enabled")
	}
	now := e.now()
	email = store.NormalizeEmail(email)
	if len(email) > maxEmailLength {
		return nil, fail(CredentialsSignin, ErrBadCredentials, "")
	}
	keys := map[string]int{"account:" + email: freeAccount, "client:" + clientAddr: freeClient, "pair:" + clientAddr + " " + email: freeAccountClient}
	if !e.throttle.attempt(keys, now) {
		return nil, fail(CredentialsSignin, ErrThrottled, "")
	}
	refuse := func() (*Result, error) {
		return nil, fail(CredentialsSignin, ErrBadCredentials, "")
	}
	busy := func() (*Result, error) {
		e.throttle.undo(keys)
		return nil, fail(Configuration, password.ErrBusy, "")
	}
	if email == "" || pw == "" || len(pw) > password.MaxLength {
		// Decided by the input alone, so no dummy work is needed to hide
		// whether the user exists; and a megabyte costs nothing.
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
	limiter := e.passwords()
	if hash == "" {
		if err := limiter.VerifyDummy(ctx, pw); errors.Is(err, password.ErrBusy) {
			return busy()
		}
		return refuse()
	}
	ok, rehash, err := limiter.Verify(ctx, pw, hash)
	if errors.Is(err, password.ErrBusy) {
		return busy()
	}
	if err != nil || !ok {
		return refuse()
	}
	e.throttle.reset(keys)
	res := &Result{Provider: credentialsProvider, User: user,
		Profile:  providers.Profile{ID: user.ID, Name: user.Name, Email: user.Email, Image: user.Image},
		Decision: Decision{Kind: ExistingUser, Reason: "the password matches", UserID: user.ID}}
	if err := e.passwordSignIn(ctx, existing, res, &user); err != nil {
		return nil, err
	}
	if rehash {
		// Only after a complete sign-in; a busy budget skips it (the next
		// sign-in rehashes).
		if fresh, err := limiter.Hash(ctx, pw); err == nil {
			if err := e.cfg.Store.SetPassword(ctx, user.ID, fresh); err != nil {
				e.warn(ctx, "cannot store the rehashed password; the next sign-in tries again", "user", user.ID, "reason", err.Error())
			}
		}
	}
	return res, nil
}

// passwordSignIn runs the SignIn callback and issues the session, turning
// a panic in either (the SignIn, JWT or OnEvent callback) into a refusal
// that names the step but not the panic's value.
func (e *Engine) passwordSignIn(ctx context.Context, existing CallbackRequest, res *Result, user *store.User) (err error) {
	step := "the SignIn callback"
	defer func() {
		if r := recover(); r != nil {
			err = fail(AccessDenied, ErrSignInRefused, "panic in %s", step)
		}
	}()
	if err := e.signInCallback(ctx, res, user, false); err != nil {
		return err
	}
	step = "issuing the session"
	existing.ProviderID = CredentialsProviderID
	return e.issue(ctx, existing, res)
}
