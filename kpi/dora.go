package kpi

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
)

type deploy struct {
	id      rowID
	project string
	at      time.Time
}

// isProduction reports whether a deployment counts for DORA: a successful
// production-tier deployment.
func isProduction(d *connectors.Deployment) bool {
	return strings.EqualFold(d.EnvironmentTier, "production") && d.Status == "success" && d.FinishedAt != nil
}

func (c *computer) dora(ctx context.Context) error {
	p := c.q.Period
	var (
		prod      []deploy
		anyDeploy bool
		byMR      = map[string]time.Time{} // MR id → first production deploy listing it
		withIDs   = map[string]bool{}      // projects whose deploys list their MRs
		seen      = map[string]bool{}
	)
	err := each(ctx, c.src.Deployments(ctx, c.q), "deployments", func(d *connectors.Deployment) {
		c.rows.Add(1)
		if d.FinishedAt == nil || !p.Contains(*d.FinishedAt) || seen[d.ExternalID] {
			return
		}
		seen[d.ExternalID] = true
		anyDeploy = true
		if !isProduction(d) {
			return
		}
		at := d.FinishedAt.UTC()
		prod = append(prod, deploy{id: newRow(srcOr(d.Source, identity.SourceGitLab), kDeployment, d.ExternalID), project: d.ProjectID, at: at})
		if len(d.MergeRequestIDs) > 0 {
			withIDs[d.ProjectID] = true
			for _, m := range d.MergeRequestIDs {
				if t, ok := byMR[m]; !ok || at.Before(t) {
					byMR[m] = at
				}
			}
		}
	})
	if err != nil {
		return err
	}
	slices.SortFunc(prod, func(a, b deploy) int {
		if x := a.at.Compare(b.at); x != 0 {
			return x
		}
		return cmpRow(a.id, b.id)
	})
	dora := &c.snap.DORA

	// Deployment frequency.
	df := &dora.DeploymentFrequency
	df.Definition = DefDeployFrequency
	df.Deploys = len(prod)
	daySet := map[string]bool{}
	rows := make([]rowID, len(prod))
	for i, d := range prod {
		daySet[d.at.Format(time.DateOnly)] = true
		rows[i] = d.id
	}
	df.DaysWithDeploy = len(daySet)
	if anyDeploy {
		df.PerDay = Some(float64(df.Deploys) / p.Days())
		df.DaysPerWeek = Some(float64(df.DaysWithDeploy) / (p.Days() / 7))
	}
	df.Band = DeployFrequencyBand(df.PerDay)
	df.Sample = countSample(slices.Clone(rows), c.cf.maxRefs)

	// Lead time for changes.
	byProject := map[string][]time.Time{}
	for _, d := range prod {
		byProject[d.project] = append(byProject[d.project], d.at) // sorted, as prod is
	}
	lt := &dora.LeadTime
	var (
		pts        []point
		undeployed []rowID
	)
	for _, m := range c.merged {
		id := m.row
		if t, ok := byMR[m.row.id]; ok && !t.Before(m.at) {
			pts = append(pts, point{v: hours(t.Sub(m.at)), id: id})
			lt.ViaMergeRequestIDs++
			continue
		}
		if withIDs[m.project] {
			undeployed = append(undeployed, id)
			continue
		}
		ts := byProject[m.project]
		i, _ := slices.BinarySearchFunc(ts, m.at, func(a, b time.Time) int { return a.Compare(b) })
		if i == len(ts) {
			undeployed = append(undeployed, id)
			continue
		}
		pts = append(pts, point{v: hours(ts[i].Sub(m.at)), id: id})
		lt.ViaNextDeploy++
	}
	lt.Distribution = distribution(DefLeadTime, "hours", pts, c.cf.maxRefs)
	lt.Undeployed = countSample(undeployed, c.cf.maxRefs)
	switch {
	case lt.ViaMergeRequestIDs > 0 && lt.ViaNextDeploy > 0:
		lt.Method = LeadTimeMixed
	case lt.ViaMergeRequestIDs > 0:
		lt.Method = LeadTimeMergeRequestIDs
	case lt.ViaNextDeploy > 0:
		lt.Method = LeadTimeNextDeploy
	}
	lt.Band = LeadTimeBand(lt.P50)

	// Incidents: change failure rate and time to restore.
	type incident struct {
		id      rowID
		created time.Time
	}
	var (
		created []incident
		restore []point
		seenInc = map[string]bool{}
	)
	err = each(ctx, c.src.Incidents(ctx, c.q), "incidents", func(is *connectors.Issue) {
		c.rows.Add(1)
		c.sawIssues.Store(true)
		if !c.cf.classifier.incident(is.Type, is.Labels) || seenInc[is.ExternalID] {
			return
		}
		seenInc[is.ExternalID] = true
		id := issueRow(is)
		if p.Contains(is.CreatedAt) {
			created = append(created, incident{id: id, created: is.CreatedAt.UTC()})
		}
		if is.ResolvedAt != nil && p.Contains(*is.ResolvedAt) && !is.ResolvedAt.Before(is.CreatedAt) {
			restore = append(restore, point{v: hours(is.ResolvedAt.Sub(is.CreatedAt)), id: id})
		}
	})
	if err != nil {
		return err
	}
	slices.SortFunc(created, func(a, b incident) int {
		if x := a.created.Compare(b.created); x != 0 {
			return x
		}
		return cmpRow(a.id, b.id)
	})
	cfr := &dora.ChangeFailureRate
	cfr.Definition = DefChangeFailure
	cfr.Deploys = len(prod)
	cfr.Incidents = []Ref{}
	var failed []rowID
	j := 0
	for i, d := range prod {
		until := p.End
		if i+1 < len(prod) {
			until = prod[i+1].at
		}
		for j < len(created) && created[j].created.Before(d.at) {
			j++
		}
		hit := false
		for j < len(created) && created[j].created.Before(until) {
			hit = true
			cfr.Incidents = append(cfr.Incidents, created[j].id.ref())
			j++
		}
		if hit {
			failed = append(failed, d.id)
		}
	}
	cfr.Failed = len(failed)
	cfr.Rate = ratio(cfr.Failed, cfr.Deploys)
	cfr.Band = ChangeFailureBand(cfr.Rate)
	refs, tr := refsOf(failed, c.cf.maxRefs)
	cfr.Sample = Sample{N: cfr.Deploys, Refs: refs, RefsTruncated: tr}

	ttr := &dora.TimeToRestore
	ttr.Distribution = distribution(DefTimeToRestore, "hours", restore, c.cf.maxRefs)
	ttr.Band = TimeToRestoreBand(ttr.P50)
	return nil
}

