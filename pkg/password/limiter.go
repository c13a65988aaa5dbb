package password

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The memory budget (security catalogue §2h, item 131).
//
// One argon2id computation with the Current parameters allocates 19 MiB
// for its whole run. Without a bound, N parallel sign-ins hold N × 19 MiB:
// 200 at once is almost 4 GiB, and a burst of requests ends the process
// with an out-of-memory kill. A Limiter is a weighted semaphore over that
// memory: a computation takes max(its memory, Current.Memory) of the budget
// before it starts and gives it back when it ends, so at most
// budget / 19 MiB computations run at once (13 with DefaultMemoryBudget),
// and a stored hash with more memory (up to MaxMemory) takes more of the
// budget. bcrypt needs only 4 KiB but costs CPU; it takes the weight of a
// current argon2id computation, so the count bound holds for any mix.
//
// Callers beyond the budget wait in arrival order (FIFO), at most the
// limiter's wait bound and only while their context lives. When either
// ends first they get ErrBusy, and no hashing has run: the answer to give
// is 503 Service Unavailable with a Retry-After header. It is never a
// credentials failure. The wait bound keeps the latency of a refused
// sign-in bounded. Waiting goroutines hold no argon2 memory.
const (
	// DefaultMemoryBudget is the argon2 memory the default limiter lets
	// run at once: 256 MiB, 13 computations with the Current parameters.
	// It is also MaxMemory, so the costliest hash Verify accepts still fits.
	DefaultMemoryBudget int64 = 256 << 20
	// DefaultMaxWait is how long a caller waits for the budget before
	// ErrBusy, when NewLimiter is given 0.
	DefaultMaxWait = 2 * time.Second
)

// ErrBusy is returned (possibly wrapped, with the context's cause) by the
// limited operations (Limiter.Hash, Limiter.Verify, Limiter.VerifyDummy,
// HashContext, VerifyContext, VerifyDummyContext, and Hash and Verify)
// when the computation could not start within the limiter's wait bound,
// or the caller's context ended first. No hashing has run. Match it with
// errors.Is and answer 503 Service Unavailable with Retry-After.
var ErrBusy = errors.New("too many passwords are being checked at once; try again shortly")

// Limiter bounds the memory of the argon2id (and bcrypt) computations
// that run at once. It is safe for concurrent use; one limiter should
// serve the whole process, since the memory is the process's. A nil
// *Limiter is Default().
type Limiter struct {
	budgetKiB int64 // 0: no budget
	maxWait   time.Duration
	sem       *weighted // nil: no budget

	running   atomic.Int64
	peak      atomic.Int64
	completed atomic.Uint64
	busy      atomic.Uint64
}

// NewLimiter returns a limiter of budget bytes of argon2 memory at once.
// Zero means DefaultMemoryBudget; a budget smaller than one current
// computation lets one run at a time; a negative budget means no bound at
// all (every computation starts at once, for benchmarks or callers that
// bound concurrency elsewhere). maxWait bounds the wait for the budget:
// zero means DefaultMaxWait, negative means only the caller's context.
func NewLimiter(budget int64, maxWait time.Duration) *Limiter {
	if maxWait == 0 {
		maxWait = DefaultMaxWait
	}
	l := &Limiter{maxWait: maxWait}
	if budget < 0 {
		return l
	}
	if budget == 0 {
		budget = DefaultMemoryBudget
	}
	l.budgetKiB = max(budget>>10, int64(Current.Memory))
	l.sem = newWeighted(l.budgetKiB)
	return l
}

var defaultLimiter atomic.Pointer[Limiter]

func init() { defaultLimiter.Store(NewLimiter(DefaultMemoryBudget, DefaultMaxWait)) }

// Default returns the process's limiter: the one the package-level
// functions (Hash, Verify, VerifyDummy and their Context forms) use, and
// the one pkg/flow's password sign-in uses. It starts as
// NewLimiter(DefaultMemoryBudget, DefaultMaxWait).
func Default() *Limiter { return defaultLimiter.Load() }

// SetDefault replaces the process's limiter (nil restores a fresh
// default one) and returns the previous one. Computations already
// holding the old limiter's budget finish against it.
func SetDefault(l *Limiter) (previous *Limiter) {
	if l == nil {
		l = NewLimiter(DefaultMemoryBudget, DefaultMaxWait)
	}
	return defaultLimiter.Swap(l)
}

