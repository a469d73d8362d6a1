package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/storage"
)

// testIdentityActivity checks the scopes fed to matching's co_occurrence
// rule: Jira roles and changelog authors by project and team, GitLab merge
// request authors by project, by team through team_projects, and by the
// Jira issues their titles and branches name.
func testIdentityActivity(t *testing.T, open Opener) {
	is := is.New(t)
	b := Setup(t, open)
	ctx := context.Background()
	rs := b.DB.Records()
	_, err := rs.TakeLease(ctx, issuesKey, "me", time.Hour)
	is.NoErr(err)
	jira, gitlab := identity.SourceJira, identity.SourceGitLab
	p := connectors.Page{
		Number: 1,
		Identities: []identity.Identity{
			{Source: jira, ExternalID: "acc-ann", DisplayName: "Ann Lee"},
			{Source: jira, ExternalID: "acc-bob", DisplayName: "Bob Ray"},
			{Source: jira, ExternalID: "acc-idle", DisplayName: "Idle Person"},
			{Source: gitlab, ExternalID: "501", Username: "alee", DisplayName: "Ann Lee"},
			{Source: gitlab, ExternalID: "502", Username: "bray", DisplayName: "Bob Ray"},
		},
		Issues: []connectors.Issue{
			{Source: jira, ExternalID: "1", Key: "OV-1", ProjectKey: "OV", Team: "Core", AssigneeID: "acc-ann", ReporterID: "acc-bob", CreatedAt: T0, UpdatedAt: T0},
			{Source: jira, ExternalID: "2", Key: "WEB-7", ProjectKey: "WEB", Team: "", CreatedAt: T0, UpdatedAt: T0},
		},
		Transitions: []connectors.Transition{
			{Source: jira, IssueID: "2", Seq: 0, Field: connectors.FieldStatus, From: "a", To: "b", At: T0, AuthorID: "acc-ann"},
		},
		Projects: []connectors.Project{{Source: gitlab, ExternalID: "42", PathWithNamespace: "corp/api"}, {Source: gitlab, ExternalID: "43", PathWithNamespace: "corp/web"}},
		MergeRequests: []connectors.MergeRequest{
			{Source: gitlab, ExternalID: "9001", ProjectID: "42", IID: 1, Title: "OV-1: fix login", AuthorID: "501", CreatedAt: T0, UpdatedAt: T0},
			{Source: gitlab, ExternalID: "9002", ProjectID: "43", IID: 2, Title: "Tidy", SourceBranch: "feature/web-7-tidy", AuthorID: "502", CreatedAt: T0, UpdatedAt: T0},
			{Source: gitlab, ExternalID: "9003", ProjectID: "43", IID: 3, Title: "Bump ubuntu-22 image (XYZ-1 is not ours)", AuthorID: "502", CreatedAt: T0, UpdatedAt: T0},
		},
		MaxUpdated: T0,
	}
	_, err = rs.WritePage(ctx, issuesKey, "me", p, "c1")
	is.NoErr(err)
	is.NoErr(b.DB.SetTeamProjects(ctx, identity.DefaultOrg, "core", []string{"corp/api"}))

	got, err := b.DB.IdentityActivity(ctx, identity.DefaultOrg)
	is.NoErr(err)
	idOf := map[string]string{}
	st, err := b.DB.Identity().LoadMatchState(ctx, identity.DefaultOrg)
	is.NoErr(err)
	for _, m := range st.Mappings {
		idOf[m.Identity.ExternalID] = m.Identity.ID
	}
	want := map[string][]string{
		idOf["acc-ann"]: {"jira:OV", "jira:WEB", "team:core"},  // assignee of OV-1 (team Core), changed WEB-7
		idOf["acc-bob"]: {"jira:OV", "team:core"},              // reporter of OV-1
		idOf["501"]:     {"gitlab:42", "jira:OV", "team:core"}, // MR in corp/api (team core) naming OV-1
		idOf["502"]:     {"gitlab:43", "jira:WEB"},             // branch names web-7; XYZ is no synced project
	}
	is.Equal(got, want)

	_, err = b.DB.IdentityActivity(ctx, "")
	is.True(errors.Is(err, storage.ErrInvalid))
}
