package fake_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ovia-hq/ovia/connectors/fake"
)

// realFixtures is where the recorded real payloads live next to a
// checkout (../shared/fixtures/real, see its README); a clone of the
// project alone does not have them.
const realFixtures = "../../../shared/fixtures/real"

func realItems(t *testing.T, file string) []any {
	t.Helper()
	f, err := os.Open(filepath.Join(realFixtures, file))
	if err != nil {
		t.Skipf("no recorded payloads at %s: %v", realFixtures, err)
	}
	defer f.Close()
	var out []any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var line struct {
			Item any `json:"response_item"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line.Item)
	}
	return out
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	default:
		return "object"
	}
}

// conform checks that every key real payloads always carry is in the
// fake's payloads too, with the same JSON kind, recursing into objects and
// the first element of arrays. Paths in skip are site-specific extras.
func conform(t *testing.T, path string, real, fakes []any, skip []string) {
	t.Helper()
	if len(real) == 0 || len(fakes) == 0 || skipped(skip, path) {
		return
	}
	var realObjs, fakeObjs []map[string]any
	for _, r := range real {
		if m, ok := r.(map[string]any); ok {
			realObjs = append(realObjs, m)
		}
	}
	for _, f := range fakes {
		if m, ok := f.(map[string]any); ok {
			fakeObjs = append(fakeObjs, m)
		}
	}
	if len(realObjs) == 0 || len(fakeObjs) == 0 {
		return
	}
	for key := range realObjs[0] {
		p := strings.TrimPrefix(path+"."+key, ".")
		if skipped(skip, p) {
			continue
		}
		inAll := true
		var rv, fv []any
		for _, r := range realObjs {
			v, ok := r[key]
			inAll = inAll && ok
			if v != nil {
				rv = append(rv, v)
			}
		}
		if !inAll {
			continue // optional in the real API
		}
		present := false
		for _, f := range fakeObjs {
			if v, ok := f[key]; ok {
				present = true
				if v != nil {
					fv = append(fv, v)
				}
			}
		}
		if !present {
			t.Errorf("%s: real payloads always have it, the fake never does", p)
			continue
		}
		if len(rv) == 0 || len(fv) == 0 {
			continue
		}
		if kind(rv[0]) != kind(fv[0]) && !(key == "duration" || key == "queued_duration") {
			t.Errorf("%s: real is %s, fake is %s", p, kind(rv[0]), kind(fv[0]))
			continue
		}
		switch kind(rv[0]) {
		case "object":
			conform(t, p, rv, fv, skip)
		case "array":
			var re, fe []any
			for _, a := range rv {
				re = append(re, a.([]any)...)
			}
			for _, a := range fv {
				fe = append(fe, a.([]any)...)
			}
			conform(t, p+"[]", re, fe, skip)
		}
	}
}

// skipped reports whether p is in skip; entries ending in * are prefixes.
func skipped(skip []string, p string) bool {
	return slices.ContainsFunc(skip, func(s string) bool {
		return s == p || strings.HasSuffix(s, "*") && strings.HasPrefix(p, strings.TrimSuffix(s, "*"))
	})
}

func fakeList(t *testing.T, r reply) []any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var v any
	r.decode(t, &v)
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestPayloadsConformToRecordedRealOnes(t *testing.T) {
	t.Parallel()
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	issue := org.Issues()[len(org.Issues())/2]
	depProject := org.Deployments()[0].ProjectID
	var search struct {
		Issues []any `json:"issues"`
	}
	b.atlassian(http.MethodGet, "/rest/api/3/search/jql?maxResults=100&fields=*all&expand=changelog&jql=ORDER+BY+updated+ASC", nil).decode(t, &search)
	var changelog struct {
		Values []any `json:"values"`
	}
	b.atlassian(http.MethodGet, "/rest/api/3/issue/"+issue.Key+"/changelog", nil).decode(t, &changelog)
	var pipelineDetails []any
	for _, p := range org.Pipelines()[:40] {
		pipelineDetails = append(pipelineDetails, fakeList(t, b.gitlab("/api/v4/projects/"+strconv.Itoa(p.ProjectID)+"/pipelines/"+strconv.Itoa(p.ID)))...)
	}
	var notes []any
	for _, m := range org.MergeRequests()[:30] {
		notes = append(notes, fakeList(t, b.gitlab("/api/v4/projects/"+strconv.Itoa(m.ProjectID)+"/merge_requests/"+strconv.Itoa(m.IID)+"/notes?sort=asc&order_by=created_at&per_page=100"))...)
	}
	cases := []struct {
		name string
		file string
		fake []any
		skip []string
	}{
		{"jira changelog", "jira/issue_changelogs.jsonl", changelog.Values, nil},
		{"jira statuses", "jira/statuses.jsonl", fakeList(t, b.atlassian(http.MethodGet, "/rest/api/3/status", nil)), nil},
		{"jira issues", "jira/issues.jsonl", search.Issues, []string{
			// The recording comes from the agile API of one site: its custom
			// fields, board-only fields and rarely used system fields differ.
			"fields.customfield_*", // the sprint field is checked below
			"fields.epic", "fields.sprint", "fields.closedSprints", "fields.flagged", "fields.votes", "fields.watches", "fields.comment",
			"fields.worklog", "fields.timetracking", "fields.attachment", "fields.subtasks", "fields.components", "fields.fixVersions",
			"fields.versions", "fields.progress", "fields.aggregateprogress", "fields.workratio", "fields.lastViewed",
			"fields.timespent", "fields.timeestimate", "fields.aggregatetimespent", "fields.aggregatetimeestimate",
			"fields.timeoriginalestimate", "fields.aggregatetimeoriginalestimate", "fields.issuerestriction", "fields.environment",
			"fields.duedate", "fields.security", "fields.watcher", "fields.parent", "changelog.histories[].items[].tmpFromAccountId",
			"changelog.histories[].items[].tmpToAccountId",
		}},
		{"gitlab merge requests", "gitlab/merge_requests.jsonl", fakeList(t, b.gitlab("/api/v4/projects/4101/merge_requests?state=all&per_page=100")), []string{"milestone"}},
		{"gitlab merge request notes", "gitlab/merge_request_notes.jsonl", notes, nil},
		{"gitlab pipelines", "gitlab/pipelines.jsonl", fakeList(t, b.gitlab("/api/v4/projects/4101/pipelines?per_page=100")), nil},
		{"gitlab pipeline details", "gitlab/pipeline_details.jsonl", pipelineDetails, nil},
		{"gitlab deployments", "gitlab/deployments.jsonl", fakeList(t, b.gitlab("/api/v4/projects/"+strconv.Itoa(depProject)+"/deployments?per_page=100")), []string{"deployable.project", "deployable.runner"}},
		{"gitlab users (admin)", "gitlab/users_admin_api.jsonl", fakeList(t, b.gitlab("/api/v4/users?per_page=100")), nil},
		{"gitlab members", "gitlab/project_members.jsonl", fakeList(t, b.gitlab("/api/v4/projects/4101/members/all?per_page=100")), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conform(t, "", realItems(t, c.file), c.fake, c.skip)
		})
	}
	t.Run("jira sprint field", func(t *testing.T) {
		var real, fakes []any
		for _, it := range realItems(t, "jira/issues.jsonl") {
			if sp, ok := it.(map[string]any)["fields"].(map[string]any)["customfield_10020"].([]any); ok {
				real = append(real, sp...)
			}
		}
		for _, it := range search.Issues {
			if sp, ok := it.(map[string]any)["fields"].(map[string]any)[fake.FieldSprint].([]any); ok {
				fakes = append(fakes, sp...)
			}
		}
		conform(t, "sprint", real, fakes, nil)
	})
}
