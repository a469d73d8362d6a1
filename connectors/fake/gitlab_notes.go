package fake

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// mrNote is one note on a merge request as GitLab lists it on
// /projects/:id/merge_requests/:iid/notes.
type mrNote struct {
	id       int
	author   int
	body     string
	system   bool
	kind     string // "", DiffNote or DiscussionNote
	at       time.Time
	path     string // DiffNote position
	line     int
	resolved bool
	// review marks what counts as a review (a comment by someone other
	// than the author and bots, or an approval): the truth behind
	// MergeRequest.FirstReviewAt, set by construction rather than by
	// reading the note back.
	review bool
}

// noteIDBase and notesPerMR make note ids unique across the org and
// increasing with time within one merge request.
const (
	noteIDBase = 140000000
	notesPerMR = 200
)

var (
	reviewComments = []string{
		"Could we return early here? The nesting makes this hard to follow.",
		"This allocates on every call; maybe hoist it out of the loop.",
		"nit: the name doesn't say what it holds.",
		"What happens when the list is empty?",
		"Is there a test for the error path?",
		"Should this be behind the feature flag?",
		"I think this needs a migration for existing rows.",
		"Why not reuse the existing helper in the same package?",
	}
	lgtmComments  = []string{"LGTM 👍", "Looks good to me, thanks!", "Nice cleanup. Approving.", "Works locally, ship it."}
	authorReplies = []string{"Good catch, fixed.", "Done in the latest commit.", "Agreed, changed it.", "Left as is on purpose: see the description.", "Added a test."}
	authorPings   = []string{"@%s could you take a look when you have a minute?", "@%s ready for review: the interesting part is the second commit.", "Rebased on the default branch. @%s PTAL"}
	botComments   = []string{"Code coverage: %d.%d%% (+0.%d%%) on changed lines.", "This merge request changes %d files without a changelog entry. Add one or label it ~\"no changelog\".", "Danger: %d warnings. See the job log for details."}
	commitTitles  = []string{"address review comments", "fix lint", "add tests", "handle empty input", "rename for clarity", "update docs"}
	diffPaths     = []string{"internal/api/handler.go", "internal/store/query.go", "web/src/components/Table.tsx", "cmd/server/main.go", "README.md", "internal/auth/session.go"}
)

