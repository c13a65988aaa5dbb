package flow

import (
	"crypto/sha256"
	"sync"
	"time"
)

// usedStates remembers the states of callbacks already handled for as
// long as their check cookies could live, so that a replayed callback is
// refused before the code goes anywhere, whatever the provider does with
// used codes. It is per engine; several instances behind one balancer
// each keep their own (the sealed, expiring check cookies bound the
// window either way).
type usedStates struct {
	mu   sync.Mutex
	seen map[[32]byte]time.Time
}

// maxUsedStates bounds the memory: past it, expired entries are swept,
// and if none expired the oldest half is dropped.
const maxUsedStates = 100_000

// consume records state as used at now; false when it already was.
func (u *usedStates) consume(state string, now time.Time) bool {
	key := sha256.Sum256([]byte(state))
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seen == nil {
		u.seen = make(map[[32]byte]time.Time)
	}
	if exp, ok := u.seen[key]; ok && now.Before(exp) {
		return false
	}
	if len(u.seen) >= maxUsedStates {
		u.sweep(now)
	}
	u.seen[key] = now.Add(checkMaxAge + time.Minute)
	return true
}

func (u *usedStates) sweep(now time.Time) {
	for k, exp := range u.seen {
		if !now.Before(exp) {
			delete(u.seen, k)
		}
	}
	if len(u.seen) < maxUsedStates {
		return
	}
	var cut time.Time
	for _, exp := range u.seen {
		if cut.IsZero() || exp.Before(cut) {
			cut = exp
		}
	}
	cut = cut.Add(checkMaxAge / 2)
	for k, exp := range u.seen {
		if exp.Before(cut) {
			delete(u.seen, k)
		}
	}
}
