package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/internal/cli/secret/dotenv"
	authsession "github.com/authkit-dev/authkit/pkg/session"
	"github.com/spf13/cobra"
)

// secretNames are the variables SecretsFromEnv reads.
var secretNames = []string{"AUTH_SECRET_3", "AUTH_SECRET_2", "AUTH_SECRET_1", "AUTH_SECRET", "NEXTAUTH_SECRET"}

// secretFlags are where secrets come from. Secrets are never flag values:
// the flags name files and environment variables.
type secretFlags struct {
	Files []string
	Envs  []string
}

func (s *secretFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&s.Files, "secret-file", nil, "read the secret from this `file`: the whole file (one trailing newline dropped), or its AUTH_SECRET lines when it is a dotenv file (repeatable)")
	cmd.Flags().StringArrayVar(&s.Envs, "secret-env", nil, "read the secret from this environment `variable` (repeatable)")
}

// fixNoSecret is the hint when no secret is set.
const fixNoSecret = "set AUTH_SECRET to the app's secret, or pass --secret-file FILE or --secret-env NAME (never the secret itself)"

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// loadedSecrets are the secrets in force, in the two orders the runtimes
// prefer them. Both hold the same secrets.
type loadedSecrets struct {
	// v5 is @auth/core's order (SecretsFromEnv), for Auth.js v5 and JWS.
	v5 []authsession.Secret
	// v4 is next-auth v4's order (SecretsFromEnvV4): NEXTAUTH_SECRET first.
	v4 []authsession.Secret
}

// of returns the secrets in the order the tokens of format prefer.
func (l loadedSecrets) of(format authsession.Format) []authsession.Secret {
	if format == authsession.FormatAuthJSv4 {
		return l.v4
	}
	return l.v5
}

// load returns the secrets in force: those of --secret-file and
// --secret-env in that order when given, else AUTH_SECRET and its
// rotations from the environment, as SecretsFromEnv and SecretsFromEnvV4
// order them. The lists may be empty; the caller decides whether it needs
// one.
func (s *secretFlags) load(f *cmdutil.Factory, action string) (loadedSecrets, error) {
	if len(s.Files) == 0 && len(s.Envs) == 0 {
		return loadedSecrets{authsession.SecretsFromEnv(f.Getenv), authsession.SecretsFromEnvV4(f.Getenv)}, nil
	}
	var out loadedSecrets
	for _, path := range s.Files {
		if err := cmdutil.CheckText(action, "--secret-file", path); err != nil {
			return loadedSecrets{}, err
		}
		got, err := readSecretFile(f, path)
		switch {
		case errors.Is(err, errNoSuchFile) && !looksLikePath(path):
			return loadedSecrets{}, cmdutil.Fail(action,
				errors.New("the file named by --secret-file does not exist (its name is not shown, in case it is the secret itself)"),
				"--secret-file takes the path of a file that holds the secret, never the secret: put it in a file (chmod 600) or in AUTH_SECRET")
		case err != nil:
			return loadedSecrets{}, cmdutil.Fail(action, fmt.Errorf("--secret-file %s: %w", cmdutil.Quote(path), err),
				"give a file that holds the secret alone, or a dotenv file with an AUTH_SECRET= line")
		}
		out.v5 = append(out.v5, got.v5...)
		out.v4 = append(out.v4, got.v4...)
	}
	for _, name := range s.Envs {
		if !envNameRE.MatchString(name) {
			return loadedSecrets{}, cmdutil.Usage(action, "pass the name of the variable, such as --secret-env MY_APP_SECRET, never the secret",
				"--secret-env takes an environment variable name (letters, digits, _), and this is not one (not shown, in case it is the secret)")
		}
		v := f.Getenv(name)
		if v == "" {
			return loadedSecrets{}, cmdutil.Fail(action, fmt.Errorf("--secret-env %s: the variable is not set or empty", name), "export "+name+" first")
		}
		sec := authsession.Secret{Source: name, Value: v}
		out.v5 = append(out.v5, sec)
		out.v4 = append(out.v4, sec)
	}
	return out, nil
}

