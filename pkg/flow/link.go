package flow

import (
	"context"
	"errors"
	"strings"

	"github.com/authkit-dev/authkit/pkg/providers"
	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/google/uuid"
)

// DecisionKind is what the linking policy decided.
type DecisionKind string

// The linking decisions.
const (
	// NewUser: no user has this account or email; one is created with the
	// account linked.
	NewUser DecisionKind = "new_user"
	// ExistingUser: the account is known; its user signs in.
	ExistingUser DecisionKind = "existing_user"
	// Linked: the account is added to an existing user: the signed-in one,
	// or the one with the same email under the verified or always policy.
	Linked DecisionKind = "linked"
	// NoStore: there is no database; the session names a fresh id, as
	// Auth.js does without an adapter.
	NoStore DecisionKind = "no_store"
)

// Decision is the outcome of the linking policy.
type Decision struct {
	Kind DecisionKind `json:"kind"`
	// Reason says why, in a sentence.
	Reason string `json:"reason"`
	// UserID is the user signed in (empty for a new user in a dry run).
	UserID string `json:"userId,omitempty"`
}

func accountType(p *providers.Provider) string {
	switch p.Kind {
	case providers.OIDC:
		return "oidc"
	case providers.SIWE:
		// Auth.js signs wallets in through a credentials provider; the
		// account row keeps that type.
		return "credentials"
	}
	return "oauth"
}

func (e *Engine) account(p *providers.Provider, res *Result, userID string) store.Account {
	a := store.Account{UserID: userID, Type: accountType(p), Provider: p.ID, ProviderAccountID: res.Profile.ID,
		AccessToken: res.Token.AccessToken, RefreshToken: res.Token.RefreshToken, TokenType: strings.ToLower(res.Token.TokenType),
		Scope: res.Token.Scope, IDToken: res.Token.IDToken}
	if !res.Token.ExpiresAt.IsZero() {
		at := res.Token.ExpiresAt.Unix()
		a.ExpiresAt = &at
	}
	return a
}

// plan is a decision with what applying it takes. A new user's email
// counts as verified (emailVerified set) only when a provider trusted for
// email asserted it; the verified policy links only onto such users, so an
// address somebody merely typed in elsewhere cannot be taken over.
type plan struct {
	Decision
	user   store.User
	create bool
	link   bool
}

// decide applies the linking rules of Auth.js (§5 of the interop notes)
// and the configured email policy, reading only.
func (e *Engine) decide(ctx context.Context, s store.Store, p *providers.Provider, prof providers.Profile, current string) (plan, error) {
	u, err := s.GetUserByAccount(ctx, p.ID, prof.ID)
	switch {
	case err == nil:
		if current != "" && current != u.ID {
			return plan{}, fail(OAuthAccountNotLinked, ErrAccountNotLinked, "this %s account belongs to another user; sign out first, or merge the users (authkit users merge)", p.Name)
		}
		return plan{Decision: Decision{Kind: ExistingUser, Reason: "the " + p.Name + " account is already linked to this user", UserID: u.ID}, user: u}, nil
	case !errors.Is(err, store.ErrNotFound):
		return plan{}, failWith(AdapterError, ErrStore, err, "cannot look up the account")
	}
	if current != "" {
		cu, err := s.GetUser(ctx, current)
		if err != nil {
			return plan{}, failWith(AdapterError, ErrNoCurrentUserData, err, "the signed-in user cannot be read")
		}
		return plan{Decision: Decision{Kind: Linked, Reason: "a signed-in user added " + p.Name, UserID: cu.ID}, user: cu, link: true}, nil
	}
	email := strings.ToLower(strings.TrimSpace(prof.Email))
	if email != "" {
		eu, err := s.GetUserByEmail(ctx, email)
		switch {
		case err == nil:
			switch {
			case e.cfg.Linking == LinkAlways:
				return plan{Decision: Decision{Kind: Linked, Reason: "the email matches an existing user and the linking policy is always", UserID: eu.ID}, user: eu, link: true}, nil
			case e.cfg.Linking == LinkVerified && prof.EmailVerified && p.TrustEmail && eu.EmailVerified == nil:
				return plan{}, fail(OAuthAccountNotLinked, ErrAccountNotLinked, "another user has this email but nobody ever verified it there (it may have been registered by someone else: a pre-account takeover); sign in as that user and add %s, or merge the users", p.Name)
			case e.cfg.Linking == LinkVerified && prof.EmailVerified && p.TrustEmail:
				return plan{Decision: Decision{Kind: Linked, Reason: p.Name + " asserts the email as verified and the linking policy is verified", UserID: eu.ID}, user: eu, link: true}, nil
			case e.cfg.Linking == LinkVerified && !p.TrustEmail:
				return plan{}, fail(OAuthAccountNotLinked, ErrAccountNotLinked, "another user has this email and %s is not trusted to verify emails (linking policy verified); sign in with the provider already linked, then add %s", p.Name, p.Name)
			case e.cfg.Linking == LinkVerified:
				return plan{}, fail(OAuthAccountNotLinked, ErrAccountNotLinked, "another user has this email and %s does not say it is verified (linking policy verified)", p.Name)
			default:
				return plan{}, fail(OAuthAccountNotLinked, ErrAccountNotLinked, "another user has this email (linking policy never); sign in with the provider already linked, then add %s", p.Name)
			}
		case !errors.Is(err, store.ErrNotFound):
			return plan{}, failWith(AdapterError, ErrStore, err, "cannot look up the email")
		}
	}
	u = store.User{Name: prof.Name, Email: email, Image: prof.Image}
	if email != "" && prof.EmailVerified && p.TrustEmail {
		at := e.now().UTC()
		u.EmailVerified = &at
	}
	return plan{Decision: Decision{Kind: NewUser, Reason: "no user has this " + p.Name + " account or its email"}, user: u, create: true}, nil
}

