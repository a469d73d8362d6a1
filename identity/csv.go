package identity

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// CSV columns (SPEC §1). Export adds ExportColumns.
var (
	ImportColumns = []string{"source", "external_id", "username", "email", "display_name", "is_service_account"}
	ExportColumns = append(append([]string(nil), ImportColumns...), "person_id", "status", "score")
)

// MaxImportRows bounds one import file.
const MaxImportRows = 1_000_000

// maxReportedRowErrors bounds how many bad rows an error lists.
const maxReportedRowErrors = 50

// RowError is one bad line of a CSV file.
type RowError struct {
	Line    int    `json:"line"` // 1-based, the header is line 1
	Column  string `json:"column,omitempty"`
	Problem string `json:"problem"`
}

// CSVError lists the bad rows of a CSV file; nothing was imported. It
// matches ErrInvalid.
type CSVError struct {
	Rows []RowError
	// More counts bad rows beyond those listed.
	More int
}

func (e *CSVError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid CSV: %d bad row(s), nothing imported", len(e.Rows)+e.More)
	for _, r := range e.Rows {
		if r.Column != "" {
			fmt.Fprintf(&b, "\n  line %d, column %s: %s", r.Line, r.Column, r.Problem)
		} else {
			fmt.Fprintf(&b, "\n  line %d: %s", r.Line, r.Problem)
		}
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", e.More)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *CSVError) Is(target error) bool { return target == ErrInvalid }

func (e *CSVError) add(r RowError) {
	if len(e.Rows) < maxReportedRowErrors {
		e.Rows = append(e.Rows, r)
	} else {
		e.More++
	}
}

// ParseCSV reads identities from CSV with a header naming ImportColumns
// (any order, case-insensitive; source and external_id required, the rest
// optional; unknown columns refused). Every row is checked; if any is bad
// the result is a *CSVError listing them with line numbers.
func ParseCSV(r io.Reader) ([]Identity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &CSVError{Rows: []RowError{{Line: 1, Problem: "empty file: want a header line " + strings.Join(ImportColumns, ",")}}}
	}
	if err != nil {
		return nil, &CSVError{Rows: []RowError{{Line: 1, Problem: csvProblem(err)}}}
	}
	col := map[string]int{}
	bad := &CSVError{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range ExportColumns {
			if h == c {
				known = true
			}
		}
		switch {
		case !known:
			bad.add(RowError{Line: 1, Column: h, Problem: "unknown column (want " + strings.Join(ImportColumns, ", ") + ")"})
		case col[h] != 0:
			bad.add(RowError{Line: 1, Column: h, Problem: "column appears twice"})
		default:
			col[h] = i + 1 // 0 means absent
		}
	}
	for _, req := range []string{"source", "external_id"} {
		if col[req] == 0 {
			bad.add(RowError{Line: 1, Column: req, Problem: "required column missing"})
		}
	}
	if len(bad.Rows) > 0 {
		return nil, bad
	}
	get := func(rec []string, name string) string {
		i := col[name]
		if i == 0 || i > len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i-1])
	}
	var out []Identity
	seen := map[string]int{}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				bad.add(RowError{Line: line, Problem: err.Error()})
				break // a read error, not a bad row: stop
			}
			line = pe.Line
			bad.add(RowError{Line: line, Problem: csvProblem(err)})
			continue
		}
		if len(out) >= MaxImportRows {
			bad.add(RowError{Line: line, Problem: fmt.Sprintf("more than %d rows", MaxImportRows)})
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(header) {
			bad.add(RowError{Line: line, Problem: fmt.Sprintf("%d fields, header has %d", len(rec), len(header))})
			continue
		}
		id := Identity{Source: Source(strings.ToLower(get(rec, "source"))), ExternalID: get(rec, "external_id"),
			Username: get(rec, "username"), Email: get(rec, "email"), DisplayName: get(rec, "display_name")}
		if v := get(rec, "is_service_account"); v != "" {
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				bad.add(RowError{Line: line, Column: "is_service_account", Problem: fmt.Sprintf("%q is not true or false", v)})
				continue
			}
			id.IsServiceAccount = b
		}
		if err := id.Validate(); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				keys := make([]string, 0, len(ve.Fields))
				for k := range ve.Fields {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					bad.add(RowError{Line: line, Column: k, Problem: ve.Fields[k]})
				}
			}
			continue
		}
		key := string(id.Source) + "\x00" + id.ExternalID
		if prev, ok := seen[key]; ok {
			bad.add(RowError{Line: line, Column: "external_id", Problem: fmt.Sprintf("duplicate of line %d", prev)})
			continue
		}
		seen[key] = line
		out = append(out, id)
	}
	if len(bad.Rows) > 0 {
		return nil, bad
	}
	return out, nil
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ImportStats counts an import.
type ImportStats struct {
	Rows int `json:"rows"`
}

// Import upserts identities (from ParseCSV, an HR/LDAP export) in one
// transaction. Matching links them on its next run.
func (s *Service) Import(ctx context.Context, orgID string, ids []Identity) (ImportStats, error) {
	if orgID == "" {
		orgID = DefaultOrg
	}
	for i := range ids {
		ids[i].OrgID = orgID
	}
	err := s.store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		_, err := tx.UpsertIdentities(ctx, ids)
		return err
	})
	if err != nil {
		return ImportStats{}, fmt.Errorf("import identities: %w", err)
	}
	return ImportStats{Rows: len(ids)}, nil
}

// Export writes every identity of an org with its mapping as CSV
// (ExportColumns), ordered by source and external id.
func (s *Service) Export(ctx context.Context, orgID string, w io.Writer) (int, error) {
	if orgID == "" {
		orgID = DefaultOrg
	}
	st, err := s.store.LoadMatchState(ctx, orgID)
	if err != nil {
		return 0, fmt.Errorf("export identities: %w", err)
	}
	ms := st.Mappings
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Identity.Source != ms[j].Identity.Source {
			return ms[i].Identity.Source < ms[j].Identity.Source
		}
		return ms[i].Identity.ExternalID < ms[j].Identity.ExternalID
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return 0, err
	}
	for _, m := range ms {
		id := m.Identity
		rec := []string{string(id.Source), id.ExternalID, csvSafe(id.Username), csvSafe(id.Email), csvSafe(id.DisplayName),
			strconv.FormatBool(id.IsServiceAccount), "", "unresolved", ""}
		if m.Link != nil {
			rec[6], rec[7], rec[8] = m.Link.PersonID, string(m.Link.Status), strconv.FormatFloat(m.Link.Score, 'f', 4, 64)
		}
		if err := cw.Write(rec); err != nil {
			return 0, err
		}
	}
	cw.Flush()
	return len(ms), cw.Error()
}

// csvSafe defuses spreadsheet formula injection in exported text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
