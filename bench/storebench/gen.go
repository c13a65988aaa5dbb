package main

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The data set is a pure function of (users, dupEvery, tokens): user i is
// always the same row, so a seeded database can be checked and reused, and
// the script can compute the email of any user without reading the
// database.

// base is the creation time of user 0; users are spread over three years.
var base = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

const span = 3 * 365 * 24 * time.Hour

var firstNames = []string{"ada", "alan", "grace", "edsger", "barbara", "donald", "margaret", "ken", "dennis", "linus",
	"frances", "john", "radia", "tim", "sophie", "guido", "hedy", "claude", "katherine", "niklaus",
	"annie", "leslie", "shafi", "robin", "jean", "bjarne", "mary", "james", "adele", "rob",
	"yukihiro", "anita", "brian", "carol", "david", "erna", "fernando", "gwen", "hal", "ida"}

var lastNames = []string{"lovelace", "turing", "hopper", "dijkstra", "liskov", "knuth", "hamilton", "thompson", "ritchie",
	"torvalds", "allen", "mccarthy", "perlman", "berners-lee", "wilson", "van-rossum", "lamarr", "shannon",
	"johnson", "wirth", "easley", "lamport", "goldwasser", "milner", "sammet", "stroustrup", "keller",
	"gosling", "goldberg", "pike", "matsumoto", "borg", "kernighan", "shaw", "patterson", "moss", "corbato",
	"bell", "abelson", "rhodes"}

var domains = []string{"gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "example.org",
	"fastmail.com", "hey.com", "gmx.de", "company.io"}

// splitmix is a tiny deterministic generator, seeded per user and column.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func rng(i int, salt uint64) *splitmix {
	s := splitmix(uint64(i)*0x100000001b3 ^ salt*0x9e3779b97f4a7c15)
	s.next()
	return &s
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (s *splitmix) token(n int) string {
	b := make([]byte, n)
	for i := 0; i < n; {
		v := s.next()
		for j := 0; j < 10 && i < n; j++ {
			b[i] = b64[v&63]
			v >>= 6
			i++
		}
	}
	return string(b)
}

// gen describes the data set.
type gen struct {
	users    int
	dupEvery int  // every dupEvery-th user is a twin of the previous one (0: none)
	tokens   bool // store realistic OAuth tokens on the accounts
	sessions int  // every sessions-th user has a database session (0: none)
}

type userRow struct {
	index    int
	id       string // UUIDv7 (authkit), UUIDv4 (drizzle); serial ids use index+1
	uuid4    string
	name     string
	email    string // as stored: normalised for ordinary users, a raw variant for twins
	verified *time.Time
	image    string
	created  time.Time
	twinOf   int // -1 for an ordinary user
}

type accountRow struct {
	provider, typ, providerAccountID string
	refresh, access, tokenType       string
	scope, idToken                   string
	expiresAt                        *int64
}

// isTwin reports whether user i is a duplicate of user i-1.
func (g gen) isTwin(i int) bool {
	return g.dupEvery > 1 && i%g.dupEvery == g.dupEvery-1
}

// groups is the number of duplicate groups in the data set.
func (g gen) groups() int {
	n := 0
	if g.dupEvery > 1 {
		n = g.users / g.dupEvery
	}
	return n
}

func (g gen) created(i int) time.Time {
	step := span / time.Duration(max(g.users, 1))
	return base.Add(time.Duration(i) * step)
}

// ownEmail is the normalised address of user i (ignoring twins).
func ownEmail(i int) string {
	r := rng(i, 1)
	f := firstNames[r.next()%uint64(len(firstNames))]
	l := lastNames[r.next()%uint64(len(lastNames))]
	d := domains[r.next()%uint64(len(domains))]
	return f + "." + l + strconv.Itoa(i) + "@" + d
}

