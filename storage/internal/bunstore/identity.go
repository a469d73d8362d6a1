package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// batchSize bounds the rows of one multi-row statement.
const batchSize = 500

// Identity returns the identity.Store view of s.
func (s *Store) Identity() identity.Store { return identityStore{s} }

type identityStore struct{ s *Store }

var _ identity.Store = identityStore{}

func (is identityStore) InTx(ctx context.Context, fn func(ctx context.Context, tx identity.Tx) error) error {
	return is.s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, &txStore{s: is.s, db: tx})
	})
}

// txStore implements the transactional interfaces on one bun transaction.
type txStore struct {
	s  *Store
	db bun.Tx
}

var _ identity.Tx = (*txStore)(nil)

// mappingRow is one joined row of identities ⟕ identity_links ⟕ people.
type mappingRow struct {
	IID               string    `bun:"i_id"`
	IOrgID            string    `bun:"i_org_id"`
	ISource           string    `bun:"i_source"`
	IExternalID       string    `bun:"i_external_id"`
	IUsername         string    `bun:"i_username"`
	IEmail            string    `bun:"i_email"`
	IDisplayName      string    `bun:"i_display_name"`
	IIsServiceAccount bool      `bun:"i_is_service_account"`
	IRawRef           string    `bun:"i_raw_ref"`
	IFirstSeenAt      time.Time `bun:"i_first_seen_at"`
	ILastSeenAt       time.Time `bun:"i_last_seen_at"`
	IChangedAt        time.Time `bun:"i_changed_at"`

	LIdentityID         sql.NullString  `bun:"l_identity_id"`
	LPersonID           sql.NullString  `bun:"l_person_id"`
	LStatus             sql.NullString  `bun:"l_status"`
	LScore              sql.NullFloat64 `bun:"l_score"`
	LRuleTrace          []byte          `bun:"l_rule_trace"`
	LCandidatePersonIDs []byte          `bun:"l_candidate_person_ids"`
	LDecidedBy          sql.NullString  `bun:"l_decided_by"`
	LDecidedAt          *time.Time      `bun:"l_decided_at"`
	LVersion            sql.NullInt64   `bun:"l_version"`
	LMatchedAt          *time.Time      `bun:"l_matched_at"`
	LUpdatedAt          *time.Time      `bun:"l_updated_at"`

	PID           sql.NullString `bun:"p_id"`
	PDisplayName  sql.NullString `bun:"p_display_name"`
	PPrimaryEmail sql.NullString `bun:"p_primary_email"`
	PCreatedAt    *time.Time     `bun:"p_created_at"`
	PUpdatedAt    *time.Time     `bun:"p_updated_at"`
	PArchivedAt   *time.Time     `bun:"p_archived_at"`
}

const mappingColumns = `i.id AS i_id, i.org_id AS i_org_id, i.source AS i_source, i.external_id AS i_external_id,
 i.username AS i_username, i.email AS i_email, i.display_name AS i_display_name,
 i.is_service_account AS i_is_service_account, i.raw_ref AS i_raw_ref, i.first_seen_at AS i_first_seen_at,
 i.last_seen_at AS i_last_seen_at, i.changed_at AS i_changed_at,
 l.identity_id AS l_identity_id, l.person_id AS l_person_id, l.status AS l_status, l.score AS l_score,
 l.rule_trace AS l_rule_trace, l.candidate_person_ids AS l_candidate_person_ids, l.decided_by AS l_decided_by,
 l.decided_at AS l_decided_at, l.version AS l_version, l.matched_at AS l_matched_at, l.updated_at AS l_updated_at,
 p.id AS p_id, p.display_name AS p_display_name, p.primary_email AS p_primary_email, p.created_at AS p_created_at,
 p.updated_at AS p_updated_at, p.archived_at AS p_archived_at`