func (l *Limiter) get() *Limiter {
	if l == nil {
		return Default()
	}
	return l
}

// Slots is how many computations with the Current parameters the budget
// lets run at once; 0 when there is no budget.
func (l *Limiter) Slots() int {
	l = l.get()
	if l.sem == nil {
		return 0
	}
	return int(l.budgetKiB / int64(Current.Memory))
}

// Stats is a snapshot of a limiter's counters, for metrics and tests.
type Stats struct {
	// Budget is the memory budget in bytes; -1 when there is none.
	Budget int64
	// InUse is the budget held now, in bytes.
	InUse int64
	// Running is how many computations run now; Peak the most that ran at
	// once since the limiter was made (or ResetPeak).
	Running, Peak int
	// Waiting is how many callers wait for the budget now.
	Waiting int
	// Completed counts the computations run (argon2id or bcrypt); Busy
	// the calls refused with ErrBusy.
	Completed, Busy uint64
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() Stats {
	l = l.get()
	s := Stats{Budget: -1, Running: int(l.running.Load()), Peak: int(l.peak.Load()),
		Completed: l.completed.Load(), Busy: l.busy.Load()}
	if l.sem != nil {
		s.Budget = l.budgetKiB << 10
		inUse, waiting := l.sem.state()
		s.InUse, s.Waiting = inUse<<10, waiting
	}
	return s
}

// ResetPeak sets Peak to the number of computations running now.
func (l *Limiter) ResetPeak() {
	l = l.get()
	l.peak.Store(l.running.Load())
}

// run runs work under a weight of memKiB (at least one current
// computation, at most the whole budget), or returns ErrBusy without
// running it.
func (l *Limiter) run(ctx context.Context, memKiB uint32, work func()) error {
	w := max(int64(memKiB), int64(Current.Memory))
	if l.sem != nil {
		w = min(w, l.budgetKiB)
		if err := l.sem.acquire(ctx, w, l.maxWait); err != nil {
			l.busy.Add(1)
			return err
		}
		defer l.sem.release(w)
	} else if err := ctx.Err(); err != nil {
		l.busy.Add(1)
		return fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
	n := l.running.Add(1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer func() {
		l.running.Add(-1)
		l.completed.Add(1)
	}()
	work()
	return nil
}

// weighted is a FIFO weighted semaphore (the shape of
// golang.org/x/sync/semaphore) with a bounded wait and a view of its
// state.
type weighted struct {
	mu      sync.Mutex
	size    int64
	cur     int64
	waiters list.List // of *waiter
}

type waiter struct {
	n     int64
	ready chan struct{} // closed when the weight is granted
}

func newWeighted(n int64) *weighted { return &weighted{size: n} }

func (s *weighted) state() (inUse int64, waiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.waiters.Len()
}

// acquire takes n (≤ size), waiting at most maxWait (if positive) and
// while ctx lives; on failure it returns an error wrapping ErrBusy and
// holds nothing.
func (s *weighted) acquire(ctx context.Context, n int64, maxWait time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
	s.mu.Lock()
	if s.size-s.cur >= n && s.waiters.Len() == 0 {
		s.cur += n
		s.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	elem := s.waiters.PushBack(w)
	s.mu.Unlock()

	var timeout <-chan time.Time
	if maxWait > 0 {
		t := time.NewTimer(maxWait)
		defer t.Stop()
		timeout = t.C
	}
	var err error
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		err = fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	case <-timeout:
		err = fmt.Errorf("%w (waited %s)", ErrBusy, maxWait)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-w.ready:
		// Granted while giving up: hand the weight on.
		s.cur -= n
		s.notify()
	default:
		front := s.waiters.Front() == elem
		s.waiters.Remove(elem)
		// A smaller waiter behind a big one may fit now.
		if front && s.size > s.cur {
			s.notify()
		}
	}
	return err
}

func (s *weighted) release(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur -= n
	if s.cur < 0 {
		panic("password: limiter released more than it held")
	}
	s.notify()
}

// notify grants waiters in order while the front one fits.
func (s *weighted) notify() {
	for {
		next := s.waiters.Front()
		if next == nil {
			return
		}
		w := next.Value.(*waiter)
		if s.size-s.cur < w.n {
			return
		}
		s.cur += w.n
		s.waiters.Remove(next)
		close(w.ready)
	}
}