// errNoSuchFile is readSecretFile's error for a path that does not exist.
var errNoSuchFile = errors.New("no such file")

// looksLikePath reports whether a --secret-file value that names no file
// is plainly a path, and so safe to show. A value of 20 characters or
// more without a dot, and without a slash that follows an existing
// directory, may be a secret pasted by mistake (base64 has slashes, hex
// and base64url none): it is not shown.
func looksLikePath(p string) bool {
	if len(p) < 20 || strings.Contains(p, ".") {
		return true
	}
	if !strings.Contains(p, "/") {
		return false
	}
	st, err := os.Stat(filepath.Dir(p))
	return err == nil && st.IsDir() && filepath.Dir(p) != "/"
}

// readSecretFile reads the secrets in a file. A dotenv file (one with an
// AUTH_SECRET, AUTH_SECRET_1..3 or NEXTAUTH_SECRET line) gives those, in
// the orders SecretsFromEnv and SecretsFromEnvV4 give them, each named
// "<path>:<variable>". Any other file is the secret itself, minus
// trailing line breaks.
func readSecretFile(f *cmdutil.Factory, path string) (loadedSecrets, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return loadedSecrets{}, errNoSuchFile
	case err != nil:
		return loadedSecrets{}, err
	case st.IsDir():
		return loadedSecrets{}, errors.New("it is a directory")
	}
	file, err := os.Open(path)
	if err != nil {
		return loadedSecrets{}, err
	}
	defer file.Close()
	data, err := readBounded(file)
	if err != nil {
		return loadedSecrets{}, err
	}
	if st.Mode().IsRegular() && st.Mode().Perm()&0o044 != 0 {
		fmt.Fprintf(f.IO.ErrOut, "authkit: warning: the secret file %s is readable by other users (mode %04o); run chmod 600 %s\n",
			cmdutil.Quote(path), st.Mode().Perm(), cmdutil.Safe(path))
	}
	if !utf8.Valid(data) || strings.ContainsRune(string(data), 0) {
		return loadedSecrets{}, errors.New("it is not UTF-8 text (Auth.js secrets are text)")
	}
	if dotenv.Assigns(data, secretNames...) {
		return dotenvSecrets(path, data)
	}
	value := strings.TrimRight(string(data), "\r\n")
	switch {
	case value == "":
		return loadedSecrets{}, errors.New("it is empty")
	case strings.ContainsAny(value, "\r\n"):
		return loadedSecrets{}, errors.New("it has several lines and no AUTH_SECRET= line")
	}
	one := []authsession.Secret{{Source: path, Value: value}}
	return loadedSecrets{one, one}, nil
}

func dotenvSecrets(path string, data []byte) (loadedSecrets, error) {
	var lookupErr error
	getenv := func(name string) string {
		v, _, err := dotenv.Lookup(data, name)
		if err != nil && lookupErr == nil {
			lookupErr = fmt.Errorf("%s: %w", name, err)
		}
		return v
	}
	out := loadedSecrets{authsession.SecretsFromEnv(getenv), authsession.SecretsFromEnvV4(getenv)}
	if lookupErr != nil {
		return loadedSecrets{}, lookupErr
	}
	if len(out.v5) == 0 {
		return loadedSecrets{}, errors.New("its AUTH_SECRET lines are empty")
	}
	for _, list := range [][]authsession.Secret{out.v5, out.v4} {
		for i := range list {
			list[i].Source = path + ":" + list[i].Source
		}
	}
	return out, nil
}

// describeSources lists the sources of secrets for messages.
func describeSources(secrets []authsession.Secret) string {
	names := make([]string, len(secrets))
	for i, s := range secrets {
		names[i] = cmdutil.Safe(s.Source)
	}
	return strings.Join(names, ", ")
}
