package fake_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/fake"
	"github.com/ovia-hq/ovia/identity"
)

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	a, b := fake.Generate(smallSpec(42)), fake.Generate(smallSpec(42))
	is.Equal(a.Counts(), b.Counts())
	is.Equal(a.People(), b.People())
	is.Equal(a.Accounts(""), b.Accounts(""))
	is.Equal(a.Issues(), b.Issues())
	is.Equal(a.MergeRequests(), b.MergeRequests())
	is.Equal(a.Pipelines(), b.Pipelines())
	is.Equal(a.Deployments(), b.Deployments())
	is.Equal(a.Groups(), b.Groups())

	c := fake.Generate(smallSpec(43))
	is.True(a.People()[0].DisplayName != c.People()[0].DisplayName || a.Issues()[0].Summary != c.Issues()[0].Summary) // another seed, another org
}

func TestGenerateDemoDefaults(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(fake.OrgSpec{Seed: 1, Now: testNow})
	c := org.Counts()
	is.Equal(c.Humans, 60)
	is.True(c.Bots >= 5)
	is.True(c.Accounts >= 130 && c.Accounts <= 200) // ~150 accounts
	is.Equal(c.Issues, 3000)
	is.Equal(c.Projects, 3)
	is.Equal(c.MergeRequests, 900)
	is.True(c.Incidents > 0)
	is.True(c.Sprints > 0)
	is.True(c.Pipelines > c.MergeRequests)
	is.True(c.Deployments > 0)
	is.Equal(c.JiraUsers+c.GitLabUsers+c.ConfluenceMembers, c.Accounts)
}

