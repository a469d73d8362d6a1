package gitlab_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/gitlab"
)

// reviewServer serves one project whose merge requests cover the kinds of
// notes: a review on the second page of notes after system, bot, author
// and mention notes (7); an author's self-approval before a reviewer's
// approval (8); an MR never updated since it was opened (9); only author,
// bot, unapproval and mention notes (10); notes gone (11). A non-nil
// notes8 replaces the handler of 8's notes.
func reviewServer(t *testing.T, b bundle, notes8 http.HandlerFunc) {
	b.srv.handle("GET /api/v4/projects/12345678", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":12345678,"name":"api","path_with_namespace":"acme/platform/api","default_branch":"main","web_url":"https://gitlab.acme.example/acme/platform/api"}`))
	})
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests", offset(t, "mrs_review.json"))
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests/7/notes", offset(t, "notes_7_page1.json", "notes_7_page2.json", "notes_7_page3.json"))
	if notes8 == nil {
		notes8 = offset(t, "notes_8.json")
	}
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests/8/notes", notes8)
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests/10/notes", offset(t, "notes_10.json"))
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests/11/notes", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"404 Not found"}`))
	})
}

func mergeRequestsByIID(t *testing.T, b bundle) map[int64]connectors.MergeRequest {
	t.Helper()
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamMergeRequests, Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]connectors.MergeRequest{}
	for _, p := range pages {
		for _, m := range p.MergeRequests {
			out[m.IID] = m
		}
	}
	return out
}

func TestFirstReviewFromNotes(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}}, gitlab.Options{})
	reviewServer(t, b, nil)
	mrs := mergeRequestsByIID(t, b)
	is.Equal(len(mrs), 5)
	at := func(iid int64) string {
		if mrs[iid].FirstReviewAt == nil {
			return ""
		}
		return mrs[iid].FirstReviewAt.Format(time.RFC3339Nano)
	}
	is.Equal(at(7), "2024-01-08T14:15:30.25Z") // the reviewer's first diff note, not the bot, the author or a mention
	is.Equal(at(8), "2024-01-08T12:45:10.5Z")  // an approval by someone else; the author's own does not count
	is.Equal(at(9), "")                        // never updated: not asked
	is.Equal(at(10), "")                       // nobody but the author and a bot took part
	is.Equal(at(11), "")                       // notes gone: unknown

	notes := "/api/v4/projects/12345678/merge_requests/7/notes"
	is.Equal(b.srv.count(notes), 2) // stops at the page holding the first review
	for _, q := range b.srv.queries(notes) {
		is.True(strings.Contains(q, "sort=asc"))
		is.True(strings.Contains(q, "order_by=created_at"))
		is.True(strings.Contains(q, "per_page=100"))
	}
	is.Equal(b.srv.count("/api/v4/projects/12345678/merge_requests/9/notes"), 0)
	is.Equal(b.srv.count("/api/v4/projects/12345678/merge_requests/10/notes"), 1)
}

func TestSkipFirstReview(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}}, gitlab.Options{SkipFirstReview: true})
	reviewServer(t, b, nil)
	for _, m := range mergeRequestsByIID(t, b) {
		is.True(m.FirstReviewAt == nil)
	}
	for _, iid := range []string{"7", "8", "10", "11"} {
		is.Equal(b.srv.count("/api/v4/projects/12345678/merge_requests/"+iid+"/notes"), 0)
	}
}

func TestFirstReviewFailureFailsThePage(t *testing.T) {
	is := is.New(t)
	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}}, gitlab.Options{Concurrency: 1})
	reviewServer(t, b, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(`<html>502 Bad Gateway</html>`))
	})
	pages, err := collect(t, b.client, connectors.FetchRequest{Stream: connectors.StreamMergeRequests, Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	is.True(err != nil)
	is.True(strings.Contains(err.Error(), "notes of merge request !8"))
	for _, p := range pages {
		is.Equal(len(p.MergeRequests), 0) // the page is not half-filled: it is retried on the next sync
	}
	is.Equal(b.srv.count("/api/v4/projects/12345678/merge_requests/8/notes"), 4) // retried
}
