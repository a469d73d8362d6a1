package kpi

import (
	"sync/atomic"

	"cmp"
	"context"
	"fmt"
	"golang.org/x/sync/errgroup"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Defaults of the Compute options.
const (
	DefaultStaleAfter    = 7 * 24 * time.Hour
	DefaultMaxRefs       = 1000
	DefaultMaxRiskItems  = 1000
	DefaultOutlierFactor = 3.0
	// blockedByBatch bounds one IssuesOpenAt call.
	blockedByBatch = 500
)

// Metric definitions, reported with each metric.
const (
	DefThroughput        = "Jira issues with resolved_at in [start, end) + GitLab MRs with merged_at in [start, end), classified bug/feature/chore"
	DefReviewFirstReview = "merged MRs: first_review_at − created_at, hours"
	DefReviewMerged      = "merged MRs: merged_at − created_at, hours (no first review known)"
	DefReviewMixed       = "merged MRs: first_review_at − created_at when known, else merged_at − created_at, hours"
	DefMRCycleTime       = "MRs merged in the period: merged_at − created_at, hours"
	DefIssueCycleTime    = "issues resolved in the period: resolved_at − first transition into an in-progress status category (created_at if created in progress), hours; reopened issues measured to the final resolution"
	DefBlockers          = "issues open at period end with a blocker priority, flagged, or blocked by an issue open at period end; age = end − created_at, days"
	DefSpillover         = "sprints completed in the period: issues in the sprint at completion (replayed from sprint transitions) and not done at completion ÷ issues in the sprint at completion"
	DefStaleMRs          = "MRs open at period end whose updated_at is more than %s days before period end ÷ MRs open at period end"
	DefFailedPipelines   = "pipelines finished in the period, the last run per (project, ref, sha) counted; failure rate = failed ÷ (success + failed) on default branches"
	DefDeployFrequency   = "successful production-tier deployments finished in the period ÷ days; days with a deploy ÷ weeks"
	DefLeadTime          = "MRs merged in the period: first successful production deploy shipping the MR (deployment merge requests, else the project's first production deploy finishing after the merge) − merged_at, hours; median = p50"
	DefChangeFailure     = "successful production deploys in the period followed by an incident created before the next production deploy (or period end) ÷ production deploys"
	DefTimeToRestore     = "incidents resolved in the period: resolved_at − created_at, hours; median = p50"
)

type config struct {
	classifier    Classifier
	staleAfter    time.Duration
	now           func() time.Time
	maxRefs       int
	maxRiskItems  int
	outlierFactor float64
}

// Option configures Compute.
type Option func(*config)

// WithClassifier replaces DefaultClassifier.
func WithClassifier(c Classifier) Option { return func(cf *config) { cf.classifier = c } }

// WithStaleAfter sets how long an open MR may go without an update before
// it is stale (default 7 days).
func WithStaleAfter(d time.Duration) Option { return func(cf *config) { cf.staleAfter = d } }

// WithNow sets the clock used for ComputedAt (default time.Now).
func WithNow(now func() time.Time) Option { return func(cf *config) { cf.now = now } }

// WithMaxRefs caps the Refs kept per metric (default 1000; ≤ 0 keeps all).
func WithMaxRefs(n int) Option { return func(cf *config) { cf.maxRefs = n } }

// WithMaxRiskItems caps the risk items kept (default 1000; ≤ 0 keeps all).
func WithMaxRiskItems(n int) Option { return func(cf *config) { cf.maxRiskItems = n } }

// WithOutlierFactor sets the cycle-time outlier threshold as a multiple of
// the p50 issue cycle time (default 3; must be > 1).
func WithOutlierFactor(f float64) Option { return func(cf *config) { cf.outlierFactor = f } }

// Compute builds the snapshot of one org, scope and period from src.
//
// An org without any row for the scope and period is not an error: the
// snapshot comes back with Empty set, every distribution and rate null,
// counts 0, and null Health and Risk scores, so history stays continuous
// and pages can say "no data". Invalid arguments are ErrInvalid; source
// errors are returned wrapped.
func Compute(ctx context.Context, src Source, orgID string, scope Scope, period Period, opts ...Option) (Snapshot, error) {
	cf := config{
		classifier:    DefaultClassifier(),
		staleAfter:    DefaultStaleAfter,
		now:           time.Now,
		maxRefs:       DefaultMaxRefs,
		maxRiskItems:  DefaultMaxRiskItems,
		outlierFactor: DefaultOutlierFactor,
	}
	for _, o := range opts {
		o(&cf)
	}
	f := oviaerr.Fields{}
	if strings.TrimSpace(orgID) == "" {
		f.Add("org_id", "required")
	}
	if src == nil {
		f.Add("source", "required")
	}
	if cf.staleAfter <= 0 {
		f.Add("stale_after", "must be positive")
	}
	if !(cf.outlierFactor > 1) {
		f.Add("outlier_factor", "must be greater than 1")
	}
	if cf.now == nil {
		f.Add("now", "required")
	}
	if err := f.Err(); err != nil {
		return Snapshot{}, err
	}
	for _, err := range []error{scope.Validate(), period.Validate(), cf.classifier.Validate()} {
		if err != nil {
			return Snapshot{}, err
		}
	}
	period = Period{Start: period.Start.UTC(), End: period.End.UTC()}
	c := &computer{cf: cf, src: src, q: Query{OrgID: orgID, Scope: scope, Period: period, Classifier: cf.classifier}}
	c.risk.max = cf.maxRiskItems
	c.snap = Snapshot{OrgID: orgID, Scope: scope, Period: period, ComputedAt: cf.now().UTC(), Classifier: cf.classifier}
	if err := c.projects(ctx); err != nil {
		return Snapshot{}, err
	}
	// The Jira streams and the GitLab streams are independent: read them
	// in two goroutines (a database serves each on its own connection).
	// Each step writes its own part of the snapshot; the shared counters
	// are atomic and the risk list is locked, and its top-N cut does not
	// depend on arrival order, so the result is the same as reading in
	// sequence.
	g, gctx := errgroup.WithContext(ctx)
	run := func(steps ...func(context.Context) error) func() error {
		return func() error {
			for _, step := range steps {
				if err := step(gctx); err != nil {
					return err
				}
			}
			return nil
		}
	}
	g.Go(run(c.resolvedIssues, c.blockers, c.sprints))
	g.Go(run(c.mergeRequests, c.pipelines, c.dora))
	if err := g.Wait(); err != nil {
		return Snapshot{}, err
	}
	c.combineThroughput()
	c.scores()
	return c.snap, nil
}

// computer holds the state of one Compute call.
type computer struct {
	cf   config
	src  Source
	q    Query
	snap Snapshot

	rows       atomic.Int64 // rows of any kind seen (Empty when 0)
	sawIssues  atomic.Bool  // any issue row seen
	sawPipes   atomic.Bool
	defaultRef map[string]string // project id → default branch
	projPath   map[string]string // project id → path

	merged []mergedMR
	risk   riskList
}

type mergedMR struct {
	row     rowID
	project string
	at      time.Time
}

// each drains a source stream, checking ctx every 1024 rows.
func each[T any](ctx context.Context, seq iter.Seq2[*T, error], what string, fn func(*T)) error {
	n := 0
	for v, err := range seq {
		if err != nil {
			return fmt.Errorf("kpi: read %s: %w", what, err)
		}
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("kpi: read %s: %w", what, err)
			}
		}
		fn(v)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kpi: read %s: %w", what, err)
	}
	return nil
}

