package providers

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFetchUserInfo(t *testing.T) {
	var body string
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("User-Agent") != "authkit" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("headers %v", r.Header)
		}
		if status != 0 {
			w.WriteHeader(status)
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	p := NewOAuth2("corp", "Corp", srv.URL+"/a", srv.URL+"/t", srv.URL+"/me?fields=id,name")
	tok := &Token{AccessToken: testToken}
	ctx := context.Background()

	body, status = `{"id": 12345678901234567890, "name": "N"}`, 0
	raw, err := FetchUserInfo(ctx, nil, p, tok)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := p.Normalise(raw)
	if err != nil || prof.ID != "12345678901234567890" {
		t.Errorf("%+v %v", prof, err)
	}

	for _, tt := range []struct {
		name, body string
		status     int
		want       []string
	}{
		{"forbidden", `{"error":"insufficient_scope","error_description":"needs email"}`, 403, []string{"403 Forbidden", "insufficient_scope: needs email", "check the scopes"}},
		{"server error", `oops`, 500, []string{"500 Internal Server Error", "try again later"}},
		{"rate limited", `{}`, 429, []string{"429 Too Many Requests"}},
		{"not found", ``, 404, []string{"404 Not Found", "check the userinfo URL"}},
		{"array", `[]`, 200, []string{"not an object"}},
		{"html", `<html>`, 200, []string{"not JSON"}},
		{"oversized", `{"a":"` + strings.Repeat("x", MaxBodySize) + `"}`, 200, []string{"more than 1048576 bytes"}},
		{"trailing", `{} {}`, 200, []string{"not JSON"}},
	} {
		body, status = tt.body, tt.status
		_, err := FetchUserInfo(ctx, srv.Client(), p, tok)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "authkit: cannot fetch the corp profile: ") || strings.Contains(msg, testToken) || strings.Contains(msg, "fields=") {
			t.Errorf("%s: %q", tt.name, msg)
		}
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", tt.name, msg, w)
			}
		}
	}

	if _, err := FetchUserInfo(ctx, nil, p, &Token{}); err == nil || !strings.Contains(err.Error(), "no access token") {
		t.Error(err)
	}
	o := NewOIDC("o", "O", "https://o.example")
	if raw, err := FetchUserInfo(ctx, nil, o, tok); raw != nil || err != nil {
		t.Error("OIDC without userinfo should give nil, nil")
	}
	q := NewOAuth2("q", "Q", "https://q.example/a", "https://q.example/t", "")
	if _, err := q.FetchRaw(ctx, nil, tok); err == nil || !strings.Contains(err.Error(), "no userinfo URL") {
		t.Error(err)
	}
	// A refused connection names the URL, not the token.
	dead := NewOAuth2("dead", "Dead", "", "", "http://127.0.0.1:1/me")
	if _, err := FetchUserInfo(ctx, nil, dead, tok); err == nil || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "http://127.0.0.1:1/me") {
		t.Error(err)
	}
}

func TestEntraPhoto(t *testing.T) {
	photo := []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}
	var photoStatus = 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oidc/userinfo":
			w.Write([]byte(`{"sub":"AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ","name":"Adele Vance","email":"AdeleV@contoso.example","picture":"https://graph.microsoft.com/v1.0/me/photo/$value"}`))
		case "/v1.0/me/photos/48x48/$value":
			if r.Header.Get("Authorization") != "Bearer "+testToken {
				t.Error("photo without the token")
			}
			w.Header().Set("Content-Type", "image/jpeg")
			w.WriteHeader(photoStatus)
			w.Write(photo)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	old := entraPhotoURL
	entraPhotoURL = srv.URL + "/v1.0/me/photos/48x48/$value"
	defer func() { entraPhotoURL = old }()

	p := mustLookup(t, "microsoft-entra-id")
	p.UserInfoURL = srv.URL + "/oidc/userinfo"
	raw, err := p.FetchRaw(context.Background(), srv.Client(), &Token{AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := p.Normalise(raw)
	if err != nil {
		t.Fatal(err)
	}
	if prof.Image != "data:image/jpeg;base64,"+base64.StdEncoding.EncodeToString(photo) || prof.Name != "Adele Vance" || prof.EmailVerified {
		t.Errorf("%+v", prof)
	}
	// No photo: no image, and not the Graph URL that needs a token.
	photoStatus = 404
	raw, err = p.FetchRaw(context.Background(), srv.Client(), &Token{AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if prof, _ := p.Normalise(raw); prof.Image != "" {
		t.Errorf("image %q", prof.Image)
	}
}
