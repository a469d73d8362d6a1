package fake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/connectors/fake"
)

var testNow = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

func smallSpec(seed uint64) fake.OrgSpec {
	return fake.OrgSpec{Seed: seed, Issues: 600, MRsPerProject: 60, Months: 4, Now: testNow}
}

var (
	sharedOnce sync.Once
	sharedOrg  *fake.Org
)

// readOnlyOrg is one small org shared by tests that never mutate it.
func readOnlyOrg() *fake.Org {
	sharedOnce.Do(func() { sharedOrg = fake.Generate(smallSpec(7)) })
	return sharedOrg
}

type bundle struct {
	t   *testing.T
	org *fake.Org
	srv *fake.Servers
}

func setup(t *testing.T, org *fake.Org, opts fake.Options) bundle {
	t.Helper()
	s := fake.Start(org, opts)
	t.Cleanup(s.Close)
	return bundle{t: t, org: org, srv: s}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %d %q: %v", r.status, r.body[:min(len(r.body), 200)], err)
	}
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// atlassian calls the Atlassian site (Jira or Confluence) with the default credentials.
func (b bundle) atlassian(method, path string, body any) reply {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, b.srv.JiraURL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return do(b.t, req)
}

func (b bundle) gitlab(path string) reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.srv.GitLabURL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", fake.DefaultGitLabToken)
	return do(b.t, req)
}

type searchPage struct {
	Issues []struct {
		ID     string         `json:"id"`
		Key    string         `json:"key"`
		Fields map[string]any `json:"fields"`
	} `json:"issues"`
	NextPageToken *string `json:"nextPageToken"`
	IsLast        bool    `json:"isLast"`
	Total         *int    `json:"total"`
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
