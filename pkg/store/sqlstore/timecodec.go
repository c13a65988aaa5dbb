package sqlstore

import (
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
		return t.Format(time.RFC3339Nano)
	}
	return t.UnixMilli()
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
