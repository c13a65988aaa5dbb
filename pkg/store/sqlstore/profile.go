package sqlstore

import (
	"fmt"
	"slices"
	"strings"
)

// Schema profile names.
const (
	ProfileAuthkit       = "authkit"
	ProfileAuthjsPrisma  = "authjs-prisma"
	ProfileAuthjsPg      = "authjs-pg"
	ProfileAuthjsDrizzle = "authjs-drizzle"
)

// Profiles lists the schema profiles authkit knows, in detection order.
var Profiles = []string{ProfileAuthkit, ProfileAuthjsPrisma, ProfileAuthjsPg, ProfileAuthjsDrizzle}

// idKind says how a profile's user ids are made.
type idKind int

const (
	idUUIDv7 idKind = iota // text, made by authkit, time-ordered
	idSerial               // integer, made by the database
	idCUID                 // text, made by authkit like Prisma's cuid()
	idUUIDv4               // text, made by authkit like crypto.randomUUID()
)

// timeKind says how a column holds a time on SQLite; Postgres always uses
// its timestamp types.
type timeKind int

const (
	timeEpochMillis timeKind = iota // integer milliseconds since 1970 (Drizzle timestamp_ms, Prisma ≤ 6)
	timeText                        // ISO 8601 text, "2006-01-02T15:04:05.000Z" (Prisma 7 driver adapters)
)

// userTable names the users table and its columns. An empty column does
// not exist in this database.
type userTable struct {
	Table, ID, Name, Email, EmailVerified, Image, CreatedAt, UpdatedAt string
}

type accountTable struct {
	// ID is a text id column that authkit fills (the Prisma schema of the
	// SQLite docs); empty where the table has none or the database makes it.
	ID                                                                     string
	Table, UserID, Type, Provider, ProviderAccountID                       string
	RefreshToken, AccessToken, ExpiresAt, TokenType, Scope, IDToken, State string
	CreatedAt, UpdatedAt                                                   string
}

type sessionTable struct {
	// SerialID: the database makes the session ids (integers).
	SerialID bool

	Table, ID, Token, UserID, Expires, CreatedAt, UpdatedAt string
}

type tokenTable struct {
	Table, Identifier, Token, Expires string
}

// profile is a schema profile as data: table and column names, how ids are
// made, how times are kept, whether session tokens are hashed and emails
// normalised. Columns listed in optional may be missing from a database.
type profile struct {
	Name        string
	Users       userTable
	Accounts    accountTable
	Sessions    sessionTable
	Tokens      tokenTable
	Events      string
	Credentials string
	// Revoked is the table of revoked JWT ids; empty when the schema has
	// none (every Auth.js schema).
	Revoked    string
	IDs        idKind
	SQLiteTime timeKind
	// SQLiteTimeFromData: the encoding of times on SQLite is read from the
	// rows already there (SQLiteTime is the default for an empty
	// database), and time comparisons accept both encodings, since a
	// database may hold both (Prisma 7 writes text where Prisma 6 wrote
	// integers).
	SQLiteTimeFromData bool
	HashTokens         bool
	NormalizeMail      bool
	// UnkeyedSessions: the session token column has no unique key (the
	// pg-adapter schema), so CreateSession checks for a reused token
	// itself, under a lock on the token.
	UnkeyedSessions bool
	Engines         []string
	optional        []string
}

func authjsAccountColumns(table string) accountTable {
	return accountTable{Table: table, UserID: "userId", Type: "type", Provider: "provider",
		ProviderAccountID: "providerAccountId", RefreshToken: "refresh_token", AccessToken: "access_token",
		ExpiresAt: "expires_at", TokenType: "token_type", Scope: "scope", IDToken: "id_token", State: "session_state"}
}

