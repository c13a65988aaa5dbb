package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeArg encodes t for a time column of this store.
func (s *Store) timeArg(t time.Time) any {
	t = t.UTC()
	if s.engine == EnginePostgres {
		return t
	}
	if s.prof.SQLiteTime == timeText {
		return t.Format(isoMillis)
	}
	return t.UnixMilli()
}

// isoMillis is how text times are written: fixed width, so that they
// compare as text in time order, and the form JavaScript's toISOString
// (Prisma 7) writes.
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

// timeExpr is the SQL expression for comparing and ordering the time
// column col (already qualified and quoted): the column itself, or on
// SQLite databases that may mix encodings its value in epoch milliseconds.
// Compare it with timeCmpArg.
func (s *Store) timeExpr(col string) string {
	if s.engine != EngineSQLite || !s.prof.SQLiteTimeFromData {
		return col
	}
	return fmt.Sprintf("(CASE WHEN typeof(%[1]s) IN ('integer', 'real') THEN %[1]s ELSE CAST(round(unixepoch(%[1]s, 'subsec') * 1000) AS INTEGER) END)", col)
}

// timeCmpArg is t as the right-hand side of a comparison with timeExpr.
func (s *Store) timeCmpArg(t time.Time) any {
	if s.engine != EngineSQLite || !s.prof.SQLiteTimeFromData {
		return s.timeArg(t)
	}
	return t.UTC().UnixMilli()
}

// detectSQLiteTime reads how the database keeps times from the newest row
// that has one, for profiles whose encoding depends on the writer.
func (s *Store) detectSQLiteTime(ctx context.Context) error {
	if s.engine != EngineSQLite || !s.prof.SQLiteTimeFromData {
		return nil
	}
	cols := [][2]string{{s.prof.Sessions.Table, s.prof.Sessions.Expires}, {s.prof.Users.Table, s.prof.Users.UpdatedAt},
		{s.prof.Tokens.Table, s.prof.Tokens.Expires}, {s.prof.Users.Table, s.prof.Users.EmailVerified}, {s.prof.Accounts.Table, s.prof.Accounts.UpdatedAt}}
	for _, c := range cols {
		if c[0] == "" || c[1] == "" {
			continue
		}
		var kind string
		err := s.q().QueryRowContext(ctx, fmt.Sprintf("SELECT typeof(%[2]s) FROM %[1]s WHERE %[2]s IS NOT NULL ORDER BY rowid DESC LIMIT 1",
			quote(c[0]), quote(c[1]))).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return mapError(err)
		}
		switch kind {
		case "integer", "real":
			s.prof.SQLiteTime = timeEpochMillis
		case "text":
			s.prof.SQLiteTime = timeText
		}
		return nil
	}
	return nil
}

func (s *Store) optTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.timeArg(*t)
}

var textTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// decodeTime reads a time column whatever way it was written: a driver
// time, epoch milliseconds (Drizzle, Prisma and authkit on SQLite) or text.
func decodeTime(v any) (*time.Time, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t := x.UTC()
		return &t, nil
	case int64:
		t := time.UnixMilli(x).UTC()
		return &t, nil
	case float64:
		t := time.UnixMilli(int64(x)).UTC()
		return &t, nil
	case []byte:
		return decodeTime(string(x))
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return decodeTime(n)
		}
		for _, layout := range textTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				t = t.UTC()
				return &t, nil
			}
		}
		return nil, fmt.Errorf("cannot read %q as a time", x)
	}
	return nil, fmt.Errorf("cannot read a %T as a time", v)
}

func mustTime(v any) (time.Time, error) {
	t, err := decodeTime(v)
	if err != nil {
		return time.Time{}, err
	}
	if t == nil {
		return time.Time{}, nil
	}
	return *t, nil
}