func hours(d time.Duration) float64 { return d.Hours() }
func days(d time.Duration) float64  { return d.Hours() / 24 }

func (c *computer) projects(ctx context.Context) error {
	c.defaultRef = map[string]string{}
	c.projPath = map[string]string{}
	return each(ctx, c.src.Projects(ctx, c.q), "projects", func(p *connectors.Project) {
		c.defaultRef[p.ExternalID] = p.DefaultBranch
		c.projPath[p.ExternalID] = p.PathWithNamespace
	})
}

type cyclePoint struct {
	point
	key, summary, url string
}

// combineThroughput adds issues and merge requests up, once both are read.
func (c *computer) combineThroughput() {
	tp := &c.snap.Throughput
	tp.Combined = ClassCounts{
		Bug: tp.Issues.Bug + tp.MergeRequests.Bug, Feature: tp.Issues.Feature + tp.MergeRequests.Feature,
		Chore: tp.Issues.Chore + tp.MergeRequests.Chore,
	}
	// Combined refs: issues then MRs, each already cut.
	tp.Combined.N = tp.Issues.N + tp.MergeRequests.N
	tp.Combined.Refs = append(slices.Clone(tp.Issues.Refs), tp.MergeRequests.Refs...)
	tp.Combined.RefsTruncated = tp.Issues.RefsTruncated || tp.MergeRequests.RefsTruncated
	if c.cf.maxRefs > 0 && len(tp.Combined.Refs) > c.cf.maxRefs {
		tp.Combined.Refs, tp.Combined.RefsTruncated = tp.Combined.Refs[:c.cf.maxRefs], true
	}
}