func (r mappingRow) mapping() (identity.Mapping, error) {
	m := identity.Mapping{Identity: identity.Identity{
		ID: r.IID, OrgID: r.IOrgID, Source: identity.Source(r.ISource), ExternalID: r.IExternalID,
		Username: r.IUsername, Email: r.IEmail, DisplayName: r.IDisplayName,
		IsServiceAccount: r.IIsServiceAccount, RawRef: r.IRawRef,
		FirstSeenAt: r.IFirstSeenAt.UTC(), LastSeenAt: r.ILastSeenAt.UTC(), ChangedAt: r.IChangedAt.UTC(),
	}}
	if r.LIdentityID.Valid {
		l := identity.Link{
			IdentityID: r.LIdentityID.String, OrgID: r.IOrgID, PersonID: r.LPersonID.String,
			Status: identity.Status(r.LStatus.String), Score: r.LScore.Float64,
			RuleTrace: nonNullJSON(r.LRuleTrace), DecidedBy: r.LDecidedBy.String,
			DecidedAt: utcPtr(r.LDecidedAt), Version: r.LVersion.Int64,
		}
		if r.LMatchedAt != nil {
			l.MatchedAt = r.LMatchedAt.UTC()
		}
		if r.LUpdatedAt != nil {
			l.UpdatedAt = r.LUpdatedAt.UTC()
		}
		ids, err := decodeStrings(r.LCandidatePersonIDs)
		if err != nil {
			return m, fmt.Errorf("decode candidate_person_ids of %s: %w", r.IID, err)
		}
		l.CandidatePersonIDs = ids
		m.Link = &l
	}
	if r.PID.Valid {
		p := identity.Person{ID: r.PID.String, OrgID: r.IOrgID, DisplayName: r.PDisplayName.String,
			PrimaryEmail: r.PPrimaryEmail.String, ArchivedAt: utcPtr(r.PArchivedAt)}
		if r.PCreatedAt != nil {
			p.CreatedAt = r.PCreatedAt.UTC()
		}
		if r.PUpdatedAt != nil {
			p.UpdatedAt = r.PUpdatedAt.UTC()
		}
		m.Person = &p
	}
	return m, nil
}

func (is identityStore) mappingQuery(db bun.IDB) *bun.SelectQuery {
	return db.NewSelect().
		TableExpr("identities AS i").
		Join("LEFT JOIN identity_links AS l ON l.identity_id = i.id").
		Join("LEFT JOIN people AS p ON p.id = l.person_id")
}

func scanMappings(ctx context.Context, q *bun.SelectQuery) ([]identity.Mapping, error) {
	var rows []mappingRow
	if err := q.ColumnExpr(mappingColumns).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]identity.Mapping, 0, len(rows))
	for _, r := range rows {
		m, err := r.mapping()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ValidateFilter checks and defaults a mapping filter.
func validateFilter(f *identity.MappingFilter) error {
	fe := oviaerr.Fields{}
	if f.OrgID == "" {
		f.OrgID = identity.DefaultOrg
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			fe.Add("status", "unknown status %q", st)
		}
	}
	if f.Source != "" && !f.Source.Valid() {
		fe.Add("source", "unknown source %q", f.Source)
	}
	if f.MinScore != nil && (*f.MinScore < 0 || *f.MinScore > 1 || *f.MinScore != *f.MinScore) {
		fe.Add("min_score", "must be between 0 and 1")
	}
	if f.MaxScore != nil && (*f.MaxScore < 0 || *f.MaxScore > 1 || *f.MaxScore != *f.MaxScore) {
		fe.Add("max_score", "must be between 0 and 1")
	}
	if f.MinScore != nil && f.MaxScore != nil && *f.MinScore > *f.MaxScore {
		fe.Add("min_score", "greater than max_score")
	}
	if len(f.Query) > 200 {
		fe.Add("q", "longer than 200 characters")
	}
	switch f.Sort {
	case "":
		f.Sort = identity.SortScore
		f.Desc = true
	case identity.SortScore, identity.SortUpdatedAt, identity.SortDisplayName:
	default:
		fe.Add("sort", "unknown sort %q (want score, updated_at or display_name)", f.Sort)
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.Page < 1 {
		fe.Add("page", "must be 1 or more")
	}
	if f.PerPage == 0 {
		f.PerPage = identity.DefaultPerPage
	}
	if f.PerPage < 1 || f.PerPage > identity.MaxPerPage {
		fe.Add("per_page", "must be between 1 and %d", identity.MaxPerPage)
	}
	return fe.Err()
}

func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

func (is identityStore) ListMappings(ctx context.Context, f identity.MappingFilter) (identity.MappingPage, error) {
	if err := validateFilter(&f); err != nil {
		return identity.MappingPage{}, fmt.Errorf("list identity mappings: %w", err)
	}
	where := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("i.org_id = ?", f.OrgID)
		switch {
		case len(f.Statuses) > 0 && f.Unlinked:
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("l.status IN (?)", bun.List(f.Statuses)).WhereOr("l.identity_id IS NULL")
			})
		case len(f.Statuses) > 0:
			q = q.Where("l.status IN (?)", bun.List(f.Statuses))
		case f.Unlinked:
			q = q.Where("l.identity_id IS NULL")
		}
		if f.Source != "" {
			q = q.Where("i.source = ?", f.Source)
		}
		if f.MinScore != nil {
			q = q.Where("l.score >= ?", *f.MinScore)
		}
		if f.MaxScore != nil {
			q = q.Where("l.score <= ?", *f.MaxScore)
		}
		if f.PersonID != "" {
			q = q.Where("l.person_id = ?", f.PersonID)
		}
		if f.Query != "" {
			pat := likePattern(f.Query)
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				lower := is.s.cfg.LowerFunc
				return q.Where(lower+`(i.display_name) LIKE ? ESCAPE '\'`, pat).
					WhereOr(lower+`(i.email) LIKE ? ESCAPE '\'`, pat).
					WhereOr(lower+`(i.username) LIKE ? ESCAPE '\'`, pat)
			})
		}
		return q
	}
	db := is.s.r
	total, err := where(is.mappingQuery(db)).Count(ctx)
	if err != nil {
		return identity.MappingPage{}, is.s.mapErr(err, "count identity mappings")
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	q := where(is.mappingQuery(db))
	switch f.Sort {
	case identity.SortScore:
		q = q.OrderExpr("COALESCE(l.score, -1) " + dir)
	case identity.SortUpdatedAt:
		q = q.OrderExpr("COALESCE(l.updated_at, i.changed_at) " + dir)
	case identity.SortDisplayName:
		q = q.OrderExpr(is.s.cfg.LowerFunc + "(i.display_name) " + dir)
	}
	q = q.OrderExpr("i.id ASC").Limit(int64(f.PerPage)).Offset(int64((f.Page - 1) * f.PerPage))
	items, err := scanMappings(ctx, q)
	if err != nil {
		return identity.MappingPage{}, is.s.mapErr(err, "list identity mappings")
	}
	return identity.MappingPage{Items: items, Total: int(total), Page: f.Page, PerPage: f.PerPage}, nil
}

