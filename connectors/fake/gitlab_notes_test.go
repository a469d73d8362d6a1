package fake_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/fake"
)

type glNote struct {
	ID        int    `json:"id"`
	Type      any    `json:"type"`
	Body      string `json:"body"`
	System    bool   `json:"system"`
	CreatedAt string `json:"created_at"`
	IID       int    `json:"noteable_iid"`
	Author    *struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
	} `json:"author"`
	Position map[string]any `json:"position"`
}

// notesOf reads every page of an MR's notes.
func notesOf(t *testing.T, b bundle, m fake.MergeRequest, query string) []glNote {
	t.Helper()
	var all []glNote
	page := "1"
	for n := 0; page != ""; n++ {
		if n > 100 {
			t.Fatal("notes never end")
		}
		r := b.gitlab("/api/v4/projects/" + strconv.Itoa(m.ProjectID) + "/merge_requests/" + strconv.Itoa(m.IID) + "/notes?" + query + "&page=" + page)
		if r.status != http.StatusOK {
			t.Fatalf("notes of !%d: %d %s", m.IID, r.status, r.body)
		}
		var items []glNote
		r.decode(t, &items)
		all = append(all, items...)
		page = r.header.Get("X-Next-Page")
	}
	return all
}

func TestGitLabMergeRequestNotes(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := readOnlyOrg()
	b := setup(t, org, fake.Options{})
	bots := map[int]bool{}
	for _, a := range org.Accounts("gitlab") {
		if a.Bot {
			id, _ := strconv.Atoi(a.ExternalID)
			bots[id] = true
		}
	}
	kinds := map[string]int{}
	reviewed := 0
	for _, m := range org.MergeRequests() {
		notes := notesOf(t, b, m, "sort=asc&order_by=created_at&per_page=7")
		var first time.Time
		var prev time.Time
		seen := map[int]bool{}
		for _, n := range notes {
			is.True(!seen[n.ID]) // no note twice
			seen[n.ID] = true
			is.Equal(n.IID, m.IID)
			at, err := time.Parse(time.RFC3339Nano, n.CreatedAt)
			is.NoErr(err)
			is.True(!at.Before(prev))        // oldest first
			is.True(!at.Before(m.CreatedAt)) // nothing before the MR
			is.True(!at.After(m.UpdatedAt))  // a note updates the MR
			prev = at
			switch {
			case n.System && strings.HasPrefix(n.Body, "approved"):
				kinds["approval"]++
			case n.System:
				kinds["system"]++
			case n.Author != nil && n.Author.ID == m.AuthorID:
				kinds["author"]++
			case n.Author != nil && bots[n.Author.ID]:
				kinds["bot"]++
			case n.Type == "DiffNote":
				kinds["diff"]++
				is.True(n.Position["new_path"] != nil)
			default:
				kinds["comment"]++
			}
			review := n.Author != nil && n.Author.ID != m.AuthorID && !bots[n.Author.ID] &&
				(!n.System || n.Body == "approved this merge request" || n.Body == "requested changes")
			if review && first.IsZero() {
				first = at
			}
		}
		is.True(first.Equal(m.FirstReviewAt)) // the truth is what the notes show
		if !first.IsZero() {
			reviewed++
		}
		if len(notes) > 0 && m.IID%10 == 0 {
			desc := notesOf(t, b, m, "per_page=100")
			is.Equal(len(desc), len(notes))
			is.Equal(desc[0].ID, notes[len(notes)-1].ID) // newest first by default
		}
	}
	t.Logf("note kinds: %v; %d of %d MRs reviewed", kinds, reviewed, len(org.MergeRequests()))
	for _, k := range []string{"approval", "system", "author", "bot", "diff", "comment"} {
		is.True(kinds[k] > 0) // every kind of note appears
	}
	is.True(reviewed > len(org.MergeRequests())/2)

	r := b.gitlab("/api/v4/projects/4101/merge_requests/99999/notes")
	is.Equal(r.status, http.StatusNotFound)
	r = b.gitlab("/api/v4/projects/4101/merge_requests/1/notes?sort=sideways")
	is.Equal(r.status, http.StatusBadRequest)
}

func TestGitLabNotesAreStableAcrossTouchesAndMerges(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	org := fake.Generate(smallSpec(3))
	before := map[int]time.Time{}
	for _, m := range org.MergeRequests() {
		before[m.ID] = m.FirstReviewAt
	}
	b := setup(t, org, fake.Options{})
	m := org.MergeRequests()[5]
	notes := notesOf(t, b, m, "sort=asc&per_page=100")
	org.TouchMergeRequests(m.ID)
	org.Mutate(5)
	again := notesOf(t, b, m, "sort=asc&per_page=100")
	is.True(len(again) >= len(notes))
	for i := range notes {
		is.Equal(again[i].ID, notes[i].ID) // the discussion does not move
	}
	for _, m := range org.MergeRequests() {
		is.True(m.FirstReviewAt.Equal(before[m.ID]))
	}
}

func TestGitLabNotesAreDeterministic(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	a, b := fake.Generate(smallSpec(5)), fake.Generate(smallSpec(5))
	is.Equal(a.MergeRequests(), b.MergeRequests())
	ja, _ := json.Marshal(a.Pipelines())
	jb, _ := json.Marshal(b.Pipelines())
	is.Equal(string(ja), string(jb))
	is.True(slices.ContainsFunc(a.MergeRequests(), func(m fake.MergeRequest) bool { return !m.FirstReviewAt.IsZero() }))
}
