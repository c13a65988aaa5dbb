package providers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AppleMaxSecretTTL is the longest life Apple accepts for a client secret:
// 15,777,000 seconds (six months).
const AppleMaxSecretTTL = 15777000 * time.Second

// AppleDefaultSecretTTL is the life AppleClientSecret gives a secret when
// ttl is 0: 180 days, as the Auth.js CLI does.
const AppleDefaultSecretTTL = 180 * 24 * time.Hour

// AppleAudience is the aud of an Apple client secret.
const AppleAudience = "https://appleid.apple.com"

// AppleClientSecret makes Apple's client secret: a JWT signed with ES256
// by the team's Sign in with Apple key (the .p8 file, PKCS#8 PEM), with
// header {alg: ES256, kid: keyID} and claims iss = teamID, sub = clientID
// (the Services ID), aud = https://appleid.apple.com, iat = now and
// exp = now + ttl. ttl 0 means AppleDefaultSecretTTL; Apple refuses more
// than AppleMaxSecretTTL. Set the result as AUTH_APPLE_SECRET and make a
// new one before it expires.
func AppleClientSecret(teamID, keyID, clientID string, p8 []byte, now time.Time, ttl time.Duration) (string, error) {
	fail := func(cause, fix string) (string, error) {
		return "", fmt.Errorf("authkit: cannot make the Apple client secret: %s; %s", cause, fix)
	}
	switch {
	case strings.TrimSpace(teamID) == "":
		return fail("no team id", "give the 10-character Team ID shown in the Apple developer account")
	case strings.TrimSpace(keyID) == "":
		return fail("no key id", "give the Key ID of the Sign in with Apple key (the XXXXXXXXXX of AuthKey_XXXXXXXXXX.p8)")
	case strings.TrimSpace(clientID) == "":
		return fail("no client id", "give the Services ID the app signs in with (AUTH_APPLE_ID)")
	case ttl < 0:
		return fail("the lifetime is negative", "give a lifetime of at most 180 days")
	case ttl > AppleMaxSecretTTL:
		return fail(fmt.Sprintf("a lifetime of %s is longer than Apple accepts (%s, six months)", ttl, AppleMaxSecretTTL), "give a lifetime of at most 180 days")
	case len(p8) == 0:
		return fail("the key file is empty", "give the .p8 file downloaded from the Apple developer account")
	}
	if ttl == 0 {
		ttl = AppleDefaultSecretTTL
	}
	key, err := jwt.ParseECPrivateKeyFromPEM(p8)
	if err != nil {
		return fail("the key is not an EC private key in PEM", "give the .p8 file exactly as Apple served it (it begins with -----BEGIN PRIVATE KEY-----)")
	}
	if key.Curve != elliptic.P256() {
		return fail("the key is not on the P-256 curve", "give the Sign in with Apple .p8 key, which is P-256")
	}
	return signApple(key, teamID, keyID, clientID, now, ttl)
}

func signApple(key *ecdsa.PrivateKey, teamID, keyID, clientID string, now time.Time, ttl time.Duration) (string, error) {
	claims := jwt.MapClaims{
		"iss": teamID,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
		"aud": AppleAudience,
		"sub": clientID,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header = map[string]any{"alg": "ES256", "kid": keyID}
	s, err := tok.SignedString(key)
	if err != nil {
		return "", errors.New("authkit: cannot make the Apple client secret: signing failed; check the .p8 key")
	}
	return s, nil
}

// mapApple is the Apple mapping: id from sub, the name Apple posts in the
// callback's user form field on the first sign-in only ("first last"),
// else the e-mail address, as Auth.js v5 does; no image. The flow puts
// that field under raw["user"], as a JSON object or as its JSON text.
// EmailVerified is Apple's email_verified, a boolean or the string "true".
func mapApple(raw map[string]any) (Profile, error) {
	id := str(raw["sub"])
	if id == "" {
		return Profile{}, missingID("apple")
	}
	email := str(raw["email"])
	name := appleName(raw["user"])
	if name == "" {
		name = email
	}
	return Profile{
		ID:            id,
		Name:          name,
		Email:         email,
		EmailVerified: truthy(raw["email_verified"]),
	}, nil
}

// appleName reads {"name": {"firstName": …, "lastName": …}} from the
// object or its JSON text.
func appleName(v any) string {
	if s, ok := v.(string); ok {
		if len(s) > 64<<10 {
			return ""
		}
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return ""
		}
		v = m
	}
	n := obj(at(obj(v), "name"))
	if n == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimSpace(str(n["firstName"])) + " " + strings.TrimSpace(str(n["lastName"])))
}
