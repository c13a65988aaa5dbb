// Package password hashes and verifies user passwords.
//
// New hashes are argon2id PHC strings with the parameters OWASP recommends
// (m=19456 KiB, t=2, p=1, a 16-byte random salt and a 32-byte key):
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<key, base64>
//
// Verify also accepts argon2id strings with other parameters within
// bounds, and bcrypt hashes ($2a$, $2b$, $2y$) imported from other
// systems; both report needsRehash when the hash is weaker than what Hash
// makes now, so the caller can store a fresh hash after a good sign-in.
//
// Decisions (security catalogue §2h and §6):
//
//   - Length: a password is at most MaxLength (1024) bytes, checked
//     before any hashing, so a megabyte password costs nothing (ErrTooLong).
//     Setting a password also needs at least MinLength (8) characters
//     (Unicode code points after normalisation); see Check.
//   - Unicode: passwords are normalised to NFKC before argon2id hashing,
//     at set and at verify, so a composed and a decomposed "é" (or a
//     full-width letter and its ASCII form) are the same password. There
//     is no case folding, no trimming and no truncation; NUL, emoji and
//     bidirectional marks are kept as they are. Invalid UTF-8 is refused
//     when a password is set (ErrInvalidUTF8).
//   - bcrypt: imported bcrypt hashes were made by other systems without
//     normalisation, so they are compared with the password bytes as
//     given. bcrypt reads only 72 bytes: a longer password never matches a
//     bcrypt hash (it is not silently truncated). bcrypt is never used for
//     new hashes.
//   - Bounds: a stored hash must not be able to exhaust the server, so
//     argon2id hashes need m ≤ MaxMemory (256 MiB), t ≤ MaxTime (10),
//     p ≤ MaxThreads (16), a salt of 8 to 64 bytes and a key of 16 to 64
//     bytes; bcrypt hashes need a cost ≤ MaxBcryptCost (15). Anything else
//     is ErrMalformed.
//   - Timing: comparisons are constant-time; VerifyDummy runs the same
//     argon2id work as Verify of a current hash, for unknown users.
//   - Memory: every computation runs under a Limiter, a weighted semaphore
//     over argon2 memory (DefaultMemoryBudget, 256 MiB: 13 computations
//     at once). Callers beyond it wait, up to a bound and while their
//     context lives, then get ErrBusy with no hashing done (see
//     limiter.go). The package-level functions use Default(); the Context
//     forms take the caller's context, the others context.Background().
//
// Error messages never contain the password or the hash.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// Limits on the passwords themselves.
const (
	// MaxLength is the largest password in bytes, as given (before
	// normalisation).
	MaxLength = 1024
	// MinLength is the smallest password Check accepts, in Unicode code
	// points after NFKC normalisation.
	MinLength = 8
	// bcryptMaxLength is what bcrypt reads of a password.
	bcryptMaxLength = 72
)

// Bounds on the parameters of a stored hash that Verify accepts.
const (
	MaxMemory     = 262144 // KiB, 256 MiB
	MaxTime       = 10
	MaxThreads    = 16
	MaxBcryptCost = 15
	minSaltLen    = 8
	maxSaltLen    = 64
	minKeyLen     = 16
	maxKeyLen     = 64
)

// Params are argon2id parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  int
}

// Current is what Hash uses: m=19456 KiB, t=2, p=1, 16-byte salt,
// 32-byte key.
var Current = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Sentinel errors.
var (
	ErrEmpty       = errors.New("the password is empty")
	ErrTooShort    = fmt.Errorf("the password is shorter than %d characters", MinLength)
	ErrTooLong     = fmt.Errorf("the password is longer than %d bytes", MaxLength)
	ErrInvalidUTF8 = errors.New("the password is not valid UTF-8")
	// ErrMalformed is returned (wrapped) for a stored hash Verify cannot
	// read or refuses (unknown scheme, bad encoding, parameters out of
	// bounds).
	ErrMalformed = errors.New("authkit: cannot verify password: malformed or unsupported hash")
)

func malformed(why string) error {
	return fmt.Errorf("%w: %s", ErrMalformed, why)
}

