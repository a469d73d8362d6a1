package fake_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/ovia-hq/ovia/connectors/fake"
)

// FuzzJiraSearchJQL feeds arbitrary JQL to the fake's parser: it answers
// 200 or 400, never panics or hangs.
func FuzzJiraSearchJQL(f *testing.F) {
	for _, s := range []string{
		`project in ("CORE", "WEB") AND updated >= "2026-10-01 10:00" ORDER BY updated ASC`,
		`project = OPS AND updated >= '2026/10/01 10:00' order by updated desc`,
		`updated >= -7d ORDER BY created`,
		`project in ("A\"B") AND created < "2026-01-01"`,
		`ORDER BY key`, ``, `project in (`, `"`,
	} {
		f.Add(s)
	}
	j := fake.NewJiraServer(readOnlyOrg(), fake.Credentials{}, fake.Faults{})
	f.Fuzz(func(t *testing.T, jql string) {
		req := httptest.NewRequest(http.MethodGet, "/rest/api/3/search/jql?maxResults=5&jql="+url.QueryEscape(jql), nil)
		req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
		w := httptest.NewRecorder()
		j.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("jql %q: status %d", jql, w.Code)
		}
	})
}
