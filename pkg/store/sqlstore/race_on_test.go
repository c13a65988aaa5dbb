//go:build race

package sqlstore

// raceEnabled is true under the race detector, which slows SQLite (pure Go
// C) down several times; load tests scale down with it.
const raceEnabled = true