func issueRow(is *connectors.Issue) rowID {
	return newRow(srcOr(is.Source, identity.SourceJira), kIssue, is.ExternalID)
}

func srcOr(s, def identity.Source) identity.Source {
	if s == "" {
		return def
	}
	return s
}

// cycleStart finds when a resolved issue first entered an in-progress
// status category, looking only at status transitions up to resolution.
// An issue whose first status transition leaves an in-progress status was
// created in progress: it starts at created_at.
func cycleStart(h *IssueHistory, resolved time.Time) (start time.Time, ok, reopened bool) {
	first := true
	for _, t := range sortedTransitions(h.Transitions) {
		if t.Field != connectors.FieldStatus {
			continue
		}
		if t.At.After(resolved) {
			break
		}
		if first && !ok && t.FromCategory == connectors.CategoryInProgress {
			start, ok = h.Issue.CreatedAt, true
		}
		first = false
		if !ok && t.ToCategory == connectors.CategoryInProgress {
			start, ok = t.At, true
		}
		if t.FromCategory == connectors.CategoryDone && t.ToCategory != connectors.CategoryDone {
			reopened = true
		}
	}
	return start, ok, reopened
}

// sortedTransitions returns ts in Seq order, copying only when a source
// handed them out of order.
func sortedTransitions(ts []connectors.Transition) []connectors.Transition {
	byseq := func(a, b connectors.Transition) int {
		if c := cmp.Compare(a.Seq, b.Seq); c != 0 {
			return c
		}
		return a.At.Compare(b.At)
	}
	if slices.IsSortedFunc(ts, byseq) {
		return ts
	}
	ts = slices.Clone(ts)
	slices.SortFunc(ts, byseq)
	return ts
}