func (is identityStore) GetPerson(ctx context.Context, orgID, id string) (identity.Person, error) {
	return getPerson(ctx, is.s, is.s.r, orgID, id, false)
}

func (is identityStore) PersonMappings(ctx context.Context, orgID, personID string) ([]identity.Mapping, error) {
	q := is.mappingQuery(is.s.r).Where("i.org_id = ?", orgID).Where("l.person_id = ?", personID).OrderExpr("i.source, i.external_id")
	ms, err := scanMappings(ctx, q)
	return ms, is.s.mapErr(err, "list person identities")
}

func (is identityStore) PersonEvents(ctx context.Context, orgID, personID string) ([]identity.Event, error) {
	var rows []eventModel
	err := is.s.r.NewSelect().Model(&rows).Where("org_id = ?", orgID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("from_person_id = ?", personID).WhereOr("to_person_id = ?", personID)
		}).OrderExpr("created_at ASC, id ASC").Scan(ctx)
	if err != nil {
		return nil, is.s.mapErr(err, "list person events")
	}
	return eventsOut(rows), nil
}

func (is identityStore) IdentityEvents(ctx context.Context, orgID, identityID string) ([]identity.Event, error) {
	var rows []eventModel
	err := is.s.r.NewSelect().Model(&rows).Where("org_id = ?", orgID).Where("identity_id = ?", identityID).
		OrderExpr("created_at ASC, id ASC").Scan(ctx)
	if err != nil {
		return nil, is.s.mapErr(err, "list identity events")
	}
	return eventsOut(rows), nil
}

// matchStateQuery reads what matching and ApplyDecisions use of each
// identity and its link: not the link's rule trace and candidate list
// (the bulk of a resolved org's rows), nor its person.
const matchStateQuery = `SELECT i.id, i.source, i.external_id, i.username, i.email, i.display_name,
 i.is_service_account, i.first_seen_at, i.changed_at,
 l.person_id, l.status, l.score, l.decided_by, l.decided_at, l.version, l.matched_at
FROM identities AS i LEFT JOIN identity_links AS l ON l.identity_id = i.id
WHERE i.org_id = ? ORDER BY i.id`

