package jira

import (
	"os"
	"testing"
)

// FuzzSearchPageParse feeds arbitrary bodies to the search page decoder
// (the fastest JSON decoder is not the standard library's, so it must
// show it fails cleanly): never a panic, and an issue list only when the
// body parsed.
func FuzzSearchPageParse(f *testing.F) {
	for _, name := range []string{"testdata/search_page1.json", "testdata/search_page2.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2]) // a body cut in the middle
	}
	f.Add([]byte(`{"issues":[{"id":"1","key":"A-1","fields":{"summary":"x","customfield_10016":"3"}}],"isLast":true}`))
	f.Add([]byte(`{"issues":[{"fields":{"summary":1e999}}]}`))
	f.Add([]byte(`{"issues":[{"fields":{"labels":["a\ud800"]}}]}`))
	c := &Client{cfg: Config{BaseURL: "https://acme.atlassian.net"}}
	m := &meta{fields: fieldIDs{storyPoints: []string{"customfield_10016"}, sprint: "customfield_10020", team: "customfield_10001", flagged: "customfield_10021"}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var sp searchPage
		if err := sp.parse(body); err != nil {
			return
		}
		if len(sp.Issues) != len(sp.Docs) {
			t.Fatalf("%d raw issues, %d decoded", len(sp.Issues), len(sp.Docs))
		}
		for i, d := range sp.Docs {
			ppl := newPeople()
			if _, _, err := c.mapIssue(m, d, ppl); err != nil {
				continue
			}
			if d.Changelog != nil {
				_, _ = transitions(m, d.ID, sp.Docs[i].Changelog.Histories, ppl)
			}
		}
	})
}
