package dev_test

import (
	"context"
	"encoding/json"
	"github.com/authkit-dev/authkit/internal/testenv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/internal/cli"
	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
)

// TestIdpRunsUntilCancelled: the command serves until its context ends
// (Ctrl-C, SIGTERM), then stops listening and exits 0. A sign-in through
// it with a pinned secret leaves no secret, code or token on stdout or
// stderr.
func TestIdpRunsUntilCancelled(t *testing.T) {
	const secret = "pinned-secret-value"
	var stdout, stderr testenv.Buffer
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr},
		Getenv: func(k string) string {
			if k == "APP_SECRET" {
				return secret
			}
			return ""
		}, Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- cli.Run(ctx, f, []string{"dev", "idp", "--port", "0", "--json", "--client-id", "app", "--client-secret-env", "APP_SECRET"})
	}()
	var facts struct {
		URL       string            `json:"url"`
		Endpoints map[string]string `json:"endpoints"`
		Client    map[string]any    `json:"client"`
		Env       map[string]string `json:"env"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasSuffix(stdout.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no facts on stdout; stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := json.Unmarshal([]byte(stdout.String()), &facts); err != nil {
		t.Fatal(err)
	}
	if facts.Client["id"] != "app" || facts.Client["secretEnv"] != "APP_SECRET" || facts.Client["anyAccepted"] != false ||
		facts.Env["AUTH_OIDC_SECRET"] != "${APP_SECRET}" || facts.Env["AUTH_OIDC_ISSUER"] != facts.URL {
		t.Errorf("facts %+v", facts)
	}

	// A sign-in: authorize, then the token request with the pinned secret.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(facts.Endpoints["authorization"] + "?" + url.Values{"client_id": {"app"}, "response_type": {"code"},
		"redirect_uri": {"http://127.0.0.1:3000/cb"}, "scope": {"openid email"}, "state": {"the-state"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	req, _ := http.NewRequest(http.MethodPost, facts.Endpoints["token"], strings.NewReader(url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {"http://127.0.0.1:3000/cb"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("app", secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tokens map[string]any
	json.Unmarshal(body, &tokens)
	if resp.StatusCode != 200 || code == "" || tokens["id_token"] == nil {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop when its context ended")
	}
	if _, err := http.Get(facts.URL + "/jwks"); err == nil {
		t.Error("still listening after exit")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "kind=token status=200") || !strings.Contains(logs, "msg=stopped") {
		t.Errorf("stderr:\n%s", logs)
	}
	for name, canary := range map[string]string{"secret": secret, "code": code, "state": "the-state",
		"access token": tokens["access_token"].(string), "id token": tokens["id_token"].(string)} {
		if strings.Contains(logs+stdout.String(), canary) {
			t.Errorf("the %s is on stdout or stderr", name)
		}
	}
}
