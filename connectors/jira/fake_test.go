package jira_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/connectors/jira"
	"github.com/ovia-hq/ovia/identity"
)

// TestSyncFromFake syncs a generated org from connectors/fake with faults
// injected (rate limits, 5xx bursts, truncated and invalid bodies,
// duplicates across pages, a page changing during the sync) and checks
// every user and issue arrives with its full transition list.
func TestSyncFromFake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults fake.Faults
	}{
		{"clean", fake.Faults{}},
		{"faulty", fake.Faults{
			RateLimitEvery: 17, ServerErrorEvery: 23, ServerErrorBurst: 2, TruncateEvery: 29, InvalidJSONEvery: 31,
			DuplicateAcrossPages: true, ChangeDuringSync: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			org := fake.Generate(fake.OrgSpec{Seed: 7, People: 25, Issues: 400, Months: 2, Now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)})
			srv := fake.Start(org, fake.Options{JiraFaults: tt.faults})
			t.Cleanup(srv.Close)
			c, err := jira.New(jira.Config{
				BaseURL: srv.JiraURL, Email: fake.DefaultEmail, APIToken: fake.DefaultToken,
				ProjectKeys: org.Spec().JiraProjects, SyncWindowDays: 365,
			}, jira.Options{
				MaxRetries: 10,
				Sleep:      func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
				Now:        org.Now,
			})
			is.NoErr(err)

			users := map[string]identity.Identity{}
			for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamUsers}) {
				is.NoErr(err)
				for _, id := range p.Identities {
					users[id.ExternalID] = id
				}
			}
			is.Equal(len(users), len(org.Accounts(identity.SourceJira)))

			issues := map[string]connectors.Issue{}
			transitions := map[string][]connectors.Transition{}
			var last time.Time
			for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues}) {
				is.NoErr(err)
				for _, iss := range p.Issues {
					issues[iss.ExternalID] = iss
				}
				byIssue := map[string][]connectors.Transition{}
				for _, tr := range p.Transitions {
					byIssue[tr.IssueID] = append(byIssue[tr.IssueID], tr)
				}
				for id, trs := range byIssue {
					transitions[id] = trs // replace strategy: the latest full list wins
				}
				if !p.MaxUpdated.IsZero() {
					last = p.MaxUpdated
				}
			}
			want := org.Issues()
			is.Equal(len(issues), len(want))
			is.True(!last.IsZero())
			for _, w := range want {
				got, ok := issues[w.ID]
				is.True(ok)
				is.Equal(got.Key, w.Key)
				is.Equal(got.Status, w.Status.Name)
				is.True(got.StatusCategory != "")
				is.Equal(got.AssigneeID, w.AssigneeID)
				is.Equal(got.BlockedBy, w.BlockedBy)
				is.Equal(got.IsFlagged, w.Flagged)
				is.Equal(got.Team, w.Team)
				is.Equal(got.Type, w.Type)
				is.Equal(got.Priority, w.Priority)
				is.Equal(got.ResolvedAt != nil, !w.Resolved.IsZero())
				is.Equal(got.StoryPoints != nil, w.StoryPoints != nil && *w.StoryPoints >= 0)
				if got.StoryPoints != nil {
					is.Equal(*got.StoryPoints, *w.StoryPoints)
				}
				if len(w.Sprints) > 0 {
					is.Equal(got.SprintID, strconv.Itoa(w.Sprints[len(w.Sprints)-1]))
				}
				is.True(got.UpdatedAt.Equal(w.Updated) || got.UpdatedAt.After(w.Updated)) // ChangeDuringSync may bump it
				n := 0
				for _, h := range w.Histories {
					for _, it := range h.Items {
						if it.FieldID == "status" || it.Field == "Sprint" {
							n++
						}
					}
				}
				is.Equal(len(transitions[w.ID]), n)
			}
		})
	}
}