func (c *computer) resolvedIssues(ctx context.Context) error {
	var (
		tp             = &c.snap.Throughput
		ptsBag         bag[cyclePoint]
		issuesBag      bag[rowID]
		never, reopens []rowID
	)
	err := each(ctx, c.src.ResolvedIssues(ctx, c.q), "resolved issues", func(h *IssueHistory) {
		c.rows.Add(1)
		c.sawIssues.Store(true)
		is := &h.Issue
		if is.ResolvedAt == nil || !c.q.Period.Contains(*is.ResolvedAt) {
			return
		}
		id := issueRow(is)
		issuesBag.add(id)
		switch c.cf.classifier.issueClass(is.Type) {
		case ClassBug:
			tp.Issues.Bug++
		case ClassFeature:
			tp.Issues.Feature++
		default:
			tp.Issues.Chore++
		}
		start, ok, reopened := cycleStart(h, *is.ResolvedAt)
		if !ok || start.After(*is.ResolvedAt) {
			never = append(never, id)
			return
		}
		if reopened {
			reopens = append(reopens, id)
		}
		ptsBag.add(cyclePoint{point: point{v: hours(is.ResolvedAt.Sub(start)), id: id}, key: is.Key, summary: is.Summary, url: is.URL})
	})
	if err != nil {
		return err
	}
	tp.Issues.Sample = countSample(issuesBag.slice(), c.cf.maxRefs)
	pts := ptsBag.slice()
	plain := make([]point, len(pts))
	for i, p := range pts {
		plain[i] = p.point
	}
	ct := &c.snap.IssueCycleTime
	ct.Distribution = distribution(DefIssueCycleTime, "hours", plain, c.cf.maxRefs)
	ct.NeverInProgress = countSample(never, c.cf.maxRefs)
	ct.Reopened = countSample(reopens, c.cf.maxRefs)
	ct.OutlierFactor = c.cf.outlierFactor
	var outliers []rowID
	if ct.P50.Valid {
		limit := c.cf.outlierFactor * ct.P50.V
		for _, p := range pts {
			if p.v > limit && p.v > 0 {
				outliers = append(outliers, p.id)
				sev := SeverityMedium
				if p.v > 2*limit {
					sev = SeverityHigh
				}
				if age := p.v / 24; c.risk.admit(sev, age) {
					c.risk.add(RiskItem{
						Kind: RiskCycleTimeOutlier, Severity: sev, Title: issueTitle(p.key, p.summary), URL: p.url,
						AgeDays: age, Ref: p.id.ref(),
						Detail: fmt.Sprintf("cycle time %.1f days > %.0f × p50 (%.1f days)", p.v/24, c.cf.outlierFactor, ct.P50.V/24),
					})
				}
			}
		}
	}
	ct.Outliers = countSample(outliers, c.cf.maxRefs)
	return nil
}

// issueTitle is "KEY: summary", or whichever part exists.
func issueTitle(key, summary string) string {
	switch {
	case key != "" && summary != "":
		return key + ": " + summary
	case key != "":
		return key
	}
	return summary
}

// openAt reports whether an issue was open at t: created before t and not
// resolved before t. An issue in a done status without a resolution date
// counts as closed.
func openAt(is *connectors.Issue, t time.Time) bool {
	if !is.CreatedAt.Before(t) {
		return false
	}
	if is.ResolvedAt != nil {
		return !is.ResolvedAt.Before(t)
	}
	return is.StatusCategory != connectors.CategoryDone
}

// blockerRow keeps what a blocker needs from its issue (rows from a
// Source are short-lived and large).
type blockerRow struct {
	id                rowID
	key, summary, url string
	created           time.Time
	blockedBy         []string
	reasons           []string
	sev               Severity
	counted           bool // by priority or flag, before blocked-by is known
}

