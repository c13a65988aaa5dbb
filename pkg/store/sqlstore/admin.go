package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/pkg/store"
	"golang.org/x/text/unicode/norm"
)

// MaxPageSize bounds UserQuery.Limit.
const MaxPageSize = 5000

// ListUsers returns one page of users, ordered by id, with their accounts
// (one query for the users, one for their accounts).
func (s *Store) ListUsers(ctx context.Context, q store.UserQuery) (store.UserPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	u := s.prof.Users
	where, args, err := s.userFilter(q)
	if err != nil {
		return store.UserPage{}, err
	}
	query := fmt.Sprintf("SELECT %s FROM %s u%s ORDER BY u.%s LIMIT %d", s.userCols("u."), quote(u.Table), where, quote(u.ID), limit)
	users, err := s.queryUsers(ctx, query, args...)
	if err != nil {
		return store.UserPage{}, err
	}
	page, err := s.withAccounts(ctx, users)
	if err != nil {
		return store.UserPage{}, err
	}
	out := store.UserPage{Users: page}
	if len(users) == limit {
		out.Next = users[len(users)-1].ID
	}
	return out, nil
}

// userFilter builds the WHERE clause of q over the users table aliased u.
// The provider filter is a non-correlated IN, which both engines evaluate
// once, so it stays fast on Auth.js schemas without an index on the
// accounts' user id.
func (s *Store) userFilter(q store.UserQuery) (string, []any, error) {
	u, a := s.prof.Users, s.prof.Accounts
	var conds []string
	var args []any
	if q.After != "" {
		arg, ok := s.idArg(q.After)
		if !ok {
			return "", nil, fmt.Errorf("%w: the cursor %q is not an id of this database", store.ErrInvalid, q.After)
		}
		conds, args = append(conds, "u."+quote(u.ID)+" > ?"), append(args, arg)
	}
	if q.EmailContains != "" {
		// A substring test, not LIKE: no character of the query is a
		// wildcard, and a NUL does not end it (SQLite's LIKE stops there).
		// Where emails are stored normalised, so is the query (but not
		// trimmed: it is a fragment).
		needle := q.EmailContains
		if s.prof.NormalizeMail {
			needle = norm.NFKC.String(needle)
		}
		needle = strings.ToLower(needle) // here, not in SQL: SQLite functions see text only up to a NUL
		contains := s.d.contains
		if !isASCII(needle) {
			contains = s.d.containsAll
		}
		conds = append(conds, fmt.Sprintf(contains, "u."+quote(u.Email)))
		args = append(args, needle)
	}
	if q.Provider != "" {
		conds = append(conds, fmt.Sprintf("u.%s IN (SELECT %s FROM %s WHERE %s = ?)",
			quote(u.ID), quote(a.UserID), quote(a.Table), quote(a.Provider)))
		args = append(args, q.Provider)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// shortListing is the largest limit EachUser serves with ListUsers.
const shortListing = accountsChunk

// EachUser calls fn for each user q selects, ordered by id, with its
// accounts. It is one query (the users joined to their accounts), so it
// streams any number of users in flat memory, and reads an Auth.js schema
// that has no index on the accounts' user id in one pass rather than one
// pass per page.
func (s *Store) EachUser(ctx context.Context, q store.UserQuery, fn func(store.UserWithAccounts) error) error {
	if q.Limit > 0 && q.Limit <= shortListing {
		// A short listing: the users first, then their accounts in one
		// lookup. The join below would make SQLite, on a schema without an
		// index on the accounts' user id, read all accounts for a few users.
		page, err := s.ListUsers(ctx, q)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			if err := fn(u); err != nil {
				return err
			}
		}
		return nil
	}
	u, a := s.prof.Users, s.prof.Accounts
	where, args, err := s.userFilter(q)
	if err != nil {
		return err
	}
	limit := ""
	if q.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	accountCols := make([]string, 0, 4)
	for _, c := range s.listedAccountCols() {
		accountCols = append(accountCols, "a."+quote(c))
	}
	query := fmt.Sprintf(`SELECT u.*, %s FROM (SELECT %s FROM %s u%s ORDER BY u.%s%s) u
		LEFT JOIN %s a ON a.%s = u.%s ORDER BY u.%s`,
		strings.Join(accountCols, ", "), s.userCols("u."), quote(u.Table), where, quote(u.ID), limit,
		quote(a.Table), quote(a.UserID), quote(u.ID), quote(u.ID))
	rows, err := s.q().QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	var cur *store.UserWithAccounts
	for rows.Next() {
		user, account, err := scanUserAccount(rows)
		if err != nil {
			return mapError(err)
		}
		if cur != nil && cur.ID != user.ID {
			sortAccounts(cur.Accounts)
			if err := fn(*cur); err != nil {
				return err
			}
			cur = nil
		}
		if cur == nil {
			cur = &store.UserWithAccounts{User: user, Accounts: []store.Account{}}
		}
		if account != nil {
			cur.Accounts = append(cur.Accounts, *account)
		}
	}
	if err := rows.Err(); err != nil {
		return mapError(err)
	}
	if cur != nil {
		sortAccounts(cur.Accounts)
		return fn(*cur)
	}
	return nil
}

// sortAccounts orders a user's accounts by provider and account id, in Go:
// the same order on both engines whatever their collation, and no sort for
// the database to do.
func sortAccounts(accounts []store.Account) {
	slices.SortFunc(accounts, func(x, y store.Account) int {
		return cmp.Or(cmp.Compare(x.Provider, y.Provider), cmp.Compare(x.ProviderAccountID, y.ProviderAccountID))
	})
}

// scanUserAccount reads a row of a users LEFT JOIN accounts; the account is
// nil for a user without one.
func scanUserAccount(r scanner) (store.User, *store.Account, error) {
	var u store.User
	var name, email, image sql.NullString
	var verified any
	var userID, typ, provider, accountID sql.NullString
	err := r.Scan(&u.ID, &name, &email, &verified, &image, &userID, &typ, &provider, &accountID)
	if err != nil {
		return u, nil, err
	}
	if u.EmailVerified, err = decodeTime(verified); err != nil {
		return u, nil, fmt.Errorf("user %s: emailVerified: %w", u.ID, err)
	}
	u.Name, u.Email, u.Image = name.String, email.String, image.String
	if !userID.Valid {
		return u, nil, nil
	}
	return u, &store.Account{UserID: userID.String, Type: typ.String, Provider: provider.String, ProviderAccountID: accountID.String}, nil
}

func (s *Store) queryUsers(ctx context.Context, query string, args ...any) ([]store.User, error) {
	rows, err := s.q().QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var users []store.User
	for rows.Next() {
		user, err := scanUser(rows)
		if err != nil {
			return nil, mapError(err)
		}
		users = append(users, user)
	}
	return users, mapError(rows.Err())
}

func (s *Store) withAccounts(ctx context.Context, users []store.User) ([]store.UserWithAccounts, error) {
	ids := make([]string, len(users))
	for i, user := range users {
		ids[i] = user.ID
	}
	byUser, err := s.accountsOf(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	out := make([]store.UserWithAccounts, len(users))
	for i, user := range users {
		out[i] = store.UserWithAccounts{User: user, Accounts: byUser[user.ID]}
		if out[i].Accounts == nil {
			out[i].Accounts = []store.Account{}
		}
	}
	return out, nil
}

func emailHash(email string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(store.NormalizeEmail(email)))
	return h.Sum64()
}

// FindDuplicates groups users whose normalised emails collide. The
// normalisation (NFKC) cannot run in SQL, so it streams the emails twice
// with constant memory per row: once to find the colliding hashes (8 bytes
// a user), once to fetch only the users behind them.
func (s *Store) FindDuplicates(ctx context.Context) ([]store.DuplicateGroup, error) {
	u := s.prof.Users
	hashes, err := s.emailHashes(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(hashes)
	dup := map[uint64]bool{}
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			dup[hashes[i]] = true
		}
	}
	if len(dup) == 0 {
		return []store.DuplicateGroup{}, nil
	}
	rows, err := s.q().QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL",
		s.userCols(""), quote(u.Table), quote(u.Email)))
	if err != nil {
		return nil, mapError(err)
	}
	groups := map[string][]store.User{}
	for rows.Next() {
		user, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		if dup[emailHash(user.Email)] {
			key := store.NormalizeEmail(user.Email)
			groups[key] = append(groups[key], user)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	// One accounts lookup for every colliding user: a schema without an
	// index on the accounts' user id is then scanned once, not per group.
	var all []store.User
	for key, users := range groups {
		if len(users) < 2 {
			delete(groups, key)
			continue
		}
		all = append(all, users...)
	}
	withAccounts, err := s.withAccounts(ctx, all)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]store.UserWithAccounts, len(withAccounts))
	for _, u := range withAccounts {
		byID[u.ID] = u
	}
	var out []store.DuplicateGroup
	for key, users := range groups {
		slices.SortFunc(users, s.compareIDs)
		members := make([]store.UserWithAccounts, len(users))
		for i, u := range users {
			members[i] = byID[u.ID]
		}
		out = append(out, store.DuplicateGroup{Key: key, Users: members, SuggestedTarget: suggestTarget(members)})
	}
	slices.SortFunc(out, func(a, b store.DuplicateGroup) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// emailHashes returns the hash of every user's normalised email, 8 bytes a
// user in one slice sized up front (no doubling on growth).
func (s *Store) emailHashes(ctx context.Context) ([]uint64, error) {
	u := s.prof.Users
	var n int
	if err := s.q().QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS NOT NULL",
		quote(u.Table), quote(u.Email))).Scan(&n); err != nil {
		return nil, mapError(err)
	}
	rows, err := s.q().QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL",
		quote(u.Email), quote(u.Table), quote(u.Email)))
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	hashes := make([]uint64, 0, n+n/100)
	var email []byte
	for rows.Next() {
		if err := rows.Scan(&email); err != nil {
			return nil, mapError(err)
		}
		if strings.TrimSpace(string(email)) != "" {
			hashes = append(hashes, emailHash(string(email)))
		}
	}
	return hashes, mapError(rows.Err())
}

