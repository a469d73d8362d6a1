package jira_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/connectors/jira"
)

// BenchmarkFetchIssues measures a full issue sync (search pages plus
// changelogs) from connectors/fake on loopback; it reports issues/s.
func BenchmarkFetchIssues(b *testing.B) {
	org := fake.Generate(fake.OrgSpec{Seed: 1, Issues: 5000, Now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)})
	srv := fake.Start(org, fake.Options{})
	b.Cleanup(srv.Close)
	c, err := jira.New(jira.Config{BaseURL: srv.JiraURL, Email: fake.DefaultEmail, APIToken: fake.DefaultToken, ProjectKeys: org.Spec().JiraProjects, SyncWindowDays: 3650}, jira.Options{Now: org.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues}) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Issues)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "issues/s")
}

// BenchmarkDecodePage measures the client side of one 100-issue search
// page with embedded changelogs (HTTP on loopback, decoding, mapping),
// replaying a page captured from connectors/fake.
func BenchmarkDecodePage(b *testing.B) {
	org := fake.Generate(fake.OrgSpec{Seed: 1, Issues: 200, Now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)})
	srv := fake.Start(org, fake.Options{})
	b.Cleanup(srv.Close)
	var page []byte
	capture := &captureTransport{}
	c, err := jira.New(jira.Config{BaseURL: srv.JiraURL, Email: fake.DefaultEmail, APIToken: fake.DefaultToken, ProjectKeys: org.Spec().JiraProjects, SyncWindowDays: 3650},
		jira.Options{Now: org.Now, Transport: capture})
	if err != nil {
		b.Fatal(err)
	}
	for p, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues}) {
		if err != nil {
			b.Fatal(err)
		}
		_ = p
		break
	}
	page = capture.search
	if len(page) == 0 {
		b.Fatal("no search page captured")
	}
	replay := &replayTransport{search: page}
	c2, err := jira.New(jira.Config{BaseURL: srv.JiraURL, Email: fake.DefaultEmail, APIToken: fake.DefaultToken, ProjectKeys: org.Spec().JiraProjects},
		jira.Options{Now: org.Now, Transport: replay})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	b.ResetTimer()
	issues := 0
	for b.Loop() {
		for p, err := range c2.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues, Since: org.Now().AddDate(-5, 0, 0)}) {
			if err != nil {
				b.Fatal(err)
			}
			issues += len(p.Issues)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(issues), "ns/issue")
}

// captureTransport keeps the first search page it carries.
type captureTransport struct{ search []byte }

func (t *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/search/jql") || t.search != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	// Make it the last page so a replay is one request.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "nextPageToken")
	m["isLast"] = json.RawMessage("true")
	t.search, _ = json.Marshal(m)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// replayTransport answers search with a fixed page and metadata from the
// real server.
type replayTransport struct{ search []byte }

func (t *replayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/search/jql") {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(t.search)), ContentLength: int64(len(t.search)), Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}