func (c *computer) blockers(ctx context.Context) error {
	end := c.q.Period.End
	var (
		rows []blockerRow
		keys = map[string]bool{}
		b    = &c.snap.Blockers
		cl   = &c.cf.classifier
	)
	err := each(ctx, c.src.BlockerCandidates(ctx, c.q), "blocker candidates", func(is *connectors.Issue) {
		c.rows.Add(1)
		c.sawIssues.Store(true)
		if !openAt(is, end) {
			return
		}
		row := blockerRow{sev: SeverityMedium}
		if cl.IsBlockerPriority(is.Priority) {
			b.ByPriority++
			row.reasons = append(row.reasons, "priority "+is.Priority)
			row.sev = SeverityHigh
			if len(cl.BlockerPriorities) > 0 && strings.EqualFold(strings.TrimSpace(cl.BlockerPriorities[0]), strings.TrimSpace(is.Priority)) {
				row.sev = SeverityCritical
			}
		}
		if is.IsFlagged {
			b.Flagged++
			row.reasons = append(row.reasons, "flagged")
		}
		row.counted = len(row.reasons) > 0
		if !row.counted && len(is.BlockedBy) == 0 {
			return
		}
		row.id, row.key, row.summary, row.url, row.created = issueRow(is), is.Key, is.Summary, is.URL, is.CreatedAt
		if len(is.BlockedBy) > 0 {
			row.blockedBy = slices.Clone(is.BlockedBy)
			for _, k := range is.BlockedBy {
				keys[k] = true
			}
		}
		rows = append(rows, row)
	})
	if err != nil {
		return err
	}
	open := map[string]bool{}
	all := slices.Sorted(maps.Keys(keys))
	for chunk := range slices.Chunk(all, blockedByBatch) {
		m, err := c.src.IssuesOpenAt(ctx, c.q.OrgID, chunk, end)
		if err != nil {
			return fmt.Errorf("kpi: read blocking issues: %w", err)
		}
		for k, v := range m {
			open[k] = open[k] || v
		}
	}
	var (
		pts []point
		ids []rowID
	)
	for _, r := range rows {
		var by []string
		for _, k := range r.blockedBy {
			if open[k] {
				by = append(by, k)
			}
		}
		if len(by) > 0 {
			b.BlockedByOpen++
			r.reasons = append(r.reasons, "blocked by "+strings.Join(by, ", "))
		} else if !r.counted {
			continue
		}
		age := days(end.Sub(r.created))
		pts = append(pts, point{v: age, id: r.id})
		ids = append(ids, r.id)
		sev := r.sev
		if age > 14 {
			sev = bump(sev)
		}
		if c.risk.admit(sev, age) {
			c.risk.add(RiskItem{
				Kind: RiskBlocker, Severity: sev, Title: issueTitle(r.key, r.summary), URL: r.url,
				AgeDays: age, Ref: r.id.ref(), Detail: strings.Join(r.reasons, "; "),
			})
		}
	}
	b.Definition = DefBlockers
	b.Count = len(ids)
	b.Age = distribution("age at period end, days", "days", pts, c.cf.maxRefs)
	b.Sample = countSample(ids, c.cf.maxRefs)
	return nil
}

func bump(s Severity) Severity {
	switch s {
	case SeverityLow:
		return SeverityMedium
	case SeverityMedium:
		return SeverityHigh
	}
	return SeverityCritical
}

// sprintList splits a sprint field value ("12", "12, 13") and reports
// whether it holds id.
func sprintList(v, id string) bool {
	for part := range strings.SplitSeq(v, ",") {
		if strings.TrimSpace(part) == id {
			return true
		}
	}
	return false
}

// inSprintAt replays an issue's sprint transitions: its sprint field at t
// is the To of the last sprint transition at or before t, else the From of
// the first one after t, else (no sprint transition) its current sprint.
func inSprintAt(h *IssueHistory, sprintID string, t time.Time) bool {
	if h.Issue.CreatedAt.After(t) {
		return false
	}
	var (
		val    = h.Issue.SprintID
		before bool
		seen   bool
	)
	for _, tr := range sortedTransitions(h.Transitions) {
		if tr.Field != connectors.FieldSprint {
			continue
		}
		if !tr.At.After(t) {
			val, before, seen = tr.To, true, true
			continue
		}
		if !before && !seen {
			val = tr.From
		}
		break
	}
	return sprintList(val, sprintID)
}

// doneAt replays status transitions the same way; an issue without status
// transitions is done at t when it is done now and was resolved by t.
func doneAt(h *IssueHistory, t time.Time) bool {
	cat, known := connectors.StatusCategory(""), false
	for _, tr := range sortedTransitions(h.Transitions) {
		if tr.Field != connectors.FieldStatus {
			continue
		}
		if !tr.At.After(t) {
			cat, known = tr.ToCategory, true
			continue
		}
		if !known {
			cat, known = tr.FromCategory, true
		}
		break
	}
	if !known {
		is := h.Issue
		return is.StatusCategory == connectors.CategoryDone && (is.ResolvedAt == nil || !is.ResolvedAt.After(t))
	}
	return cat == connectors.CategoryDone
}