// scores fills Health, Risk and the risk items once every metric is known.
func (c *computer) scores() {
	s := &c.snap
	s.Empty = c.rows.Load() == 0
	var bandSum float64
	bands := 0
	for _, b := range []Band{s.DORA.DeploymentFrequency.Band, s.DORA.LeadTime.Band, s.DORA.ChangeFailureRate.Band, s.DORA.TimeToRestore.Band} {
		if v := b.Score(); v.Valid {
			bandSum += v.V
			bands++
		}
	}
	hin := HealthInputs{
		ReviewLatencyP50Hours:  s.ReviewLatency.P50,
		IssueCycleTimeP90Hours: s.IssueCycleTime.P90,
		FailureRate:            s.FailedPipelines.DefaultBranch.Rate,
		StaleMRPercent:         s.StaleMRs.Percent,
		SpilloverRate:          s.Spillover.Rate,
	}
	rin := RiskInputs{
		OldestBlockerDays: s.Blockers.Age.Max,
		StaleMRPercent:    s.StaleMRs.Percent,
		SpilloverRate:     s.Spillover.Rate,
	}
	if bands > 0 {
		hin.DORA = Some(bandSum / float64(bands))
	}
	if c.sawIssues.Load() {
		hin.OpenBlockers = Some(float64(s.Blockers.Count))
		rin.OpenBlockers = hin.OpenBlockers
	}
	if c.sawPipes.Load() {
		rin.FailingDefaultBranches = Some(float64(len(s.FailedPipelines.DefaultBranch.Failing)))
	}
	if s.IssueCycleTime.N > 0 {
		rin.CycleTimeOutliers = Some(float64(s.IssueCycleTime.Outliers.N))
	}
	s.Health = ScoreHealth(hin)
	s.Risk = ScoreRisk(rin)
	if s.Empty {
		s.Risk.Score, s.Risk.Label = Null, ""
	}

	s.RiskItems, s.RiskItemsTotal = c.risk.result()
}

// riskList keeps the most severe risk items without building every
// candidate: once it has pruned to max items, a candidate that sorts after
// the worst kept one is only counted, so a scope with 50,000 stale MRs
// formats about max titles, not 50,000.
type riskList struct {
	mu    sync.Mutex // steps run concurrently (see Compute)
	max   int        // ≤ 0: keep all
	total int
	items []RiskItem
	floor *RiskItem // the worst item kept at the last prune
}

func cmpRisk(a, b *RiskItem) int {
	if x := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); x != 0 {
		return x
	}
	if x := cmp.Compare(b.AgeDays, a.AgeDays); x != 0 {
		return x
	}
	return cmp.Compare(a.Ref, b.Ref)
}

// admit counts a candidate and reports whether it may make the cut; only
// then does the caller build it.
func (l *riskList) admit(sev Severity, age float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	if l.floor == nil {
		return true
	}
	if r, f := sev.Rank(), l.floor.Severity.Rank(); r != f {
		return r > f
	}
	return age >= l.floor.AgeDays
}

func (l *riskList) add(it RiskItem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, it)
	if l.max > 0 && len(l.items) >= 2*l.max {
		l.prune()
	}
}

func (l *riskList) prune() {
	slices.SortFunc(l.items, func(a, b RiskItem) int { return cmpRisk(&a, &b) })
	if l.max > 0 && len(l.items) > l.max {
		clear(l.items[l.max:])
		l.items = l.items[:l.max]
		floor := l.items[l.max-1]
		l.floor = &floor
	}
}

func (l *riskList) result() ([]RiskItem, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune()
	if l.items == nil {
		return []RiskItem{}, l.total
	}
	return l.items, l.total
}