// mrNotes builds the notes of m. The discussion (reviews, replies, bot
// comments, pushes) comes from a source seeded by the org seed and the MR
// id, never from the generator's main stream, and stays within
// [CreatedAt, talkUntil]; lifecycle notes (draft, merged, closed) follow
// the MR's current state. Callers hold mu (or own the org).
func (o *Org) mrNotes(m *MergeRequest) []mrNote {
	rng := rand.New(rand.NewPCG(o.spec.Seed^0x6e6f746573, uint64(m.ID)))
	var notes []mrNote
	add := func(n mrNote) { notes = append(notes, n) }
	user := func(id int) string {
		if i, ok := o.gitlabIdx[id]; ok {
			return o.accounts[i].Username
		}
		return "ghost"
	}
	created := m.CreatedAt
	end := m.talkUntil
	if !m.MergedAt.IsZero() && m.MergedAt.Before(end) {
		end = m.MergedAt
	}
	span := end.Sub(created)
	at := func(frac float64) time.Time {
		return ms(created.Add(time.Duration(frac * float64(span))))
	}
	var bot int
	var others []int // project members who are neither bots nor the author
	for _, id := range o.projectMembers[m.ProjectID] {
		switch i, ok := o.gitlabIdx[id]; {
		case !ok:
		case o.accounts[i].Bot:
			bot = id
		case id != m.AuthorID:
			others = append(others, id)
		}
	}
	if span > time.Second {
		add(mrNote{author: m.AuthorID, system: true, body: "assigned to @" + user(m.AuthorID), at: at(0.0005)})
		if len(m.ReviewerIDs) > 0 {
			names := make([]string, len(m.ReviewerIDs))
			for i, r := range m.ReviewerIDs {
				names[i] = "@" + user(r)
			}
			add(mrNote{author: m.AuthorID, system: true, body: "requested review from " + strings.Join(names, " and "), at: at(0.001)})
			if rng.Float64() < 0.35 {
				add(mrNote{author: m.AuthorID, body: fmt.Sprintf(authorPings[rng.IntN(len(authorPings))], user(m.ReviewerIDs[0])), at: at(0.005 + 0.03*rng.Float64())})
			}
		}
		if bot != 0 && rng.Float64() < 0.4 {
			body := fmt.Sprintf(botComments[rng.IntN(len(botComments))], 60+rng.IntN(35), rng.IntN(10), 1+rng.IntN(9))
			add(mrNote{author: bot, body: body, at: at(0.01 + 0.05*rng.Float64())})
		}
		for range rng.IntN(4) {
			sha := fmt.Sprintf("%08x", rng.Uint32())
			add(mrNote{author: m.AuthorID, system: true, at: at(0.05 + 0.9*rng.Float64()),
				body: fmt.Sprintf("added 1 commit\n\n<ul><li>%s - %s</li></ul>\n\n[Compare with previous version](/%s/-/merge_requests/%d/diffs?diff_id=%d&start_sha=%s)",
					sha, commitTitles[rng.IntN(len(commitTitles))], o.projectPath(m.ProjectID), m.IID, 40000000+rng.IntN(9000000), fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), rng.Uint32()))})
		}
		reviewers := m.ReviewerIDs
		if len(reviewers) == 0 && len(others) > 0 && rng.Float64() < 0.3 {
			reviewers = []int{others[rng.IntN(len(others))]} // a drive-by review
		}
		start := 0.1 + 0.6*rng.Float64()
		for k, r := range reviewers {
			if rng.Float64() >= []float64{0.85, 0.6}[min(k, 1)] {
				continue
			}
			t := start + 0.1*float64(k)*rng.Float64()
			switch rng.IntN(10) {
			case 0, 1, 2: // approves without a word
				add(mrNote{author: r, system: true, body: "approved this merge request", at: at(t), review: true})
			case 3: // a quick comment
				add(mrNote{author: r, body: lgtmComments[rng.IntN(len(lgtmComments))], at: at(t), review: true})
				add(mrNote{author: r, system: true, body: "approved this merge request", at: at(t + 0.001), review: true})
			default: // a review with diff comments, published at once
				for j := range 1 + rng.IntN(3) {
					add(mrNote{author: r, kind: "DiffNote", body: reviewComments[rng.IntN(len(reviewComments))], at: at(t).Add(time.Duration(j) * 40 * time.Millisecond),
						path: diffPaths[rng.IntN(len(diffPaths))], line: 3 + rng.IntN(240), resolved: rng.Float64() < 0.7, review: true})
				}
				if rng.Float64() < 0.15 {
					add(mrNote{author: r, system: true, body: "requested changes", at: at(t + 0.002), review: true})
				}
				reply := t + 0.05 + 0.1*rng.Float64()
				if rng.Float64() < 0.7 {
					add(mrNote{author: m.AuthorID, kind: "DiscussionNote", body: authorReplies[rng.IntN(len(authorReplies))], at: at(reply)})
				}
				if rng.Float64() < 0.7 {
					add(mrNote{author: r, system: true, body: "approved this merge request", at: at(reply + 0.1*rng.Float64()), review: true})
				}
			}
		}
		if len(others) > 0 && rng.Float64() < 0.2 {
			// Another MR or issue referring to this one: a system note
			// by someone else that is not a review.
			add(mrNote{author: others[rng.IntN(len(others))], system: true, at: at(0.05 + 0.9*rng.Float64()),
				body: fmt.Sprintf("mentioned in merge request !%d", m.IID+1+rng.IntN(20))})
		}
	}
	for i := range notes {
		if notes[i].at.After(end) {
			notes[i].at = end
		}
	}
	if m.Draft && m.State == "opened" {
		add(mrNote{author: m.AuthorID, system: true, body: "marked this merge request as **draft**", at: minTime(created.Add(time.Second), m.UpdatedAt)})
	}
	if !m.MergedAt.IsZero() {
		add(mrNote{author: m.MergedByID, system: true, body: "merged", at: m.MergedAt})
		if m.MergeCommitSHA != "" {
			add(mrNote{author: m.MergedByID, system: true, body: "mentioned in commit " + m.MergeCommitSHA, at: minTime(m.MergedAt.Add(300*time.Millisecond), m.UpdatedAt)})
		}
	}
	if !m.ClosedAt.IsZero() {
		add(mrNote{author: m.AuthorID, system: true, body: "closed", at: m.ClosedAt})
	}
	slices.SortStableFunc(notes, func(a, b mrNote) int { return a.at.Compare(b.at) })
	notes = notes[:min(len(notes), notesPerMR)]
	for i := range notes {
		notes[i].id = noteIDBase + (m.ID-mrIDBase)*notesPerMR + i
	}
	return notes
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// firstReview is the earliest review note of m (zero when none).
func (o *Org) firstReview(m *MergeRequest) time.Time {
	for _, n := range o.mrNotes(m) {
		if n.review {
			return n.at
		}
	}
	return time.Time{}
}