func (c *computer) sprints(ctx context.Context) error {
	sp := &c.snap.Spillover
	sp.Definition = DefSpillover
	sp.Sprints = []SprintSpillover{}
	var spilledAll []rowID
	seenSprint := map[string]bool{}
	err := each(ctx, c.src.CompletedSprints(ctx, c.q), "completed sprints", func(sh *SprintHistory) {
		c.rows.Add(1)
		s := sh.Sprint
		if s.CompleteAt == nil || !c.q.Period.Contains(*s.CompleteAt) || seenSprint[s.ExternalID] {
			return
		}
		seenSprint[s.ExternalID] = true
		t := *s.CompleteAt
		ss := SprintSpillover{Ref: NewRef(srcOr(s.Source, identity.SourceJira), KindSprint, s.ExternalID), Name: s.Name, CompleteAt: t.UTC()}
		var spilled []rowID
		seen := map[string]bool{}
		if len(sh.Issues) > 0 {
			c.sawIssues.Store(true)
		}
		for i := range sh.Issues {
			h := &sh.Issues[i]
			if seen[h.Issue.ExternalID] || !inSprintAt(h, s.ExternalID, t) {
				continue
			}
			seen[h.Issue.ExternalID] = true
			ss.Committed++
			if !doneAt(h, t) {
				ss.Spilled++
				spilled = append(spilled, issueRow(&h.Issue))
			}
		}
		ss.Rate = ratio(ss.Spilled, ss.Committed)
		ss.SpilledRefs, _ = refsOf(slices.Clone(spilled), 0)
		spilledAll = append(spilledAll, spilled...)
		sp.Committed += ss.Committed
		sp.Spilled += ss.Spilled
		sp.Sprints = append(sp.Sprints, ss)
		if ss.Spilled > 0 {
			sev := SeverityLow
			switch {
			case ss.Rate.V >= 0.5:
				sev = SeverityHigh
			case ss.Rate.V >= 0.25:
				sev = SeverityMedium
			}
			if age := days(c.q.Period.End.Sub(t)); c.risk.admit(sev, age) {
				c.risk.add(RiskItem{
					Kind: RiskSpillover, Severity: sev,
					Title:   fmt.Sprintf("Sprint %s: %d of %d issues not done at completion", s.Name, ss.Spilled, ss.Committed),
					AgeDays: age, Ref: ss.Ref,
					Detail: fmt.Sprintf("spillover %.0f%%", 100*ss.Rate.V),
				})
			}
		}
	})
	if err != nil {
		return err
	}
	slices.SortFunc(sp.Sprints, func(a, b SprintSpillover) int {
		if c := a.CompleteAt.Compare(b.CompleteAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Ref, b.Ref)
	})
	sp.Rate = ratio(sp.Spilled, sp.Committed)
	refs, tr := refsOf(spilledAll, c.cf.maxRefs)
	sp.Sample = Sample{N: sp.Committed, Refs: refs, RefsTruncated: tr}
	return nil
}

func mrRow(mr *connectors.MergeRequest) rowID {
	return newRow(srcOr(mr.Source, identity.SourceGitLab), kMR, mr.ExternalID)
}

// mrOpenAt reports whether an MR was open at t.
func mrOpenAt(mr *connectors.MergeRequest, t time.Time) bool {
	if !mr.CreatedAt.Before(t) {
		return false
	}
	if mr.MergedAt != nil && mr.MergedAt.Before(t) || mr.ClosedAt != nil && mr.ClosedAt.Before(t) {
		return false
	}
	switch mr.State {
	case "opened", "locked", "":
		return true
	}
	// Merged or closed now: open at t only if that happened at or after t.
	return mr.MergedAt != nil || mr.ClosedAt != nil
}

