package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/identity"
)

type apiProject struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	PathWithNamespace string `json:"path_with_namespace"`
	DefaultBranch     string `json:"default_branch"`
	WebURL            string `json:"web_url"`
}

type project struct {
	rec connectors.Project
	id  int64
	raw json.RawMessage
}

// projects lists the configured projects: the group's (keyset paged,
// subgroups included) then the listed ids not already seen.
func (c *Client) projects(ctx context.Context) ([]project, error) {
	var out []project
	seen := map[int64]bool{}
	add := func(raw json.RawMessage) error {
		var p apiProject
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("gitlab: decode project: %w", err)
		}
		if p.ID == 0 || seen[p.ID] {
			return nil
		}
		seen[p.ID] = true
		out = append(out, project{id: p.ID, raw: raw, rec: connectors.Project{
			Source:            identity.SourceGitLab,
			ExternalID:        strconv.FormatInt(p.ID, 10),
			PathWithNamespace: p.PathWithNamespace,
			Name:              p.Name,
			DefaultBranch:     p.DefaultBranch,
			URL:               p.WebURL,
		}})
		return nil
	}
	if c.cfg.Group != "" {
		q := url.Values{"include_subgroups": {"true"}, "with_shared": {"false"}, "pagination": {"keyset"}, "order_by": {"id"}, "sort": {"asc"}, "per_page": {strconv.Itoa(c.o.PerPage)}}
		err := c.list(ctx, "list group projects", c.api("/groups/"+url.PathEscape(c.cfg.Group)+"/projects", q), func(_ int, items []json.RawMessage) error {
			for _, raw := range items {
				if err := add(raw); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, id := range c.cfg.ProjectIDs {
		if seen[id] {
			continue
		}
		var raw json.RawMessage
		if _, err := c.http.GetJSON(ctx, c.api(fmt.Sprintf("/projects/%d", id), nil), &raw); err != nil {
			return nil, fmt.Errorf("gitlab: read project %d: %w", id, err)
		}
		if err := add(raw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pager numbers pages and holds the newest one back, so the final page can
// carry the newest update of the whole run.
type pager struct {
	yield   func(connectors.Page, error) bool
	num     int
	pending *connectors.Page
	newest  time.Time
}

func (p *pager) emit(pg connectors.Page) error {
	if p.pending != nil && !p.yield(*p.pending, nil) {
		return errStop
	}
	p.num++
	pg.Number = p.num
	p.pending = &pg
	return nil
}

// flush yields the held-back page as it is (after a failure: its items
// are good, and without the run's newest update it cannot move a cursor
// too far).
func (p *pager) flush() {
	if p.pending != nil {
		p.yield(*p.pending, nil)
		p.pending = nil
	}
}

func (p *pager) finish() error {
	if p.pending == nil {
		return nil
	}
	if p.newest.After(p.pending.MaxUpdated) {
		p.pending.MaxUpdated = p.newest
	}
	if !p.yield(*p.pending, nil) {
		return errStop
	}
	return nil
}

func (c *Client) fetchProjectStream(ctx context.Context, req connectors.FetchRequest, yield func(connectors.Page, error) bool) error {
	projects, err := c.projects(ctx)
	if err != nil {
		return err
	}
	pg := &pager{yield: yield}
	if len(projects) > 0 {
		first := connectors.Page{}
		fetched := c.now().UTC()
		for _, p := range projects {
			first.Projects = append(first.Projects, p.rec)
			first.Raw = append(first.Raw, rawPayload("project", p.rec.ExternalID, p.raw, fetched))
		}
		if err := pg.emit(first); err != nil {
			return err
		}
	}
	since := req.Since
	if since.IsZero() {
		since = c.now().Add(-c.cfg.SyncWindow())
	}
	for i, p := range projects {
		last := i == len(projects)-1
		q := url.Values{"updated_after": {since.UTC().Format(time.RFC3339)}, "order_by": {"updated_at"}, "sort": {"asc"}, "per_page": {strconv.Itoa(c.o.PerPage)}}
		var path, what string
		var mapPage func(context.Context, int64, []json.RawMessage) (connectors.Page, error)
		switch req.Stream {
		case connectors.StreamMergeRequests:
			q.Set("state", "all")
			path, what, mapPage = "merge_requests", "list merge requests", c.mergeRequestPage
		case connectors.StreamPipelines:
			path, what, mapPage = "pipelines", "list pipelines", c.pipelinePage
		default:
			path, what, mapPage = "deployments", "list deployments", c.deploymentPage
		}
		err := c.list(ctx, fmt.Sprintf("%s of project %d", what, p.id), c.api(fmt.Sprintf("/projects/%d/%s", p.id, path), q), func(n int, items []json.RawMessage) error {
			if len(items) == 0 {
				return nil
			}
			page, err := mapPage(ctx, p.id, items)
			if err != nil {
				return fmt.Errorf("gitlab: %s of project %d page %d: %w", what, p.id, n, err)
			}
			if page.MaxUpdated.After(pg.newest) {
				pg.newest = page.MaxUpdated
			}
			if !last {
				page.MaxUpdated = time.Time{} // later projects may hold older updates
			}
			return pg.emit(page)
		})
		if err != nil {
			if !errors.Is(err, errStop) {
				pg.flush()
			}
			return err
		}
	}
	return pg.finish()
}

type apiMergeRequest struct {
	ID              int64     `json:"id"`
	IID             int64     `json:"iid"`
	ProjectID       int64     `json:"project_id"`
	Title           string    `json:"title"`
	State           string    `json:"state"`
	Author          *apiUser  `json:"author"`
	MergeUser       *apiUser  `json:"merge_user"`
	MergedBy        *apiUser  `json:"merged_by"`
	Assignees       []apiUser `json:"assignees"`
	Reviewers       []apiUser `json:"reviewers"`
	Labels          []string  `json:"labels"`
	SourceBranch    string    `json:"source_branch"`
	TargetBranch    string    `json:"target_branch"`
	CreatedAt       *string   `json:"created_at"`
	UpdatedAt       *string   `json:"updated_at"`
	MergedAt        *string   `json:"merged_at"`
	ClosedAt        *string   `json:"closed_at"`
	MergeCommitSHA  *string   `json:"merge_commit_sha"`
	SquashCommitSHA *string   `json:"squash_commit_sha"`
	WebURL          string    `json:"web_url"`
}

func (c *Client) mergeRequestPage(ctx context.Context, projectID int64, items []json.RawMessage) (connectors.Page, error) {
	page := connectors.Page{}
	ppl := newPeople()
	fetched := c.now().UTC()
	var review []int
	for _, raw := range items {
		var m apiMergeRequest
		if err := json.Unmarshal(raw, &m); err != nil {
			return page, fmt.Errorf("decode merge request: %w", err)
		}
		if m.ProjectID == 0 {
			m.ProjectID = projectID
		}
		mr := connectors.MergeRequest{
			Source:       identity.SourceGitLab,
			ExternalID:   strconv.FormatInt(m.ID, 10),
			ProjectID:    strconv.FormatInt(m.ProjectID, 10),
			IID:          m.IID,
			Title:        m.Title,
			State:        m.State,
			AuthorID:     ppl.add(m.Author),
			Labels:       m.Labels,
			SourceBranch: m.SourceBranch,
			TargetBranch: m.TargetBranch,
			MergedAt:     timePtr(m.MergedAt),
			ClosedAt:     timePtr(m.ClosedAt),
			URL:          m.WebURL,
		}
		mr.CreatedAt, _ = parseTime(m.CreatedAt)
		mr.UpdatedAt, _ = parseTime(m.UpdatedAt)
		if mr.UpdatedAt.IsZero() {
			mr.UpdatedAt = mr.CreatedAt
		}
		switch {
		case m.MergeCommitSHA != nil && *m.MergeCommitSHA != "":
			mr.MergeCommitSHA = *m.MergeCommitSHA
		case m.SquashCommitSHA != nil:
			mr.MergeCommitSHA = *m.SquashCommitSHA
		}
		ppl.add(m.MergeUser)
		ppl.add(m.MergedBy)
		for i := range m.Assignees {
			ppl.add(&m.Assignees[i])
		}
		for i := range m.Reviewers {
			ppl.add(&m.Reviewers[i])
		}
		if !c.o.SkipFirstReview && mr.UpdatedAt.After(mr.CreatedAt) {
			// A note or an approval updates the MR: one never updated
			// since it was opened has no review to find.
			review = append(review, len(page.MergeRequests))
		}
		page.MergeRequests = append(page.MergeRequests, mr)
		page.Raw = append(page.Raw, rawPayload("merge_request", mr.ExternalID, raw, fetched))
		if mr.UpdatedAt.After(page.MaxUpdated) {
			page.MaxUpdated = mr.UpdatedAt
		}
	}
	err := c.parallel(ctx, review, func(ctx context.Context, i int) error {
		mr := &page.MergeRequests[i]
		at, err := c.firstReview(ctx, projectID, mr)
		if err != nil {
			return err
		}
		mr.FirstReviewAt = at
		return nil
	})
	if err != nil {
		return page, err
	}
	if c.o.EmbeddedIdentities {
		page.Identities = ppl.list
	}
	return page, nil
}

type apiPipeline struct {
	ID         int64    `json:"id"`
	ProjectID  int64    `json:"project_id"`
	Ref        string   `json:"ref"`
	SHA        string   `json:"sha"`
	Status     string   `json:"status"`
	Source     string   `json:"source"`
	CreatedAt  *string  `json:"created_at"`
	UpdatedAt  *string  `json:"updated_at"`
	StartedAt  *string  `json:"started_at"`
	FinishedAt *string  `json:"finished_at"`
	Duration   *float64 `json:"duration"`
	WebURL     string   `json:"web_url"`
	User       *apiUser `json:"user"`
}

// finished lists pipeline statuses that have a finish time.
var finished = map[string]bool{"success": true, "failed": true, "canceled": true, "skipped": true}

func (c *Client) pipelinePage(ctx context.Context, projectID int64, items []json.RawMessage) (connectors.Page, error) {
	page := connectors.Page{}
	fetched := c.now().UTC()
	ps := make([]apiPipeline, len(items))
	raws := make([]json.RawMessage, len(items))
	var need []int
	for i, raw := range items {
		if err := json.Unmarshal(raw, &ps[i]); err != nil {
			return page, fmt.Errorf("decode pipeline: %w", err)
		}
		raws[i] = raw
		if !c.o.SkipPipelineDetails && ps[i].FinishedAt == nil && finished[ps[i].Status] {
			need = append(need, i)
		}
	}
	err := c.parallel(ctx, need, func(ctx context.Context, i int) error {
		var raw json.RawMessage
		if _, err := c.http.GetJSON(ctx, c.api(fmt.Sprintf("/projects/%d/pipelines/%d", projectID, ps[i].ID), nil), &raw); err != nil {
			var apiErr *httpx.APIError
			if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
				return nil // deleted since it was listed
			}
			return fmt.Errorf("read pipeline %d: %w", ps[i].ID, err)
		}
		var d apiPipeline
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("decode pipeline %d: %w", ps[i].ID, err)
		}
		ps[i], raws[i] = d, raw
		return nil
	})
	if err != nil {
		return page, err
	}
	ppl := newPeople()
	for i, p := range ps {
		if p.ProjectID == 0 {
			p.ProjectID = projectID
		}
		rec := connectors.Pipeline{
			Source:          identity.SourceGitLab,
			ExternalID:      strconv.FormatInt(p.ID, 10),
			ProjectID:       strconv.FormatInt(p.ProjectID, 10),
			Ref:             p.Ref,
			SHA:             p.SHA,
			Status:          p.Status,
			TriggerSource:   p.Source,
			StartedAt:       timePtr(p.StartedAt),
			FinishedAt:      timePtr(p.FinishedAt),
			DurationSeconds: p.Duration,
			URL:             p.WebURL,
		}
		rec.CreatedAt, _ = parseTime(p.CreatedAt)
		rec.UpdatedAt, _ = parseTime(p.UpdatedAt)
		if rec.UpdatedAt.IsZero() {
			rec.UpdatedAt = rec.CreatedAt
		}
		ppl.add(p.User)
		page.Pipelines = append(page.Pipelines, rec)
		page.Raw = append(page.Raw, rawPayload("pipeline", rec.ExternalID, raws[i], fetched))
		if rec.UpdatedAt.After(page.MaxUpdated) {
			page.MaxUpdated = rec.UpdatedAt
		}
	}
	if c.o.EmbeddedIdentities {
		page.Identities = ppl.list
	}
	return page, nil
}

type apiDeployment struct {
	ID          int64    `json:"id"`
	Ref         string   `json:"ref"`
	SHA         string   `json:"sha"`
	Status      string   `json:"status"`
	CreatedAt   *string  `json:"created_at"`
	UpdatedAt   *string  `json:"updated_at"`
	FinishedAt  *string  `json:"finished_at"`
	User        *apiUser `json:"user"`
	Environment struct {
		Name        string `json:"name"`
		Tier        string `json:"tier"`
		ExternalURL string `json:"external_url"`
	} `json:"environment"`
	Deployable *struct {
		FinishedAt *string `json:"finished_at"`
		WebURL     string  `json:"web_url"`
	} `json:"deployable"`
}

func (c *Client) deploymentPage(ctx context.Context, projectID int64, items []json.RawMessage) (connectors.Page, error) {
	page := connectors.Page{}
	fetched := c.now().UTC()
	ppl := newPeople()
	var ship []int
	for _, raw := range items {
		var d apiDeployment
		if err := json.Unmarshal(raw, &d); err != nil {
			return page, fmt.Errorf("decode deployment: %w", err)
		}
		rec := connectors.Deployment{
			Source:          identity.SourceGitLab,
			ExternalID:      strconv.FormatInt(d.ID, 10),
			ProjectID:       strconv.FormatInt(projectID, 10),
			Environment:     d.Environment.Name,
			EnvironmentTier: d.Environment.Tier,
			Status:          d.Status,
			Ref:             d.Ref,
			SHA:             d.SHA,
			FinishedAt:      timePtr(d.FinishedAt),
		}
		rec.CreatedAt, _ = parseTime(d.CreatedAt)
		rec.UpdatedAt, _ = parseTime(d.UpdatedAt)
		if rec.UpdatedAt.IsZero() {
			rec.UpdatedAt = rec.CreatedAt
		}
		if rec.FinishedAt == nil && d.Deployable != nil {
			rec.FinishedAt = timePtr(d.Deployable.FinishedAt)
		}
		if rec.FinishedAt == nil && finished[d.Status] && !rec.UpdatedAt.IsZero() {
			t := rec.UpdatedAt
			rec.FinishedAt = &t
		}
		if d.Deployable != nil {
			rec.URL = d.Deployable.WebURL
		}
		ppl.add(d.User)
		if !c.o.SkipDeploymentMergeRequests && rec.EnvironmentTier == "production" && rec.Status == "success" {
			ship = append(ship, len(page.Deployments))
		}
		page.Deployments = append(page.Deployments, rec)
		page.Raw = append(page.Raw, rawPayload("deployment", rec.ExternalID, raw, fetched))
		if rec.UpdatedAt.After(page.MaxUpdated) {
			page.MaxUpdated = rec.UpdatedAt
		}
	}
	err := c.parallel(ctx, ship, func(ctx context.Context, i int) error {
		d := &page.Deployments[i]
		q := url.Values{"per_page": {strconv.Itoa(c.o.PerPage)}}
		var ids []string
		err := c.list(ctx, "list merge requests of deployment "+d.ExternalID, c.api(fmt.Sprintf("/projects/%d/deployments/%s/merge_requests", projectID, d.ExternalID), q), func(_ int, items []json.RawMessage) error {
			for _, raw := range items {
				var m struct {
					ID int64 `json:"id"`
				}
				if err := json.Unmarshal(raw, &m); err != nil {
					return fmt.Errorf("decode merge request: %w", err)
				}
				ids = append(ids, strconv.FormatInt(m.ID, 10))
			}
			return nil
		})
		var apiErr *httpx.APIError
		if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusForbidden) {
			return nil // older GitLab, or not allowed: lead time falls back to deploy order
		}
		if err != nil {
			return err
		}
		d.MergeRequestIDs = ids
		return nil
	})
	if err != nil {
		return page, err
	}
	if c.o.EmbeddedIdentities {
		page.Identities = ppl.list
	}
	return page, nil
}

// parallel runs fn for each index with bounded concurrency; the first
// error cancels the rest and is returned.
func (c *Client) parallel(ctx context.Context, idx []int, fn func(context.Context, int) error) error {
	if len(idx) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, c.o.Concurrency)
	)
	for _, i := range idx {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}
