package fake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ovia-hq/ovia/connectors/fake"
)

// Start a fake Jira/GitLab/Confluence for a small generated org, page
// through Jira's search, and compare with the org's ground truth.
func Example() {
	org := fake.Generate(fake.OrgSpec{Seed: 1, Issues: 250, MRsPerProject: 20, Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)})
	srv := fake.Start(org, fake.Options{JiraFaults: fake.Faults{DuplicateAcrossPages: true}})
	defer srv.Close()

	seen := map[string]bool{}
	token := ""
	for {
		q := url.Values{"jql": {`project in ("CORE", "WEB", "OPS") ORDER BY updated ASC`}, "maxResults": {"100"}, "fields": {"status,updated"}}
		if token != "" {
			q.Set("nextPageToken", token)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.JiraURL+"/rest/api/3/search/jql?"+q.Encode(), nil)
		req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var page struct {
			Issues        []struct{ Key string }
			NextPageToken string
			IsLast        bool
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			panic(err)
		}
		for _, is := range page.Issues {
			seen[is.Key] = true
		}
		if page.IsLast {
			break
		}
		token = page.NextPageToken
	}
	fmt.Println("issues synced:", len(seen), "of", org.Counts().Issues)
	fmt.Println("duplicates injected:", srv.Jira.Stats().Faults[fake.FaultDuplicate])
	// Output:
	// issues synced: 250 of 250
	// duplicates injected: 2
}
