package kpi_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

const org = "acme"

// t0 is a Monday; the test period is [t0, t0+7d).
var (
	t0     = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	end    = t0.Add(7 * 24 * time.Hour)
	period = kpi.Period{Start: t0, End: end}
)

// h is t0 plus n hours; d is t0 plus n days.
func h(n float64) time.Time      { return t0.Add(time.Duration(n * float64(time.Hour))) }
func d(n float64) time.Time      { return h(24 * n) }
func ptr(t time.Time) *time.Time { return &t }

func compute(t *testing.T, src kpi.Source, opts ...kpi.Option) kpi.Snapshot {
	t.Helper()
	is := is.New(t)
	opts = append([]kpi.Option{kpi.WithNow(func() time.Time { return end })}, opts...)
	s, err := kpi.Compute(context.Background(), src, org, kpi.OrgScope, period, opts...)
	is.NoErr(err)
	return s
}

// issue builds a Jira issue of the test org.
func issue(id string, f func(*connectors.Issue)) connectors.Issue {
	i := connectors.Issue{
		OrgID: org, Source: "jira", ExternalID: id, Key: "ABC-" + id, ProjectKey: "ABC",
		Summary: "issue " + id, Type: "Task", Status: "To Do", StatusCategory: connectors.CategoryTodo,
		CreatedAt: t0.Add(-30 * 24 * time.Hour), UpdatedAt: t0, URL: "https://jira/browse/ABC-" + id,
	}
	if f != nil {
		f(&i)
	}
	return i
}

func resolved(at time.Time) func(*connectors.Issue) {
	return func(i *connectors.Issue) {
		i.ResolvedAt, i.Status, i.StatusCategory = ptr(at), "Done", connectors.CategoryDone
	}
}

// status builds a status transition; cats are "todo", "in_progress", "done".
func status(issueID string, seq int, at time.Time, from, to connectors.StatusCategory) connectors.Transition {
	return connectors.Transition{OrgID: org, Source: "jira", IssueID: issueID, Seq: seq, Field: connectors.FieldStatus,
		From: string(from), To: string(to), FromCategory: from, ToCategory: to, At: at}
}

func sprintTr(issueID string, seq int, at time.Time, from, to string) connectors.Transition {
	return connectors.Transition{OrgID: org, Source: "jira", IssueID: issueID, Seq: seq, Field: connectors.FieldSprint, From: from, To: to, At: at}
}

const (
	todo = connectors.CategoryTodo
	prog = connectors.CategoryInProgress
	done = connectors.CategoryDone
)

func mr(id string, f func(*connectors.MergeRequest)) connectors.MergeRequest {
	m := connectors.MergeRequest{
		OrgID: org, Source: "gitlab", ExternalID: id, ProjectID: "p1", IID: 1, Title: "mr " + id, State: "opened",
		CreatedAt: t0, UpdatedAt: end, URL: "https://gitlab/mr/" + id,
	}
	if f != nil {
		f(&m)
	}
	return m
}

func merged(created, at time.Time) func(*connectors.MergeRequest) {
	return func(m *connectors.MergeRequest) {
		m.CreatedAt, m.MergedAt, m.State, m.UpdatedAt = created, ptr(at), "merged", at
	}
}

func pipeline(id, ref, sha, status string, finished time.Time) connectors.Pipeline {
	return connectors.Pipeline{OrgID: org, Source: "gitlab", ExternalID: id, ProjectID: "p1", Ref: ref, SHA: sha,
		Status: status, CreatedAt: finished.Add(-time.Hour), UpdatedAt: finished, FinishedAt: ptr(finished), URL: "https://gitlab/pipelines/" + id}
}

func deployment(id, project, tier, status string, finished time.Time, mrs ...string) connectors.Deployment {
	return connectors.Deployment{OrgID: org, Source: "gitlab", ExternalID: id, ProjectID: project, Environment: tier,
		EnvironmentTier: tier, Status: status, CreatedAt: finished.Add(-10 * time.Minute), UpdatedAt: finished,
		FinishedAt: ptr(finished), MergeRequestIDs: mrs}
}

func refs(ss ...string) []kpi.Ref {
	out := make([]kpi.Ref, len(ss))
	for i, s := range ss {
		out[i] = kpi.Ref(s)
	}
	return out
}

func val(v float64) kpi.Value { return kpi.Some(v) }