// TestOrgRealism checks the generated org holds every case the connectors,
// matching and KPIs must handle.
func TestOrgRealism(t *testing.T) {
	t.Parallel()
	org := fake.Generate(fake.OrgSpec{Seed: 3, Now: testNow})
	issues := org.Issues()
	accounts := org.Accounts("")
	has := func(pred func(fake.Issue) bool) bool { return slices.ContainsFunc(issues, pred) }
	changed := func(is fake.Issue, field string, pred func(fake.ChangeItem) bool) bool {
		for _, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field == field && pred(it) {
					return true
				}
			}
		}
		return false
	}
	statusPath := func(is fake.Issue) []string {
		var out []string
		for _, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field == "status" {
					out = append(out, it.ToString)
				}
			}
		}
		return out
	}
	sprintIDs := map[int]bool{}
	for _, s := range org.Sprints() {
		sprintIDs[s.ID] = true
	}
	cases := []struct {
		name string
		ok   bool
	}{
		{"bot in gitlab", slices.ContainsFunc(accounts, func(a fake.Account) bool { return a.Source == identity.SourceGitLab && a.Bot })},
		{"atlassian app", slices.ContainsFunc(accounts, func(a fake.Account) bool { return a.AccountType == "app" })},
		{"cyrillic display name", slices.ContainsFunc(accounts, func(a fake.Account) bool {
			return strings.ContainsFunc(a.DisplayName, func(r rune) bool { return r >= 'А' && r <= 'я' })
		})},
		{"hidden jira email", slices.ContainsFunc(accounts, func(a fake.Account) bool { return a.Source == identity.SourceJira && a.Email == "" && !a.Bot })},
		{"visible jira email", slices.ContainsFunc(accounts, func(a fake.Account) bool { return a.Source == identity.SourceJira && a.Email != "" })},
		{"confluence public name differs", slices.ContainsFunc(accounts, func(a fake.Account) bool {
			return a.Source == identity.SourceConfluence && a.PublicName != a.DisplayName
		})},
		{"commit email differs", slices.ContainsFunc(accounts, func(a fake.Account) bool { return a.CommitEmail != a.Email })},
		{"person with two gitlab accounts", func() bool {
			n := map[string]int{}
			for _, a := range accounts {
				if a.Source == identity.SourceGitLab {
					n[a.PersonID]++
				}
			}
			for _, v := range n {
				if v > 1 {
					return true
				}
			}
			return false
		}()},
		{"namesakes", func() bool {
			seen := map[string]string{}
			for _, p := range org.People() {
				if id, ok := seen[p.DisplayName]; ok && id != p.ID {
					return true
				}
				seen[p.DisplayName] = p.ID
			}
			return false
		}()},
		{"every type", func() bool {
			for _, typ := range []string{"Bug", "Story", "Task", "Epic", "Incident"} {
				if !has(func(i fake.Issue) bool { return i.Type == typ }) {
					return false
				}
			}
			return true
		}()},
		{"highest and blocker", has(func(i fake.Issue) bool { return i.Priority == "Highest" }) && has(func(i fake.Issue) bool { return i.Priority == "Blocker" })},
		{"normal workflow", has(func(i fake.Issue) bool {
			return slices.Equal(statusPath(i), []string{"In Progress", "In Review", "Done"})
		})},
		{"skips in progress", has(func(i fake.Issue) bool { return slices.Equal(statusPath(i), []string{"Done"}) })},
		{"reopened", has(func(i fake.Issue) bool {
			p := statusPath(i)
			k := slices.Index(p, "Done")
			return k >= 0 && k < len(p)-1
		})},
		{"sprint carry-over", has(func(i fake.Issue) bool {
			return changed(i, "Sprint", func(it fake.ChangeItem) bool { return strings.Contains(it.To, ",") })
		})},
		{"sprint field matches sprints", !has(func(i fake.Issue) bool {
			return slices.ContainsFunc(i.Sprints, func(id int) bool { return !sprintIDs[id] })
		})},
		{"history without author", has(func(i fake.Issue) bool {
			return slices.ContainsFunc(i.Histories, func(h fake.History) bool { return h.AuthorID == "" })
		})},
		{"changelog filling a page exactly", has(func(i fake.Issue) bool { return len(i.Histories) == 100 })},
		{"changelog over one page", has(func(i fake.Issue) bool { return len(i.Histories) > 100 })},
		{"story points as string", has(func(i fake.Issue) bool { return i.StoryPointsAsString })},
		{"flagged", has(func(i fake.Issue) bool { return i.Flagged })},
		{"blocked by", has(func(i fake.Issue) bool { return len(i.BlockedBy) > 0 })},
		{"unresolved done is impossible", !has(func(i fake.Issue) bool { return i.Status.Category == "done" && i.Resolved.IsZero() })},
		{"updated after created", !has(func(i fake.Issue) bool { return i.Updated.Before(i.Created) })},
		{"nothing after now", !has(func(i fake.Issue) bool { return i.Updated.After(testNow) })},
		{"histories in order", !has(func(i fake.Issue) bool {
			return !slices.IsSortedFunc(i.Histories, func(a, b fake.History) int { return a.Created.Compare(b.Created) })
		})},
		{"sprint states", func() bool {
			st := map[string]bool{}
			for _, s := range org.Sprints() {
				st[s.State] = true
				if s.End.Sub(s.Start) != 14*24*time.Hour-time.Duration(s.Start.Second())*time.Second-time.Duration(s.Start.Nanosecond()) {
					return false
				}
			}
			return st["closed"] && st["active"] && st["future"]
		}()},
	}
	pipelineStatus := map[string]bool{}
	refs := map[string]bool{}
	for _, p := range org.Pipelines() {
		pipelineStatus[p.Status] = true
		refs[p.Source] = true
	}
	cases = append(cases, struct {
		name string
		ok   bool
	}{"pipeline statuses", pipelineStatus["success"] && pipelineStatus["failed"] && pipelineStatus["canceled"] && pipelineStatus["manual"]},
		struct {
			name string
			ok   bool
		}{"pipeline sources", refs["push"] && refs["merge_request_event"] && refs["schedule"]},
		struct {
			name string
			ok   bool
		}{"deploy tiers and outcomes", func() bool {
			seen := map[string]bool{}
			for _, d := range org.Deployments() {
				seen[d.Tier+"/"+d.Status] = true
			}
			return seen["production/success"] && seen["production/failed"] && seen["staging/success"]
		}()},
		struct {
			name string
			ok   bool
		}{"mr states and labels", func() bool {
			seen := map[string]bool{}
			for _, m := range org.MergeRequests() {
				seen[m.State] = true
				for _, l := range m.Labels {
					seen[l] = true
				}
			}
			return seen["opened"] && seen["merged"] && seen["closed"] && seen["bug"] && seen["feature"]
		}()})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is.New(t).True(c.ok)
		})
	}
}

func TestMutateAndTouch(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(smallSpec(9))
	before := org.Now()
	ch := org.Mutate(5)
	is.Equal(len(ch.IssueKeys), 5)
	is.True(len(ch.MergeRequestIDs) > 0)
	for _, k := range ch.IssueKeys {
		i, ok := org.Issue(k)
		is.True(ok)
		is.True(i.Updated.After(before))
		is.Equal(i.Histories[len(i.Histories)-1].Created, i.Updated)
	}
	again := fake.Generate(smallSpec(9)).Mutate(5)
	is.Equal(again, ch) // deterministic

	key := org.Issues()[0].Key
	old, _ := org.Issue(key)
	at := org.TouchIssues(key)
	now, _ := org.Issue(key)
	is.Equal(now.Updated, at)
	is.Equal(len(now.Histories), len(old.Histories)+1)
}

func TestGenerateTinyOrgs(t *testing.T) {
	t.Parallel()
	for seed := range uint64(30) {
		org := fake.Generate(fake.OrgSpec{Seed: seed, People: 1, Bots: -1, Issues: 20, MRsPerProject: 3, Months: 1, Now: testNow,
			JiraProjects: []string{"ONE"}, GitLabProjects: []string{"one"}})
		is.New(t).Equal(org.Counts().Issues, 20)
	}
}
