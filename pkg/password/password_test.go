package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

func TestHashFormatAndRoundTrip(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q has the wrong prefix", h)
	}
	parts := strings.Split(h, "$")
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	key, _ := base64.RawStdEncoding.DecodeString(parts[5])
	if len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes, key %d bytes; want 16 and 32", len(salt), len(key))
	}
	ok, rehash, err := Verify("correct horse battery staple", h)
	if !ok || rehash || err != nil {
		t.Fatalf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, rehash, err = Verify("correct horse battery stapler", h)
	if ok || rehash || err != nil {
		t.Fatalf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	if h2, _ := Hash("correct horse battery staple"); h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

// The Auth.js-independent reference: a PHC string made directly with
// x/crypto/argon2 verifies.
func TestVerifyForeignArgon2id(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("hunter2hunter2"), salt, 2, 19456, 1, 32)
	h := fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$%s$%s", base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	if ok, rehash, err := Verify("hunter2hunter2", h); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

func mk(t *testing.T, pw string, p Params) string {
	t.Helper()
	salt := make([]byte, p.SaltLen)
	for i := range salt {
		salt[i] = byte(i + 1)
	}
	return encode(p, salt, argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen)))
}

func TestNeedsRehash(t *testing.T) {
	const pw = "a fine password"
	cases := []struct {
		name   string
		p      Params
		rehash bool
	}{
		{"current", Current, false},
		{"less memory", Params{Memory: 4096, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"fewer passes", Params{Memory: 19456, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"short salt", Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32}, true},
		{"short key", Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 16}, true},
		{"stronger", Params{Memory: 32768, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := mk(t, pw, c.p)
			ok, rehash, err := Verify(pw, h)
			if !ok || rehash != c.rehash || err != nil {
				t.Fatalf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, c.rehash)
			}
			if ok, rehash, err := Verify(pw+"x", h); ok || rehash || err != nil {
				t.Fatalf("Verify(wrong) = %v, %v, %v", ok, rehash, err)
			}
		})
	}
}

