package confluence_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/confluence"
	"github.com/ovia-hq/ovia/connectors/fake"
)

// TestSyncFromFake reads every group of a generated org (plus an unknown
// group id) from connectors/fake, with and without injected faults.
func TestSyncFromFake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults fake.Faults
	}{
		{"clean", fake.Faults{}},
		{"faulty", fake.Faults{RateLimitEvery: 5, ServerErrorEvery: 7, TruncateEvery: 11, InvalidJSONEvery: 13, NextLinkOnLastPage: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			org := fake.Generate(fake.OrgSpec{Seed: 3, People: 120, Issues: 20, MRsPerProject: 5, Now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)})
			srv := fake.Start(org, fake.Options{ConfluenceFaults: tt.faults})
			t.Cleanup(srv.Close)
			want := map[string]bool{}
			var ids []string
			for _, g := range org.Groups() {
				ids = append(ids, g.ID)
				for _, m := range g.Members {
					want[m] = true
				}
			}
			ids = append(ids, "ffffffff-0000-0000-0000-000000000000")
			c, err := confluence.New(confluence.Config{BaseURL: srv.ConfluenceURL, GroupIDs: ids, Email: fake.DefaultEmail, APIToken: fake.DefaultToken}, confluence.Options{
				Limit:      7,
				MaxRetries: 10,
				Sleep:      func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
			})
			is.NoErr(err)
			got := map[string]bool{}
			var notes []string
			for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamGroupMembers}) {
				is.NoErr(err)
				for _, id := range p.Identities {
					is.True(!got[id.ExternalID]) // once each
					got[id.ExternalID] = true
				}
				notes = append(notes, p.Notes...)
			}
			is.Equal(len(got), len(want))
			for id := range want {
				is.True(got[id])
			}
			is.Equal(len(notes), 1)
		})
	}
}
