package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// tick advances the org clock by a second and returns it. Callers hold mu.
func (o *Org) tick() time.Time {
	o.now = o.now.Add(time.Second)
	return o.now
}

// Advance moves the org clock forward by d (it never moves back) and
// returns the new time. Touch and Mutate stamp changes with the clock.
func (o *Org) Advance(d time.Duration) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if d > 0 {
		o.now = o.now.Add(d)
	}
	return o.now
}

// touchIssues records an edit on each issue (a description change by its
// reporter) and bumps updated.
func (o *Org) touchIssues(idxs []int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, i := range idxs {
		is := &o.issues[i]
		o.addHistory(is, is.ReporterID, ChangeItem{Field: "description", FieldType: "jira", FieldID: "description"})
	}
	o.sortIssueOrder()
}

// addHistory appends a history stamped now. Callers hold mu.
func (o *Org) addHistory(is *Issue, author string, items ...ChangeItem) {
	at := o.tick()
	o.historySeq++
	// A fresh slice: readers may hold the old one.
	is.Histories = append(slices.Clip(is.Histories), History{ID: strconv.Itoa(100000 + o.historySeq), AuthorID: author, Created: at, Items: items})
	is.Updated = at
}

// TouchIssues edits the issues with the given keys (a description change,
// so the changelog grows by one entry) and bumps their updated time to the
// org clock. Unknown keys are ignored. It returns the new updated time.
func (o *Org) TouchIssues(keys ...string) time.Time {
	var idxs []int
	o.mu.RLock()
	for _, k := range keys {
		if i, ok := o.issueByKey[k]; ok {
			idxs = append(idxs, i)
		}
	}
	o.mu.RUnlock()
	o.touchIssues(idxs)
	return o.Now()
}

// TouchMergeRequests bumps updated_at of the merge requests with the given
// global ids.
func (o *Org) TouchMergeRequests(ids ...int) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		if i := id - mrIDBase; i >= 0 && i < len(o.mrs) {
			o.mrs[i].UpdatedAt = o.tick()
		}
	}
	return o.now
}

// TouchPipelines bumps updated_at of the pipelines with the given ids.
func (o *Org) TouchPipelines(ids ...int) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		if i := id - pipelineIDBase; i >= 0 && i < len(o.pipelines) {
			o.pipelines[i].UpdatedAt = o.tick()
		}
	}
	return o.now
}

// TouchDeployments bumps updated_at of the deployments with the given ids.
func (o *Org) TouchDeployments(ids ...int) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		if i := id - deploymentIDBase; i >= 0 && i < len(o.deployments) {
			o.deployments[i].UpdatedAt = o.tick()
		}
	}
	return o.now
}

// Changes lists what a Mutate call changed.
type Changes struct {
	IssueKeys       []string
	MergeRequestIDs []int
	PipelineIDs     []int
	DeploymentIDs   []int
}

// Mutate makes n realistic changes of each kind, chosen deterministically
// from the seed and the number of earlier Mutate calls: open issues move
// one step through the workflow (To Do → In Progress → In Review → Done),
// open merge requests are merged, running pipelines finish and running
// deployments succeed (or, when none is left, recent ones are touched).
// Every change bumps updated to the org clock, so an incremental sync
// must pick exactly these items up.
func (o *Org) Mutate(n int) Changes {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mutations++
	rng := rand.New(rand.NewPCG(o.spec.Seed, o.mutations))
	var ch Changes
	pick := func(total int, eligible func(int) bool) []int {
		var out []int
		start := rng.IntN(max(total, 1))
		for k := 0; k < total && len(out) < n; k++ {
			if i := (start + k) % total; eligible(i) {
				out = append(out, i)
			}
		}
		return out
	}
	for _, i := range pick(len(o.issues), func(i int) bool { return o.issues[i].Status.Category != "done" }) {
		is := &o.issues[i]
		next := map[string]Status{"To Do": StatusInProgress, "In Progress": StatusInReview, "In Review": StatusDone}[is.Status.Name]
		author := is.AssigneeID
		if author == "" {
			author = is.ReporterID
		}
		o.addHistory(is, author, statusItem(is.Status, next))
		is.Status = next
		if next.Category == "done" {
			is.Resolved, is.Resolution = is.Updated, "Done"
		}
		ch.IssueKeys = append(ch.IssueKeys, is.Key)
	}
	o.sortIssueOrder()
	for _, i := range pick(len(o.mrs), func(i int) bool { return o.mrs[i].State == "opened" }) {
		m := &o.mrs[i]
		m.State, m.MergedAt, m.MergeCommitSHA = "merged", o.tick(), fmt.Sprintf("%040x", uint64(m.ID)*2654435761)
		m.MergedByID, m.UpdatedAt, m.Draft = m.AuthorID, m.MergedAt, false
		ch.MergeRequestIDs = append(ch.MergeRequestIDs, m.ID)
	}
	for _, i := range pick(len(o.pipelines), func(i int) bool {
		s := o.pipelines[i].Status
		return s == "running" || s == "pending"
	}) {
		p := &o.pipelines[i]
		p.FinishedAt = o.tick()
		if p.StartedAt.IsZero() {
			p.StartedAt = p.CreatedAt
		}
		p.Status, p.UpdatedAt, p.Duration = "success", p.FinishedAt, int(p.FinishedAt.Sub(p.StartedAt)/time.Second)
		ch.PipelineIDs = append(ch.PipelineIDs, p.ID)
	}
	for _, i := range pick(len(o.deployments), func(i int) bool { return o.deployments[i].Status == "running" }) {
		d := &o.deployments[i]
		d.Status, d.FinishedAt = "success", o.tick()
		d.UpdatedAt = d.FinishedAt
		ch.DeploymentIDs = append(ch.DeploymentIDs, d.ID)
	}
	return ch
}