// compareIDs orders ids as the database does: numbers for serial ids.
func (s *Store) compareIDs(a, b store.User) int {
	if s.prof.IDs == idSerial {
		x, _ := strconv.ParseInt(a.ID, 10, 64)
		y, _ := strconv.ParseInt(b.ID, 10, 64)
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a.ID, b.ID)
}

// suggestTarget picks the user to keep: a verified email first, then the
// most linked accounts, then the smallest id (users come sorted by id; the
// oldest user where ids grow with time: serial, UUIDv7 and cuid ids, not
// Drizzle's random UUIDs).
func suggestTarget(users []store.UserWithAccounts) string {
	best := users[0]
	for _, u := range users[1:] {
		bv, uv := best.EmailVerified != nil, u.EmailVerified != nil
		if (uv && !bv) || (uv == bv && len(u.Accounts) > len(best.Accounts)) {
			best = u
		}
	}
	return best.ID
}

// MergeUsers moves accounts and sessions from sources to target, fills the
// target's empty fields, deletes the sources and records an event, in one
// transaction that locks the users involved.
func (s *Store) MergeUsers(ctx context.Context, target string, sources []string, dryRun bool) (store.MergePlan, error) {
	if len(sources) == 0 {
		return store.MergePlan{}, fmt.Errorf("%w: name at least one user to merge into %s", store.ErrInvalid, target)
	}
	seen := map[string]bool{}
	for _, src := range sources {
		if src == target {
			return store.MergePlan{}, fmt.Errorf("%w: cannot merge user %s into itself", store.ErrInvalid, target)
		}
		if seen[src] {
			return store.MergePlan{}, fmt.Errorf("%w: user %s is named twice", store.ErrInvalid, src)
		}
		seen[src] = true
	}
	var plan store.MergePlan
	err := s.WithTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		var err error
		plan, err = tx.mergeInTx(ctx, target, sources, dryRun)
		return err
	})
	return plan, err
}