func displayName(i int) string {
	e := ownEmail(i)
	local := e[:strings.IndexByte(e, '@')]
	local = strings.TrimRight(local, "0123456789")
	f, l, _ := strings.Cut(local, ".")
	return title(f) + " " + title(l)
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// variant spells email so that it differs byte for byte but normalises
// (trim, NFKC, lower-case) to the same key.
func variant(email string, kind int) string {
	local, domain, _ := strings.Cut(email, "@")
	switch kind % 4 {
	case 0: // case
		return title(local) + "@" + strings.ToUpper(domain)
	case 1: // surrounding whitespace
		return "  " + email + "\t"
	case 2: // full-width letters, which NFKC folds to ASCII
		var b strings.Builder
		for j, r := range local {
			if j < 3 && r >= 'a' && r <= 'z' {
				b.WriteRune(r - 'a' + 'ａ')
			} else {
				b.WriteRune(r)
			}
		}
		return b.String() + "@" + domain
	default: // all of it, with a full-width at sign
		return " " + title(local) + "＠" + title(domain) + " "
	}
}

// email is user i's address as stored.
func (g gen) email(i int) string {
	if g.isTwin(i) {
		return variant(ownEmail(i-1), i/g.dupEvery)
	}
	return ownEmail(i)
}

// key is the normalised email of user i (what GetUserByEmail looks up).
func (g gen) key(i int) string {
	if g.isTwin(i) {
		return ownEmail(i - 1)
	}
	return ownEmail(i)
}

func uuidV7(ms int64, r *splitmix) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(ms)<<16)
	binary.BigEndian.PutUint64(b[8:16], r.next())
	b[6] = 0x70 | byte(r.next()&0x0f)
	b[7] = byte(r.next())
	b[8] = b[8]&0x3f | 0x80
	return fmtUUID(b)
}

func uuidV4(r *splitmix) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], r.next())
	binary.BigEndian.PutUint64(b[8:16], r.next())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmtUUID(b)
}

func fmtUUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (g gen) user(i int) userRow {
	r := rng(i, 2)
	created := g.created(i)
	u := userRow{index: i, created: created, twinOf: -1}
	u.id = uuidV7(created.UnixMilli(), r)
	u.uuid4 = uuidV4(r)
	if g.isTwin(i) {
		u.twinOf = i - 1
		u.name = displayName(i - 1)
	} else {
		u.name = displayName(i)
	}
	u.email = g.email(i)
	if r.next()%10 < 7 {
		v := created.Add(time.Duration(r.next()%3600) * time.Second).Truncate(time.Millisecond)
		u.verified = &v
	}
	if r.next()%2 == 0 {
		u.image = "https://avatars.githubusercontent.com/u/" + strconv.Itoa(10000000+i*7) + "?v=4"
	}
	return u
}

// sessionBase is a fixed "now" around which session expiries are spread,
// so that the data set does not depend on the day it was seeded.
var sessionBase = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type sessionRow struct {
	id      string // UUIDv7 (authkit)
	token   string // the cookie value; authkit keeps its SHA-256
	expires time.Time
	created time.Time
}

// hasSession reports whether user i has a session.
func (g gen) hasSession(i int) bool { return g.sessions > 0 && i%g.sessions == 0 }

// sessionCount is the number of sessions in the data set.
func (g gen) sessionCount() int {
	if g.sessions <= 0 {
		return 0
	}
	return (g.users + g.sessions - 1) / g.sessions
}

func (g gen) session(i int) sessionRow {
	r := rng(i, 4)
	exp := sessionBase.Add(time.Duration(int64(r.next()%(90*24*3600))-30*24*3600) * time.Second)
	created := exp.Add(-30 * 24 * time.Hour)
	return sessionRow{id: uuidV7(created.UnixMilli(), r), token: uuidV4(r), expires: exp, created: created}
}

// accounts are the two accounts of user i: GitHub (OAuth) and Google (OIDC).
func (g gen) accounts(i int) [2]accountRow {
	gh := accountRow{provider: "github", typ: "oauth", providerAccountID: strconv.Itoa(10000000 + i*7)}
	goo := accountRow{provider: "google", typ: "oidc", providerAccountID: fmt.Sprintf("1%020d", uint64(i)*7919+12345)}
	if g.tokens {
		r := rng(i, 3)
		gh.access, gh.tokenType, gh.scope = "gho_"+r.token(36), "bearer", "read:user,user:email"
		goo.access, goo.tokenType = "ya29."+r.token(160), "Bearer"
		goo.scope = "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile"
		if r.next()%2 == 0 {
			goo.refresh = "1//0" + r.token(100)
		}
		exp := g.created(i).Add(time.Hour).Unix()
		goo.expiresAt = &exp
		// A Google id_token: a JWT of about 900 characters.
		goo.idToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFmNDBmMGE4ZWYzZDg4MDk3OGRjODJmMjVjM2VjMzE3YzZhNWI3ODEiLCJ0eXAiOiJKV1QifQ." +
			r.token(640) + "." + r.token(342)
	}
	return [2]accountRow{gh, goo}
}