func (is identityStore) LoadMatchState(ctx context.Context, orgID string) (identity.MatchState, error) {
	ms, err := is.loadMatchMappings(ctx, orgID)
	if err != nil {
		return identity.MatchState{}, is.s.mapErr(err, "load identities for matching")
	}
	var rej []rejectedPairModel
	if err := is.s.r.NewSelect().Model(&rej).Where("org_id = ?", orgID).OrderExpr("identity_id, person_id").Scan(ctx); err != nil {
		return identity.MatchState{}, is.s.mapErr(err, "load rejected pairs")
	}
	st := identity.MatchState{Mappings: ms}
	for _, r := range rej {
		st.Rejected = append(st.Rejected, identity.RejectedPair{OrgID: r.OrgID, IdentityID: r.IdentityID, PersonID: r.PersonID, CreatedAt: r.CreatedAt.UTC()})
	}
	return st, nil
}

// loadMatchMappings scans matchStateQuery row by row into mappings,
// sized from a count first: a large org's state loads without the
// reflection and slice growth of a generic scan.
func (is identityStore) loadMatchMappings(ctx context.Context, orgID string) ([]identity.Mapping, error) {
	var n int
	if err := is.s.r.QueryRowContext(ctx, "SELECT count(*) FROM identities WHERE org_id = ?", orgID).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := is.s.r.QueryContext(ctx, matchStateQuery, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]identity.Mapping, 0, n)
	for rows.Next() {
		var (
			m                         identity.Mapping
			src                       string
			firstSeen, changed        time.Time
			person, status, decidedBy sql.NullString
			score                     sql.NullFloat64
			decidedAt, matchedAt      sql.NullTime
			version                   sql.NullInt64
		)
		id := &m.Identity
		if err := rows.Scan(&id.ID, &src, &id.ExternalID, &id.Username, &id.Email, &id.DisplayName,
			&id.IsServiceAccount, &firstSeen, &changed,
			&person, &status, &score, &decidedBy, &decidedAt, &version, &matchedAt); err != nil {
			return nil, err
		}
		id.OrgID, id.Source = orgID, identity.Source(src)
		id.FirstSeenAt, id.ChangedAt = firstSeen.UTC(), changed.UTC()
		if person.Valid {
			l := &identity.Link{IdentityID: id.ID, OrgID: orgID, PersonID: person.String,
				Status: identity.Status(status.String), Score: score.Float64, DecidedBy: decidedBy.String,
				Version: version.Int64, MatchedAt: matchedAt.Time.UTC()}
			if decidedAt.Valid {
				t := decidedAt.Time.UTC()
				l.DecidedAt = &t
			}
			m.Link = l
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func eventsOut(rows []eventModel) []identity.Event {
	out := make([]identity.Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, identity.Event{ID: r.ID, OrgID: r.OrgID, Kind: identity.EventKind(r.Kind), IdentityID: r.IdentityID,
			FromPersonID: r.FromPersonID, ToPersonID: r.ToPersonID, Actor: r.Actor, Reason: r.Reason,
			Payload: nonNullJSON(r.Payload), CreatedAt: r.CreatedAt.UTC()})
	}
	return out
}

func getPerson(ctx context.Context, s *Store, db bun.IDB, orgID, id string, lock bool) (identity.Person, error) {
	var m personModel
	q := db.NewSelect().Model(&m).Where("org_id = ?", orgID).Where("id = ?", id)
	if lock && s.cfg.Dialect == Postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return identity.Person{}, s.mapErr(err, "get person "+id)
	}
	return personOut(m), nil
}

func personOut(m personModel) identity.Person {
	return identity.Person{ID: m.ID, OrgID: m.OrgID, DisplayName: m.DisplayName, PrimaryEmail: m.PrimaryEmail,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), ArchivedAt: utcPtr(m.ArchivedAt)}
}

func personIn(p identity.Person) personModel {
	return personModel{ID: p.ID, OrgID: p.OrgID, DisplayName: p.DisplayName, PrimaryEmail: p.PrimaryEmail,
		CreatedAt: dbTime(p.CreatedAt), UpdatedAt: dbTime(p.UpdatedAt), ArchivedAt: dbTimePtr(p.ArchivedAt)}
}

func identityOut(m identityModel) identity.Identity {
	return identity.Identity{ID: m.ID, OrgID: m.OrgID, Source: identity.Source(m.Source), ExternalID: m.ExternalID,
		Username: m.Username, Email: m.Email, DisplayName: m.DisplayName, IsServiceAccount: m.IsServiceAccount,
		RawRef: m.RawRef, FirstSeenAt: m.FirstSeenAt.UTC(), LastSeenAt: m.LastSeenAt.UTC(), ChangedAt: m.ChangedAt.UTC()}
}

