package gitlab_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/connectors/gitlab"
	"github.com/ovia-hq/ovia/identity"
)

// TestSyncFromFake syncs every stream of a generated org from
// connectors/fake, with and without injected faults, and checks nothing is
// lost or invented.
func TestSyncFromFake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults fake.Faults
	}{
		{"clean", fake.Faults{}},
		{"faulty", fake.Faults{
			RateLimitEvery: 17, OmitRetryAfter: true, ServerErrorEvery: 23, ServerErrorBurst: 2, TruncateEvery: 29, InvalidJSONEvery: 31,
			DuplicateAcrossPages: true, ChangeDuringSync: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			org := fake.Generate(fake.OrgSpec{Seed: 11, People: 25, Issues: 50, MRsPerProject: 120, Months: 3, Now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)})
			srv := fake.Start(org, fake.Options{GitLabFaults: tt.faults})
			t.Cleanup(srv.Close)
			c, err := gitlab.New(gitlab.Config{BaseURL: srv.GitLabURL, Token: fake.DefaultGitLabToken, Group: org.Spec().GitLabGroup}, gitlab.Options{
				MaxRetries: 10,
				Sleep:      func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
				Now:        org.Now,
			})
			is.NoErr(err)
			since := org.Now().AddDate(-2, 0, 0)

			got := map[connectors.Stream]map[string]bool{}
			var deployments []connectors.Deployment
			var mrs []connectors.MergeRequest
			var pipelines []connectors.Pipeline
			var projects map[string]bool
			for _, stream := range c.Streams() {
				got[stream] = map[string]bool{}
				projects = map[string]bool{}
				var last connectors.Page
				for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: stream, Since: since}) {
					is.NoErr(err)
					for _, pr := range p.Projects {
						projects[pr.ExternalID] = true
					}
					for _, id := range p.Identities {
						if stream == connectors.StreamUsers {
							got[stream][id.ExternalID] = true
						}
					}
					for _, m := range p.MergeRequests {
						got[stream][m.ExternalID] = true
					}
					for _, pl := range p.Pipelines {
						got[stream][pl.ExternalID] = true
					}
					deployments = append(deployments, p.Deployments...)
					mrs = append(mrs, p.MergeRequests...)
					pipelines = append(pipelines, p.Pipelines...)
					for _, d := range p.Deployments {
						got[stream][d.ExternalID] = true
					}
					last = p
				}
				if stream != connectors.StreamUsers {
					is.Equal(len(projects), len(org.Projects()))
					is.True(!last.MaxUpdated.IsZero()) // the final page carries the run's newest update
				}
			}
			is.Equal(len(got[connectors.StreamUsers]), len(org.Accounts(identity.SourceGitLab)))
			is.Equal(len(got[connectors.StreamMergeRequests]), len(org.MergeRequests()))
			is.Equal(len(got[connectors.StreamPipelines]), len(org.Pipelines()))
			is.Equal(len(got[connectors.StreamDeployments]), len(org.Deployments()))

			wantMR := map[string]fake.MergeRequest{}
			for _, m := range org.MergeRequests() {
				wantMR[strconv.Itoa(m.ID)] = m
			}
			reviewed := 0
			for _, m := range mrs {
				w := wantMR[m.ExternalID]
				is.Equal(m.IID, int64(w.IID))
				is.Equal(m.ProjectID, strconv.Itoa(w.ProjectID))
				is.Equal(m.AuthorID, strconv.Itoa(w.AuthorID))
				is.Equal(m.MergedAt != nil, !w.MergedAt.IsZero())
				is.Equal(m.TargetBranch, w.TargetBranch)
				if w.State == "merged" {
					is.True(m.MergeCommitSHA != "")
				}
				if w.FirstReviewAt.IsZero() {
					is.True(m.FirstReviewAt == nil) // nobody but the author and bots took part
				} else {
					is.True(m.FirstReviewAt != nil)
					is.True(m.FirstReviewAt.Equal(w.FirstReviewAt))
					reviewed++
				}
			}
			is.True(reviewed > len(mrs)/2) // most MRs had a review to find
			wantPl := map[string]fake.Pipeline{}
			for _, p := range org.Pipelines() {
				wantPl[strconv.Itoa(p.ID)] = p
			}
			for _, p := range pipelines {
				w := wantPl[p.ExternalID]
				is.Equal(p.Ref, w.Ref)
				is.Equal(p.TriggerSource, w.Source)
				if w.Status == p.Status && !w.FinishedAt.IsZero() {
					is.True(p.FinishedAt != nil) // from the list or the detail request
					is.True(p.FinishedAt.Equal(w.FinishedAt))
				}
			}
			wantDep := map[string]fake.Deployment{}
			for _, d := range org.Deployments() {
				wantDep[strconv.Itoa(d.ID)] = d
			}
			for _, d := range deployments {
				w := wantDep[d.ExternalID]
				is.Equal(d.Environment, w.Environment)
				is.Equal(d.EnvironmentTier, w.Tier)
				is.Equal(d.SHA, w.SHA)
			}

			shipped := map[string]int{}
			for _, d := range org.Deployments() {
				if d.Tier == "production" && d.Status == "success" {
					shipped[strconv.Itoa(d.ID)] = len(d.MergeRequestIDs)
				}
			}
			for _, d := range deployments {
				if n, ok := shipped[d.ExternalID]; ok {
					is.Equal(len(d.MergeRequestIDs), n)
				}
			}
		})
	}
}
