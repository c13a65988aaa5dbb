package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authkit-dev/authkit/pkg/store/sqlstore"
)

// blockingReader is a terminal nobody types into: Read returns only when
// the test ends.
type blockingReader struct{ done chan struct{} }

func newBlockingReader(t *testing.T) *blockingReader {
	r := &blockingReader{done: make(chan struct{})}
	t.Cleanup(func() { close(r.done) })
	return r
}

func (r *blockingReader) Read(p []byte) (int, error) {
	<-r.done
	return 0, errors.New("closed")
}

// TestConfirmCancelled: Ctrl-C (the context ending) while Confirm waits for
// an answer that never comes cancels it at once (exit 130), whether the
// context ended before the prompt or during it.
func TestConfirmCancelled(t *testing.T) {
	for _, whilePrompting := range []bool{false, true} {
		t.Run(map[bool]string{false: "before the prompt", true: "while waiting"}[whilePrompting], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stderr bytes.Buffer
			errOut := writerFunc(func(p []byte) (int, error) {
				if whilePrompting {
					// Ctrl-C as soon as the question is on the screen.
					defer cancel()
				}
				return stderr.Write(p)
			})
			if !whilePrompting {
				cancel()
			}
			f := &Factory{IO: IOStreams{In: newBlockingReader(t), Out: &bytes.Buffer{}, ErrOut: errOut, InTTY: true}}
			done := make(chan error, 1)
			go func() { done <- f.Confirm(ctx, false, `delete user "ada"`, "Delete?") }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Confirm still waits for an answer 5s after the context ended")
			}
			if code := ExitCode(err); code != ExitCancelled {
				t.Errorf("ExitCode = %d, want %d (err %v)", code, ExitCancelled, err)
			}
			if !errors.Is(err, ErrCancelled) {
				t.Errorf("err = %v, want ErrCancelled", err)
			}
			if want := `authkit: cannot delete user "ada": cancelled`; err == nil || err.Error() != want {
				t.Errorf("err = %v, want %q", err, want)
			}
			if whilePrompting && !strings.HasPrefix(stderr.String(), "Delete? [y/N] ") {
				t.Errorf("no prompt before the cancellation: %q", stderr.String())
			}
		})
	}
}

type writerFunc func(p []byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

// TestConfirmAnswers: the answer still decides when the context is live.
func TestConfirmAnswers(t *testing.T) {
	for in, want := range map[string]int{"y\n": ExitOK, "Yes\n": ExitOK, "n\n": ExitCancelled, "": ExitCancelled} {
		var stderr bytes.Buffer
		f := &Factory{IO: IOStreams{In: strings.NewReader(in), Out: &bytes.Buffer{}, ErrOut: &stderr, InTTY: true}}
		err := f.Confirm(context.Background(), false, "x", "Go?")
		if got := ExitCode(err); got != want {
			t.Errorf("answer %q: exit %d, want %d (%v)", in, got, want, err)
		}
		if stderr.String() != "Go? [y/N] " {
			t.Errorf("answer %q: prompt %q", in, stderr.String())
		}
	}
}

// TestUnavailableFix: a database that cannot be opened gets a hint that
// fits its URL: a file for SQLite, a server for Postgres.
func TestUnavailableFix(t *testing.T) {
	for _, tc := range []struct{ url, want, not string }{
		{"sqlite:/nonexistent/dir/authkit.db", `check the SQLite path "/nonexistent/dir/authkit.db"`, "server"},
		{"postgres://ada@127.0.0.1:1/db?connect_timeout=1", "check that the server is up", "SQLite"},
		{"mysql://root@localhost/x", "use postgres://... or sqlite:PATH", "server"},
	} {
		f := &Factory{IO: IOStreams{ErrOut: &bytes.Buffer{}}, DatabaseURL: tc.url}
		st, err := f.OpenStore(context.Background(), sqlstore.Options{Create: true})
		if err == nil {
			st.Close()
			t.Fatalf("%s: opened", tc.url)
		}
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Fix, tc.want) || strings.Contains(ce.Fix, tc.not) {
			t.Errorf("%s: fix %q, want it to say %q and not %q", tc.url, ce.Fix, tc.want, tc.not)
		}
	}
}
