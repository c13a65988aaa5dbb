// Package session encodes, decodes and inspects session tokens and the
// cookies that carry them, in the formats Auth.js uses: the v5 JWE
// (dir + A256CBC-HS512, key from HKDF-SHA256 salted with the cookie name),
// the v4 JWE (dir + A256GCM, empty salt), and signed JWTs (JWS) for
// services that verify sessions with a public key.
//
// Every decoder follows one contract: when it returns an error, the token it
// returns is nil, and errors.Is(err, ErrInvalidToken) holds, together with
// the sentinel that names the reason (ErrExpired, ErrTampered, ...).
package session