func builtinProfile(name string) (profile, bool) {
	switch name {
	case ProfileAuthkit:
		return profile{
			Name: name,
			Users: userTable{Table: "users", ID: "id", Name: "name", Email: "email", EmailVerified: "email_verified",
				Image: "image", CreatedAt: "created_at", UpdatedAt: "updated_at"},
			Accounts: accountTable{Table: "accounts", UserID: "user_id", Type: "type", Provider: "provider",
				ProviderAccountID: "provider_account_id", RefreshToken: "refresh_token", AccessToken: "access_token",
				ExpiresAt: "expires_at", TokenType: "token_type", Scope: "scope", IDToken: "id_token", State: "session_state",
				CreatedAt: "created_at", UpdatedAt: "updated_at"},
			Sessions: sessionTable{Table: "sessions", ID: "id", Token: "token_hash", UserID: "user_id", Expires: "expires",
				CreatedAt: "created_at", UpdatedAt: "updated_at"},
			Tokens:        tokenTable{Table: "verification_tokens", Identifier: "identifier", Token: "token", Expires: "expires"},
			Events:        "auth_events",
			Credentials:   "credentials",
			Revoked:       "revoked_tokens",
			IDs:           idUUIDv7,
			SQLiteTime:    timeEpochMillis,
			HashTokens:    true,
			NormalizeMail: true,
			Engines:       []string{EngineSQLite, EnginePostgres},
		}, true
	case ProfileAuthjsPg:
		return profile{
			Name:            name,
			Users:           userTable{Table: "users", ID: "id", Name: "name", Email: "email", EmailVerified: "emailVerified", Image: "image"},
			Accounts:        authjsAccountColumns("accounts"),
			Sessions:        sessionTable{Table: "sessions", ID: "id", Token: "sessionToken", UserID: "userId", Expires: "expires"},
			Tokens:          tokenTable{Table: "verification_token", Identifier: "identifier", Token: "token", Expires: "expires"},
			IDs:             idSerial,
			UnkeyedSessions: true,
			Engines:         []string{EnginePostgres},
		}, true
	case ProfileAuthjsPrisma:
		accounts := authjsAccountColumns("Account")
		accounts.ID, accounts.CreatedAt, accounts.UpdatedAt = "id", "createdAt", "updatedAt"
		return profile{
			Name: name,
			Users: userTable{Table: "User", ID: "id", Name: "name", Email: "email", EmailVerified: "emailVerified",
				Image: "image", CreatedAt: "createdAt", UpdatedAt: "updatedAt"},
			Accounts: accounts,
			Sessions: sessionTable{Table: "Session", ID: "id", Token: "sessionToken", UserID: "userId", Expires: "expires",
				CreatedAt: "createdAt", UpdatedAt: "updatedAt"},
			Tokens:             tokenTable{Table: "VerificationToken", Identifier: "identifier", Token: "token", Expires: "expires"},
			IDs:                idCUID,
			SQLiteTime:         timeText,
			SQLiteTimeFromData: true,
			Engines:            []string{EngineSQLite, EnginePostgres},
			optional: []string{"User.createdAt", "User.updatedAt", "Account.id", "Account.createdAt", "Account.updatedAt",
				"Session.id", "Session.createdAt", "Session.updatedAt"},
		}, true
	case ProfileAuthjsDrizzle:
		return profile{
			Name:       name,
			Users:      userTable{Table: "user", ID: "id", Name: "name", Email: "email", EmailVerified: "emailVerified", Image: "image"},
			Accounts:   authjsAccountColumns("account"),
			Sessions:   sessionTable{Table: "session", Token: "sessionToken", UserID: "userId", Expires: "expires"},
			Tokens:     tokenTable{Table: "verificationToken", Identifier: "identifier", Token: "token", Expires: "expires"},
			IDs:        idUUIDv4,
			SQLiteTime: timeEpochMillis,
			Engines:    []string{EngineSQLite, EnginePostgres},
		}, true
	}
	return profile{}, false
}

// requiredTables are the tables whose presence identifies a profile.
func (p profile) requiredTables() []string {
	return []string{p.Users.Table, p.Accounts.Table, p.Sessions.Table}
}

// columnRefs returns pointers to every column name of the profile, keyed
// "Table.column", so resolve can check and blank them.
func (p *profile) columnRefs() map[string]*string {
	refs := map[string]*string{}
	add := func(table string, cols ...*string) {
		for _, c := range cols {
			if *c != "" {
				refs[table+"."+*c] = c
			}
		}
	}
	u, a, s, t := &p.Users, &p.Accounts, &p.Sessions, &p.Tokens
	add(u.Table, &u.ID, &u.Name, &u.Email, &u.EmailVerified, &u.Image, &u.CreatedAt, &u.UpdatedAt)
	add(a.Table, &a.ID, &a.UserID, &a.Type, &a.Provider, &a.ProviderAccountID, &a.RefreshToken, &a.AccessToken,
		&a.ExpiresAt, &a.TokenType, &a.Scope, &a.IDToken, &a.State, &a.CreatedAt, &a.UpdatedAt)
	add(s.Table, &s.ID, &s.Token, &s.UserID, &s.Expires, &s.CreatedAt, &s.UpdatedAt)
	add(t.Table, &t.Identifier, &t.Token, &t.Expires)
	return refs
}

// resolve fits the profile to the columns a database has: optional columns
// that are missing are dropped, a missing required column is an error.
// columns maps a table name to its column names; a table that is absent
// (the verification token table in a database that never used email
// sign-in) disables what needs it.
func (p *profile) resolve(columns map[string][]string) error {
	var missing []string
	for key, ref := range p.columnRefs() {
		table, col, _ := strings.Cut(key, ".")
		cols, ok := columns[table]
		if !ok && table == p.Tokens.Table {
			continue
		}
		if slices.Contains(cols, col) {
			continue
		}
		if slices.Contains(p.optional, key) {
			*ref = ""
			continue
		}
		missing = append(missing, fmt.Sprintf("%q.%q", table, col))
	}
	if _, ok := columns[p.Tokens.Table]; !ok {
		p.Tokens.Table = ""
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the tables look like the %s schema but lack the columns %s", p.Name, strings.Join(missing, ", "))
	}
	return nil
}

// detectProfile picks the profile of the engine whose identifying tables
// all exist.
func detectProfile(engine string, tables []string) (string, bool) {
	for _, name := range Profiles {
		p, _ := builtinProfile(name)
		ok := slices.Contains(p.Engines, engine)
		for _, t := range p.requiredTables() {
			if !slices.Contains(tables, t) {
				ok = false
			}
		}
		if ok && name == ProfileAuthkit && !slices.Contains(tables, migrationsTable) {
			ok = false
		}
		if ok && name == ProfileAuthjsPg && slices.Contains(tables, migrationsTable) {
			ok = false
		}
		if ok {
			return name, true
		}
	}
	return "", false
}
