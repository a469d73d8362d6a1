package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// bulkExec runs one multi-row INSERT per batch with bound parameters,
// bypassing bun's query builder. The sync hot path (issues, transitions,
// raw payloads) writes hundreds of rows and megabytes of payload per page:
// interpolating them into SQL text, escaping every byte and having the
// database parse it all back cost more than the insert itself.
// suffix follows the VALUES list (an ON CONFLICT clause, or "").
func bulkExec(ctx context.Context, s *Store, tx *sql.Tx, table string, cols []string, rows [][]any, suffix string) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	per := max(1, min(batchSize, 30000/len(cols))) // stay under every driver's parameter limit
	var affected int64
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var sb strings.Builder
		sb.Grow(64 + len(chunk)*len(cols)*6)
		sb.WriteString("INSERT INTO ")
		sb.WriteString(table)
		sb.WriteString(" (")
		sb.WriteString(strings.Join(cols, ", "))
		sb.WriteString(") VALUES ")
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for j := range cols {
				if j > 0 {
					sb.WriteByte(',')
				}
				if s.cfg.Dialect == Postgres {
					sb.WriteByte('$')
					sb.WriteString(strconv.Itoa(len(args) + j + 1))
				} else {
					sb.WriteByte('?')
				}
			}
			sb.WriteByte(')')
			args = append(args, r...)
		}
		if suffix != "" {
			sb.WriteByte(' ')
			sb.WriteString(suffix)
		}
		res, err := tx.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return affected, s.mapErr(err, "insert into "+table)
		}
		n, _ := res.RowsAffected()
		affected += n
	}
	return affected, nil
}

// Parameter encoders matching what bun writes, so rows read back the same
// whichever path wrote them.

func pTime(t time.Time) any { return dbTime(t) }

func pTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

func pFloatPtr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// pJSON encodes a string list as a JSON document (NULL for nil).
func pJSON(v []string) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pRawJSON passes a JSON document as text (NULL when empty).
func pRawJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// upsertSet builds "ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, …".
func upsertSet(key string, cols []string) string {
	var sb strings.Builder
	sb.WriteString("ON CONFLICT (" + key + ") DO UPDATE SET ")
	for i, c := range cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(c + " = EXCLUDED." + c)
	}
	return sb.String()
}