func (s *Store) lockUser(ctx context.Context, id string) (store.User, error) {
	arg, ok := s.idArg(id)
	if !ok {
		return store.User{}, &store.NotFoundError{What: fmt.Sprintf("user %q", id)}
	}
	t := s.prof.Users
	query := fmt.Sprintf("SELECT %s FROM %s WHERE %s = ?%s", s.userCols(""), quote(t.Table), quote(t.ID), s.d.forUpdate)
	return s.oneUser(ctx, &store.NotFoundError{What: fmt.Sprintf("user %q", id)}, query, arg)
}

func (s *Store) mergeInTx(ctx context.Context, targetID string, sourceIDs []string, dryRun bool) (store.MergePlan, error) {
	plan := store.MergePlan{Target: targetID, Sources: sourceIDs, FilledFields: map[string]string{}, DryRun: dryRun,
		MovedAccounts: []store.Account{}}
	target, err := s.lockUser(ctx, targetID)
	if err != nil {
		return plan, err
	}
	if err := s.at(ctx, "merge:target-locked"); err != nil {
		return plan, err
	}
	merged := target
	var srcArgs []any
	for _, id := range sourceIDs {
		src, err := s.lockUser(ctx, id)
		if err != nil {
			return plan, err
		}
		if src.ID == target.ID || slices.ContainsFunc(srcArgs, func(a any) bool { return fmt.Sprint(a) == src.ID }) {
			return plan, fmt.Errorf("%w: %q and %q name the same user %s", store.ErrInvalid, targetID, id, src.ID)
		}
		id = src.ID
		arg, _ := s.idArg(id)
		srcArgs = append(srcArgs, arg)
		accounts, err := s.ListAccounts(ctx, id)
		if err != nil {
			return plan, err
		}
		plan.MovedAccounts = append(plan.MovedAccounts, accounts...)
		sessions, err := s.ListSessions(ctx, store.SessionQuery{UserID: id})
		if err != nil {
			return plan, err
		}
		plan.MovedSessions += len(sessions)
		fillFrom(&merged, src, plan.FilledFields)
	}
	if err := s.at(ctx, "merge:sources-locked"); err != nil {
		return plan, err
	}
	if dryRun {
		return plan, nil
	}
	targetArg, _ := s.idArg(targetID)
	moves := [][2]string{{s.prof.Accounts.Table, s.prof.Accounts.UserID}, {s.prof.Sessions.Table, s.prof.Sessions.UserID}}
	for _, m := range moves {
		query := fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s IN (%s)", quote(m[0]), quote(m[1]), quote(m[1]), placeholders(len(srcArgs)))
		if _, err := s.q().ExecContext(ctx, s.d.rebind(query), append([]any{targetArg}, srcArgs...)...); err != nil {
			return plan, mapError(err)
		}
		if err := s.at(ctx, "merge:moved:"+m[0]); err != nil {
			return plan, err
		}
	}
	if s.prof.Credentials != "" {
		query := fmt.Sprintf(`UPDATE %s SET user_id = ? WHERE user_id = (SELECT user_id FROM %s WHERE user_id IN (%s) ORDER BY updated_at DESC LIMIT 1)
			AND NOT EXISTS (SELECT 1 FROM %s WHERE user_id = ?)`, quote(s.prof.Credentials), quote(s.prof.Credentials),
			placeholders(len(srcArgs)), quote(s.prof.Credentials))
		args := append(append([]any{targetArg}, srcArgs...), targetArg)
		if _, err := s.q().ExecContext(ctx, s.d.rebind(query), args...); err != nil {
			return plan, mapError(err)
		}
		if err := s.at(ctx, "merge:moved:"+s.prof.Credentials); err != nil {
			return plan, err
		}
	}
	for _, id := range sourceIDs {
		if err := s.DeleteUser(ctx, id); err != nil {
			return plan, err
		}
		if err := s.at(ctx, "merge:deleted-source"); err != nil {
			return plan, err
		}
	}
	if len(plan.FilledFields) > 0 {
		if _, err := s.UpdateUser(ctx, merged); err != nil {
			return plan, err
		}
		if err := s.at(ctx, "merge:filled-target"); err != nil {
			return plan, err
		}
	}
	detail := map[string]string{"sources": strings.Join(sourceIDs, ","), "accounts": strconv.Itoa(len(plan.MovedAccounts)),
		"sessions": strconv.Itoa(plan.MovedSessions)}
	for k, v := range plan.FilledFields {
		detail["filled."+k] = v
	}
	return plan, s.RecordEvent(ctx, store.Event{Type: store.EventMergeUsers, UserID: targetID, Actor: actorFrom(ctx), Detail: detail})
}

