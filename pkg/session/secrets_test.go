package session

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSecretsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // sources, in order
	}{
		{"none", nil, nil},
		{"AUTH_SECRET only", map[string]string{"AUTH_SECRET": "a"}, []string{"AUTH_SECRET"}},
		// @auth/core's own test: {AUTH_SECRET:"0", AUTH_SECRET_1:"1"} gives ["1","0"].
		{"rotation", map[string]string{"AUTH_SECRET": "0", "AUTH_SECRET_1": "1"}, []string{"AUTH_SECRET_1", "AUTH_SECRET"}},
		{"all numbered", map[string]string{"AUTH_SECRET": "0", "AUTH_SECRET_1": "1", "AUTH_SECRET_2": "2", "AUTH_SECRET_3": "3"},
			[]string{"AUTH_SECRET_3", "AUTH_SECRET_2", "AUTH_SECRET_1", "AUTH_SECRET"}},
		{"gap", map[string]string{"AUTH_SECRET_3": "3", "AUTH_SECRET_1": "1"}, []string{"AUTH_SECRET_3", "AUTH_SECRET_1"}},
		{"empty is unset", map[string]string{"AUTH_SECRET": "", "AUTH_SECRET_2": "2"}, []string{"AUTH_SECRET_2"}},
		{"NEXTAUTH_SECRET alone", map[string]string{"NEXTAUTH_SECRET": "n"}, []string{"NEXTAUTH_SECRET"}},
		{"NEXTAUTH_SECRET last", map[string]string{"NEXTAUTH_SECRET": "n", "AUTH_SECRET": "a"}, []string{"AUTH_SECRET", "NEXTAUTH_SECRET"}},
		{"NEXTAUTH_SECRET same as another", map[string]string{"NEXTAUTH_SECRET": "1", "AUTH_SECRET": "a", "AUTH_SECRET_1": "1"},
			[]string{"AUTH_SECRET_1", "AUTH_SECRET"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SecretsFromEnv(func(k string) string { return tc.env[k] })
			var sources []string
			for _, s := range got {
				sources = append(sources, s.Source)
				if s.Value != tc.env[s.Source] {
					t.Errorf("%s has the wrong value", s.Source)
				}
			}
			if !slices.Equal(sources, tc.want) {
				t.Fatalf("sources %q, want %q", sources, tc.want)
			}
			if vals := Values(got); len(vals) != len(got) {
				t.Fatalf("Values: %d values for %d secrets", len(vals), len(got))
			}
		})
	}
}

func TestSecretsFromEnvV4(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // sources, in order
	}{
		{"none", nil, nil},
		{"AUTH_SECRET only", map[string]string{"AUTH_SECRET": "a"}, []string{"AUTH_SECRET"}},
		{"NEXTAUTH_SECRET alone", map[string]string{"NEXTAUTH_SECRET": "n"}, []string{"NEXTAUTH_SECRET"}},
		// next-auth v4: NEXTAUTH_SECRET ?? AUTH_SECRET.
		{"NEXTAUTH_SECRET first", map[string]string{"NEXTAUTH_SECRET": "n", "AUTH_SECRET": "a"}, []string{"NEXTAUTH_SECRET", "AUTH_SECRET"}},
		{"numbered last", map[string]string{"NEXTAUTH_SECRET": "n", "AUTH_SECRET": "a", "AUTH_SECRET_1": "1", "AUTH_SECRET_3": "3"},
			[]string{"NEXTAUTH_SECRET", "AUTH_SECRET", "AUTH_SECRET_3", "AUTH_SECRET_1"}},
		{"numbered alone", map[string]string{"AUTH_SECRET_2": "2"}, []string{"AUTH_SECRET_2"}},
		{"each value once", map[string]string{"NEXTAUTH_SECRET": "a", "AUTH_SECRET": "a", "AUTH_SECRET_1": "a"}, []string{"NEXTAUTH_SECRET"}},
		{"empty is unset", map[string]string{"NEXTAUTH_SECRET": "", "AUTH_SECRET": "a"}, []string{"AUTH_SECRET"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			got := SecretsFromEnvV4(getenv)
			var sources []string
			for _, s := range got {
				sources = append(sources, s.Source)
				if s.Value != tc.env[s.Source] {
					t.Errorf("%s has the wrong value", s.Source)
				}
			}
			if !slices.Equal(sources, tc.want) {
				t.Fatalf("sources %q, want %q", sources, tc.want)
			}
			// The same values as SecretsFromEnv, in another order.
			a, b := Values(got), Values(SecretsFromEnv(getenv))
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(slices.Compact(a), slices.Compact(b)) {
				t.Fatalf("values differ from SecretsFromEnv's")
			}
		})
	}
}

func TestValuesOrder(t *testing.T) {
	got := Values([]Secret{{"A", "1"}, {"B", "2"}})
	if !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("Values = %q", got)
	}
	if got := Values(nil); len(got) != 0 {
		t.Fatalf("Values(nil) = %q", got)
	}
}

// TestSecretNeverPrinted: formatting a Secret, alone or inside another
// value, shows where it came from and never its value.
func TestSecretNeverPrinted(t *testing.T) {
	s := Secret{Source: "AUTH_SECRET", Value: "hunter2-very-secret"}
	holder := struct{ S Secret }{s}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{s, &s, holder, []Secret{s}} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, s.Value) || strings.Contains(out, fmt.Sprintf("%x", s.Value)) {
				t.Errorf("Sprintf(%q, %T) = %q shows the value", format, v, out)
			}
		}
	}
}
