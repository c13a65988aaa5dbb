package config

import (
	"testing"
	"time"
)

func TestInterpolate(t *testing.T) {
	env := envOf(map[string]string{"A": "alpha", "B": "", "PATH_LIKE": "/x/y", "DOLLAR": "$${A}"})
	tests := []struct {
		in, want, err string
		used          bool
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${A}", want: "alpha", used: true},
		{in: "x-${A}-y", want: "x-alpha-y", used: true},
		{in: "${A}${A}", want: "alphaalpha", used: true},
		{in: "${PATH_LIKE}/z", want: "/x/y/z", used: true},
		{in: "${B:-dflt}", want: "dflt", used: true},
		{in: "${UNSET:-dflt}", want: "dflt", used: true},
		{in: "${UNSET:-}", want: "", used: true},
		{in: "${UNSET:-a:-b}", want: "a:-b", used: true},
		{in: "${A:-dflt}", want: "alpha", used: true},
		{in: "$${A}", want: "${A}"},
		{in: "$${A} and ${A}", want: "${A} and alpha", used: true},
		{in: "$$${A}", want: "$${A}"},
		{in: "cost $5, $HOME, $$", want: "cost $5, $HOME, $$"},
		{in: "trailing $", want: "trailing $"},
		{in: "${DOLLAR}", want: "$${A}", used: true}, // values are not expanded again
		{in: "${UNSET}", err: "${UNSET} is not set; set UNSET, or give a default: ${UNSET:-value}"},
		{in: "${B}", err: "${B} is not set; set B, or give a default: ${B:-value}"},
		{in: "a ${A", err: "the ${ at offset 2 is not closed; close it with }, or write $${ for a literal ${"},
		{in: "${}", err: "${} is not a variable reference; write ${NAME} or ${NAME:-default} (letters, digits and _), or $${ for a literal ${"},
		{in: "${A B}", err: "${A B} is not a variable reference; write ${NAME} or ${NAME:-default} (letters, digits and _), or $${ for a literal ${"},
		{in: "${A-x}", err: "${A-x} is not a variable reference; write ${NAME} or ${NAME:-default} (letters, digits and _), or $${ for a literal ${"},
		{in: "${9A}", err: "${9A} is not a variable reference; write ${NAME} or ${NAME:-default} (letters, digits and _), or $${ for a literal ${"},
	}
	for _, tt := range tests {
		got, used, err := interpolate(tt.in, env)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case got != tt.want || used != tt.used:
			t.Errorf("%q = %q (used %v), want %q (used %v)", tt.in, got, used, tt.want, tt.used)
		}
	}
}

// TestInterpolationInFile checks interpolation where it applies (values,
// lists, maps, booleans, numbers) and where it does not (keys).
func TestInterpolationInFile(t *testing.T) {
	src := `base_url: https://${HOST}:${PORT:-8443}
providers:
  - id: ${ID:-corp}
    type: oidc
    issuer: ${ISSUER}
    scopes: ["openid", "${EXTRA}"]
    params:
      prompt: ${PROMPT:-login}
      note: "$${NOT_A_VAR}"
credentials:
  enabled: ${CREDS}
siwe:
  domain: ${HOST}
  chain_ids: ["${CHAIN}"]
`
	c := mustParse(t, src, map[string]string{"HOST": "h.example", "ISSUER": "https://idp.example", "EXTRA": "groups", "CREDS": "true", "CHAIN": "10"})
	eq(t, c.BaseURL, "https://h.example:8443")
	p := c.ProviderConfigs[0]
	eq(t, p.ID, "corp")
	eq(t, p.Issuer, "https://idp.example")
	eq(t, p.Scopes, []string{"openid", "groups"})
	eq(t, p.Params, map[string]string{"prompt": "login", "note": "${NOT_A_VAR}"})
	eq(t, c.Credentials.Enabled, true)
	eq(t, *c.SIWE, SIWE{Domain: "h.example", ChainIDs: []int64{10}})

	_, err := parse(t, "${KEY}: 1\n", map[string]string{"KEY": "linking"})
	if err == nil {
		t.Error("a key was interpolated")
	}
}

func TestUnsetVariableNamesLine(t *testing.T) {
	src := "linking: never\n\nproviders:\n  - id: corp\n    type: oidc\n    issuer: ${CORP_ISSUER}\n"
	_, err := parse(t, src, nil)
	want := "authkit: cannot load authkit.yaml: line 6, column 13: providers[0].issuer: ${CORP_ISSUER} is not set; set CORP_ISSUER, or give a default: ${CORP_ISSUER:-value}"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "1d12h": 36 * time.Hour, "0d": 0, "2592000": 30 * 24 * time.Hour,
		"90m": 90 * time.Minute, "1h30m": 90 * time.Minute, " 24h ": 24 * time.Hour, "0": 0, "-60": -time.Minute,
	} {
		got, err := parseDuration(in)
		if err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "-1d", "1d-1h", "1d+1h", "soon", "36501d", "1d876000h", "9223372036854775807"} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, got)
		}
	}
}