// fillFrom copies into target the fields it lacks from src. A verification
// date moves only with the address it verified.
func fillFrom(target *store.User, src store.User, filled map[string]string) {
	if target.Name == "" && src.Name != "" {
		target.Name, filled["name"] = src.Name, src.Name
	}
	if target.Image == "" && src.Image != "" {
		target.Image, filled["image"] = src.Image, src.Image
	}
	if target.Email == "" && src.Email != "" {
		target.Email, filled["email"] = src.Email, src.Email
		if src.EmailVerified != nil && target.EmailVerified == nil {
			target.EmailVerified = src.EmailVerified
			filled["emailVerified"] = src.EmailVerified.Format(time.RFC3339)
		}
	}
	if target.EmailVerified == nil && src.EmailVerified != nil && target.Email != "" &&
		store.NormalizeEmail(target.Email) == store.NormalizeEmail(src.Email) {
		target.EmailVerified = src.EmailVerified
		filled["emailVerified"] = src.EmailVerified.Format(time.RFC3339)
	}
}

type actorKey struct{}

// WithActor returns a context whose store operations record actor as who
// acted in the events they write (e.g. "cli:root").
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

func actorFrom(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}

// RecordEvent appends an event to auth_events; a schema without that table
// drops it.
func (s *Store) RecordEvent(ctx context.Context, e store.Event) error {
	if s.prof.Events == "" {
		return nil
	}
	if e.ID == "" {
		e.ID = newRowID()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	if e.Actor == "" {
		e.Actor = actorFrom(ctx)
	}
	var detail any
	if len(e.Detail) > 0 {
		b, _ := json.Marshal(e.Detail)
		detail = string(b)
	}
	query := fmt.Sprintf("INSERT INTO %s (id, type, user_id, actor, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)", quote(s.prof.Events))
	_, err := s.q().ExecContext(ctx, s.d.rebind(query), e.ID, e.Type, nullable(e.UserID), nullable(e.Actor), detail, s.timeArg(e.CreatedAt))
	return mapError(err)
}

// ListEvents returns events, newest first.
func (s *Store) ListEvents(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	if s.prof.Events == "" {
		return nil, fmt.Errorf("%w: the %s schema keeps no audit events; they need the authkit schema", store.ErrUnsupported, s.prof.Name)
	}
	var conds []string
	var args []any
	if q.UserID != "" {
		conds, args = append(conds, "user_id = ?"), append(args, q.UserID)
	}
	if q.Type != "" {
		conds, args = append(conds, "type = ?"), append(args, q.Type)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := fmt.Sprintf("SELECT id, type, user_id, actor, detail, created_at FROM %s%s ORDER BY created_at DESC, id DESC LIMIT %d",
		quote(s.prof.Events), where, limit)
	rows, err := s.q().QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []store.Event{}
	for rows.Next() {
		var e store.Event
		var userID, actor, detail sql.NullString
		var created any
		if err := rows.Scan(&e.ID, &e.Type, &userID, &actor, &detail, &created); err != nil {
			return nil, mapError(err)
		}
		e.UserID, e.Actor = userID.String, actor.String
		if detail.String != "" {
			if err := json.Unmarshal([]byte(detail.String), &e.Detail); err != nil {
				return nil, fmt.Errorf("event %s: malformed detail: %w", e.ID, err)
			}
		}
		if e.CreatedAt, err = mustTime(created); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

// Info reports the engine, the profile and the row count of each table the
// profile uses.
func (s *Store) Info(ctx context.Context) (store.Info, error) {
	info := store.Info{Engine: s.engine, Profile: s.prof.Name}
	present, err := s.tables(ctx)
	if err != nil {
		return info, err
	}
	// Only the tables of the profile: an Auth.js database usually holds
	// the application's tables too, which are none of authkit's business.
	var tables []string
	mine := []string{s.prof.Users.Table, s.prof.Accounts.Table, s.prof.Sessions.Table, s.prof.Tokens.Table, s.prof.Credentials, s.prof.Events}
	if s.prof.Name == ProfileAuthkit {
		mine = append(mine, migrationsTable)
	}
	for _, t := range mine {
		if t != "" && slices.Contains(present, t) && !slices.Contains(tables, t) {
			tables = append(tables, t)
		}
	}
	for _, t := range tables {
		var n int64
		if err := s.q().QueryRowContext(ctx, "SELECT count(*) FROM "+quote(t)).Scan(&n); err != nil {
			return info, mapError(err)
		}
		info.Tables = append(info.Tables, store.TableCount{Name: t, Rows: n})
	}
	notes, err := s.indexNotes(ctx, tables)
	info.Notes = notes
	return info, err
}

// indexNotes names the lookups by user that have no index to use, with the
// statement that adds one. authkit never alters an Auth.js schema itself.
func (s *Store) indexNotes(ctx context.Context, present []string) ([]string, error) {
	var notes []string
	for _, tc := range [][2]string{{s.prof.Accounts.Table, s.prof.Accounts.UserID}, {s.prof.Sessions.Table, s.prof.Sessions.UserID}} {
		if !slices.Contains(present, tc[0]) {
			continue
		}
		var n int
		if err := s.q().QueryRowContext(ctx, s.d.rebind(s.d.leadIndex), tc[0], tc[1]).Scan(&n); err != nil {
			return nil, mapError(err)
		}
		if n == 0 {
			notes = append(notes, fmt.Sprintf("%s has no index on %s, so finding a user's rows reads the whole table (users show, unlink, merge, sessions --user); "+
				"add one in your app's migrations: CREATE INDEX %s ON %s (%s);",
				quote(tc[0]), quote(tc[1]), quote(tc[0]+"_"+tc[1]+"_idx"), quote(tc[0]), quote(tc[1])))
		}
	}
	return notes, nil
}

func isASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return false
		}
	}
	return true
}

// RevokeToken records a revoked JWT id until it expires, and drops the
// entries whose tokens have expired since.
func (s *Store) RevokeToken(ctx context.Context, jti, userID string, expires time.Time) error {
	if s.prof.Revoked == "" {
		return fmt.Errorf("%w: the %s schema keeps no revoked tokens; use database sessions, or the authkit schema", store.ErrUnsupported, s.prof.Name)
	}
	if jti == "" {
		return fmt.Errorf("%w: empty jti", store.ErrInvalid)
	}
	t := quote(s.prof.Revoked)
	now := time.Now()
	if _, err := s.q().ExecContext(ctx, s.d.rebind("DELETE FROM "+t+" WHERE expires < ?"), s.timeArg(now)); err != nil {
		return mapError(err)
	}
	_, err := s.q().ExecContext(ctx, s.d.rebind("INSERT INTO "+t+" (jti, user_id, expires, revoked_at) VALUES (?, ?, ?, ?) ON CONFLICT (jti) DO NOTHING"),
		jti, nullable(userID), s.timeArg(expires), s.timeArg(now))
	return mapError(err)
}

// TokenRevoked reports whether jti is in the revoked tokens.
func (s *Store) TokenRevoked(ctx context.Context, jti string) (bool, error) {
	if s.prof.Revoked == "" {
		return false, fmt.Errorf("%w: the %s schema keeps no revoked tokens", store.ErrUnsupported, s.prof.Name)
	}
	var one int
	err := s.q().QueryRowContext(ctx, s.d.rebind("SELECT 1 FROM "+quote(s.prof.Revoked)+" WHERE jti = ?"), jti).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapError(err)
	}
	return true, nil
}
