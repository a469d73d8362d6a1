package fake_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ovia-hq/ovia/connectors/fake"
)

// benchSpec is the §13 sync benchmark's org: 100,000 Jira issues with changelogs.
var benchSpec = fake.OrgSpec{Seed: 100, People: 300, Issues: 100_000, Months: 12, MRsPerProject: 2000, Now: testNow}

var (
	bigOnce sync.Once
	bigOrg  *fake.Org
)

func big(b *testing.B) *fake.Org {
	bigOnce.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		bigOrg = fake.Generate(benchSpec)
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		c := bigOrg.Counts()
		b.Logf("generated %d issues, %d histories, %d MRs, %d pipelines in %v; live heap %.0f MiB",
			c.Issues, c.Histories, c.MergeRequests, c.Pipelines, took.Round(time.Millisecond), float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
	})
	return bigOrg
}

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{3_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			spec := benchSpec
			spec.Issues = n
			b.ReportAllocs()
			for b.Loop() {
				fake.Generate(spec)
			}
		})
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServeJiraSearch serves pages of 100 issues from the
// 100,000-issue org, spread over the whole result: once with every field
// and once as connectors/jira asks (its fields plus embedded changelogs),
// each through the handler alone and over loopback HTTP.
func BenchmarkServeJiraSearch(b *testing.B) {
	org := big(b)
	j := fake.NewJiraServer(org, fake.Credentials{}, fake.Faults{})
	jql := `project in ("CORE", "WEB", "OPS") AND updated >= "2025-01-01 00:00" ORDER BY updated ASC`
	shapes := []struct{ name, fields, expand string }{
		{"all-fields", "*all", ""},
		{"sync", "summary,issuetype,status,priority,labels,assignee,reporter,created,updated,resolutiondate,issuelinks,project," +
			fake.FieldStoryPoints + "," + fake.FieldSprint + "," + fake.FieldTeam + "," + fake.FieldFlagged, "changelog"},
	}
	for _, sh := range shapes {
		pageURL := func(base, token string) string {
			q := url.Values{"jql": {jql}, "maxResults": {"100"}, "fields": {sh.fields}}
			if sh.expand != "" {
				q.Set("expand", sh.expand)
			}
			if token != "" {
				q.Set("nextPageToken", token)
			}
			return base + "/rest/api/3/search/jql?" + q.Encode()
		}
		tokens := pageTokens(b, j, pageURL)
		b.Run(sh.name+"/handler", func(b *testing.B) {
			b.ReportAllocs()
			w := &discard{h: http.Header{}}
			i := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, pageURL("", tokens[i%len(tokens)]), nil)
				req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
				clear(w.h)
				j.ServeHTTP(w, req)
				i++
			}
		})
		b.Run(sh.name+"/loopback", func(b *testing.B) {
			srv := httptest.NewServer(j)
			defer srv.Close()
			b.ReportAllocs()
			var bytes int64
			i := 0
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, pageURL(srv.URL, tokens[i%len(tokens)]), nil)
				req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				bytes += n
				i++
			}
			b.ReportMetric(float64(bytes)/float64(i), "B/page")
		})
	}
}

// pageTokens walks the first 200 pages and returns their tokens ("" first).
func pageTokens(b *testing.B, j http.Handler, pageURL func(base, token string) string) []string {
	srv := httptest.NewServer(j)
	defer srv.Close()
	var tokens []string
	token := ""
	for range 200 {
		req, _ := http.NewRequest(http.MethodGet, pageURL(srv.URL, token), nil)
		req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var p searchPage
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := jsonUnmarshal(body, &p); err != nil {
			b.Fatal(err)
		}
		tokens = append(tokens, token)
		if p.IsLast {
			break
		}
		token = *p.NextPageToken
	}
	return tokens
}

// BenchmarkServeJiraChangelog serves one changelog page per issue.
func BenchmarkServeJiraChangelog(b *testing.B) {
	org := big(b)
	j := fake.NewJiraServer(org, fake.Credentials{}, fake.Faults{})
	issues := org.Issues()
	b.ReportAllocs()
	w := &discard{h: http.Header{}}
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/rest/api/3/issue/"+issues[i%len(issues)].Key+"/changelog?startAt=0&maxResults=100", nil)
		req.SetBasicAuth(fake.DefaultEmail, fake.DefaultToken)
		clear(w.h)
		j.ServeHTTP(w, req)
		i++
	}
}
