package jira_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
)

// realDir holds recorded payloads from real Jira Cloud and gitlab.com,
// present in the shared workspace but not in a clone of the project.
var realDir = filepath.Join("..", "..", "..", "shared", "fixtures", "real")

type realItem struct {
	Request      string          `json:"request"`
	ResponseItem json.RawMessage `json:"response_item"`
}

func readReal(t *testing.T, name string) []realItem {
	t.Helper()
	f, err := os.Open(filepath.Join(realDir, name))
	if err != nil {
		t.Skipf("recorded payloads not available (%v): skipping", err)
	}
	defer f.Close()
	var out []realItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var it realItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatal(err)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func joinItems(items []realItem) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = string(it.ResponseItem)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// TestRealIssues replays the 33 recorded issues (sprint field arrays,
// story points as "-1" and as a number, embedded changelogs) through
// search/jql in short pages.
func TestRealIssues(t *testing.T) {
	is := is.New(t)
	issues := readReal(t, "jira/issues.jsonl")
	statuses := readReal(t, "jira/statuses.jsonl")
	b := setup(t)
	b.srv.handle("GET /rest/api/3/field", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"id":"customfield_10020","name":"Sprint","custom":true,"schema":{"type":"array","items":"json","custom":"com.pyxis.greenhopper.jira:gh-sprint","customId":10020}},
			{"id":"customfield_10024","name":"Story Points","custom":true,"schema":{"type":"number","custom":"com.atlassian.jira.plugin.system.customfieldtypes:float","customId":10024}}]`))
	})
	b.srv.handle("GET /rest/api/3/status", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(joinItems(statuses))) })
	b.srv.handle("GET /rest/api/3/myself", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"accountId":"5e9711ba34f7b90c0fbc37d3","timeZone":"Asia/Shanghai"}`))
	})
	const per = 10
	b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("nextPageToken"))
		end := min(start+per, len(issues))
		body := `{"issues":` + joinItems(issues[start:end])
		if end < len(issues) {
			body += fmt.Sprintf(`,"nextPageToken":"%d","isLast":false}`, end)
		} else {
			body += `,"isLast":true}`
		}
		_, _ = w.Write([]byte(body))
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues, Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	is.NoErr(err)
	is.Equal(len(pages), 4)
	var got []connectors.Issue
	var transitions, sprints int
	points := map[string]float64{}
	for _, p := range pages {
		got = append(got, p.Issues...)
		transitions += len(p.Transitions)
		sprints += len(p.Sprints)
		for _, tr := range p.Transitions {
			is.True(!tr.At.IsZero())
			if tr.Field == connectors.FieldStatus {
				is.True(tr.To != "")
			}
		}
	}
	is.Equal(len(got), len(issues))
	for _, iss := range got {
		is.True(iss.Key != "")
		is.True(!iss.CreatedAt.IsZero())
		is.True(!iss.UpdatedAt.IsZero())
		is.True(iss.StatusCategory != "")
		if iss.StoryPoints != nil {
			points[iss.Key] = *iss.StoryPoints
		}
	}
	is.Equal(len(points), 1) // the other recorded value is the "-1" placeholder
	is.True(transitions > 0)
	is.True(sprints > 0)
	is.Equal(b.srv.count("GET /rest/api/3/issue/EE-1/changelog"), 0) // embedded changelogs were complete
}

// TestRealChangelogs replays the recorded changelog pages, two of which
// hold exactly 100 histories (the paging edge).
func TestRealChangelogs(t *testing.T) {
	items := readReal(t, "jira/issue_changelogs.jsonl")
	byIssue := map[string][]realItem{}
	var order []string
	for _, it := range items {
		id := strings.Split(strings.TrimPrefix(it.Request, "/rest/api/3/issue/"), "/")[0]
		if _, ok := byIssue[id]; !ok {
			order = append(order, id)
		}
		byIssue[id] = append(byIssue[id], it)
	}
	for _, mode := range []string{"isLast", "neither"} {
		t.Run(mode, func(t *testing.T) {
			is := is.New(t)
			b := setup(t)
			b.srv.metaRoutes()
			b.srv.handle("GET /rest/api/3/search/jql", func(w http.ResponseWriter, r *http.Request) {
				var parts []string
				for _, id := range order {
					parts = append(parts, fmt.Sprintf(`{"id":%q,"key":"EE-%s","fields":{"updated":"2021-03-28T16:06:08.713+0800"}}`, id, id))
				}
				_, _ = w.Write([]byte(`{"issues":[` + strings.Join(parts, ",") + `],"isLast":true}`))
			})
			for _, id := range order {
				values := byIssue[id]
				b.srv.handle("GET /rest/api/3/issue/EE-"+id+"/changelog", func(w http.ResponseWriter, r *http.Request) {
					start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
					page := values[min(start, len(values)):]
					body := fmt.Sprintf(`{"maxResults":100,"startAt":%d,`, start)
					if mode == "isLast" {
						body += fmt.Sprintf(`"total":%d,"isLast":true,`, len(values))
					}
					_, _ = w.Write([]byte(body + `"values":` + joinItems(page) + `}`))
				})
			}
			pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamIssues, Since: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)})
			is.NoErr(err)
			is.Equal(len(pages), 1)
			want := map[string]int{}
			for id, vs := range byIssue {
				for _, v := range vs {
					var h struct {
						Items []struct{ Field, FieldID string } `json:"items"`
					}
					is.NoErr(json.Unmarshal(v.ResponseItem, &h))
					for _, it := range h.Items {
						if it.FieldID == "status" || it.Field == "Sprint" {
							want[id]++
						}
					}
				}
			}
			got := map[string]int{}
			for _, tr := range pages[0].Transitions {
				got[tr.IssueID]++
			}
			is.Equal(got, want)
			for _, id := range order {
				n := b.srv.count("GET /rest/api/3/issue/EE-" + id + "/changelog")
				if mode == "isLast" {
					is.Equal(n, 1)
				} else if len(byIssue[id]) == 100 {
					is.Equal(n, 2) // a full page without isLast or total: one more (empty) page
				} else {
					is.Equal(n, 1) // a short page ends it
				}
			}
		})
	}
}