func TestBcrypt(t *testing.T) {
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		t.Run(prefix, func(t *testing.T) {
			b, err := bcrypt.GenerateFromPassword([]byte("imported password"), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			h := prefix + string(b[4:])
			if ok, rehash, err := Verify("imported password", h); !ok || !rehash || err != nil {
				t.Fatalf("Verify(right) = %v, %v, %v; want true, true, nil", ok, rehash, err)
			}
			if ok, rehash, err := Verify("imported passwords", h); ok || rehash || err != nil {
				t.Fatalf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
	// A password over 72 bytes never matches a bcrypt hash of its first 72
	// bytes: no silent truncation.
	long := strings.Repeat("a", 72)
	b, _ := bcrypt.GenerateFromPassword([]byte(long), bcrypt.MinCost)
	if ok, _, err := Verify(long, string(b)); !ok || err != nil {
		t.Fatalf("72 bytes: %v, %v", ok, err)
	}
	if ok, _, err := Verify(long+"b", string(b)); ok || err != nil {
		t.Fatalf("73 bytes against a 72-byte bcrypt hash = %v, %v; want false, nil", ok, err)
	}
	// A cost that would stall the server is refused before any work.
	costly := strings.Replace(string(b), "$04$", "$31$", 1)
	if _, _, err := Verify(long, costly); !errors.Is(err, ErrMalformed) {
		t.Fatalf("cost 31: %v, want ErrMalformed", err)
	}
	for _, bad := range []string{"$2a$", "$2b$10$short", "$2a$xx$" + strings.Repeat("a", 53)} {
		if _, _, err := Verify("whatever1", bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestMalformedArgon2id(t *testing.T) {
	good := mk(t, "pw", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(v, params, s, k string) string {
		return "$argon2id$" + v + "$" + params + "$" + s + "$" + k
	}
	bad := map[string]string{
		"empty":              "",
		"unknown scheme":     "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"argon2d":            "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"plain text":         "hunter2",
		"missing key":        "$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"missing salt":       "$argon2id$v=19$m=64,t=1,p=1$" + key,
		"missing version":    "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"extra field":        good + "$x",
		"trailing dollar":    good + "$",
		"version 16":         with("v=16", "m=64,t=1,p=1", salt, key),
		"version empty":      with("v=", "m=64,t=1,p=1", salt, key),
		"version word":       with("version=19", "m=64,t=1,p=1", salt, key),
		"version leading 0":  with("v=019", "m=64,t=1,p=1", salt, key),
		"params missing p":   with("v=19", "m=64,t=1", salt, key),
		"params reordered":   with("v=19", "t=1,m=64,p=1", salt, key),
		"params extra":       with("v=19", "m=64,t=1,p=1,k=2", salt, key),
		"params empty value": with("v=19", "m=,t=1,p=1", salt, key),
		"params sign":        with("v=19", "m=+64,t=1,p=1", salt, key),
		"params negative":    with("v=19", "m=-64,t=1,p=1", salt, key),
		"params leading 0":   with("v=19", "m=064,t=1,p=1", salt, key),
		"params hex":         with("v=19", "m=0x40,t=1,p=1", salt, key),
		"params overflow":    with("v=19", "m=99999999999,t=1,p=1", salt, key),
		"m too big":          with("v=19", "m=262145,t=1,p=1", salt, key),
		"m 4 GiB":            with("v=19", "m=4194304,t=1,p=1", salt, key),
		"m below 8p":         with("v=19", "m=15,t=1,p=2", salt, key),
		"t zero":             with("v=19", "m=64,t=0,p=1", salt, key),
		"t too big":          with("v=19", "m=64,t=11,p=1", salt, key),
		"p zero":             with("v=19", "m=64,t=1,p=0", salt, key),
		"p too big":          with("v=19", "m=256,t=1,p=17", salt, key),
		"p 256":              with("v=19", "m=4096,t=1,p=256", salt, key),
		"salt bad base64":    with("v=19", "m=64,t=1,p=1", "!!!!"+salt[4:], key),
		"salt padded":        with("v=19", "m=64,t=1,p=1", salt+"==", key),
		"salt url alphabet":  with("v=19", "m=64,t=1,p=1", strings.Repeat("_", 22), key),
		"salt empty":         with("v=19", "m=64,t=1,p=1", "", key),
		"salt too short":     with("v=19", "m=64,t=1,p=1", base64.RawStdEncoding.EncodeToString(make([]byte, 7)), key),
		"salt too long":      with("v=19", "m=64,t=1,p=1", base64.RawStdEncoding.EncodeToString(make([]byte, 65)), key),
		"key bad base64":     with("v=19", "m=64,t=1,p=1", salt, key[:len(key)-1]+"*"),
		"key non-canonical":  with("v=19", "m=64,t=1,p=1", salt, key[:len(key)-1]+"B"),
		"key empty":          with("v=19", "m=64,t=1,p=1", salt, ""),
		"key too short":      with("v=19", "m=64,t=1,p=1", salt, base64.RawStdEncoding.EncodeToString(make([]byte, 15))),
		"key too long":       with("v=19", "m=64,t=1,p=1", salt, base64.RawStdEncoding.EncodeToString(make([]byte, 65))),
		"spaces":             with("v=19", "m=64, t=1, p=1", salt, key),
	}
	if ok, _, err := Verify("pw", good); !ok || err != nil {
		t.Fatalf("the base hash does not verify: %v, %v", ok, err)
	}
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			ok, rehash, err := Verify("pw", h)
			if ok || rehash || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify = %v, %v, %v; want ErrMalformed", ok, rehash, err)
			}
			if h != "" && strings.Contains(err.Error(), h) || strings.Contains(err.Error(), salt) || strings.Contains(err.Error(), key) {
				t.Fatalf("the error %q reveals the hash", err)
			}
			if !strings.HasPrefix(err.Error(), "authkit: cannot ") {
				t.Fatalf("error %q is not in the authkit style", err)
			}
		})
	}
}

func TestLength(t *testing.T) {
	h, err := Hash("some password")
	if err != nil {
		t.Fatal(err)
	}
	var derived int
	onDerive = func(Params) { derived++ }
	defer func() { onDerive = nil }()
	for _, n := range []int{MaxLength + 1, 1 << 20, 10 << 20} {
		pw := strings.Repeat("x", n)
		if _, err := Hash(pw); !errors.Is(err, ErrTooLong) {
			t.Errorf("Hash(%d bytes) = %v, want ErrTooLong", n, err)
		}
		if _, _, err := Verify(pw, h); !errors.Is(err, ErrTooLong) {
			t.Errorf("Verify(%d bytes) = %v, want ErrTooLong", n, err)
		}
		VerifyDummy(pw)
		if err := Check(pw); !errors.Is(err, ErrTooLong) {
			t.Errorf("Check(%d bytes) = %v, want ErrTooLong", n, err)
		}
	}
	if derived != 0 {
		t.Fatalf("%d argon2 computations for too-long passwords, want none", derived)
	}
	onDerive = nil
	for _, n := range []int{64, MaxLength} {
		pw := strings.Repeat("y", n)
		h, err := Hash(pw)
		if err != nil {
			t.Fatalf("Hash(%d bytes): %v", n, err)
		}
		if ok, _, err := Verify(pw, h); !ok || err != nil {
			t.Fatalf("Verify(%d bytes) = %v, %v", n, ok, err)
		}
		if err := Check(pw); err != nil {
			t.Fatalf("Check(%d bytes) = %v", n, err)
		}
	}
}

func TestCheck(t *testing.T) {
	cases := map[string]error{
		"":                             ErrEmpty,
		"short":                        ErrTooShort,
		"1234567":                      ErrTooShort,
		"12345678":                     nil,
		"ééééééé":                      ErrTooShort, // 7 characters, 14 bytes
		"e\u0301e\u0301e\u0301e\u0301": ErrTooShort, // 8 code points, 4 after NFKC
		"🔑🔑🔑🔑🔑🔑🔑🔑":                     nil,
		"abc\x00defgh":                 nil,
		"abcdefgh\xff":                 ErrInvalidUTF8,
	}
	for pw, want := range cases {
		if got := Check(pw); !errors.Is(got, want) || (want == nil && got != nil) {
			t.Errorf("Check(%q) = %v, want %v", pw, got, want)
		}
	}
	if _, err := Hash("abc\xffdef"); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("Hash(invalid UTF-8) = %v", err)
	}
}

// One rule, NFKC at set and at verify: composed and decomposed forms and
// compatibility forms are one password; case, NUL, RTL marks and emoji are
// kept.
func TestUnicode(t *testing.T) {
	same := [][2]string{
		{"caf\u00e9-password", "cafe\u0301-password"},   // composed vs decomposed é
		{"ｐａｓｓｗｏｒｄ", "password"},                        // full-width vs ASCII
		{"\u212bngstr\u00f6m!", "\u00c5ngstro\u0308m!"}, // Angstrom sign vs Å
	}
	for _, p := range same {
		h, err := Hash(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(p[1], h); !ok || err != nil {
			t.Errorf("%q should verify against a hash of %q: %v, %v", p[1], p[0], ok, err)
		}
	}
	different := [][2]string{
		{"Password1", "password1"},                          // no case folding
		{"pass\x00word", "password"},                        // NUL kept
		{"pass\u200fword", "password"},                      // RTL mark kept
		{"pass🔑word", "password"},                           // emoji kept
		{"password ", "password"},                           // no trimming
		{strings.Repeat("z", 100), strings.Repeat("z", 99)}, // no truncation
	}
	for _, p := range different {
		h, err := Hash(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := Verify(p[0], h); !ok || err != nil {
			t.Errorf("%q does not verify against its own hash: %v, %v", p[0], ok, err)
		}
		if ok, _, _ := Verify(p[1], h); ok {
			t.Errorf("%q verified against a hash of %q", p[1], p[0])
		}
	}
}

// VerifyDummy does the work of a real Verify: one argon2id computation with
// the current parameters, as Verify of a fresh hash does.
func TestVerifyDummyDoesTheSameWork(t *testing.T) {
	h, err := Hash("the real one")
	if err != nil {
		t.Fatal(err)
	}
	var seen []Params
	onDerive = func(p Params) { seen = append(seen, p) }
	defer func() { onDerive = nil }()
	Verify("a guess at it", h)
	VerifyDummy("a guess at it")
	if len(seen) != 2 || seen[0] != seen[1] || seen[0] != Current {
		t.Fatalf("argon2 computations %+v; want two with the current parameters", seen)
	}
}

func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash("benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, _ := Hash("benchmark password")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _ := Verify("benchmark password", h); !ok {
			b.Fatal("no match")
		}
	}
}

// Compare with BenchmarkVerify: the two should take the same time.
func BenchmarkVerifyDummy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		VerifyDummy("benchmark password")
	}
}

func BenchmarkVerifyBcryptCost10(b *testing.B) {
	h, _ := bcrypt.GenerateFromPassword([]byte("benchmark password"), 10)
	for b.Loop() {
		Verify("benchmark password", string(h))
	}
}
