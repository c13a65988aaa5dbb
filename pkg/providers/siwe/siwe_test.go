package siwe

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

func good(t testing.TB) (*Vector, *Message) {
	t.Helper()
	vs := loadVectors(t)
	for i := range vs.Vectors {
		if vs.Vectors[i].Name == "full" {
			v := &vs.Vectors[i]
			m, err := Parse(v.Message)
			if err != nil {
				t.Fatal(err)
			}
			return v, m
		}
	}
	t.Fatal("no full vector")
	return nil, nil
}

func TestParseRefuses(t *testing.T) {
	v, _ := good(t)
	msg := v.Message
	lines := strings.Split(msg, "\n")
	set := func(i int, s string) string {
		l := append([]string(nil), lines...)
		l[i] = s
		return strings.Join(l, "\n")
	}
	insert := func(i int, s string) string {
		l := append([]string(nil), lines[:i]...)
		l = append(l, s)
		l = append(l, lines[i:]...)
		return strings.Join(l, "\n")
	}
	idx := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no %q line", prefix)
		return 0
	}
	lower := strings.ToLower(v.Address)
	upper := "0x" + strings.ToUpper(v.Address[2:])
	cases := map[string]string{
		"empty":                "",
		"crlf":                 strings.ReplaceAll(msg, "\n", "\r\n"),
		"trailing newline":     msg + "\n",
		"leading newline":      "\n" + msg,
		"no blank line":        strings.Replace(msg, "\n\n", "\n", 1),
		"lower-case address":   strings.Replace(msg, v.Address, lower, 1),
		"upper-case address":   strings.Replace(msg, v.Address, upper, 1),
		"bad checksum":         strings.Replace(msg, "C51812", "c51812", 1),
		"short address":        strings.Replace(msg, v.Address, v.Address[:41], 1),
		"statement newline":    set(3, "line one\nline two"),
		"statement unicode":    set(3, "Sign in ✓"),
		"statement quote":      set(3, `say "hi"`),
		"huge statement":       set(3, strings.Repeat("a", 1<<20)),
		"homoglyph domain":     strings.Replace(msg, "app.example.com wants", "аpp.example.com wants", 1),
		"space domain":         strings.Replace(msg, "app.example.com wants", "app example.com wants", 1),
		"empty scheme":         "://" + msg[len("https://"):],
		"bad scheme":           "1ttp" + msg[len("https"):],
		"version 2":            set(idx("Version: "), "Version: 2"),
		"chain leading zero":   set(idx("Chain ID: "), "Chain ID: 010"),
		"chain zero":           set(idx("Chain ID: "), "Chain ID: 0"),
		"chain overflow":       set(idx("Chain ID: "), "Chain ID: 99999999999999999999"),
		"chain hex":            set(idx("Chain ID: "), "Chain ID: 0x1"),
		"short nonce":          set(idx("Nonce: "), "Nonce: abc1234"),
		"nonce symbol":         set(idx("Nonce: "), "Nonce: abcd-12345"),
		"issued at date only":  set(idx("Issued At: "), "Issued At: 2026-01-15"),
		"issued at lower t":    set(idx("Issued At: "), "Issued At: 2026-01-15t10:00:00Z"),
		"issued at no zone":    set(idx("Issued At: "), "Issued At: 2026-01-15T10:00:00"),
		"issued at month 13":   set(idx("Issued At: "), "Issued At: 2026-13-15T10:00:00Z"),
		"duplicate nonce":      insert(idx("Nonce: "), "Nonce: Xq2hT9vLm4Pz8Rk1"),
		"duplicate expiration": insert(idx("Expiration Time: "), "Expiration Time: 2026-01-15T11:00:00.000Z"),
		"misordered":           set(idx("Not Before: "), lines[idx("Expiration Time: ")]),
		"unknown field":        insert(idx("Request ID: "), "Foo: bar"),
		"space before colon":   set(idx("Nonce: "), "Nonce : Xq2hT9vLm4Pz8Rk1"),
		"uri relative":         set(idx("URI: "), "URI: /login"),
		"uri with space":       set(idx("URI: "), "URI: https://a b"),
		"empty resources":      strings.Split(msg, "\n- ")[0],
		"resource no dash":     msg + "\nhttps://x.example",
		"empty request id":     set(idx("Request ID: "), "Request ID: "),
		"request id space":     set(idx("Request ID: "), "Request ID: a b"),
		"many resources":       msg + strings.Repeat("\n- https://x.example", MaxResources),
		"truncated":            msg[:40],
		"header only":          lines[0],
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(text)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %v, %v; want ErrMalformed", m, err)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	_, m := good(t)
	for _, d := range []string{"localhost:3000", "[::1]:8080", "user@example.com", "127.0.0.1"} {
		c := *m
		c.raw = ""
		c.Domain = d
		text := c.String()
		p, err := Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if p.String() != text || p.Domain != d {
			t.Fatalf("%s: round trip differs", d)
		}
	}
}

