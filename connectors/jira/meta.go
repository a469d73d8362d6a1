package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
)

// fieldIDs are the custom fields of one site.
type fieldIDs struct {
	storyPoints []string // tried in order; the first non-empty value wins
	sprint      string
	team        string
	flagged     string
}

// meta is what an issue sync needs to know about the site.
type meta struct {
	fields fieldIDs
	// statusByID and statusByName map statuses to their category.
	statusByID   map[string]connectors.StatusCategory
	statusByName map[string]connectors.StatusCategory
	// loc is the API user's time zone; nil when unknown.
	loc *time.Location
}

type apiField struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Custom bool   `json:"custom"`
	Schema struct {
		Custom string `json:"custom"`
	} `json:"schema"`
}

type apiStatus struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

// category maps Jira's statusCategory.key.
func category(key string) connectors.StatusCategory {
	switch key {
	case "new":
		return connectors.CategoryTodo
	case "indeterminate":
		return connectors.CategoryInProgress
	case "done":
		return connectors.CategoryDone
	}
	return ""
}

func (c *Client) loadMeta(ctx context.Context) (*meta, error) {
	m := &meta{statusByID: map[string]connectors.StatusCategory{}, statusByName: map[string]connectors.StatusCategory{}}

	m.fields = fieldIDs{sprint: c.cfg.FieldSprint, team: c.cfg.FieldTeam}
	if c.cfg.FieldStoryPoints != "" {
		m.fields.storyPoints = []string{c.cfg.FieldStoryPoints}
	}
	var fields []apiField
	if _, err := c.http.GetJSON(ctx, c.url("/rest/api/3/field", nil), &fields); err != nil {
		return nil, fmt.Errorf("jira: discover fields: %w", err)
	}
	discovered := discoverFields(fields)
	if m.fields.storyPoints == nil {
		m.fields.storyPoints = discovered.storyPoints
	}
	if m.fields.sprint == "" {
		m.fields.sprint = discovered.sprint
	}
	if m.fields.team == "" {
		m.fields.team = discovered.team
	}
	m.fields.flagged = discovered.flagged

	var statuses []apiStatus
	if _, err := c.http.GetJSON(ctx, c.url("/rest/api/3/status", nil), &statuses); err != nil {
		return nil, fmt.Errorf("jira: list statuses: %w", err)
	}
	for _, s := range statuses {
		cat := category(s.StatusCategory.Key)
		m.statusByID[s.ID] = cat
		m.statusByName[strings.ToLower(s.Name)] = cat
	}

	var me struct {
		TimeZone string `json:"timeZone"`
	}
	_, err := c.http.GetJSON(ctx, c.url("/rest/api/3/myself", nil), &me)
	var apiErr *httpx.APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden):
		return nil, fmt.Errorf("jira: read API user: %w", err)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		c.log.Warn("jira: API user's time zone unavailable; widening the issue window by 24h", "error", err)
	case me.TimeZone == "":
		c.log.Warn("jira: API user has no time zone; widening the issue window by 24h")
	default:
		loc, lerr := time.LoadLocation(me.TimeZone)
		if lerr != nil {
			c.log.Warn("jira: unknown time zone of API user; widening the issue window by 24h", "time_zone", me.TimeZone)
		} else {
			m.loc = loc
		}
	}
	return m, nil
}

// discoverFields picks custom fields by name (and, for sprint and team, by
// schema type), as field ids differ per site.
func discoverFields(fields []apiField) fieldIDs {
	var f fieldIDs
	var estimate []string
	for _, fl := range fields {
		name := strings.ToLower(strings.TrimSpace(fl.Name))
		switch {
		case name == "story points":
			f.storyPoints = append(f.storyPoints, fl.ID)
		case name == "story point estimate":
			estimate = append(estimate, fl.ID)
		case fl.Schema.Custom == "com.pyxis.greenhopper.jira:gh-sprint" || (name == "sprint" && f.sprint == ""):
			if f.sprint == "" || fl.Schema.Custom == "com.pyxis.greenhopper.jira:gh-sprint" {
				f.sprint = fl.ID
			}
		case name == "team":
			if f.team == "" || strings.Contains(fl.Schema.Custom, "team") {
				f.team = fl.ID
			}
		case name == "flagged":
			f.flagged = fl.ID
		}
	}
	f.storyPoints = append(f.storyPoints, estimate...)
	return f
}