// userNotes counts the notes people wrote on m (GitLab's
// user_notes_count: system notes left out).
func (o *Org) userNotes(m *MergeRequest) int {
	n := 0
	for _, note := range o.mrNotes(m) {
		if !note.system {
			n++
		}
	}
	return n
}

// mrNotes serves /projects/:id/merge_requests/:iid/notes: offset paged,
// order_by created_at (default) or updated_at, sort desc (default) or asc.
func (g *GitLabServer) mrNotes(c *call) {
	q := c.r.URL.Query()
	switch q.Get("order_by") {
	case "", "created_at", "updated_at":
	default:
		c.json(http.StatusBadRequest, map[string]string{"error": "order_by does not have a valid value"})
		return
	}
	desc := true
	switch q.Get("sort") {
	case "", "desc":
	case "asc":
		desc = false
	default:
		c.json(http.StatusBadRequest, map[string]string{"error": "sort does not have a valid value"})
		return
	}
	o := g.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	var m *MergeRequest
	if p, ok := g.projectOf(c); ok {
		iid, _ := strconv.Atoi(c.r.PathValue("iid"))
		for i := range o.mrs {
			if o.mrs[i].ProjectID == p.ID && o.mrs[i].IID == iid {
				m = &o.mrs[i]
				break
			}
		}
	}
	if m == nil {
		c.errorf(http.StatusNotFound, "404 Not found")
		return
	}
	notes := o.mrNotes(m)
	if desc {
		slices.Reverse(notes)
	}
	page := pageOf(c, notes)
	out := make([]map[string]any, len(page))
	for i := range page {
		out[i] = c.glNote(o, m, &page[i])
	}
	c.json(http.StatusOK, out)
}

func (c *call) glNote(o *Org, m *MergeRequest, n *mrNote) map[string]any {
	var kind any
	if n.kind != "" {
		kind = n.kind
	}
	out := map[string]any{
		"id": n.id, "type": kind, "body": n.body, "attachment": nil, "author": c.glUser(o, n.author),
		"created_at": glTime(n.at), "updated_at": glTime(n.at), "system": n.system, "noteable_id": m.ID,
		"noteable_type": "MergeRequest", "project_id": m.ProjectID, "resolvable": n.kind == "DiffNote", "confidential": false,
		"internal": false, "imported": false, "imported_from": "none", "noteable_iid": m.IID, "commands_changes": map[string]any{},
	}
	if n.kind != "DiffNote" {
		return out
	}
	out["resolved"] = n.resolved
	out["resolved_by"], out["resolved_at"] = nil, nil
	if n.resolved {
		out["resolved_by"] = c.glUser(o, m.AuthorID)
		out["resolved_at"] = glTime(minTime(n.at.Add(time.Hour), m.UpdatedAt))
	}
	base := m.SHA[20:] + m.SHA[:20] // the target branch's head when the MR was opened
	out["position"] = map[string]any{
		"base_sha": base, "start_sha": base, "head_sha": m.SHA, "old_path": n.path, "new_path": n.path,
		"position_type": "text", "old_line": nil, "new_line": n.line, "line_range": nil,
	}
	return out
}