func TestBuildMessage(t *testing.T) {
	m := &Message{
		Domain: "example.com", Address: Checksum("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
		URI: "https://example.com", Version: Version, ChainID: 1, Nonce: NewNonce(),
		IssuedAt: "2026-01-01T00:00:00Z",
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := Parse(m.String())
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != m.String() {
		t.Fatal("round trip differs")
	}
	if n := NewNonce(); len(n) < MinNonceLen || n == NewNonce() {
		t.Fatalf("NewNonce %q", n)
	}
}

func TestVerifySignatureShapes(t *testing.T) {
	v, m := good(t)
	opts := v.options(t)
	if err := Verify(m, v.Signature, opts); err != nil {
		t.Fatal(err)
	}
	sig, err := DecodeSignature(v.Signature)
	if err != nil {
		t.Fatal(err)
	}
	// v as 0/1 is the same signature.
	alt := append([]byte(nil), sig...)
	alt[64] -= 27
	if err := VerifyBytes(m, alt, opts); err != nil {
		t.Fatalf("v-27: %v", err)
	}
	// High-s: (r, n-s, flipped v) verifies mathematically but is refused.
	var s secp256k1.ModNScalar
	s.SetByteSlice(sig[32:64])
	s.Negate()
	hs := append([]byte(nil), sig...)
	sb := s.Bytes()
	copy(hs[32:64], sb[:])
	hs[64] = 55 - hs[64] // 27 <-> 28
	if err := VerifyBytes(m, hs, opts); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "high-s") {
		t.Fatalf("high-s: %v", err)
	}
	bad := map[string]string{
		"empty":   "",
		"0x":      "0x",
		"0x00":    "0x00",
		"64":      "0x" + hex.EncodeToString(sig[:64]),
		"66":      v.Signature + "00",
		"non-hex": "0x" + strings.Repeat("zz", 65),
		"v29":     v.Signature[:130] + "1d",
		"v54":     v.Signature[:130] + "36",
		"zero":    "0x" + strings.Repeat("00", 65),
		"s=n":     v.Signature[:66] + "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141" + v.Signature[130:],
	}
	for name, sg := range bad {
		if err := Verify(m, sg, opts); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
}

func TestVerifyChecks(t *testing.T) {
	v, m := good(t)
	base := v.options(t)
	iat, _ := time.Parse(time.RFC3339, m.IssuedAt)
	cases := []struct {
		name string
		edit func(o *VerifyOptions)
		want error
	}{
		{"ok", func(o *VerifyOptions) {}, nil},
		{"no domain", func(o *VerifyOptions) { o.Domain = "" }, ErrDomain},
		{"domain case", func(o *VerifyOptions) { o.Domain = "APP.example.com" }, ErrDomain},
		{"scheme http expected", func(o *VerifyOptions) { o.Scheme = "http" }, ErrDomain},
		{"uri", func(o *VerifyOptions) { o.URI = "https://app.example.com/" }, ErrURI},
		{"no chains", func(o *VerifyOptions) { o.ChainIDs = nil }, ErrChain},
		{"no nonce", func(o *VerifyOptions) { o.Nonce = "" }, ErrNonce},
		{"nonce prefix", func(o *VerifyOptions) { o.Nonce = m.Nonce[:8] }, ErrNonce},
		{"issued in future", func(o *VerifyOptions) { o.Now = iat.Add(-time.Minute) }, ErrNotYetValid},
		{"issued within leeway", func(o *VerifyOptions) { o.Now = iat.Add(-20 * time.Second); o.ChainIDs = []uint64{10} }, ErrNotYetValid}, // not-before 09:59 is fine, but...
		{"max age", func(o *VerifyOptions) { o.MaxAge = time.Minute }, ErrExpired},
		{"expired", func(o *VerifyOptions) { o.Now = iat.Add(time.Hour + time.Minute) }, ErrExpired},
		{"expiry within leeway", func(o *VerifyOptions) { o.Now = iat.Add(time.Hour + 10*time.Second) }, nil},
		{"no leeway", func(o *VerifyOptions) { o.Now = iat.Add(time.Hour); o.Leeway = -1 }, ErrExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base
			c.edit(&o)
			err := Verify(m, v.Signature, o)
			if c.name == "issued within leeway" {
				// 20 s before issued-at is within the 30 s leeway.
				if err != nil {
					t.Fatalf("Verify = %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
	// A message changed after parsing is refused, even when re-signed text
	// would match: the parsed bytes are what was signed.
	c := *m
	c.Statement = "Something else"
	if err := Verify(&c, v.Signature, base); !errors.Is(err, ErrMalformed) {
		t.Fatalf("changed message: %v", err)
	}
	if err := Verify(nil, v.Signature, base); !errors.Is(err, ErrMalformed) {
		t.Fatalf("nil message: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range loadVectors(f).Vectors {
		f.Add(v.Message)
	}
	f.Add("")
	f.Add("a wants you to sign in with your Ethereum account:\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse(text)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if got := m.String(); got != text {
			t.Fatalf("String() = %q, parsed %q", got, text)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v, m := good(b)
	opts := v.options(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(m, v.Signature, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSIWEVerify is what a server does with a signed message it
// receives: the strict parse and every check, public-key recovery
// included.
func BenchmarkSIWEVerify(b *testing.B) {
	v, _ := good(b)
	opts := v.options(b)
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(v.Message)
		if err != nil {
			b.Fatal(err)
		}
		if err := Verify(m, v.Signature, opts); err != nil {
			b.Fatal(err)
		}
	}
}
