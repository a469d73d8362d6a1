package fake

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// Options configure Start. Zero values use the Default credentials and no
// faults.
type Options struct {
	// Atlassian is the basic-auth pair for Jira and Confluence.
	Atlassian Credentials
	// GitLabToken is the PRIVATE-TOKEN GitLab expects.
	GitLabToken      string
	JiraFaults       Faults
	GitLabFaults     Faults
	ConfluenceFaults Faults
	// GitLabRateLimit is the request budget per minute GitLab advertises
	// (0: DefaultGitLabRateLimit, as on gitlab.com).
	GitLabRateLimit int
}

// Servers are the fake upstreams of one org, listening on loopback.
// Jira and Confluence share one host, as on a real Atlassian site
// (Confluence under /wiki), so JiraURL == ConfluenceURL.
type Servers struct {
	Org        *Org
	Jira       *JiraServer
	GitLab     *GitLabServer
	Confluence *ConfluenceServer

	// JiraURL and ConfluenceURL are the site root (http://127.0.0.1:port);
	// GitLabURL is the GitLab root (the API is under /api/v4).
	JiraURL, GitLabURL, ConfluenceURL string

	atlassian, gitlab *httptest.Server
}

// Start serves org on two loopback httptest servers (an Atlassian site
// and GitLab). Close them with Close.
func Start(org *Org, opts Options) *Servers {
	s := &Servers{
		Org:        org,
		Jira:       NewJiraServer(org, opts.Atlassian, opts.JiraFaults),
		GitLab:     NewGitLabServer(org, opts.GitLabToken, opts.GitLabFaults),
		Confluence: NewConfluenceServer(org, opts.Atlassian, opts.ConfluenceFaults),
	}
	s.GitLab.SetRateLimit(opts.GitLabRateLimit)
	s.atlassian = httptest.NewServer(AtlassianSite(s.Jira, s.Confluence))
	s.gitlab = httptest.NewServer(s.GitLab)
	s.JiraURL, s.ConfluenceURL, s.GitLabURL = s.atlassian.URL, s.atlassian.URL, s.gitlab.URL
	return s
}

// AtlassianSite routes /wiki/… to Confluence and everything else to Jira.
func AtlassianSite(jira, confluence http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wiki" || strings.HasPrefix(r.URL.Path, "/wiki/") {
			confluence.ServeHTTP(w, r)
			return
		}
		jira.ServeHTTP(w, r)
	})
}

// Close stops both servers.
func (s *Servers) Close() {
	s.atlassian.Close()
	s.gitlab.Close()
}
