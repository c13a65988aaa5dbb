package devidp

// TB is the part of testing.TB that StartTest uses (so that the package
// does not import testing).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// StartTest starts a provider configured by opts on a free port of
// 127.0.0.1 and stops it when the test ends.
func StartTest(t TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("devidp: %v", err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("devidp: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}
