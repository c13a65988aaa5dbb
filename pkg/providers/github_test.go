package providers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testToken = "gho_s3cr3tT0kenValue123"

// githubServer serves /api/v3/user and /api/v3/user/emails as GitHub
// Enterprise lays them out, checking the request headers.
func githubServer(t *testing.T, user, emails string, emailsStatus int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization %q", got)
		}
		if got := r.Header.Get("User-Agent"); got != "authkit" {
			t.Errorf("User-Agent %q", got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept %q", got)
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v3/user":
			w.Write([]byte(user))
		case "/api/v3/user/emails":
			w.WriteHeader(emailsStatus)
			if emailsStatus == http.StatusOK {
				w.Write([]byte(emails))
			} else {
				w.Write([]byte(`{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com"}`))
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGitHubEmailFallback(t *testing.T) {
	public := string(sample(t, "profiles/github-user.json"))
	private := string(sample(t, "profiles/github-user-private.json"))
	primaryVerified := string(sample(t, "profiles/github-emails-primary-verified.json"))
	unverified := string(sample(t, "profiles/github-emails-unverified.json"))
	secondary := string(sample(t, "profiles/github-emails-secondary-verified.json"))
	publicListed := `[{"email":"octocat@github.com","primary":true,"verified":true,"visibility":"public"}]`
	publicUnverified := `[{"email":"OctoCat@GitHub.com","primary":true,"verified":false,"visibility":"public"}]`

	tests := []struct {
		name         string
		user, emails string
		status       int
		wantEmail    string
		wantVerified bool
	}{
		{"private email, primary verified", private, primaryVerified, 200, "mona@example.com", true},
		{"private email, only unverified", private, unverified, 200, "", false},
		{"private email, a secondary verified", private, secondary, 200, "mona@work.example", true},
		{"private email, empty list", private, `[]`, 200, "", false},
		{"private email, emails refused", private, "", 403, "", false},
		{"public email, verified", public, publicListed, 200, "octocat@github.com", true},
		{"public email, listed unverified", public, publicUnverified, 200, "octocat@github.com", false},
		{"public email, not listed", public, primaryVerified, 200, "octocat@github.com", false},
		{"public email, emails not found", public, "", 404, "octocat@github.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubServer(t, tt.user, tt.emails, tt.status)
			p := mustLookup(t, "github")
			if err := p.SetBaseURL(srv.URL); err != nil {
				t.Fatal(err)
			}
			raw, err := p.FetchRaw(context.Background(), srv.Client(), &Token{AccessToken: testToken})
			if err != nil {
				t.Fatal(err)
			}
			prof, err := p.Normalise(raw)
			if err != nil {
				t.Fatal(err)
			}
			if prof.Email != tt.wantEmail || prof.EmailVerified != tt.wantVerified {
				t.Errorf("got %q verified=%v, want %q verified=%v", prof.Email, prof.EmailVerified, tt.wantEmail, tt.wantVerified)
			}
		})
	}
}

func TestGitHubUserErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		// A provider that echoes the token must not get it into our error.
		w.Write([]byte(`{"message":"Bad credentials for ` + testToken + `"}`))
	}))
	defer srv.Close()
	p := mustLookup(t, "github")
	if err := p.SetBaseURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	_, err := p.FetchRaw(context.Background(), srv.Client(), &Token{AccessToken: testToken})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"authkit: cannot fetch the github profile: ", "401 Unauthorized", srv.URL + "/api/v3/user", "Bad credentials", "sign in again"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, testToken) {
		t.Errorf("error %q shows the token", msg)
	}
}

func TestGitHubEnterpriseBaseURL(t *testing.T) {
	p := mustLookup(t, "github")
	if err := p.SetBaseURL("https://git.example.com/"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		p.AuthURL:     "https://git.example.com/login/oauth/authorize",
		p.TokenURL:    "https://git.example.com/login/oauth/access_token",
		p.UserInfoURL: "https://git.example.com/api/v3/user",
		p.ConsoleURL:  "https://git.example.com/settings/developers",
	}
	for got, w := range want {
		if got != w {
			t.Errorf("got %q, want %q", got, w)
		}
	}
	if p.TrustEmail {
		t.Error("GitHub Enterprise trusted by default")
	}
	if got := subURL(p.UserInfoURL, "emails"); got != "https://git.example.com/api/v3/user/emails" {
		t.Errorf("emails URL %q", got)
	}
	if err := p.SetBaseURL("https://github.com"); err != nil || p.UserInfoURL != "https://api.github.com/user" || !p.TrustEmail {
		t.Errorf("github.com did not restore the defaults: %v %+v", err, p)
	}

	g := mustLookup(t, "gitlab")
	if err := g.SetBaseURL("https://gitlab.example.org"); err != nil {
		t.Fatal(err)
	}
	if g.AuthURL != "https://gitlab.example.org/oauth/authorize" || g.TokenURL != "https://gitlab.example.org/oauth/token" ||
		g.UserInfoURL != "https://gitlab.example.org/api/v4/user" || g.TrustEmail {
		t.Errorf("self-hosted GitLab: %+v", g)
	}

	for _, bad := range []string{"http://git.example.com", "git.example.com", "https://git.example.com/?x=1", "ftp://x"} {
		if err := mustLookup(t, "github").SetBaseURL(bad); err == nil || !strings.HasPrefix(err.Error(), "authkit: cannot set the base URL of provider github: ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := mustLookup(t, "google").SetBaseURL("https://x.example"); err == nil {
		t.Error("google took a base URL")
	}
	// The base URL option follows the entry, not its id.
	c := mustLookup(t, "github")
	c.ID = "github-corp"
	if err := c.SetBaseURL("https://git.corp.example"); err != nil {
		t.Error(err)
	}
}

func TestBitbucketEmails(t *testing.T) {
	user := sample(t, "profiles/bitbucket-user.json")
	emails := sample(t, "profiles/bitbucket-emails.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/2.0/user":
			w.Write(user)
		case "/2.0/user/emails":
			w.Write(emails)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p := mustLookup(t, "bitbucket")
	p.UserInfoURL = srv.URL + "/2.0/user"
	raw, err := p.FetchRaw(context.Background(), srv.Client(), &Token{AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := p.Normalise(raw)
	if err != nil {
		t.Fatal(err)
	}
	if prof.Email != "ada@example.com" || !prof.EmailVerified || prof.ID != "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443" {
		t.Errorf("got %+v", prof)
	}
}