func (c *computer) mergeRequests(ctx context.Context) error {
	var (
		p                  = c.q.Period
		tp                 = &c.snap.Throughput
		mergedBag          bag[rowID]
		cycleBag           bag[point]
		reviewBag          bag[point]
		mergedMRs          bag[mergedMR]
		stale              []rowID
		firstRev, mergedRv int
		open               int
	)
	err := each(ctx, c.src.MergeRequests(ctx, c.q), "merge requests", func(mr *connectors.MergeRequest) {
		c.rows.Add(1)
		id := mrRow(mr)
		if mr.MergedAt != nil && p.Contains(*mr.MergedAt) {
			mergedBag.add(id)
			switch c.cf.classifier.mrClass(mr.Labels) {
			case ClassBug:
				tp.MergeRequests.Bug++
			case ClassFeature:
				tp.MergeRequests.Feature++
			default:
				tp.MergeRequests.Chore++
			}
			if d := mr.MergedAt.Sub(mr.CreatedAt); d >= 0 {
				cycleBag.add(point{v: hours(d), id: id})
				if mr.FirstReviewAt != nil && !mr.FirstReviewAt.Before(mr.CreatedAt) {
					reviewBag.add(point{v: hours(mr.FirstReviewAt.Sub(mr.CreatedAt)), id: id})
					firstRev++
				} else {
					reviewBag.add(point{v: hours(d), id: id})
					mergedRv++
				}
			}
			mergedMRs.add(mergedMR{row: id, project: mr.ProjectID, at: *mr.MergedAt})
		}
		if mrOpenAt(mr, p.End) {
			open++
			idle := p.End.Sub(mr.UpdatedAt)
			if idle > c.cf.staleAfter {
				stale = append(stale, id)
				sev := SeverityLow
				switch {
				case idle > 30*day:
					sev = SeverityHigh
				case idle > 14*day:
					sev = SeverityMedium
				}
				if !c.risk.admit(sev, days(idle)) {
					return
				}
				title := mr.Title
				if mr.IID != 0 {
					title = "!" + strconv.FormatInt(mr.IID, 10) + " " + mr.Title
				}
				if path := c.projPath[mr.ProjectID]; path != "" {
					title = path + " " + title
				}
				c.risk.add(RiskItem{
					Kind: RiskStaleMR, Severity: sev, Title: title, URL: mr.URL, AgeDays: days(idle), Ref: id.ref(),
					Detail: fmt.Sprintf("no update for %.0f days", days(idle)),
				})
			}
		}
	})
	if err != nil {
		return err
	}
	c.merged = mergedMRs.slice()
	tp.Definition = DefThroughput
	tp.MergeRequests.Sample = countSample(mergedBag.slice(), c.cf.maxRefs)

	c.snap.MRCycleTime = distribution(DefMRCycleTime, "hours", cycleBag.slice(), c.cf.maxRefs)
	rl := &c.snap.ReviewLatency
	def := DefReviewMixed
	switch {
	case firstRev > 0 && mergedRv == 0:
		def, rl.Method = DefReviewFirstReview, ReviewFirstReview
	case firstRev == 0 && mergedRv > 0:
		def, rl.Method = DefReviewMerged, ReviewMerged
	case firstRev > 0:
		rl.Method = ReviewMixed
	}
	rl.Distribution = distribution(def, "hours", reviewBag.slice(), c.cf.maxRefs)
	rl.FirstReviewN, rl.MergedN = firstRev, mergedRv

	st := &c.snap.StaleMRs
	st.Definition = fmt.Sprintf(DefStaleMRs, strconv.FormatFloat(days(c.cf.staleAfter), 'f', -1, 64))
	st.AfterDays = days(c.cf.staleAfter)
	st.Count, st.Open = len(stale), open
	if open > 0 {
		st.Percent = Some(100 * float64(len(stale)) / float64(open))
	}
	refs, tr := refsOf(stale, c.cf.maxRefs)
	st.Sample = Sample{N: open, Refs: refs, RefsTruncated: tr}
	return nil
}

func (c *computer) isDefaultBranch(project, ref string) bool {
	if b, ok := c.defaultRef[project]; ok && b != "" {
		return ref == b
	}
	return ref == "main" || ref == "master"
}

// run is the part of a pipeline the failed-pipeline metric reads.
type run struct {
	src                   identity.Source
	project, ref, sha, id string
	status, url           string
	finished, created     time.Time
}

// cmpRun orders runs by (project, ref, sha), then oldest first; runs
// without a SHA are their own group.
func cmpRun(a, b run) int {
	if x := cmp.Compare(a.project, b.project); x != 0 {
		return x
	}
	if x := cmp.Compare(a.ref, b.ref); x != 0 {
		return x
	}
	if x := cmp.Compare(a.sha, b.sha); x != 0 {
		return x
	}
	if a.sha == "" {
		if x := cmpID(a.id, b.id); x != 0 {
			return x
		}
	}
	return laterRun(a, b)
}

