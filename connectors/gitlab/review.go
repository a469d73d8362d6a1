package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
)

// apiNote is a note as /merge_requests/:iid/notes lists it.
type apiNote struct {
	Body      string   `json:"body"`
	System    bool     `json:"system"`
	Author    *apiUser `json:"author"`
	CreatedAt *string  `json:"created_at"`
}

var errFound = errors.New("first review found")

// firstReview reads an MR's notes oldest first and returns the time of
// the first review (nil when there is none, or the notes are gone or not
// visible to the token). It stops at the page holding the first review,
// taking the earliest review on that page in case the server orders
// loosely.
func (c *Client) firstReview(ctx context.Context, projectID int64, mr *connectors.MergeRequest) (*time.Time, error) {
	q := url.Values{"sort": {"asc"}, "order_by": {"created_at"}, "per_page": {strconv.Itoa(c.o.PerPage)}}
	var first *time.Time
	err := c.list(ctx, fmt.Sprintf("notes of merge request !%d", mr.IID), c.api(fmt.Sprintf("/projects/%d/merge_requests/%d/notes", projectID, mr.IID), q), func(_ int, items []json.RawMessage) error {
		for _, raw := range items {
			var n apiNote
			if err := json.Unmarshal(raw, &n); err != nil {
				return fmt.Errorf("decode note: %w", err)
			}
			at, ok := parseTime(n.CreatedAt)
			if ok && isReview(n, mr.AuthorID) && (first == nil || at.Before(*first)) {
				first = &at
			}
		}
		if first != nil {
			return errFound
		}
		return nil
	})
	var apiErr *httpx.APIError
	switch {
	case err == nil, errors.Is(err, errFound):
		return first, nil
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusForbidden):
		return nil, nil // deleted since it was listed, or notes not visible: unknown
	default:
		return nil, err
	}
}

// isReview says whether a note is a review of an MR by authorID: a
// comment (general, diff or discussion reply) by someone other than the
// author and bots, or their approval or request for changes, which GitLab
// records as system notes. Other system notes (commits pushed, review
// requested, mentions, merged, closed) are activity, not review.
func isReview(n apiNote, authorID string) bool {
	if n.Author == nil || n.Author.ID == 0 || strconv.FormatInt(n.Author.ID, 10) == authorID || isBot(n.Author) {
		return false
	}
	if !n.System {
		return true
	}
	body := strings.TrimSpace(n.Body)
	return body == "approved this merge request" || body == "requested changes"
}

// isBot recognises service accounts among note authors, whose embedded
// user carries no bot flag on most GitLab versions: project and group
// access token users, and the usual names of dependency and CI bots.
func isBot(u *apiUser) bool {
	if u.Bot || botUsername.MatchString(u.Username) {
		return true
	}
	name := strings.ToLower(u.Username)
	for _, suffix := range []string{"-bot", "_bot", ".bot", "[bot]"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	switch name {
	case "dependabot", "renovate", "gitlab-bot", "alert-bot", "support-bot", "visual-review-bot":
		return true
	}
	return false
}
