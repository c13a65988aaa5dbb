package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// load returns the secrets in force: those of --secret-file and
// --secret-env in that order when given, else AUTH_SECRET and its
// rotations from the environment, as SecretsFromEnv orders them. The list
// may be empty; the caller decides whether it needs one.
func (s *secretFlags) load(f *cmdutil.Factory, action string) ([]authsession.Secret, error) {
	if len(s.Files) == 0 && len(s.Envs) == 0 {
		return authsession.SecretsFromEnv(f.Getenv), nil
	}
	var out []authsession.Secret
	for _, path := range s.Files {
		if err := cmdutil.CheckText(action, "--secret-file", path); err != nil {
			return nil, err
		}
		got, err := readSecretFile(f, path)
		if err != nil {
			return nil, cmdutil.Fail(action, fmt.Errorf("--secret-file %s: %w", cmdutil.Quote(path), err),
				"give a file that holds the secret alone, or a dotenv file with an AUTH_SECRET= line")
		}
		out = append(out, got...)
	}
	for _, name := range s.Envs {
		if !envNameRE.MatchString(name) {
			return nil, cmdutil.Usage(action, "pass the name of the variable, such as --secret-env MY_APP_SECRET, never the secret",
				"--secret-env takes an environment variable name (letters, digits, _), and this is not one (not shown, in case it is the secret)")
		}
		v := f.Getenv(name)
		if v == "" {
			return nil, cmdutil.Fail(action, fmt.Errorf("--secret-env %s: the variable is not set or empty", name), "export "+name+" first")
		}
		out = append(out, authsession.Secret{Source: name, Value: v})
	}
	return out, nil
}

// readSecretFile reads the secrets in a file. A dotenv file (one with an
// AUTH_SECRET, AUTH_SECRET_1..3 or NEXTAUTH_SECRET line) gives those, in
// the order SecretsFromEnv gives them, each named "<path>:<variable>".
// Any other file is the secret itself, minus trailing line breaks.
func readSecretFile(f *cmdutil.Factory, path string) ([]authsession.Secret, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errors.New("no such file")
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, errors.New("it is a directory")
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := readBounded(file)
	if err != nil {
		return nil, err
	}
	if st.Mode().IsRegular() && st.Mode().Perm()&0o044 != 0 {
		fmt.Fprintf(f.IO.ErrOut, "authkit: warning: the secret file %s is readable by other users (mode %04o); run chmod 600 %s\n",
			cmdutil.Quote(path), st.Mode().Perm(), cmdutil.Safe(path))
	}
	if !utf8.Valid(data) || strings.ContainsRune(string(data), 0) {
		return nil, errors.New("it is not UTF-8 text (Auth.js secrets are text)")
	}
	if dotenv.Assigns(data, secretNames...) {
		return dotenvSecrets(path, data)
	}
	value := strings.TrimRight(string(data), "\r\n")
	switch {
	case value == "":
		return nil, errors.New("it is empty")
	case strings.ContainsAny(value, "\r\n"):
		return nil, errors.New("it has several lines and no AUTH_SECRET= line")
	}
	return []authsession.Secret{{Source: path, Value: value}}, nil
}

func dotenvSecrets(path string, data []byte) ([]authsession.Secret, error) {
	var lookupErr error
	secrets := authsession.SecretsFromEnv(func(name string) string {
		v, _, err := dotenv.Lookup(data, name)
		if err != nil && lookupErr == nil {
			lookupErr = fmt.Errorf("%s: %w", name, err)
		}
		return v
	})
	if lookupErr != nil {
		return nil, lookupErr
	}
	if len(secrets) == 0 {
		return nil, errors.New("its AUTH_SECRET lines are empty")
	}
	for i := range secrets {
		secrets[i].Source = path + ":" + secrets[i].Source
	}
	return secrets, nil
}

// describeSources lists the sources of secrets for messages.
func describeSources(secrets []authsession.Secret) string {
	names := make([]string, len(secrets))
	for i, s := range secrets {
		names[i] = cmdutil.Safe(s.Source)
	}
	return strings.Join(names, ", ")
}
