package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/authkit-dev/authkit/pkg/session"
)

// A Go service next to a Next.js app reads the Auth.js session of a
// request with the app's AUTH_SECRET.
func ExampleFromRequest() {
	secret := "the-AUTH_SECRET-of-the-next-js-app-0123456789"
	codec, _ := session.NewAuthJS([]string{secret}, "authjs.session-token")
	token, _ := codec.Encode(session.Claims{"sub": "user_42", "email": "ada@example.com"}, session.EncodeOptions{})

	r := httptest.NewRequest("GET", "/api/orders", nil)
	r.AddCookie(&http.Cookie{Name: "authjs.session-token", Value: token})

	s, err := session.FromRequest(r, session.RequestOptions{Secrets: []string{secret}})
	if err != nil {
		fmt.Println("not signed in:", err)
		return
	}
	fmt.Println(s.Subject(), s.Claims["email"])
	// Output: user_42 ada@example.com
}

// Rotation: the newest secret comes first and encodes; tokens made with
// an older one still decode until it is removed from the list.
func ExampleNewAuthJS_rotation() {
	old, _ := session.NewAuthJS([]string{"old-secret-0123456789abcdef0123456789"}, "authjs.session-token")
	token, _ := old.Encode(session.Claims{"sub": "1"}, session.EncodeOptions{})

	rotated, _ := session.NewAuthJS([]string{"new-secret-0123456789abcdef0123456789", "old-secret-0123456789abcdef0123456789"}, "authjs.session-token")
	t, err := session.Decode(rotated, token, time.Now())
	fmt.Println(t.SecretIndex, err)
	// Output: 1 <nil>
}
