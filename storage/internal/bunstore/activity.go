package bunstore

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ovia-hq/ovia/identity"
)

// Activity scopes, as matching's co_occurrence rule compares them: equal
// strings are the same place. Jira and GitLab name their projects in
// different namespaces, so a scope only bridges two sources when the data
// says so: the Team field of Jira issues with a team's GitLab projects
// (team_projects), or a merge request that names a Jira issue.
const (
	ScopeJiraProject   = "jira:"   // + project key
	ScopeGitLabProject = "gitlab:" // + project id
	ScopeTeam          = "team:"   // + team name, lower-cased
)

// jiraKeyRef finds Jira issue keys ("OV-123") in merge request titles and
// branch names ("feature/OV-123-login").
var jiraKeyRef = regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9])([A-Za-z][A-Za-z0-9_]{0,9})-[0-9]+`)

// IdentityActivity returns, for every identity of org that acted in synced
// records, the scopes it acted in, for matching's co_occurrence rule
// (matching.Config.Activity):
//   - a Jira account: "jira:KEY" and "team:NAME" of the issues it is
//     assignee or reporter of, or changed (changelog author);
//   - a GitLab account: "gitlab:ID" of the projects it opened merge
//     requests in, "team:NAME" when team_projects maps such a project to a
//     team, and "jira:KEY" when a merge request's title or branch names an
//     issue of a synced Jira project.
//
// Identities that never acted are absent. Scopes are sorted.
func (s *Store) IdentityActivity(ctx context.Context, orgID string) (map[string][]string, error) {
	if orgID == "" {
		return nil, fmt.Errorf("identity activity: empty org: %w", identity.ErrInvalid)
	}
	type account struct{ source, id string }
	scopes := map[account]map[string]bool{}
	add := func(a account, scope string) {
		set := scopes[a]
		if set == nil {
			set = map[string]bool{}
			scopes[a] = set
		}
		set[scope] = true
	}

	// Jira: issue roles and changelog authors, one row per distinct place.
	var roles []struct {
		Source     string `bun:"source"`
		Account    string `bun:"account"`
		ProjectKey string `bun:"project_key"`
		Team       string `bun:"team"`
	}
	err := s.r.NewRaw(`SELECT DISTINCT source, assignee_id AS account, project_key, team FROM issues WHERE org_id = ? AND assignee_id <> ''
		UNION SELECT DISTINCT source, reporter_id, project_key, team FROM issues WHERE org_id = ? AND reporter_id <> ''
		UNION SELECT DISTINCT t.source, t.author_id, i.project_key, i.team FROM issue_transitions t
			JOIN issues i ON i.org_id = t.org_id AND i.source = t.source AND i.external_id = t.issue_id
			WHERE t.org_id = ? AND t.author_id <> ''`, orgID, orgID, orgID).Scan(ctx, &roles)
	if err != nil {
		return nil, s.mapErr(err, "identity activity: issues")
	}
	for _, r := range roles {
		a := account{r.Source, r.Account}
		if r.ProjectKey != "" {
			add(a, ScopeJiraProject+r.ProjectKey)
		}
		if t := teamScope(r.Team); t != "" {
			add(a, t)
		}
	}
	// Every synced project key, acted in or not, may be named by a merge request.
	jiraKeys := map[string]bool{}
	var keys []string
	if err := s.r.NewRaw(`SELECT DISTINCT project_key FROM issues WHERE org_id = ? AND project_key <> ''`, orgID).Scan(ctx, &keys); err != nil {
		return nil, s.mapErr(err, "identity activity: project keys")
	}
	for _, k := range keys {
		jiraKeys[strings.ToUpper(k)] = true
	}

	// GitLab: merge request authors, with the teams their projects belong to.
	var teamRows []struct {
		Team      string `bun:"team"`
		ProjectID string `bun:"project_id"`
	}
	if err := s.r.NewRaw(`SELECT team, project_id FROM team_projects WHERE org_id = ?`, orgID).Scan(ctx, &teamRows); err != nil {
		return nil, s.mapErr(err, "identity activity: team projects")
	}
	teamsOf := map[string][]string{} // project id or path → team scopes
	for _, r := range teamRows {
		if t := teamScope(r.Team); t != "" {
			teamsOf[r.ProjectID] = append(teamsOf[r.ProjectID], t)
		}
	}
	var mrs []struct {
		Source    string `bun:"source"`
		Author    string `bun:"author_id"`
		ProjectID string `bun:"project_id"`
		Path      string `bun:"path"`
		Title     string `bun:"title"`
		Branch    string `bun:"source_branch"`
	}
	err = s.r.NewRaw(`SELECT m.source, m.author_id, m.project_id, COALESCE(p.path_with_namespace, '') AS path, m.title, m.source_branch
		FROM merge_requests m LEFT JOIN projects p ON p.org_id = m.org_id AND p.source = m.source AND p.external_id = m.project_id
		WHERE m.org_id = ? AND m.author_id <> ''`, orgID).Scan(ctx, &mrs)
	if err != nil {
		return nil, s.mapErr(err, "identity activity: merge requests")
	}
	for _, m := range mrs {
		a := account{m.Source, m.Author}
		add(a, ScopeGitLabProject+m.ProjectID)
		for _, t := range teamsOf[m.ProjectID] {
			add(a, t)
		}
		for _, t := range teamsOf[m.Path] {
			add(a, t)
		}
		for _, k := range jiraKeysIn(m.Title+" "+m.Branch, jiraKeys) {
			add(a, ScopeJiraProject+k)
		}
	}

	var ids []struct {
		ID         string `bun:"id"`
		Source     string `bun:"source"`
		ExternalID string `bun:"external_id"`
	}
	if err := s.r.NewRaw(`SELECT id, source, external_id FROM identities WHERE org_id = ?`, orgID).Scan(ctx, &ids); err != nil {
		return nil, s.mapErr(err, "identity activity: identities")
	}
	out := make(map[string][]string, len(scopes))
	for _, id := range ids {
		set := scopes[account{id.Source, id.ExternalID}]
		if len(set) == 0 {
			continue
		}
		list := make([]string, 0, len(set))
		for sc := range set {
			list = append(list, sc)
		}
		slices.Sort(list)
		out[id.ID] = list
	}
	return out, nil
}

// teamScope names a team as a scope: trimmed and lower-cased, so "Core"
// from Jira and "core" from team_projects meet.
func teamScope(team string) string {
	t := strings.ToLower(strings.TrimSpace(team))
	if t == "" {
		return ""
	}
	return ScopeTeam + t
}

// jiraKeysIn returns the project keys of known Jira issue keys named in s.
func jiraKeysIn(s string, known map[string]bool) []string {
	var out []string
	for _, m := range jiraKeyRef.FindAllStringSubmatch(s, -1) {
		k := strings.ToUpper(m[1])
		if known[k] && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
