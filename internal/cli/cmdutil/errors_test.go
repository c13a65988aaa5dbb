package cmdutil

import (
	"context"
	"errors"
	"fmt"
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
