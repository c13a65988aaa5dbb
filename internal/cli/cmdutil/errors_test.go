package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitError},
		{Fail("show user", &store.NotFoundError{What: `user "x"`}, ""), ExitNotFound},
		{Fail("merge users", fmt.Errorf("%w: into itself", store.ErrInvalid), ""), ExitUsage},
		{Fail("link account", &store.ConflictError{What: "account github/1", OwnerID: "u1"}, ""), ExitError},
		{UsageError("list users", "bad limit"), ExitUsage},
		{&Error{Action: "x", Err: store.ErrNotFound, Code: ExitCredential}, ExitCredential},
		{Fail("delete user", context.Canceled, ""), ExitCancelled},
		{Fail("delete user", ErrCancelled, ""), ExitCancelled},
		{OutputError(errors.New("write /dev/stdout: no space left on device")), ExitError},
		{FailStore("list users", fmt.Errorf("%w: disk I/O", store.ErrStorageFull), "check the database"), ExitError},
		{FailStore("show user", &store.NotFoundError{What: `user "x"`}, ""), ExitNotFound},
		{Usage("list users", "pass --limit 1", "bad limit"), ExitUsage},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestErrorStyle(t *testing.T) {
	err := Fail(`delete user "ada"`, &store.NotFoundError{What: `user "ada"`}, "check the id with `authkit users list`")
	want := "authkit: cannot delete user \"ada\": user \"ada\" not found\n  check the id with `authkit users list`"
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err.Error(), want)
	}
	if !errors.Is(err, store.ErrNotFound) {
		t.Error("the cause is not reachable through errors.Is")
	}
}

func TestFailStoreHints(t *testing.T) {
	err := FailStore("create user", fmt.Errorf("%w: disk full", store.ErrStorageFull), "generic hint")
	if ce := err.(*Error); ce.Fix != StoreFix(store.ErrStorageFull) {
		t.Errorf("fix %q, want the store's hint", ce.Fix)
	}
	err = FailStore("show user", &store.NotFoundError{What: "user"}, "check the id")
	if ce := err.(*Error); ce.Fix != "check the id" {
		t.Errorf("fix %q, want the caller's hint", ce.Fix)
	}
	inner := Usage("x", "y", "z")
	if got := FailStore("a", fmt.Errorf("wrapped: %w", inner), "b"); got != inner {
		t.Errorf("an *Error is not passed through: %v", got)
	}
}

func TestOutputError(t *testing.T) {
	if OutputError(nil) != nil {
		t.Error("OutputError(nil) != nil")
	}
	want := "authkit: cannot write output: write /dev/stdout: no space left on device\n  check the file or pipe that standard output goes to"
	if got := OutputError(errors.New("write /dev/stdout: no space left on device")).Error(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestErrWriter(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	w := &ErrWriter{W: writerFunc(func(p []byte) (int, error) {
		calls++
		if calls == 2 {
			return 0, boom
		}
		return len(p), nil
	})}
	for range 4 {
		fmt.Fprint(w, "x")
	}
	if w.Err != boom || calls != 2 {
		t.Errorf("Err %v after %d writes; want boom after 2", w.Err, calls)
	}
}

func TestCheckText(t *testing.T) {
	for in, ok := range map[string]bool{"ada": true, "": true, "x' OR '1'='1": true, "\x1b[2J": true, "\xff": false, "a\x00b": false} {
		err := CheckText("list sessions", "--user", in)
		if (err == nil) != ok {
			t.Errorf("CheckText(%q) = %v, want ok %v", in, err, ok)
		}
		if err != nil && (ExitCode(err) != ExitUsage || strings.Contains(err.Error(), "\xff") || strings.Contains(err.Error(), "\x00")) {
			t.Errorf("CheckText(%q) = %q (exit %d): want a usage error that escapes the value", in, err, ExitCode(err))
		}
	}
}
