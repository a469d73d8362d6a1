package gitlab_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/gitlab"
)

// realDir holds recorded payloads from gitlab.com, present in the shared
// workspace but not in a clone of the project.
var realDir = filepath.Join("..", "..", "..", "shared", "fixtures", "real")

type realItem struct {
	Request      string          `json:"request"`
	ResponseItem json.RawMessage `json:"response_item"`
}

func readReal(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	f, err := os.Open(filepath.Join(realDir, name))
	if err != nil {
		t.Skipf("recorded payloads not available (%v): skipping", err)
	}
	defer f.Close()
	var out []json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var it realItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatal(err)
		}
		out = append(out, it.ResponseItem)
	}
	return out
}

func serveItems(items []json.RawMessage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = string(it)
		}
		w.Header().Set("X-Next-Page", "")
		_, _ = w.Write([]byte("[" + strings.Join(parts, ",") + "]"))
	}
}

// TestRealPayloads replays recorded gitlab.com payloads: admin users with
// offset times, merge requests in three states, pipelines with null
// updated_at and eleven statuses, deployments with environments, and
// merge request notes for the first review.
func TestRealPayloads(t *testing.T) {
	is := is.New(t)
	users := readReal(t, "gitlab/users_admin_api.jsonl")
	mrs := readReal(t, "gitlab/merge_requests.jsonl")
	pipelines := readReal(t, "gitlab/pipelines.jsonl")
	details := readReal(t, "gitlab/pipeline_details.jsonl")
	deployments := readReal(t, "gitlab/deployments.jsonl")
	notes := readReal(t, "gitlab/merge_request_notes.jsonl")

	b := setup(t, gitlab.Config{ProjectIDs: []int64{12345678}}, gitlab.Options{EmbeddedIdentities: true})
	b.srv.handle("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"id":1,"is_admin":true}`)) })
	b.srv.handle("GET /api/v4/users", serveItems(users))
	b.srv.handle("GET /api/v4/projects/12345678", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":12345678,"name":"vdev.co","path_with_namespace":"merico-dev/ee/vdev.co","default_branch":"master","web_url":"https://gitlab.com/merico-dev/ee/vdev.co"}`))
	})
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests", serveItems(mrs))
	b.srv.handle("GET /api/v4/projects/12345678/merge_requests/{iid}/notes", func(w http.ResponseWriter, r *http.Request) {
		var of []json.RawMessage
		for _, n := range notes {
			var v struct {
				IID json.Number `json:"noteable_iid"`
			}
			_ = json.Unmarshal(n, &v)
			if v.IID.String() == r.PathValue("iid") {
				of = append(of, n)
			}
		}
		serveItems(of)(w, r)
	})
	b.srv.handle("GET /api/v4/projects/12345678/pipelines", serveItems(pipelines))
	b.srv.handle("GET /api/v4/projects/12345678/pipelines/{pid}", func(w http.ResponseWriter, r *http.Request) {
		for _, d := range details {
			var p struct{ ID json.Number }
			_ = json.Unmarshal(d, &p)
			if p.ID.String() == r.PathValue("pid") {
				_, _ = w.Write(d)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"404 Not found"}`))
	})
	b.srv.handle("GET /api/v4/projects/12345678/deployments", serveItems(deployments))
	b.srv.handle("GET /api/v4/projects/12345678/deployments/{did}/merge_requests", serveItems(nil))

	since := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	counts := map[connectors.Stream]int{}
	firstReview := map[int64]string{}
	for _, stream := range b.client.Streams() {
		pages, err := collect(t, b.client, connectors.FetchRequest{Stream: stream, Since: since})
		is.NoErr(err)
		for _, p := range pages {
			switch stream {
			case connectors.StreamUsers:
				counts[stream] += len(p.Identities)
				for _, id := range p.Identities {
					is.NoErr(id.Validate())
					is.True(id.Email != "") // admins see email
				}
			case connectors.StreamMergeRequests:
				counts[stream] += len(p.MergeRequests)
				for _, m := range p.MergeRequests {
					is.True(!m.CreatedAt.IsZero() && !m.UpdatedAt.IsZero())
					is.True(m.State != "merged" || m.MergedAt != nil)
					is.True(m.AuthorID != "")
					if m.FirstReviewAt != nil {
						firstReview[m.IID] = m.FirstReviewAt.Format(time.RFC3339Nano)
					}
				}
			case connectors.StreamPipelines:
				counts[stream] += len(p.Pipelines)
				for _, pl := range p.Pipelines {
					is.True(!pl.CreatedAt.IsZero() && !pl.UpdatedAt.IsZero())
					is.True(pl.Status != "")
				}
			case connectors.StreamDeployments:
				counts[stream] += len(p.Deployments)
				for _, d := range p.Deployments {
					is.True(d.Environment != "")
					is.True(d.Status != "")
				}
			}
		}
	}
	// !1 has only the author's notes and others' system notes (a merge, a
	// mention); !3's first note is a comment by someone else.
	is.Equal(firstReview, map[int64]string{3: "2019-08-26T12:14:39.003Z"})
	is.Equal(counts, map[connectors.Stream]int{
		connectors.StreamUsers: len(users), connectors.StreamMergeRequests: len(mrs),
		connectors.StreamPipelines: len(pipelines), connectors.StreamDeployments: len(deployments),
	})
}
