package devidp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// idTokenTTL is how long an ID token is valid.
const idTokenTTL = time.Hour

// idTokenInput is what an ID token is made of.
type idTokenInput struct {
	base        string
	user        User
	clientID    string
	scope       string
	nonce       string // "" when the token carries none (a refresh)
	authTime    time.Time
	accessToken string
	now         time.Time
}

// mintIDToken returns a signed ID token, spoiled as the failure modes in
// fails say.
func (s *Server) mintIDToken(in idTokenInput, fails failureSet) (string, error) {
	claims := s.idTokenClaims(in, fails)
	signer := s.keys.active
	if fails[FailAlgNone] {
		return unsignedToken(claims)
	}
	tok := jwt.NewWithClaims(signer.method, claims)
	tok.Header["kid"] = signer.kid
	if fails[FailUnknownKid] {
		tok.Header["kid"] = "unknown-" + randomKid()
	}
	signed, err := tok.SignedString(signer.key)
	if err != nil {
		return "", err
	}
	if fails[FailBadSignature] {
		signed = flipSignatureBit(signed)
	}
	return signed, nil
}

// idTokenClaims are the ID token's claims: the registered ones, then the
// profile and email claims the scope asks for.
func (s *Server) idTokenClaims(in idTokenInput, fails failureSet) jwt.MapClaims {
	iss, aud := in.base, in.clientID
	iat := in.now
	if fails[FailWrongIss] {
		iss += "/"
	}
	if fails[FailWrongAud] {
		aud = "another-client"
	}
	switch {
	case fails[FailExpiredIDToken]:
		iat = in.now.Add(-2 * idTokenTTL)
	case fails[FailFutureIat]:
		iat = in.now.Add(idTokenTTL)
	}
	c := jwt.MapClaims{"iss": iss, "sub": in.user.ID, "aud": aud, "azp": aud,
		"iat": iat.Unix(), "exp": iat.Add(idTokenTTL).Unix(), "auth_time": in.authTime.Unix()}
	switch {
	case in.nonce == "" || fails[FailNoNonce]:
	case fails[FailNonceMismatch]:
		c["nonce"] = "not-" + randomKid()
	default:
		c["nonce"] = in.nonce
	}
	if in.accessToken != "" {
		sum := sha256.Sum256([]byte(in.accessToken))
		c["at_hash"] = b64(sum[:16])
	}
	for k, v := range s.profileClaims(in.base, in.user, in.scope, fails) {
		c[k] = v
	}
	return c
}

// profileClaims are the standard claims the scope grants: profile (name,
// given_name, family_name, picture, preferred_username) and email (email,
// email_verified), plus Google's hd.
func (s *Server) profileClaims(base string, u User, scope string, fails failureSet) map[string]any {
	c := map[string]any{}
	if hasScope(scope, "profile") {
		if u.Name != "" {
			c["name"] = u.Name
			given, family, ok := strings.Cut(u.Name, " ")
			c["given_name"] = given
			if ok {
				c["family_name"] = family
			}
		}
		c["picture"] = s.avatarURL(base, u)
		if s.shape == ShapeOIDC {
			c["preferred_username"] = u.Login
		}
	}
	if hasScope(scope, "email") && !fails[FailNoEmail] {
		c["email"] = u.Email
		c["email_verified"] = u.Verified() && !fails[FailUnverifiedEmail]
	}
	if s.shape == ShapeGoogle && u.HD != "" {
		c["hd"] = u.HD
	}
	return c
}

// unsignedToken is claims as an alg "none" JWS with an empty signature.
func unsignedToken(claims jwt.MapClaims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64(payload) + ".", nil
}

// flipSignatureBit flips one bit in the middle of a JWS's signature.
func flipSignatureBit(jws string) string {
	i := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[i+1:])
	if err != nil || len(sig) == 0 {
		return jws
	}
	sig[len(sig)/2] ^= 0x01
	return jws[:i+1] + b64(sig)
}

func randomKid() string {
	b := make([]byte, 8)
	rand.Read(b)
	return b64(b)
}