func linkOut(m linkModel) identity.Link {
	return identity.Link{IdentityID: m.IdentityID, OrgID: m.OrgID, PersonID: m.PersonID, Status: identity.Status(m.Status),
		Score: m.Score, RuleTrace: nonNullJSON(m.RuleTrace), CandidatePersonIDs: m.CandidatePersonIDs,
		DecidedBy: m.DecidedBy, DecidedAt: utcPtr(m.DecidedAt), Version: m.Version,
		MatchedAt: m.MatchedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

func linkIn(l identity.Link) linkModel {
	return linkModel{IdentityID: l.IdentityID, OrgID: l.OrgID, PersonID: l.PersonID, Status: string(l.Status),
		Score: l.Score, RuleTrace: nullableJSON(l.RuleTrace), CandidatePersonIDs: l.CandidatePersonIDs,
		DecidedBy: l.DecidedBy, DecidedAt: dbTimePtr(l.DecidedAt), Version: l.Version,
		MatchedAt: dbTime(l.MatchedAt), UpdatedAt: dbTime(l.UpdatedAt)}
}

// --- Tx methods ---

func (t *txStore) GetIdentity(ctx context.Context, orgID, id string) (identity.Identity, error) {
	var m identityModel
	if err := t.db.NewSelect().Model(&m).Where("org_id = ?", orgID).Where("id = ?", id).Scan(ctx); err != nil {
		return identity.Identity{}, t.s.mapErr(err, "get identity "+id)
	}
	return identityOut(m), nil
}

// UpsertIdentities inserts new identities and updates known ones by
// (org, source, external_id). first_seen_at never moves; changed_at moves
// only when a matched attribute changed.
func (t *txStore) UpsertIdentities(ctx context.Context, in []identity.Identity) ([]identity.Identity, error) {
	return upsertIdentities(ctx, t.s, t.db, in)
}

type identityKey struct {
	org, source, ext string
}

func upsertIdentities(ctx context.Context, s *Store, db bun.IDB, in []identity.Identity) ([]identity.Identity, error) {
	if len(in) == 0 {
		return nil, nil
	}
	now := s.clock()
	// Deduplicate (last wins): one statement may not touch a row twice.
	pos := make(map[identityKey]int, len(in))
	var models []identityModel
	for i, id := range in {
		if id.OrgID == "" {
			id.OrgID = identity.DefaultOrg
		}
		id.ExternalID = strings.TrimSpace(id.ExternalID)
		if err := id.Validate(); err != nil {
			return nil, fmt.Errorf("upsert identity #%d (%s %q): %w", i+1, id.Source, id.ExternalID, err)
		}
		seen := now
		if !id.LastSeenAt.IsZero() {
			seen = dbTime(id.LastSeenAt)
		}
		first := seen
		if !id.FirstSeenAt.IsZero() {
			first = dbTime(id.FirstSeenAt)
		}
		m := identityModel{ID: newID(), OrgID: id.OrgID, Source: string(id.Source), ExternalID: id.ExternalID,
			Username: id.Username, Email: id.Email, DisplayName: id.DisplayName, IsServiceAccount: id.IsServiceAccount,
			RawRef: id.RawRef, FirstSeenAt: first, LastSeenAt: seen, ChangedAt: now}
		k := identityKey{m.OrgID, m.Source, m.ExternalID}
		if p, ok := pos[k]; ok {
			m.ID = models[p].ID
			models[p] = m
			continue
		}
		pos[k] = len(models)
		models = append(models, m)
	}
	stored := make(map[identityKey]identityModel, len(models))
	for start := 0; start < len(models); start += batchSize {
		chunk := models[start:min(start+batchSize, len(models))]
		var back []identityModel
		err := db.NewInsert().Model(&chunk).
			On("CONFLICT (org_id, source, external_id) DO UPDATE").
			// A source that omits an attribute (GitLab MR authors come without
			// email, Jira hides most emails) must not blank what another
			// listing of the same account told us: empty never overwrites.
			Set("changed_at = CASE WHEN (EXCLUDED.username <> '' AND identities.username <> EXCLUDED.username)"+
				" OR (EXCLUDED.email <> '' AND identities.email <> EXCLUDED.email)"+
				" OR (EXCLUDED.display_name <> '' AND identities.display_name <> EXCLUDED.display_name)"+
				" OR identities.is_service_account <> EXCLUDED.is_service_account"+
				" THEN EXCLUDED.changed_at ELSE identities.changed_at END").
			Set("username = CASE WHEN EXCLUDED.username <> '' THEN EXCLUDED.username ELSE identities.username END").
			Set("email = CASE WHEN EXCLUDED.email <> '' THEN EXCLUDED.email ELSE identities.email END").
			Set("display_name = CASE WHEN EXCLUDED.display_name <> '' THEN EXCLUDED.display_name ELSE identities.display_name END").
			Set("is_service_account = EXCLUDED.is_service_account").
			Set("raw_ref = CASE WHEN EXCLUDED.raw_ref <> '' THEN EXCLUDED.raw_ref ELSE identities.raw_ref END").
			Set("last_seen_at = CASE WHEN EXCLUDED.last_seen_at > identities.last_seen_at THEN EXCLUDED.last_seen_at ELSE identities.last_seen_at END").
			Returning("*").
			Scan(ctx, &back)
		if err != nil {
			return nil, s.mapErr(err, "upsert identities")
		}
		for _, b := range back {
			stored[identityKey{b.OrgID, b.Source, b.ExternalID}] = b
		}
	}
	out := make([]identity.Identity, 0, len(in))
	for _, id := range in {
		org := id.OrgID
		if org == "" {
			org = identity.DefaultOrg
		}
		b, ok := stored[identityKey{org, string(id.Source), strings.TrimSpace(id.ExternalID)}]
		if !ok {
			return nil, fmt.Errorf("upsert identities: row for %s %q not returned", id.Source, id.ExternalID)
		}
		out = append(out, identityOut(b))
	}
	return out, nil
}

func (t *txStore) GetLink(ctx context.Context, orgID, identityID string) (identity.Link, error) {
	var m linkModel
	q := t.db.NewSelect().Model(&m).Where("org_id = ?", orgID).Where("identity_id = ?", identityID)
	if t.s.cfg.Dialect == Postgres {
		// Lock the link first, before any person row: concurrent operations
		// on one identity then queue here instead of deadlocking later.
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return identity.Link{}, t.s.mapErr(err, "get link of identity "+identityID)
	}
	return linkOut(m), nil
}

// linkCols are identity_links' columns as InsertLinks writes them.
var linkCols = []string{"identity_id", "org_id", "person_id", "status", "score", "rule_trace", "candidate_person_ids",
	"decided_by", "decided_at", "version", "matched_at", "updated_at"}

// InsertLinks writes links with bound parameters (bulkExec): a first
// matching run inserts a link, with its rule trace, per identity.
func (t *txStore) InsertLinks(ctx context.Context, ls ...identity.Link) error {
	rows := make([][]any, 0, len(ls))
	for _, l := range ls {
		m := linkIn(l)
		if m.Version == 0 {
			m.Version = 1
		}
		rows = append(rows, []any{m.IdentityID, m.OrgID, m.PersonID, m.Status, m.Score, pRawJSON(m.RuleTrace),
			pJSON(m.CandidatePersonIDs), m.DecidedBy, pTimePtr(m.DecidedAt), m.Version, pTime(m.MatchedAt), pTime(m.UpdatedAt)})
	}
	if _, err := bulkExec(ctx, t.s, t.db.Tx, "identity_links", linkCols, rows, ""); err != nil {
		return fmt.Errorf("insert links: %w", err)
	}
	return nil
}

func (t *txStore) UpdateLink(ctx context.Context, l identity.Link, expectedVersion int64) error {
	m := linkIn(l)
	m.Version = expectedVersion + 1
	res, err := t.db.NewUpdate().Model(&m).
		Column("person_id", "status", "score", "rule_trace", "candidate_person_ids", "decided_by", "decided_at", "version", "matched_at", "updated_at").
		Where("identity_id = ?", l.IdentityID).Where("org_id = ?", l.OrgID).Where("version = ?", expectedVersion).
		Exec(ctx)
	if err != nil {
		return t.s.mapErr(err, "update link of identity "+l.IdentityID)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := t.GetLink(ctx, l.OrgID, l.IdentityID); err != nil {
			return err
		}
		return fmt.Errorf("update link of identity %s: version %d is stale: %w", l.IdentityID, expectedVersion, oviaerr.ErrConflict)
	}
	return nil
}

func (t *txStore) ListConflictLinks(ctx context.Context, orgID string, minScore float64, source identity.Source) ([]identity.Link, error) {
	var rows []linkModel
	q := t.db.NewSelect().Model(&rows).
		Where("identity_links.org_id = ?", orgID).Where("identity_links.status = ?", identity.StatusConflict).
		Where("identity_links.score >= ?", minScore)
	if source != "" {
		q = q.Where("identity_links.identity_id IN (SELECT id FROM identities WHERE org_id = ? AND source = ?)", orgID, source)
	}
	q = q.OrderExpr("identity_links.identity_id")
	if t.s.cfg.Dialect == Postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, t.s.mapErr(err, "list conflict links")
	}
	out := make([]identity.Link, 0, len(rows))
	for _, r := range rows {
		out = append(out, linkOut(r))
	}
	return out, nil
}

func (t *txStore) GetPerson(ctx context.Context, orgID, id string) (identity.Person, error) {
	return getPerson(ctx, t.s, t.db, orgID, id, true)
}

var personCols = []string{"id", "org_id", "display_name", "primary_email", "created_at", "updated_at", "archived_at"}

func (t *txStore) InsertPeople(ctx context.Context, ps ...identity.Person) error {
	rows := make([][]any, 0, len(ps))
	for _, p := range ps {
		m := personIn(p)
		rows = append(rows, []any{m.ID, m.OrgID, m.DisplayName, m.PrimaryEmail, pTime(m.CreatedAt), pTime(m.UpdatedAt), pTimePtr(m.ArchivedAt)})
	}
	if _, err := bulkExec(ctx, t.s, t.db.Tx, "people", personCols, rows, ""); err != nil {
		return fmt.Errorf("insert people: %w", err)
	}
	return nil
}

func (t *txStore) UpdatePerson(ctx context.Context, p identity.Person) error {
	m := personIn(p)
	res, err := t.db.NewUpdate().Model(&m).Column("display_name", "primary_email", "updated_at", "archived_at").
		Where("id = ?", p.ID).Where("org_id = ?", p.OrgID).Exec(ctx)
	if err != nil {
		return t.s.mapErr(err, "update person "+p.ID)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update person %s: %w", p.ID, oviaerr.ErrNotFound)
	}
	return nil
}

func (t *txStore) CountLinkedIdentities(ctx context.Context, orgID, personID string) (int, error) {
	n, err := t.db.NewSelect().TableExpr("identity_links").Where("org_id = ?", orgID).Where("person_id = ?", personID).Count(ctx)
	return int(n), t.s.mapErr(err, "count identities of person "+personID)
}

func (t *txStore) AppendEvents(ctx context.Context, events ...identity.Event) error {
	if len(events) == 0 {
		return nil
	}
	now := t.s.clock()
	rows := make([][]any, 0, len(events))
	for _, e := range events {
		if e.ID == "" {
			e.ID = newID()
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		rows = append(rows, []any{e.ID, e.OrgID, string(e.Kind), e.IdentityID, e.FromPersonID, e.ToPersonID, e.Actor, e.Reason,
			pRawJSON(e.Payload), pTime(e.CreatedAt)})
	}
	if _, err := bulkExec(ctx, t.s, t.db.Tx, "identity_events", eventCols, rows, ""); err != nil {
		return fmt.Errorf("append identity events: %w", err)
	}
	return nil
}

var eventCols = []string{"id", "org_id", "kind", "identity_id", "from_person_id", "to_person_id", "actor", "reason", "payload", "created_at"}

func (t *txStore) AddRejectedPair(ctx context.Context, p identity.RejectedPair) error {
	m := rejectedPairModel{OrgID: p.OrgID, IdentityID: p.IdentityID, PersonID: p.PersonID, CreatedAt: dbTime(p.CreatedAt)}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = t.s.clock()
	}
	_, err := t.db.NewInsert().Model(&m).On("CONFLICT DO NOTHING").Exec(ctx)
	return t.s.mapErr(err, "remember rejected pair")
}

// --- small helpers ---

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// nonNullJSON turns SQL NULL / "null" into nil.
func nonNullJSON(b []byte) []byte {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	return append([]byte(nil), b...)
}

// nullableJSON stores an empty document as SQL NULL.
func nullableJSON(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func decodeStrings(b []byte) ([]string, error) {
	b = nonNullJSON(b)
	if b == nil {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
