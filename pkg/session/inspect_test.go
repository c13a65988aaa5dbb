package session

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSpan(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 seconds"},
		{time.Second, "1 second"},
		{45 * time.Second, "45 seconds"},
		{59*time.Second + 600*time.Millisecond, "1 minute"},
		{time.Minute, "1 minute"},
		{90 * time.Second, "2 minutes"},
		{59 * time.Minute, "59 minutes"},
		{59*time.Minute + 40*time.Second, "1 hour"},
		{2 * time.Hour, "2 hours"},
		{90 * time.Minute, "2 hours"},
		{23*time.Hour + 36*time.Minute, "1 day"},
		{36 * time.Hour, "2 days"},
		{3 * 24 * time.Hour, "3 days"},
		{30*24*time.Hour - time.Second, "30 days"},
		{364 * 24 * time.Hour, "364 days"},
		{364*24*time.Hour + 13*time.Hour, "1 year"},
		{400 * 24 * time.Hour, "1 year"},
		{3 * 365 * 24 * time.Hour, "3 years"},
		{-2 * time.Hour, "2 hours"},
	} {
		if got := Span(tc.d); got != tc.want {
			t.Errorf("Span(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 7, 22, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{now, "now"},
		{now.Add(500 * time.Millisecond), "now"},
		{now.Add(-999 * time.Millisecond), "now"},
		{now.Add(3 * 24 * time.Hour), "in 3 days"},
		{now.Add(-2 * time.Hour), "2 hours ago"},
		{now.Add(time.Second), "in 1 second"},
		{now.Add(-time.Minute), "1 minute ago"},
	} {
		if got := Relative(tc.at, now); got != tc.want {
			t.Errorf("Relative(now%+v) = %q, want %q", tc.at.Sub(now), got, tc.want)
		}
	}
}

func testToken(t *testing.T, c Codec, claims Claims, iat time.Time, maxAge time.Duration) *Token {
	t.Helper()
	s, err := c.Encode(claims, EncodeOptions{Now: iat, MaxAge: maxAge, JTI: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Open(s)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestInspectValid(t *testing.T) {
	c, err := NewAuthJS([]string{"new", "old"}, "authjs.session-token")
	if err != nil {
		t.Fatal(err)
	}
	iat := time.Date(2026, 7, 22, 12, 0, 0, 0, time.UTC)
	tok := testToken(t, c, Claims{"name": "Ada", "sub": "u1"}, iat, 30*24*time.Hour)
	r := Inspect(tok, iat.Add(2*time.Hour))
	if r.Format != FormatAuthJS || r.Salt == nil || *r.Salt != "authjs.session-token" || r.SecretIndex != 0 {
		t.Errorf("format %q salt %v index %d", r.Format, r.Salt, r.SecretIndex)
	}
	if r.IssuedAt == nil || !r.IssuedAt.Equal(iat) || r.Issued != "2 hours ago" {
		t.Errorf("issued %v %q", r.IssuedAt, r.Issued)
	}
	if r.ExpiresAt == nil || !r.ExpiresAt.Equal(iat.Add(30*24*time.Hour)) || r.Expires != "in 30 days" {
		t.Errorf("expires %v %q", r.ExpiresAt, r.Expires)
	}
	if r.Expired || r.Problem != nil || r.Err != nil {
		t.Errorf("valid token reported %v %v", r.Expired, r.Err)
	}
	if r.Size != tok.Size || r.Chunks != 1 || r.ChunkSize != ChunkSizeV5 || r.NearCookieLimit() {
		t.Errorf("size %d chunks %d/%d", r.Size, r.Chunks, r.ChunkSize)
	}
	if string(r.Claims) != string(tok.Payload) || string(r.Header) != string(tok.Header) {
		t.Errorf("claims or header not as sent")
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"format":"authjs"`, `"salt":"authjs.session-token"`, `"secretIndex":0`,
		`"issuedAt":"2026-07-22T12:00:00Z"`, `"expiresAt":"2026-08-21T12:00:00Z"`, `"expired":false`,
		`"problem":null`, `"chunks":1`, `"largestClaims":[`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "secretSource") {
		t.Errorf("secretSource set by Inspect: %s", b)
	}
}

func TestInspectExpired(t *testing.T) {
	c, err := NewAuthJSv4([]string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	iat := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := testToken(t, c, Claims{"sub": "u1"}, iat, time.Hour)
	r := Inspect(tok, iat.Add(3*time.Hour))
	if !r.Expired || !errors.Is(r.Err, ErrExpired) || r.Problem == nil {
		t.Fatalf("expired %v err %v", r.Expired, r.Err)
	}
	if r.Expires != "expired 2 hours ago" {
		t.Errorf("expires %q", r.Expires)
	}
	if r.Salt == nil || *r.Salt != "" || r.ChunkSize != ChunkSizeV4 {
		t.Errorf("v4 salt %v chunk size %d", r.Salt, r.ChunkSize)
	}
	// Within the leeway it is not expired yet.
	if r := Inspect(tok, iat.Add(time.Hour+10*time.Second)); r.Expired {
		t.Errorf("expired within the leeway")
	}
}

func TestInspectProblemsOtherThanExpiry(t *testing.T) {
	tok := &Token{Format: FormatJWS, Payload: []byte(`{"sub":"u1"}`), Claims: Claims{"sub": "u1"}, Size: 10}
	r := Inspect(tok, time.Now())
	if r.Expired || !errors.Is(r.Err, ErrMissingExp) || r.ExpiresAt != nil || r.Expires != "" {
		t.Errorf("no exp: %+v", r)
	}
	if r.Salt != nil {
		t.Errorf("JWS has a salt: %q", *r.Salt)
	}
	future := time.Now().Add(time.Hour)
	tok.Claims["iat"] = json.Number("1")
	tok.Claims["exp"] = json.Number("99999999999")
	tok.Claims["nbf"] = json.Number(jsonInt(future.Unix()))
	r = Inspect(tok, time.Now())
	if r.Expired || !errors.Is(r.Err, ErrNotYetValid) {
		t.Errorf("nbf in the future: %v", r.Err)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestInspectChunks(t *testing.T) {
	for _, tc := range []struct {
		format     Format
		size, want int
	}{
		{FormatAuthJS, 100, 1},
		{FormatAuthJS, ChunkSizeV5, 1},
		{FormatAuthJS, ChunkSizeV5 + 1, 2},
		{FormatAuthJS, 3936 + 3936 + 670, 3}, // the v5-large-chunked vector
		{FormatAuthJSv4, ChunkSizeV4, 1},
		{FormatAuthJSv4, ChunkSizeV4 + 1, 2},
		{FormatJWS, ChunkSizeV5 + 1, 2},
	} {
		r := Inspect(&Token{Format: tc.format, Size: tc.size, Payload: []byte(`{}`)}, time.Now())
		if r.Chunks != tc.want {
			t.Errorf("%s of %d bytes: %d chunks, want %d", tc.format, tc.size, r.Chunks, tc.want)
		}
		if near := r.NearCookieLimit(); near != (tc.size*4 >= r.ChunkSize*3) {
			t.Errorf("%s of %d bytes: near limit %v", tc.format, tc.size, near)
		}
	}
}

func TestLargestClaims(t *testing.T) {
	payload := []byte(`{"a":1, "bb" : "xyz","picture":"` + strings.Repeat("p", 100) + `",
		"roles":["x","y"],"n":null,"e\u0301":true,"z":{"k":[1,2,3]},"t":"tie","u":"tie"}`)
	got := LargestClaims(payload, 5)
	want := []ClaimSize{{"picture", 112}, {"roles", 17}, {"z", 17}, {"e\u0301", 14}, {"bb", 12}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := LargestClaims([]byte(`[1]`), 5); got == nil || len(got) != 0 {
		t.Errorf("array payload: %v", got)
	}
	if got := LargestClaims([]byte(`{}`), 5); got == nil || len(got) != 0 {
		t.Errorf("empty payload: %v", got)
	}
	if got := LargestClaims([]byte(`{"a":1,"b":22}`), 5); len(got) != 2 || got[0].Name != "b" {
		t.Errorf("two members: %v", got)
	}
}

func TestParseClaims(t *testing.T) {
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{"a":1,"a":2}`, `{"a":1} {}`, "{\"a\":\"\xff\"}", `{"a":}`} {
		if _, err := ParseClaims([]byte(bad)); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("ParseClaims(%q) = %v, want ErrInvalidClaims", bad, err)
		}
	}
	c, err := ParseClaims([]byte(`{"n":12345678901234567890,"s":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c["n"] != json.Number("12345678901234567890") {
		t.Errorf("n = %#v", c["n"])
	}
}
