package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"strings"
	"testing"
)

// benchClaims is the default Auth.js session payload of an OAuth sign-in.
var benchClaims = Claims{
	"name":    "Ada Lovelace",
	"email":   "ada@example.com",
	"picture": "https://avatars.githubusercontent.com/u/1234567?v=4",
	"sub":     "8f14e45f-ceea-467e-a0b8-0b2d0e4b8c11",
}

func BenchmarkAuthJSDecode(b *testing.B) {
	c := mustV5(b, []string{testSecret}, testSalt)
	tok := mustEncode(b, c, benchClaims)
	b.SetBytes(int64(len(tok)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(c, tok, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthJSDecodeRotated(b *testing.B) {
	c := mustV5(b, []string{testSecret, testOldSecret}, testSalt)
	tok := mustEncode(b, mustV5(b, []string{testOldSecret}, testSalt), benchClaims)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(c, tok, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthJSEncode(b *testing.B) {
	c := mustV5(b, []string{testSecret}, testSalt)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(benchClaims, EncodeOptions{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthJSv4Decode(b *testing.B) {
	c, _ := NewAuthJSv4([]string{testSecret})
	tok := mustEncode(b, c, benchClaims)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(c, tok, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawCBCHMAC is the floor a v5 decode cannot beat: base64url
// decoding of the same token's parts, HMAC-SHA-512 over AAD ‖ IV ‖
// ciphertext ‖ AL with the HMAC state reused (as the decoder reuses it),
// and AES-256-CBC decryption; nothing else (no header or JSON parsing).
func BenchmarkRawCBCHMAC(b *testing.B) {
	c := mustV5(b, []string{testSecret}, testSalt)
	tok := mustEncode(b, c, benchClaims)
	parts := strings.Split(tok, ".")
	key := c.keys[0].cbc.key
	block, _ := aes.NewCipher(key[32:])
	m := hmac.New(sha512.New, key[:32])
	b.SetBytes(int64(len(tok)))
	b.ReportAllocs()
	for b.Loop() {
		iv, _ := b64.DecodeString(parts[2])
		ct, _ := b64.DecodeString(parts[3])
		tag, _ := b64.DecodeString(parts[4])
		m.Reset()
		m.Write([]byte(parts[0]))
		m.Write(iv)
		m.Write(ct)
		m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(parts[0]))*8))
		if !hmac.Equal(m.Sum(nil)[:32], tag) {
			b.Fatal("tag")
		}
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(ct, ct)
	}
}