// decideSettled decides, and decides once more when an email refusal may
// have come from a concurrent first sign-in of this very account that
// committed between the account lookup and the email lookup.
func (e *Engine) decideSettled(ctx context.Context, s store.Store, p *providers.Provider, prof providers.Profile, current string) (plan, error) {
	pl, err := e.decide(ctx, s, p, prof, current)
	if errors.Is(err, ErrAccountNotLinked) {
		if _, gerr := s.GetUserByAccount(ctx, p.ID, prof.ID); gerr == nil {
			return e.decide(ctx, s, p, prof, current)
		}
	}
	return pl, err
}

// link decides, runs the SignIn callback, and applies the decision in one
// transaction, decided again inside it. When the transaction fails and the
// account exists afterwards, a concurrent first sign-in of the same account
// won the race (on Postgres, read-committed statements can see its commit
// half-way through ours): deciding again then finds the account and signs
// its user in, so two first sign-ins never make two users or refuse. A dry
// run stops after the callback.
func (e *Engine) link(ctx context.Context, req CallbackRequest, res *Result) error {
	p := res.Provider
	if e.cfg.Store == nil {
		res.User = store.User{ID: uuid.NewString(), Name: res.Profile.Name, Email: res.Profile.Email, Image: res.Profile.Image}
		res.Decision = Decision{Kind: NoStore, Reason: "no database: the session names a new id at each sign-in", UserID: res.User.ID}
		res.Account = e.account(p, res, res.User.ID)
		return e.signInCallback(ctx, res, nil, false)
	}
	first, err := e.decideSettled(ctx, e.cfg.Store, p, res.Profile, req.CurrentUserID)
	if err != nil {
		return err
	}
	var existing *store.User
	if !first.create {
		existing = &first.user
	}
	if err := e.signInCallback(ctx, res, existing, first.create); err != nil {
		return err
	}
	if req.DryRun {
		if first.create {
			first.user.ID = "preview-" + uuid.NewString()
			first.UserID = first.user.ID
			first.Reason += " (dry run: the id is a preview; the store assigns the real one)"
		}
		res.Decision, res.User = first.Decision, first.user
		res.Account = e.account(p, res, first.user.ID)
		return nil
	}
	var events []store.Event
	apply := func(tx store.Store) error {
		events = events[:0]
		pl, err := e.decideSettled(ctx, tx, p, res.Profile, req.CurrentUserID)
		if err != nil {
			return err
		}
		acct := e.account(p, res, pl.user.ID)
		switch {
		case pl.create:
			u, a, err := tx.CreateUserAndAccount(ctx, pl.user, acct)
			if err != nil {
				return failWith(AdapterError, ErrStore, err, "cannot create the user")
			}
			pl.user, acct, pl.UserID = u, a, u.ID
			events = append(events, store.Event{Type: store.EventCreateUser, UserID: u.ID, Detail: map[string]string{"provider": p.ID}},
				store.Event{Type: store.EventLinkAccount, UserID: u.ID, Detail: map[string]string{"provider": p.ID, "providerAccountId": acct.ProviderAccountID}})
		case pl.link:
			a, err := tx.LinkAccount(ctx, acct)
			if err != nil {
				return failWith(AdapterError, ErrStore, err, "cannot link the account")
			}
			acct = a
			events = append(events, store.Event{Type: store.EventLinkAccount, UserID: pl.user.ID, Detail: map[string]string{"provider": p.ID, "providerAccountId": acct.ProviderAccountID, "reason": string(pl.Kind)}})
		}
		res.Decision, res.User, res.Account = pl.Decision, pl.user, acct
		return recordEvents(ctx, tx, events)
	}
	for attempt := 0; ; attempt++ {
		err = e.cfg.Store.WithTx(ctx, apply)
		if err == nil || attempt == 2 {
			break
		}
		if _, gerr := e.cfg.Store.GetUserByAccount(ctx, p.ID, res.Profile.ID); gerr != nil {
			break
		}
	}
	if err != nil {
		return txFailure(err)
	}
	e.emit(ctx, events)
	return nil
}

// recordEvents records the events of a sign-in inside its transaction.
func recordEvents(ctx context.Context, tx store.Store, events []store.Event) error {
	for _, ev := range events {
		if err := tx.RecordEvent(ctx, ev); err != nil {
			return failWith(AdapterError, ErrStore, err, "cannot record the event")
		}
	}
	return nil
}

// txFailure is the error of a failed sign-in transaction: the refusal
// decided inside it, or AdapterError.
func txFailure(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return failWith(AdapterError, ErrStore, err, "the sign-in transaction failed")
}

func (e *Engine) signInCallback(ctx context.Context, res *Result, user *store.User, isNew bool) error {
	if e.cfg.SignIn == nil {
		return nil
	}
	if err := e.cfg.SignIn(ctx, SignInInput{Provider: res.Provider, Profile: res.Profile, Raw: res.RawProfile, User: user, IsNewUser: isNew}); err != nil {
		return failWith(AccessDenied, ErrSignInRefused, err, "the SignIn callback refused")
	}
	return nil
}

func (e *Engine) emit(ctx context.Context, events []store.Event) {
	if e.cfg.OnEvent == nil {
		return
	}
	for _, ev := range events {
		ev.CreatedAt = e.now()
		e.cfg.OnEvent(ctx, ev)
	}
}

// refusePanics runs fn and turns a panic in it (a SignIn, JWT or OnEvent
// callback that panicked) into an AccessDenied refusal; the panic's value
// is not kept, as it could hold anything.
func refusePanics(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fail(AccessDenied, ErrSignInRefused, "a callback panicked")
		}
	}()
	return fn()
}