// laterRun orders two runs in time: -1 when a ran before b, 1 after.
func laterRun(a, b run) int {
	if x := a.finished.Compare(b.finished); x != 0 {
		return x
	}
	if x := a.created.Compare(b.created); x != 0 {
		return x
	}
	return cmpID(a.id, b.id)
}

// cmpID compares numeric-looking ids numerically (shorter first).
func cmpID(a, b string) int {
	if x := cmp.Compare(len(a), len(b)); x != 0 {
		return x
	}
	return cmp.Compare(a, b)
}

func sameGroup(a, b run) bool {
	return a.project == b.project && a.ref == b.ref && a.sha == b.sha && (a.sha != "" || a.id == b.id)
}

func (c *computer) pipelines(ctx context.Context) error {
	var runBag bag[run]
	err := each(ctx, c.src.Pipelines(ctx, c.q), "pipelines", func(pl *connectors.Pipeline) {
		c.rows.Add(1)
		c.sawPipes.Store(true)
		if pl.FinishedAt == nil || !c.q.Period.Contains(*pl.FinishedAt) {
			return
		}
		runBag.add(run{src: srcOr(pl.Source, identity.SourceGitLab), project: pl.ProjectID, ref: pl.Ref, sha: pl.SHA,
			id: pl.ExternalID, status: pl.Status, url: pl.URL, finished: *pl.FinishedAt, created: pl.CreatedAt})
	})
	if err != nil {
		return err
	}
	// Keep the last run of each (project, ref, sha); earlier ones were retried.
	runs := runBag.slice()
	slices.SortFunc(runs, cmpRun)
	latest := runs[:0]
	retried := 0
	for i, r := range runs {
		if i+1 < len(runs) && sameGroup(r, runs[i+1]) {
			retried++
			continue
		}
		latest = append(latest, r)
	}
	fp := &c.snap.FailedPipelines
	fp.Definition = DefFailedPipelines
	fp.Retried = retried
	var failed []rowID
	lastDefault := map[string]run{}
	for _, r := range latest {
		fp.Finished++
		id := newRow(r.src, kPipeline, r.id)
		isFailed := r.status == "failed"
		if isFailed {
			failed = append(failed, id)
		}
		if !c.isDefaultBranch(r.project, r.ref) || !isFailed && r.status != "success" {
			continue
		}
		fp.DefaultBranch.Total++
		if isFailed {
			fp.DefaultBranch.Failed++
		}
		if prev, ok := lastDefault[r.project]; !ok || laterRun(r, prev) > 0 {
			lastDefault[r.project] = r
		}
	}
	fp.Count = len(failed)
	fp.DefaultBranch.Rate = ratio(fp.DefaultBranch.Failed, fp.DefaultBranch.Total)
	fp.DefaultBranch.Failing = []Ref{}
	for _, r := range lastDefault {
		if r.status != "failed" {
			continue
		}
		ref := NewRef(r.src, KindPipeline, r.id)
		fp.DefaultBranch.Failing = append(fp.DefaultBranch.Failing, ref)
		name := c.projPath[r.project]
		if name == "" {
			name = "project " + r.project
		}
		if age := days(c.q.Period.End.Sub(r.finished)); c.risk.admit(SeverityHigh, age) {
			c.risk.add(RiskItem{
				Kind: RiskFailedPipeline, Severity: SeverityHigh,
				Title: fmt.Sprintf("%s: default branch %s failing (pipeline %s)", name, r.ref, r.id),
				URL:   r.url, AgeDays: age, Ref: ref,
				Detail: "latest default-branch pipeline in the period failed",
			})
		}
	}
	slices.Sort(fp.DefaultBranch.Failing)
	refs, tr := refsOf(failed, c.cf.maxRefs)
	fp.Sample = Sample{N: fp.Finished, Refs: refs, RefsTruncated: tr}
	return nil
}
