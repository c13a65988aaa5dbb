package sqlstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// newID makes a user id of the profile's kind; "" for database-made ids.
func (s *Store) newID() string {
	switch s.prof.IDs {
	case idUUIDv7:
		return uuid.Must(uuid.NewV7()).String()
	case idUUIDv4:
		return uuid.NewString()
	case idCUID:
		return newCUID()
	}
	return ""
}

// newRowID makes the id of a non-user row (sessions, events) in the
// authkit schema.
func newRowID() string { return uuid.Must(uuid.NewV7()).String() }

// newCUID makes an id shaped like Prisma's cuid(): 'c', a base-36 time and
// 16 random base-36 characters, 25 characters in all.
func newCUID() string {
	var b strings.Builder
	b.WriteByte('c')
	ts := strconv.FormatInt(time.Now().UnixMilli(), 36)
	b.WriteString(strings.Repeat("0", max(0, 8-len(ts))) + ts)
	limit := big.NewInt(36)
	for b.Len() < 25 {
		n, _ := rand.Int(rand.Reader, limit)
		b.WriteString(strconv.FormatInt(n.Int64(), 36))
	}
	return b.String()
}

// idArg turns a user id into a query argument. ok is false for an id that
// cannot exist in this schema (a non-number where ids are integers).
func (s *Store) idArg(id string) (any, bool) {
	if s.prof.IDs != idSerial {
		return id, id != ""
	}
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n < 0 {
		return nil, false
	}
	return n, true
}

// tokenArg is what the sessions table keeps for a token: its SHA-256 in
// the authkit schema, the token itself in Auth.js schemas.
func (s *Store) tokenArg(token string) string {
	if s.prof.HashTokens {
		return hashHex(token)
	}
	return token
}

func hashHex(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// derivedSessionID names a session of a schema without a session id column
// by a hash of its token, so that the token itself is never shown.
func derivedSessionID(token string) string { return "st_" + hashHex(token)[:20] }
