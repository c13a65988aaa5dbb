package session

import "strconv"

// Secret is one Auth.js secret and where it came from. Source names the
// origin (an environment variable such as "AUTH_SECRET_1", or a file path)
// and is what may be shown to people; Value never is. String and GoString
// return the source only, so that printing a Secret by mistake does not
// leak it.
type Secret struct {
	Source string
	Value  string
}

// String returns the secret's source, never its value.
func (s Secret) String() string { return s.Source }

// GoString returns the secret's source, never its value.
func (s Secret) GoString() string { return "session.Secret{Source: " + strconv.Quote(s.Source) + "}" }

// SecretsFromEnv reads the Auth.js secrets from the environment through
// getenv, newest first, in the order @auth/core's setEnvDefaults builds
// them: AUTH_SECRET_3, AUTH_SECRET_2, AUTH_SECRET_1, AUTH_SECRET (those that
// are set and non-empty). NEXTAUTH_SECRET, the next-auth v4 name, comes
// last when it is set and differs from every secret before it.
//
// This is a superset of what any one Auth.js runtime uses. next-auth@5
// (beta.30) sets its secret to AUTH_SECRET ?? NEXTAUTH_SECRET, a single
// string, and then ignores AUTH_SECRET_1..3 whenever AUTH_SECRET is set;
// next-auth v4 reads one secret (NEXTAUTH_SECRET, else AUTH_SECRET: see
// SecretsFromEnvV4). A decoder that tries them all opens every token any
// of those runtimes could have written; an encoder uses the first, as
// @auth/core does.
func SecretsFromEnv(getenv func(string) string) []Secret {
	var out []Secret
	for _, name := range []string{"AUTH_SECRET_3", "AUTH_SECRET_2", "AUTH_SECRET_1", "AUTH_SECRET"} {
		if v := getenv(name); v != "" {
			out = append(out, Secret{Source: name, Value: v})
		}
	}
	if v := getenv("NEXTAUTH_SECRET"); v != "" && !hasValue(out, v) {
		out = append(out, Secret{Source: "NEXTAUTH_SECRET", Value: v})
	}
	return out
}

// SecretsFromEnvV4 reads the same secrets as SecretsFromEnv, in the order
// next-auth v4 prefers them: v4 takes one secret, options.secret ??
// jwt.secret ?? NEXTAUTH_SECRET ?? AUTH_SECRET, so NEXTAUTH_SECRET comes
// first, then AUTH_SECRET, then AUTH_SECRET_3, _2, _1 (which v4 never
// reads; they come last so that a decoder still tries every secret). Each
// value is listed once, under the first name that holds it.
//
// The first secret is the one a next-auth v4 app reads whenever it has
// one: encode v4 tokens with it (a v4 app with NEXTAUTH_SECRET set cannot
// open a token made under AUTH_SECRET).
func SecretsFromEnvV4(getenv func(string) string) []Secret {
	var out []Secret
	for _, name := range []string{"NEXTAUTH_SECRET", "AUTH_SECRET", "AUTH_SECRET_3", "AUTH_SECRET_2", "AUTH_SECRET_1"} {
		if v := getenv(name); v != "" && !hasValue(out, v) {
			out = append(out, Secret{Source: name, Value: v})
		}
	}
	return out
}

func hasValue(secrets []Secret, v string) bool {
	for _, s := range secrets {
		if s.Value == v {
			return true
		}
	}
	return false
}

// Values returns the secrets' values in order, as the codecs take them.
func Values(secrets []Secret) []string {
	out := make([]string, len(secrets))
	for i, s := range secrets {
		out[i] = s.Value
	}
	return out
}
