package matching_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
)

// labelledIdentity is one row of testdata/labelled.json: a hand-written
// identity and the person it truly belongs to.
type labelledIdentity struct {
	ID               string          `json:"id"`
	Person           string          `json:"person"`
	Source           identity.Source `json:"source"`
	Username         string          `json:"username"`
	Email            string          `json:"email"`
	DisplayName      string          `json:"display_name"`
	IsServiceAccount bool            `json:"is_service_account"`
}

// TestAccuracyLabelled measures the hand-labelled corpus in testdata.
func TestAccuracyLabelled(t *testing.T) {
	is := is.New(t)
	raw, err := os.ReadFile("testdata/labelled.json")
	is.NoErr(err)
	var rows []labelledIdentity
	is.NoErr(json.Unmarshal(raw, &rows))
	truth := map[string]string{}
	var state identity.MatchState
	for _, r := range rows {
		truth[r.ID] = r.Person
		state.Mappings = append(state.Mappings, identity.Mapping{Identity: identity.Identity{
			ID: r.ID, Source: r.Source, ExternalID: "ext-" + r.ID, Username: r.Username,
			Email: r.Email, DisplayName: r.DisplayName, IsServiceAccount: r.IsServiceAccount,
		}})
	}
	cfg := matching.DefaultConfig()
	cfg.DomainAliases = map[string]string{"acme.io": "acme.com"}
	eng, err := matching.New(cfg)
	is.NoErr(err)
	res, err := eng.Resolve(context.Background(), state)
	is.NoErr(err)
	linked, autoOnly := decisionClusters(res.Decisions)
	ml, ma := matching.ScorePairs(linked, truth), matching.ScorePairs(autoOnly, truth)
	t.Logf("labelled corpus: %d identities; stats %+v", len(rows), res.Stats)
	t.Logf("auto links:          precision %.4f  recall %.4f  F1 %.4f", ma.Precision(), ma.Recall(), ma.F1())
	t.Logf("auto+conflict links: precision %.4f  recall %.4f  F1 %.4f", ml.Precision(), ml.Recall(), ml.F1())
	is.Equal(ma.Precision(), 1.0) // no wrong automatic link on the labelled corpus
	if testing.Verbose() {
		for _, d := range res.Decisions {
			t.Logf("%s %-10s %-8s %.3f person=%s%s", d.IdentityID, truth[d.IdentityID], d.Status, d.Score, d.PersonID, d.NewPersonKey)
		}
	}
}
