package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestRedaction prints a loaded Config every way we can think of and
// checks that no secret value shows, while the sources do.
func TestRedaction(t *testing.T) {
	c, err := Load(fullDir(t), envOf(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	var outs []string
	type hidden struct{ c Config } // unexported: fmt cannot call methods inside
	wrapped := []any{struct{ C *Config }{c}, []*Config{c}, map[string]*Config{"x": c}, hidden{*c}, &hidden{*c}}
	for _, v := range append([]any{c, *c, c.Secrets, c.Secrets[0], &c.Secrets[0], c.Database, c.ProviderConfigs, c.ProviderConfigs[1], c.Email, *c.Email}, wrapped...) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v))
		j, _ := json.Marshal(v)
		y, _ := yaml.Marshal(v)
		outs = append(outs, string(j), string(y))
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", c, "secret", c.Secrets[0], "db", c.Database.URL)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", c, "secret", c.Secrets[0], "db", c.Database.URL)
	outs = append(outs, logs.String())

	all := strings.Join(outs, "\n")
	for _, s := range secretValues {
		if strings.Contains(all, s) {
			i := strings.Index(all, s)
			t.Errorf("secret %q printed:\n…%s…", s, all[max(0, i-200):min(len(all), i+100)])
		}
		if strings.Contains(all, fmt.Sprintf("%x", s)) {
			t.Errorf("secret %q printed in hex", s)
		}
	}
	for _, src := range []string{"${AUTH_SECRET}", "file:secrets/previous-auth-secret", "${DATABASE_URL}", "${GOOGLE_CLIENT_SECRET}", "${SMTP_PASSWORD}"} {
		if !strings.Contains(all, src) {
			t.Errorf("source %s never printed", src)
		}
	}

	var j map[string]any
	b, _ := json.Marshal(c)
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	eq(t, j["secrets"], any([]any{"${AUTH_SECRET}", "file:secrets/previous-auth-secret"}))
	eq(t, j["database"].(map[string]any)["url"], any("${DATABASE_URL}"))
}

func TestSecretForms(t *testing.T) {
	s := NewSecret("${X}", "value-123")
	eq(t, s.String(), "${X}")
	eq(t, s.GoString(), `config.Secret{Source: "${X}"}`)
	eq(t, fmt.Sprintf("%#v", s), `config.Secret{Source: "${X}"}`)
	eq(t, fmt.Sprintf("%q", s), `"${X}"`)
	eq(t, s.Value(), "value-123")
	eq(t, s.IsZero(), false)
	var zero Secret
	eq(t, zero.IsZero(), true)
	eq(t, fmt.Sprint(zero), "")
	b, _ := json.Marshal(zero)
	eq(t, string(b), `""`)
}
