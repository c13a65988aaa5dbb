package password

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// cheap is a valid argon2id hash that costs next to nothing, so that the
// tests below control how long a computation holds the budget (through
// onDerive) instead of waiting for real argon2 work.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// slots returns a budget of n current computations, in bytes.
func slots(n int) int64 { return int64(n) * int64(Current.Memory) << 10 }

// hold makes every argon2id computation block until the returned release
// is called (or 10 s pass, so that a broken limiter fails the test instead
// of hanging it), and reports each start on the channel.
func hold(t *testing.T) (started <-chan Params, release func()) {
	t.Helper()
	ch := make(chan Params, 128)
	gate := make(chan struct{})
	onDerive = func(p Params) {
		ch <- p
		select {
		case <-gate:
		case <-time.After(10 * time.Second):
		}
	}
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(func() {
		release()
		onDerive = nil
	})
	return ch, release
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Catalogue 131: 64 parallel verifications under a budget of 4 current
// computations never run more than 4 argon2id computations at once, by the
// limiter's count and by the package's own count around argon2.IDKey.
func TestLimiterBoundsConcurrency(t *testing.T) {
	const parallel, budget = 64, 4
	l := NewLimiter(slots(budget), -1)
	if l.Slots() != budget {
		t.Fatalf("Slots() = %d, want %d", l.Slots(), budget)
	}
	h := mk(t, "a password", cheap)
	onDerive = func(Params) { time.Sleep(3 * time.Millisecond) } // hold the budget a while
	defer func() { onDerive = nil }()
	derivePeak.Store(0)

	var wg sync.WaitGroup
	var failed atomic.Int64
	start := make(chan struct{})
	for range parallel {
		wg.Go(func() {
			<-start
			if ok, _, err := l.Verify(context.Background(), "a password", h); !ok || err != nil {
				failed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()

	s := l.Stats()
	if failed.Load() != 0 {
		t.Fatalf("%d verifications failed", failed.Load())
	}
	if s.Peak != budget {
		t.Errorf("peak of the limiter %d computations at once, want exactly %d (the budget, reached)", s.Peak, budget)
	}
	if p := derivePeak.Load(); p > budget || p < 2 {
		t.Errorf("peak of argon2.IDKey calls at once %d, want 2 to %d", p, budget)
	}
	if s.Completed != parallel || s.Busy != 0 || s.Running != 0 || s.Waiting != 0 || s.InUse != 0 {
		t.Errorf("stats after the run %+v: want %d completed, nothing busy, running, waiting or held", s, parallel)
	}
	if s.Budget != slots(budget) {
		t.Errorf("Budget %d, want %d", s.Budget, slots(budget))
	}

	// Without a budget the same run has them all at once: the bound above
	// is the limiter's doing.
	free := NewLimiter(-1, 0)
	if free.Slots() != 0 || free.Stats().Budget != -1 {
		t.Fatalf("an unbounded limiter reports %d slots, %+v", free.Slots(), free.Stats())
	}
	started, release := hold(t)
	for range 16 {
		wg.Go(func() { free.Verify(context.Background(), "a password", h) })
	}
	for range 16 {
		<-started
	}
	if s := free.Stats(); s.Running != 16 {
		t.Errorf("no budget: %d running, want all 16", s.Running)
	}
	release()
	wg.Wait()
}

// A context that has ended gets ErrBusy (which also matches the context's
// error) from every operation, and no hashing runs.
func TestLimiterCancelledContext(t *testing.T) {
	h := mk(t, "a password", cheap)
	var derived atomic.Int64
	onDerive = func(Params) { derived.Add(1) }
	defer func() { onDerive = nil }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, l := range map[string]*Limiter{"budget": NewLimiter(slots(2), 0), "no budget": NewLimiter(-1, 0)} {
		t.Run(name, func(t *testing.T) {
			_, err1 := l.Hash(ctx, "a password")
			_, _, err2 := l.Verify(ctx, "a password", h)
			err3 := l.VerifyDummy(ctx, "a password")
			for i, err := range []error{err1, err2, err3} {
				if !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
					t.Errorf("operation %d: %v, want ErrBusy wrapping context.Canceled", i, err)
				}
			}
			if s := l.Stats(); s.Busy != 3 || s.Completed != 0 {
				t.Errorf("stats %+v, want 3 busy and nothing completed", s)
			}
		})
	}
	// The package-level functions go through Default().
	defer SetDefault(SetDefault(NewLimiter(slots(1), 0)))
	if _, err := HashContext(ctx, "a password"); !errors.Is(err, ErrBusy) {
		t.Errorf("HashContext: %v", err)
	}
	if _, _, err := VerifyContext(ctx, "a password", h); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyContext: %v", err)
	}
	if err := VerifyDummyContext(ctx, "a password"); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyDummyContext: %v", err)
	}
	if Default().Stats().Busy != 3 {
		t.Errorf("the default limiter counted %d busy calls, want 3", Default().Stats().Busy)
	}
	if derived.Load() != 0 {
		t.Fatalf("%d argon2 computations with an ended context, want none", derived.Load())
	}
}

// A caller that finds the budget taken waits at most the wait bound, or
// until its context ends, then gets ErrBusy having hashed nothing and
// holding nothing; the holder finishes unharmed.
func TestLimiterWaitBound(t *testing.T) {
	l := NewLimiter(slots(1), 20*time.Millisecond)
	h := mk(t, "a password", cheap)
	started, release := hold(t)
	holder := make(chan error, 1)
	go func() {
		ok, _, err := l.Verify(context.Background(), "a password", h)
		if err == nil && !ok {
			err = errors.New("no match")
		}
		holder <- err
	}()
	<-started

	begun := time.Now()
	_, _, err := l.Verify(context.Background(), "a password", h)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with the budget taken: %v, want ErrBusy", err)
	}
	if waited := time.Since(begun); waited < 20*time.Millisecond {
		t.Errorf("gave up after %s, before the 20ms bound", waited)
	}
	if s := l.Stats(); s.Waiting != 0 || s.Running != 1 || s.InUse != slots(1) || s.Busy != 1 {
		t.Errorf("stats after the timeout %+v: want one running holding the budget, no waiter, one busy", s)
	}

	// The context ends first (the wait bound is long).
	patient := NewLimiter(slots(1), time.Hour)
	go patient.VerifyDummy(context.Background(), "x") // takes the budget
	<-started
	ctx, cancel := context.WithCancelCause(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- patient.VerifyDummy(ctx, "a password") }()
	waitFor(t, "the second caller waits", func() bool { return patient.Stats().Waiting == 1 })
	gone := errors.New("the client went away")
	cancel(gone)
	if err := <-errc; !errors.Is(err, ErrBusy) || !errors.Is(err, gone) {
		t.Fatalf("VerifyDummy with its context cancelled while waiting: %v, want ErrBusy wrapping the cause", err)
	}
	if s := patient.Stats(); s.Waiting != 0 || s.Busy != 1 {
		t.Errorf("stats %+v: want no waiter and one busy", s)
	}

	release()
	if err := <-holder; err != nil {
		t.Fatalf("the holder: %v", err)
	}
	waitFor(t, "the budgets are free", func() bool { return l.Stats().InUse == 0 && patient.Stats().InUse == 0 })
	if ok, _, err := l.Verify(context.Background(), "a password", h); !ok || err != nil {
		t.Fatalf("Verify once the budget is free: %v, %v", ok, err)
	}
}

// A stored hash with more memory takes more of the budget; one bigger
// than the whole budget runs alone instead of never; waiters are served in
// order, so a big one is not starved by small ones behind it.
func TestLimiterWeights(t *testing.T) {
	big := mk(t, "a password", Params{Memory: 2 * Current.Memory, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	small := mk(t, "a password", cheap)
	l := NewLimiter(slots(2), -1)
	started, release := hold(t)

	done := make(chan string, 3)
	verify := func(name, h string) {
		if ok, _, err := l.Verify(context.Background(), "a password", h); !ok || err != nil {
			t.Errorf("%s: %v, %v", name, ok, err)
		}
		done <- name
	}
	go verify("first small", small)
	<-started
	go verify("big", big)
	waitFor(t, "the big one waits", func() bool { return l.Stats().Waiting == 1 })
	go verify("second small", small)
	waitFor(t, "the second small one waits behind it", func() bool { return l.Stats().Waiting == 2 })
	if s := l.Stats(); s.InUse != slots(1) || s.Running != 1 {
		t.Fatalf("stats %+v: want one slot in use, one running", s)
	}
	release()
	got := []string{<-done, <-done, <-done}
	if got[0] != "first small" || got[1] != "big" {
		t.Errorf("finished in the order %q, want the first small one, then the big one", got)
	}

	// Bigger than the budget: it runs (alone).
	onDerive = nil
	tight := NewLimiter(slots(1), time.Second)
	if ok, _, err := tight.Verify(context.Background(), "a password", big); !ok || err != nil {
		t.Fatalf("a hash bigger than the budget: %v, %v", ok, err)
	}
	// A budget below one computation still lets one run.
	if n := NewLimiter(1024, 0).Slots(); n != 1 {
		t.Fatalf("a 1 KiB budget has %d slots, want 1", n)
	}
}

// The default limiter: 256 MiB, 13 current computations, used by the
// package-level functions and by a nil *Limiter; SetDefault swaps it.
func TestDefaultLimiter(t *testing.T) {
	if n := Default().Slots(); n != int(DefaultMemoryBudget>>10)/int(Current.Memory) || n != 13 {
		t.Fatalf("the default limiter has %d slots, want 13", n)
	}
	mine := NewLimiter(slots(3), 0)
	prev := SetDefault(mine)
	defer SetDefault(prev)
	if Default() != mine {
		t.Fatal("SetDefault did not take")
	}
	h, err := Hash("a password")
	if err != nil {
		t.Fatal(err)
	}
	Verify("a password", h)
	VerifyDummy("a password")
	var nilLimiter *Limiter
	nilLimiter.VerifyDummy(context.Background(), "a password")
	if s := mine.Stats(); s.Completed != 4 {
		t.Fatalf("the default limiter ran %d computations, want 4 (Hash, Verify, VerifyDummy, nil.VerifyDummy)", s.Completed)
	}
	if nilLimiter.Slots() != 3 {
		t.Fatalf("a nil limiter is not Default()")
	}
	if SetDefault(nil) != mine || Default().Slots() != 13 {
		t.Fatal("SetDefault(nil) does not restore a default limiter")
	}
}

// Bcrypt verifications go through the budget too (one slot each), and a
// password over 72 bytes is refused before any bcrypt work.
func TestLimiterBcrypt(t *testing.T) {
	l := NewLimiter(slots(1), 0)
	b, err := bcrypt.GenerateFromPassword([]byte("another password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h := string(b)
	if ok, _, err := l.Verify(context.Background(), "whatever1", h); ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if s := l.Stats(); s.Completed != 1 || s.Peak != 1 {
		t.Fatalf("stats %+v, want one bcrypt computation under the limiter", s)
	}
	long := make([]byte, 73)
	for i := range long {
		long[i] = 'a'
	}
	if ok, _, err := l.Verify(context.Background(), string(long), h); ok || err != nil {
		t.Fatalf("Verify(73 bytes) = %v, %v", ok, err)
	}
	if s := l.Stats(); s.Completed != 1 {
		t.Fatalf("a 73-byte password against bcrypt ran a computation (%+v)", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := l.Verify(ctx, "whatever1", h); !errors.Is(err, ErrBusy) {
		t.Fatalf("bcrypt with an ended context: %v", err)
	}
}

// Catalogue 134: no error of the package shows the password, whatever
// the path (too long, invalid UTF-8, malformed hash, busy, wrong).
func TestErrorsNeverShowThePassword(t *testing.T) {
	const canary = "canary-pw-5f2e91"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := NewLimiter(slots(1), 0)
	var errs []error
	_, err := l.Hash(context.Background(), canary+string(make([]byte, MaxLength)))
	errs = append(errs, err)
	_, err = l.Hash(context.Background(), canary+"\xff")
	errs = append(errs, err)
	_, err = l.Hash(ctx, canary)
	errs = append(errs, err)
	_, _, err = l.Verify(context.Background(), canary, "$argon2id$v=19$m=64,t=1,p=1$"+canary+"$"+canary)
	errs = append(errs, err)
	_, _, err = l.Verify(context.Background(), canary, canary)
	errs = append(errs, err)
	_, _, err = l.Verify(ctx, canary, mk(t, "other", cheap))
	errs = append(errs, err)
	errs = append(errs, l.VerifyDummy(ctx, canary), Check(canary[:4]))
	for i, err := range errs {
		if err == nil {
			t.Fatalf("path %d: no error", i)
		}
		if msg := err.Error(); strings.Contains(msg, canary) || strings.Contains(msg, canary[:8]) {
			t.Errorf("path %d: the error %q shows the password", i, msg)
		}
	}
}

// BenchmarkVerifyParallel runs verifications from 50 goroutines per CPU
// (b.SetParallelism(50)) under the default budget (256 MiB: 13 at once)
// waiting without a bound, under the default budget with the default 2 s
// wait bound (the refused calls are what would get a 503), and with no
// budget. It reports the most argon2id computations that ran at once
// (peak-hashes), the highest HeapInuse sampled every 2 ms during the run
// (heap-MiB), and the calls refused with ErrBusy (busy). With the budget,
// peak-hashes stays at 13 and the heap at a few hundred MiB whatever the
// parallelism; without it both grow with the number of goroutines. Use a
// -benchtime of at least 50 × GOMAXPROCS iterations (such as 400x) so
// that every goroutine has work.
func BenchmarkVerifyParallel(b *testing.B) {
	h, err := Hash("benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		l    *Limiter
	}{
		{"budget=256MiB", NewLimiter(DefaultMemoryBudget, -1)},
		{"budget=256MiB,wait=2s", NewLimiter(DefaultMemoryBudget, DefaultMaxWait)},
		{"budget=off", NewLimiter(-1, 0)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			baseline := ms.HeapInuse
			var heapPeak atomic.Uint64
			heapPeak.Store(baseline)
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				tick := time.NewTicker(2 * time.Millisecond)
				defer tick.Stop()
				var ms runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > heapPeak.Load() {
						heapPeak.Store(ms.HeapInuse)
					}
				}
			}()
			tc.l.ResetPeak()
			before := tc.l.Stats()
			b.SetParallelism(50)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					ok, _, err := tc.l.Verify(ctx, "benchmark password", h)
					if err == nil && !ok || err != nil && !errors.Is(err, ErrBusy) {
						b.Error("no match", err)
					}
				}
			})
			b.StopTimer()
			close(stop)
			<-sampled
			s := tc.l.Stats()
			b.ReportMetric(float64(s.Peak), "peak-hashes")
			b.ReportMetric(float64(heapPeak.Load())/(1<<20), "heap-MiB")
			b.ReportMetric(float64(s.Busy-before.Busy), "busy")
		})
	}
}