// Check applies the policy for setting a password: not empty, valid UTF-8,
// at most MaxLength bytes and at least MinLength characters.
func Check(password string) error {
	switch {
	case password == "":
		return ErrEmpty
	case len(password) > MaxLength:
		return ErrTooLong
	case !utf8.ValidString(password):
		return ErrInvalidUTF8
	case utf8.RuneCountInString(norm.NFKC.String(password)) < MinLength:
		return ErrTooShort
	}
	return nil
}

// Hash returns the argon2id PHC string of the password with the Current
// parameters and a fresh random salt. It refuses passwords longer than
// MaxLength and invalid UTF-8; the minimum length is Check's business. It
// runs under Default(), so it can return ErrBusy; HashContext bounds the
// wait with a context.
func Hash(password string) (string, error) {
	return Default().Hash(context.Background(), password)
}

// HashContext is Hash with the caller's context: when ctx ends before the
// memory budget has room, it returns ErrBusy without hashing.
func HashContext(ctx context.Context, password string) (string, error) {
	return Default().Hash(ctx, password)
}

// Hash is the package's Hash under l's budget.
func (l *Limiter) Hash(ctx context.Context, password string) (string, error) {
	l = l.get()
	if len(password) > MaxLength {
		return "", ErrTooLong
	}
	if !utf8.ValidString(password) {
		return "", ErrInvalidUTF8
	}
	p := Current
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("authkit: cannot hash password: %w", err)
	}
	var key []byte
	if err := l.run(ctx, p.Memory, func() { key = derive(password, salt, p) }); err != nil {
		return "", err
	}
	return encode(p, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// onDerive, when set (by tests), sees the parameters of every argon2id
// computation.
var onDerive func(Params)

// deriving and derivePeak count the argon2id computations running at once
// in the whole package, whatever limiter admitted them: the tests' check
// that a budget holds does not rest on the limiter's own bookkeeping.
var deriving, derivePeak atomic.Int64

func derive(password string, salt []byte, p Params) []byte {
	if onDerive != nil {
		onDerive(p)
	}
	n := deriving.Add(1)
	defer deriving.Add(-1)
	for {
		peak := derivePeak.Load()
		if n <= peak || derivePeak.CompareAndSwap(peak, n) {
			break
		}
	}
	return argon2.IDKey([]byte(norm.NFKC.String(password)), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
}

// Verify reports whether password matches the stored hash encoded (an
// argon2id PHC string or a bcrypt hash), and whether the hash should be
// replaced by a fresh Hash (bcrypt, or argon2id weaker than Current);
// needsRehash is only ever true when ok is. A password longer than
// MaxLength is ErrTooLong before any work; a hash Verify cannot read or
// whose parameters are out of bounds is ErrMalformed. It runs under
// Default(), so it can return ErrBusy; VerifyContext bounds the wait with
// a context.
func Verify(password, encoded string) (ok bool, needsRehash bool, err error) {
	return Default().Verify(context.Background(), password, encoded)
}

// VerifyContext is Verify with the caller's context: when ctx ends before
// the memory budget has room, it returns ErrBusy without hashing.
func VerifyContext(ctx context.Context, password, encoded string) (ok bool, needsRehash bool, err error) {
	return Default().Verify(ctx, password, encoded)
}

// Verify is the package's Verify under l's budget. The hash is parsed
// and checked against the bounds before the budget is asked for, and a
// hash needing more memory than Current takes more of it.
func (l *Limiter) Verify(ctx context.Context, password, encoded string) (ok bool, needsRehash bool, err error) {
	l = l.get()
	if len(password) > MaxLength {
		return false, false, ErrTooLong
	}
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, key, err := parseArgon2id(encoded)
		if err != nil {
			return false, false, err
		}
		var got []byte
		if err := l.run(ctx, p.Memory, func() { got = derive(password, salt, p) }); err != nil {
			return false, false, err
		}
		if subtle.ConstantTimeCompare(got, key) != 1 {
			return false, false, nil
		}
		weaker := p.Memory < Current.Memory || p.Time < Current.Time ||
			len(salt) < Current.SaltLen || len(key) < Current.KeyLen
		return true, weaker, nil
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		return l.verifyBcrypt(ctx, password, encoded)
	}
	return false, false, malformed("unknown scheme")
}

func (l *Limiter) verifyBcrypt(ctx context.Context, password, encoded string) (bool, bool, error) {
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return false, false, malformed("bad bcrypt hash")
	}
	if cost > MaxBcryptCost {
		return false, false, malformed(fmt.Sprintf("bcrypt cost above %d", MaxBcryptCost))
	}
	if len(password) > bcryptMaxLength {
		// bcrypt would read only the first 72 bytes; never truncate.
		return false, false, nil
	}
	// bcrypt costs CPU, not memory: it takes the weight of one current
	// argon2id computation.
	var cmp error
	if err := l.run(ctx, 0, func() { cmp = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password)) }); err != nil {
		return false, false, err
	}
	switch {
	case cmp == nil:
		return true, true, nil
	case errors.Is(cmp, bcrypt.ErrMismatchedHashAndPassword):
		return false, false, nil
	default:
		return false, false, malformed("bad bcrypt hash")
	}
}

