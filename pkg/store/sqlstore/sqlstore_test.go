package sqlstore

import (
	"testing"

	"github.com/authkit-dev/authkit/pkg/store"
	"github.com/authkit-dev/authkit/pkg/store/storetest"
)

// TestConformance runs the store conformance suite on every schema profile:
// SQLite always, Postgres through AUTHKIT_TEST_POSTGRES_URL.
func TestConformance(t *testing.T) {
	forEachProfile(t, func(t *testing.T, pc profileCase) {
		storetest.Run(t, func(t *testing.T) store.Store { return openProfile(t, pc.profile, pc.engine) }, pc.caps)
	})
}