// dummySalt and dummyKey make VerifyDummy's comparison real work.
var (
	dummySalt = make([]byte, 16)
	dummyKey  = make([]byte, 32)
)

// VerifyDummy spends the time of a Verify against a current argon2id hash
// and always fails. Call it when the user is unknown (or has no password),
// so the response time does not tell whether the user exists. It runs
// under Default() and does nothing when the budget is busy (as Verify
// would return ErrBusy); VerifyDummyContext reports that.
func VerifyDummy(password string) {
	_ = Default().VerifyDummy(context.Background(), password)
}

// VerifyDummyContext is VerifyDummy with the caller's context. It returns
// ErrBusy (without hashing) exactly when VerifyContext of a current hash
// would, so a caller can answer unknown users as it answers known ones.
func VerifyDummyContext(ctx context.Context, password string) error {
	return Default().VerifyDummy(ctx, password)
}

// VerifyDummy is the package's VerifyDummy under l's budget; it returns
// nil or an ErrBusy.
func (l *Limiter) VerifyDummy(ctx context.Context, password string) error {
	l = l.get()
	if len(password) > MaxLength {
		return nil // Verify returns ErrTooLong as early
	}
	return l.run(ctx, Current.Memory, func() {
		got := derive(password, dummySalt, Current)
		subtle.ConstantTimeCompare(got, dummyKey)
	})
}

// parseArgon2id reads $argon2id$v=19$m=M,t=T,p=P$salt$key strictly: no
// padding, canonical base64, decimal numbers without signs or leading
// zeros, parameters in this order and within bounds.
func parseArgon2id(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, malformed("an argon2id hash has 5 fields")
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return Params{}, nil, nil, malformed("missing argon2 version")
	}
	if n, err := number(v); err != nil || n != argon2.Version {
		return Params{}, nil, nil, malformed("unsupported argon2 version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return Params{}, nil, nil, malformed("argon2 parameters must be m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		raw, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return Params{}, nil, nil, malformed("argon2 parameters must be m, t and p")
		}
		n, err := number(raw)
		if err != nil {
			return Params{}, nil, nil, malformed("bad argon2 parameter " + strings.TrimSuffix(name, "="))
		}
		vals[i] = n
	}
	m, t, p := vals[0], vals[1], vals[2]
	if p < 1 || p > MaxThreads {
		return Params{}, nil, nil, malformed(fmt.Sprintf("argon2 p must be 1 to %d", MaxThreads))
	}
	if t < 1 || t > MaxTime {
		return Params{}, nil, nil, malformed(fmt.Sprintf("argon2 t must be 1 to %d", MaxTime))
	}
	if m < 8*p || m > MaxMemory {
		return Params{}, nil, nil, malformed(fmt.Sprintf("argon2 m must be 8*p to %d KiB", MaxMemory))
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, malformed("bad base64 in the salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return Params{}, nil, nil, malformed("bad base64 in the key")
	}
	if len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return Params{}, nil, nil, malformed(fmt.Sprintf("the salt must be %d to %d bytes", minSaltLen, maxSaltLen))
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return Params{}, nil, nil, malformed(fmt.Sprintf("the key must be %d to %d bytes", minKeyLen, maxKeyLen))
	}
	return Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p), SaltLen: len(salt), KeyLen: len(key)}, salt, key, nil
}

// number parses a canonical decimal: digits only, no leading zero, at most
// 10 digits.
func number(s string) (uint64, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical number")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("not a canonical number")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}
