package fake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Credentials are the Atlassian basic-auth pair (account email and API
// token) the Jira and Confluence fakes require.
type Credentials struct {
	Email string
	Token string
}

// Default credentials used when none are configured.
const (
	DefaultEmail       = "demo@corp.example"
	DefaultToken       = "fake-atlassian-token"
	DefaultGitLabToken = "glpat-fake-gitlab-token"
)

func (c Credentials) withDefaults() Credentials {
	if c.Email == "" && c.Token == "" {
		return Credentials{DefaultEmail, DefaultToken}
	}
	return c
}

func (c Credentials) check(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == c.Email && p == c.Token
}

// JiraServer is an http.Handler serving Jira Cloud REST v3 from an Org.
type JiraServer struct {
	*server
	org   *Org
	creds Credentials
	mux   *http.ServeMux
}

// NewJiraServer serves org as Jira Cloud, requiring creds (DefaultEmail /
// DefaultToken when empty) and injecting f.
func NewJiraServer(org *Org, creds Credentials, f Faults) *JiraServer {
	j := &JiraServer{server: newServer(f), org: org, creds: creds.withDefaults(), mux: http.NewServeMux()}
	j.handle("GET /rest/api/3/myself", j.myself)
	j.handle("GET /rest/api/3/field", j.fields)
	j.handle("GET /rest/api/3/status", j.statuses)
	j.handle("GET /rest/api/3/users/search", j.users)
	j.handle("GET /rest/api/3/search/jql", j.search)
	j.handle("POST /rest/api/3/search/jql", j.search)
	j.handle("GET /rest/api/3/issue/{key}/changelog", j.changelog)
	j.handle("GET /rest/api/3/issue/{key}", j.issue)
	j.handle("/rest/api/3/search", j.gone)
	j.handle("/rest/api/2/search", j.gone)
	return j
}

func (j *JiraServer) handle(pattern string, fn func(c *call)) {
	j.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.r = r
		fn(c)
	})
}

// ServeHTTP implements http.Handler.
func (j *JiraServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.serve(w, r, j.mux, j.creds.check, func(c *call) {
		c.w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
		c.json(http.StatusUnauthorized, jiraError("Client must be authenticated to access this resource."))
	}, jiraRateHeaders)
}

// serve is the request pipeline shared by the three servers.
func (s *server) serve(w http.ResponseWriter, r *http.Request, mux *http.ServeMux, auth func(*http.Request) bool,
	unauthorized func(*call), rateHeaders func(http.Header, int, bool)) {
	c := s.begin(w, r)
	defer c.end()
	_, c.route = mux.Handler(r)
	if c.route == "" {
		c.route = "unknown"
		c.errorf(http.StatusNotFound, "404 Not Found")
		return
	}
	if !auth(r) {
		unauthorized(c)
		return
	}
	if c.preFaults(rateHeaders) {
		return
	}
	mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

func jiraRateHeaders(h http.Header, _ int, limited bool) {
	if !limited {
		return
	}
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-NearLimit", "true")
	h.Set("X-RateLimit-Reset", time.Now().UTC().Add(time.Minute).Format("2006-01-02T15:04Z"))
	h.Set("RateLimit-Reason", "jira-burst-based")
}

func jiraError(msg string) map[string]any {
	return map[string]any{"errorMessages": []string{msg}, "errors": map[string]string{}}
}

func (j *JiraServer) gone(c *call) {
	c.json(http.StatusGone, jiraError("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"))
}

// ---- payload shapes ----

type avatarURLs struct {
	X48 string `json:"48x48"`
	X24 string `json:"24x24"`
	X16 string `json:"16x16"`
	X32 string `json:"32x32"`
}

func avatars(base string) avatarURLs {
	return avatarURLs{base + "/48", base + "/24", base + "/16", base + "/32"}
}

type jiraUser struct {
	Self         string     `json:"self"`
	AccountID    string     `json:"accountId"`
	AccountType  string     `json:"accountType"`
	EmailAddress string     `json:"emailAddress,omitempty"`
	AvatarURLs   avatarURLs `json:"avatarUrls"`
	DisplayName  string     `json:"displayName"`
	Active       bool       `json:"active"`
	TimeZone     string     `json:"timeZone,omitempty"`
	Locale       string     `json:"locale,omitempty"`
}

func (c *call) jiraUser(o *Org, accountID string) *jiraUser {
	i, ok := o.jiraAccount(accountID)
	if !ok {
		return nil
	}
	a := &o.accounts[i]
	u := &jiraUser{Self: c.base + "/rest/api/3/user?accountId=" + a.ExternalID, AccountID: a.ExternalID,
		AccountType: a.AccountType, EmailAddress: a.Email,
		AvatarURLs:  avatars("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/" + a.ExternalID),
		DisplayName: a.DisplayName, Active: a.Active, TimeZone: o.spec.TimeZone}
	if a.AccountType == "atlassian" {
		u.Locale = "en_US"
	}
	return u
}

// userJSON is the cached JSON of a Jira user, or nil for "".
func (c *call) userJSON(o *Org, accountID string) json.RawMessage {
	if accountID == "" {
		return nil
	}
	return c.cached("user", accountID, func() any {
		if u := c.jiraUser(o, accountID); u != nil {
			return u
		}
		return nil
	})
}

const jiraTimeLayout = "2006-01-02T15:04:05.000-0700"

func (o *Org) jiraTime(t time.Time) string { return t.In(o.loc).Format(jiraTimeLayout) }

func utcMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type statusCategory struct {
	Self      string `json:"self"`
	ID        int    `json:"id"`
	Key       string `json:"key"`
	ColorName string `json:"colorName"`
	Name      string `json:"name"`
}

type jiraStatus struct {
	Self             string         `json:"self"`
	Description      string         `json:"description"`
	IconURL          string         `json:"iconUrl"`
	Name             string         `json:"name"`
	UntranslatedName string         `json:"untranslatedName"`
	ID               string         `json:"id"`
	StatusCategory   statusCategory `json:"statusCategory"`
}

func (c *call) jiraStatus(s Status) jiraStatus {
	cat := statusCategory{Self: c.base + "/rest/api/3/statuscategory/2", ID: 2, Key: "new", ColorName: "blue-gray", Name: "To Do"}
	switch s.Category {
	case "indeterminate":
		cat = statusCategory{Self: c.base + "/rest/api/3/statuscategory/4", ID: 4, Key: "indeterminate", ColorName: "yellow", Name: "In Progress"}
	case "done":
		cat = statusCategory{Self: c.base + "/rest/api/3/statuscategory/3", ID: 3, Key: "done", ColorName: "green", Name: "Done"}
	}
	return jiraStatus{Self: c.base + "/rest/api/3/status/" + s.ID, IconURL: c.base + "/images/icons/statuses/generic.png",
		Name: s.Name, UntranslatedName: s.Name, ID: s.ID, StatusCategory: cat}
}

var issueTypeIDs = map[string]string{"Epic": "10000", "Story": "10001", "Task": "10002", "Bug": "10004", "Incident": "10005"}

func (c *call) issueType(name string) map[string]any {
	level := 0
	if name == "Epic" {
		level = 1
	}
	id := issueTypeIDs[name]
	return map[string]any{"self": c.base + "/rest/api/3/issuetype/" + id, "id": id, "description": "",
		"iconUrl": c.base + "/rest/api/2/universal_avatar/view/type/issuetype/avatar/" + id + "?size=medium",
		"name":    name, "subtask": false, "avatarId": 10300, "hierarchyLevel": level}
}

func (c *call) priority(name string) map[string]string {
	id := priorityID(name)
	return map[string]string{"self": c.base + "/rest/api/3/priority/" + id,
		"iconUrl": c.base + "/images/icons/priorities/" + strings.ToLower(name) + ".svg", "name": name, "id": id}
}

func (o *Org) jiraProjectID(key string) string {
	for i, k := range o.spec.JiraProjects {
		if k == key {
			return strconv.Itoa(10000 + i)
		}
	}
	return "10000"
}

type jiraSprint struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	State        string `json:"state"`
	BoardID      int    `json:"boardId"`
	Goal         string `json:"goal"`
	StartDate    string `json:"startDate"`
	EndDate      string `json:"endDate"`
	CompleteDate string `json:"completeDate,omitempty"`
}

type jiraChangeItem struct {
	Field      string  `json:"field"`
	FieldType  string  `json:"fieldtype"`
	FieldID    string  `json:"fieldId,omitempty"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

type jiraHistory struct {
	ID      string           `json:"id"`
	Author  json.RawMessage  `json:"author,omitempty"`
	Created string           `json:"created"`
	Items   []jiraChangeItem `json:"items"`
}

func (c *call) history(o *Org, h *History) jiraHistory {
	out := jiraHistory{ID: h.ID, Author: c.userJSON(o, h.AuthorID), Created: o.jiraTime(h.Created), Items: make([]jiraChangeItem, len(h.Items))}
	for i := range h.Items {
		it := &h.Items[i]
		str := func(s *string) *string {
			if *s == "" && it.Field != "Sprint" {
				return nil // Jira sends null; Sprint sends ""
			}
			return s
		}
		out.Items[i] = jiraChangeItem{Field: it.Field, FieldType: it.FieldType, FieldID: it.FieldID,
			From: str(&it.From), FromString: str(&it.FromString), To: str(&it.To), ToString: str(&it.ToString)}
	}
	return out
}

// jiraFields holds the fields of one issue; nil members are omitted (not
// requested), jsonNull is sent as null.
type jiraFields struct {
	Summary                  any `json:"summary,omitempty"`
	IssueType                any `json:"issuetype,omitempty"`
	Project                  any `json:"project,omitempty"`
	Status                   any `json:"status,omitempty"`
	StatusCategoryChangeDate any `json:"statuscategorychangedate,omitempty"`
	Priority                 any `json:"priority,omitempty"`
	Labels                   any `json:"labels,omitempty"`
	Assignee                 any `json:"assignee,omitempty"`
	Reporter                 any `json:"reporter,omitempty"`
	Creator                  any `json:"creator,omitempty"`
	Created                  any `json:"created,omitempty"`
	Updated                  any `json:"updated,omitempty"`
	ResolutionDate           any `json:"resolutiondate,omitempty"`
	Resolution               any `json:"resolution,omitempty"`
	IssueLinks               any `json:"issuelinks,omitempty"`
	Description              any `json:"description,omitempty"`
	Team                     any `json:"customfield_10001,omitempty"`
	StoryPoints              any `json:"customfield_10016,omitempty"`
	Rank                     any `json:"customfield_10019,omitempty"`
	Sprint                   any `json:"customfield_10020,omitempty"`
	Flagged                  any `json:"customfield_10021,omitempty"`
}

var jsonNull = json.RawMessage("null")

func (f *jiraFields) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	for _, kv := range [...]struct {
		name string
		v    any
	}{
		{"summary", f.Summary}, {"issuetype", f.IssueType}, {"project", f.Project}, {"status", f.Status},
		{"statuscategorychangedate", f.StatusCategoryChangeDate}, {"priority", f.Priority}, {"labels", f.Labels},
		{"assignee", f.Assignee}, {"reporter", f.Reporter}, {"creator", f.Creator}, {"created", f.Created},
		{"updated", f.Updated}, {"resolutiondate", f.ResolutionDate}, {"resolution", f.Resolution},
		{"issuelinks", f.IssueLinks}, {"description", f.Description}, {FieldTeam, f.Team},
		{FieldStoryPoints, f.StoryPoints}, {FieldRank, f.Rank}, {FieldSprint, f.Sprint}, {FieldFlagged, f.Flagged},
	} {
		if kv.v != nil {
			b = appendField(b, &first, kv.name, kv.v)
		}
	}
	return append(b, '}')
}

func (h *jiraHistory) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, h.ID)
	if h.Author != nil {
		b = append(b, `,"author":`...)
		b = append(b, h.Author...)
	}
	b = append(b, `,"created":`...)
	b = appendJSONString(b, h.Created)
	b = append(b, `,"items":[`...)
	for i := range h.Items {
		it := &h.Items[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"field":`...)
		b = appendJSONString(b, it.Field)
		b = append(b, `,"fieldtype":`...)
		b = appendJSONString(b, it.FieldType)
		if it.FieldID != "" {
			b = append(b, `,"fieldId":`...)
			b = appendJSONString(b, it.FieldID)
		}
		for _, kv := range [...]struct {
			name string
			v    *string
		}{{"from", it.From}, {"fromString", it.FromString}, {"to", it.To}, {"toString", it.ToString}} {
			b = append(b, ',')
			b = appendJSONString(b, kv.name)
			b = append(b, ':')
			if kv.v == nil {
				b = append(b, "null"...)
			} else {
				b = appendJSONString(b, *kv.v)
			}
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func (is *jiraIssue) appendJSON(b []byte) []byte {
	first := true
	b = append(b, '{')
	b = appendField(b, &first, "expand", is.Expand)
	b = appendField(b, &first, "id", is.ID)
	b = appendField(b, &first, "self", is.Self)
	b = appendField(b, &first, "key", is.Key)
	if is.Fields != nil {
		b = append(b, `,"fields":`...)
		b = is.Fields.appendJSON(b)
	}
	if cl := is.Changelog; cl != nil {
		b = append(b, `,"changelog":{"startAt":`...)
		b = strconv.AppendInt(b, int64(cl.StartAt), 10)
		b = append(b, `,"maxResults":`...)
		b = strconv.AppendInt(b, int64(cl.MaxResults), 10)
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, int64(cl.Total), 10)
		b = append(b, `,"histories":[`...)
		for i := range cl.Histories {
			if i > 0 {
				b = append(b, ',')
			}
			b = cl.Histories[i].appendJSON(b)
		}
		b = append(b, "]}"...)
	}
	return append(b, '}')
}

type jiraChangelogEmbedded struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Histories  []jiraHistory `json:"histories"`
}

type jiraIssue struct {
	Expand    string                 `json:"expand,omitempty"`
	ID        string                 `json:"id"`
	Self      string                 `json:"self"`
	Key       string                 `json:"key"`
	Fields    *jiraFields            `json:"fields,omitempty"`
	Changelog *jiraChangelogEmbedded `json:"changelog,omitempty"`
}

// fieldSet is the parsed "fields" parameter.
type fieldSet struct {
	all      bool
	include  map[string]bool
	excluded map[string]bool
}

func parseFieldSet(list []string) fieldSet {
	fs := fieldSet{include: map[string]bool{}, excluded: map[string]bool{}}
	for _, l := range list {
		for _, f := range strings.Split(l, ",") {
			switch f = strings.TrimSpace(f); {
			case f == "*all" || f == "*navigable":
				fs.all = true
			case strings.HasPrefix(f, "-"):
				fs.excluded[f[1:]] = true
			case f != "":
				fs.include[f] = true
			}
		}
	}
	return fs
}

func (fs fieldSet) has(f string) bool { return (fs.all || fs.include[f]) && !fs.excluded[f] }

func (fs fieldSet) any() bool {
	if fs.all {
		return true
	}
	for f := range fs.include {
		if f != "id" && f != "key" && !fs.excluded[f] {
			return true
		}
	}
	return false
}

func orNull[T any](ok bool, v T) any {
	if !ok {
		return jsonNull
	}
	return v
}

// issueJSON renders is; callers hold o.mu for reading.
func (c *call) issueJSON(o *Org, is *Issue, fs fieldSet, withChangelog bool) jiraIssue {
	out := jiraIssue{Expand: "operations,versionedRepresentations,editmeta,changelog,renderedFields",
		ID: is.ID, Self: c.base + "/rest/api/3/issue/" + is.ID, Key: is.Key}
	if withChangelog {
		n := min(len(is.Histories), 100)
		cl := &jiraChangelogEmbedded{MaxResults: n, Total: len(is.Histories), Histories: make([]jiraHistory, n)}
		for i := range n {
			cl.Histories[i] = c.history(o, &is.Histories[i])
		}
		out.Changelog = cl
	}
	if !fs.any() {
		return out
	}
	f := &jiraFields{}
	out.Fields = f
	if fs.has("summary") {
		f.Summary = is.Summary
	}
	if fs.has("issuetype") {
		f.IssueType = c.cached("issuetype", is.Type, func() any { return c.issueType(is.Type) })
	}
	if fs.has("project") {
		f.Project = c.cached("project", is.ProjectKey, func() any {
			pid := o.jiraProjectID(is.ProjectKey)
			return map[string]any{"self": c.base + "/rest/api/3/project/" + pid, "id": pid, "key": is.ProjectKey,
				"name": is.ProjectKey, "projectTypeKey": "software", "simplified": false,
				"avatarUrls": avatars(c.base + "/rest/api/3/universal_avatar/view/type/project/avatar/" + pid)}
		})
	}
	if fs.has("status") {
		f.Status = c.cached("status", is.Status.ID, func() any { return c.jiraStatus(is.Status) })
	}
	if fs.has("statuscategorychangedate") {
		at := is.Created
		for _, h := range is.Histories {
			for _, it := range h.Items {
				if it.Field == "status" && statusByName(it.ToString).Category != statusByName(it.FromString).Category {
					at = h.Created
				}
			}
		}
		f.StatusCategoryChangeDate = o.jiraTime(at)
	}
	if fs.has("priority") {
		f.Priority = c.cached("priority", is.Priority, func() any { return c.priority(is.Priority) })
	}
	if fs.has("labels") {
		f.Labels = append([]string{}, is.Labels...)
	}
	if fs.has("assignee") {
		f.Assignee = orNull(is.AssigneeID != "", c.userJSON(o, is.AssigneeID))
	}
	if fs.has("reporter") {
		f.Reporter = orNull(is.ReporterID != "", c.userJSON(o, is.ReporterID))
	}
	if fs.has("creator") {
		f.Creator = orNull(is.ReporterID != "", c.userJSON(o, is.ReporterID))
	}
	if fs.has("created") {
		f.Created = o.jiraTime(is.Created)
	}
	if fs.has("updated") {
		f.Updated = o.jiraTime(is.Updated)
	}
	if fs.has("resolutiondate") {
		f.ResolutionDate = orNull(!is.Resolved.IsZero(), o.jiraTime(is.Resolved))
	}
	if fs.has("resolution") {
		id := "10000"
		if is.Resolution == "Won't Do" {
			id = "10001"
		}
		f.Resolution = orNull(is.Resolution != "", c.cached("resolution", is.Resolution, func() any {
			return map[string]string{"self": c.base + "/rest/api/3/resolution/" + id, "id": id, "description": "", "name": is.Resolution}
		}))
	}
	if fs.has("issuelinks") && len(is.BlockedBy)+len(is.Blocks) == 0 {
		f.IssueLinks = json.RawMessage("[]")
	} else if fs.has("issuelinks") {
		links := []map[string]any{}
		typ := map[string]string{"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks",
			"self": c.base + "/rest/api/3/issueLinkType/10000"}
		add := func(dir, key string, blockerID, blockedID string) {
			i, ok := o.issueByKey[key]
			if !ok {
				return
			}
			other := &o.issues[i]
			id := blockerID + blockedID
			links = append(links, map[string]any{"id": id, "self": c.base + "/rest/api/3/issueLink/" + id, "type": typ,
				dir: map[string]any{"id": other.ID, "key": other.Key, "self": c.base + "/rest/api/3/issue/" + other.ID,
					"fields": map[string]any{"summary": other.Summary, "status": c.jiraStatus(other.Status),
						"priority": c.priority(other.Priority), "issuetype": c.issueType(other.Type)}}})
		}
		for _, k := range is.BlockedBy {
			if i, ok := o.issueByKey[k]; ok {
				add("inwardIssue", k, o.issues[i].ID, is.ID)
			}
		}
		for _, k := range is.Blocks {
			if i, ok := o.issueByKey[k]; ok {
				add("outwardIssue", k, is.ID, o.issues[i].ID)
			}
		}
		f.IssueLinks = links
	}
	if fs.has("description") {
		// Atlassian Document Format, written directly.
		d := append([]byte(`{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":`), appendJSONString(nil, is.Summary+".")...)
		f.Description = json.RawMessage(append(d, "}]}]}"...))
	}
	if fs.has(FieldTeam) {
		f.Team = orNull(is.Team != "", c.cached("team", is.Team, func() any {
			id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("ovia-fake-team:"+is.Team)).String()
			return map[string]any{"id": id, "name": is.Team, "avatarUrl": "", "isVisible": true,
				"isVerified": false, "title": is.Team, "isShared": true}
		}))
	}
	if fs.has(FieldStoryPoints) {
		switch {
		case is.StoryPoints == nil:
			f.StoryPoints = jsonNull
		case is.StoryPointsAsString:
			f.StoryPoints = strconv.FormatFloat(*is.StoryPoints, 'f', -1, 64)
		default:
			f.StoryPoints = *is.StoryPoints
		}
	}
	if fs.has(FieldRank) {
		n, _ := strconv.Atoi(is.ID)
		f.Rank = "0|i" + strconv.FormatInt(int64(n)*37, 36) + ":" // a LexoRank-looking value
	}
	if fs.has(FieldSprint) {
		if len(is.Sprints) == 0 {
			f.Sprint = jsonNull
		} else {
			sp := make([]json.RawMessage, 0, len(is.Sprints))
			for _, id := range is.Sprints {
				sp = append(sp, c.cached("sprint", strconv.Itoa(id), func() any {
					s := o.sprints[o.sprintByID[id]]
					js := jiraSprint{ID: s.ID, Name: s.Name, State: s.State, BoardID: s.BoardID,
						StartDate: utcMillis(s.Start), EndDate: utcMillis(s.End)}
					if !s.Complete.IsZero() {
						js.CompleteDate = utcMillis(s.Complete)
					}
					return js
				}))
			}
			f.Sprint = sp
		}
	}
	if fs.has(FieldFlagged) {
		f.Flagged = orNull(is.Flagged, c.cached("flag", "", func() any {
			return []map[string]string{{"self": c.base + "/rest/api/3/customFieldOption/10019", "value": "Impediment", "id": "10019"}}
		}))
	}
	return out
}

// ---- handlers ----

func (j *JiraServer) myself(c *call) {
	o := j.org
	c.json(http.StatusOK, map[string]any{
		"self": c.base + "/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5", "accountId": "5b10ac8d82e05b22cc7d4ef5",
		"accountType": "atlassian", "emailAddress": j.creds.Email,
		"avatarUrls":  avatars("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/5b10ac8d82e05b22cc7d4ef5"),
		"displayName": "Ovia Sync", "active": true, "timeZone": o.spec.TimeZone, "locale": "en_US",
		"groups": map[string]any{"size": 3, "items": []any{}}, "applicationRoles": map[string]any{"size": 1, "items": []any{}},
		"expand": "groups,applicationRoles",
	})
}

func (j *JiraServer) fields(c *call) {
	sys := func(id, name, typ string) map[string]any {
		return map[string]any{"id": id, "key": id, "name": name, "custom": false, "orderable": true, "navigable": true,
			"searchable": true, "clauseNames": []string{id}, "schema": map[string]any{"type": typ, "system": id}}
	}
	custom := func(id, name, typ, items, plugin string) map[string]any {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "customfield_"))
		schema := map[string]any{"type": typ, "custom": plugin, "customId": n}
		if items != "" {
			schema["items"] = items
		}
		return map[string]any{"id": id, "key": id, "name": name, "untranslatedName": name, "custom": true,
			"orderable": true, "navigable": true, "searchable": true,
			"clauseNames": []string{"cf[" + strconv.Itoa(n) + "]", name}, "schema": schema}
	}
	c.json(http.StatusOK, []map[string]any{
		sys("summary", "Summary", "string"), sys("issuetype", "Issue Type", "issuetype"), sys("project", "Project", "project"),
		sys("status", "Status", "status"), sys("priority", "Priority", "priority"), sys("labels", "Labels", "array"),
		sys("assignee", "Assignee", "user"), sys("reporter", "Reporter", "user"), sys("creator", "Creator", "user"),
		sys("created", "Created", "datetime"), sys("updated", "Updated", "datetime"),
		sys("resolutiondate", "Resolved", "datetime"), sys("resolution", "Resolution", "resolution"),
		sys("issuelinks", "Linked Issues", "array"), sys("description", "Description", "string"),
		sys("statuscategorychangedate", "Status Category Changed", "datetime"),
		custom(FieldTeam, "Team", "team", "", "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team"),
		custom("customfield_10015", "Start date", "date", "", "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"),
		custom(FieldStoryPoints, "Story point estimate", "number", "", "com.pyxis.greenhopper.jira:jsw-story-points"),
		custom(FieldRank, "Rank", "any", "", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
		custom(FieldSprint, "Sprint", "array", "json", "com.pyxis.greenhopper.jira:gh-sprint"),
		custom(FieldFlagged, "Flagged", "array", "option", "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"),
		custom("customfield_10014", "Epic Link", "any", "", "com.pyxis.greenhopper.jira:gh-epic-link"),
	})
}

func (j *JiraServer) statuses(c *call) {
	var out []jiraStatus
	for _, s := range Statuses() {
		out = append(out, c.jiraStatus(s))
	}
	c.json(http.StatusOK, out)
}

func (j *JiraServer) users(c *call) {
	startAt, err := intParam(c.r, "startAt", 0)
	if err != nil {
		c.json(http.StatusBadRequest, jiraError(err.Error()))
		return
	}
	maxResults, err := intParam(c.r, "maxResults", 50)
	if err != nil {
		c.json(http.StatusBadRequest, jiraError(err.Error()))
		return
	}
	maxResults = min(maxResults, 1000)
	o := j.org
	o.mu.RLock()
	out := []json.RawMessage{}
	n := 0
	for _, a := range o.accounts {
		if a.Source != "jira" {
			continue
		}
		if n >= startAt && len(out) < maxResults {
			out = append(out, c.userJSON(o, a.ExternalID))
		}
		n++
	}
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

type searchRequest struct {
	JQL           string          `json:"jql"`
	NextPageToken string          `json:"nextPageToken"`
	MaxResults    *int            `json:"maxResults"`
	Fields        []string        `json:"fields"`
	Expand        json.RawMessage `json:"expand"`
}

// pageToken is the opaque nextPageToken: the sort key of the last issue
// served, so the next page starts strictly after it (keyset paging).
type pageToken struct {
	key int64 // unix ms of the sort field
	idx int32
}

func (t pageToken) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.key, 36) + "." + strconv.FormatInt(int64(t.idx), 36)))
}

func parsePageToken(s string) (pageToken, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pageToken{}, false
	}
	k, i, ok := strings.Cut(string(b), ".")
	if !ok {
		return pageToken{}, false
	}
	key, err1 := strconv.ParseInt(k, 36, 64)
	idx, err2 := strconv.ParseInt(i, 36, 32)
	return pageToken{key, int32(idx)}, err1 == nil && err2 == nil
}

func (j *JiraServer) search(c *call) {
	var req searchRequest
	if c.r.Method == http.MethodPost {
		if err := json.NewDecoder(http.MaxBytesReader(c.w, c.r.Body, 1<<20)).Decode(&req); err != nil {
			c.json(http.StatusBadRequest, jiraError("Invalid request payload. Refer to the REST API documentation and try again."))
			return
		}
	} else {
		q := c.r.URL.Query()
		req.JQL, req.NextPageToken, req.Fields = q.Get("jql"), q.Get("nextPageToken"), q["fields"]
		if v := q.Get("maxResults"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				c.json(http.StatusBadRequest, jiraError("maxResults must be a number"))
				return
			}
			req.MaxResults = &n
		}
		if e := q.Get("expand"); e != "" {
			req.Expand, _ = json.Marshal(e)
		}
	}
	var expand string
	if len(req.Expand) > 0 {
		var s string
		var list []string
		if json.Unmarshal(req.Expand, &s) == nil {
			expand = s
		} else if json.Unmarshal(req.Expand, &list) == nil {
			expand = strings.Join(list, ",")
		}
	}
	o := j.org
	q, err := parseJQL(req.JQL, o.loc, o.Now())
	if err != nil {
		c.json(http.StatusBadRequest, jiraError("Error in the JQL Query: "+err.Error()))
		return
	}
	fs := parseFieldSet(req.Fields)
	limit := 50
	if req.MaxResults != nil {
		limit = *req.MaxResults
	}
	if fs.any() || strings.Contains(expand, "changelog") {
		limit = min(limit, 100)
	}
	limit = max(min(limit, 5000), 1)
	var tok pageToken
	hasTok := req.NextPageToken != ""
	if hasTok {
		var ok bool
		if tok, ok = parsePageToken(req.NextPageToken); !ok {
			c.json(http.StatusBadRequest, jiraError("The provided next page token is invalid or expired."))
			return
		}
		if c.faults.ChangeDuringSync && int(tok.idx) < len(o.issues) && c.once("jira_search") {
			o.touchIssues([]int{int(tok.idx)})
			c.fire(FaultChange)
		}
	}

	o.mu.RLock()
	order := o.orderFor(q)
	sortKey := func(idx int32) int64 {
		if q.order == "created" {
			return o.issues[idx].Created.UnixMilli()
		}
		return o.issues[idx].Updated.UnixMilli()
	}
	after := func(idx int32, t pageToken) bool { // idx comes after t in the order
		k := sortKey(idx)
		if q.desc {
			return k < t.key || (k == t.key && idx < t.idx)
		}
		return k > t.key || (k == t.key && idx > t.idx)
	}
	pos := 0
	if hasTok {
		pos = sort.Search(len(order), func(p int) bool { return after(order[p], tok) })
	} else if b, ok := q.lowerBound(); ok && !q.desc {
		pos = sort.Search(len(order), func(p int) bool { return !time.UnixMilli(sortKey(order[p])).Before(b) })
	}
	var page []int32
	if hasTok && c.faults.DuplicateAcrossPages && int(tok.idx) < len(o.issues) && q.match(&o.issues[tok.idx]) {
		page = append(page, tok.idx)
		c.fire(FaultDuplicate)
	}
	more, fresh := false, 0 // the duplicate does not count against the limit
	for ; pos < len(order); pos++ {
		is := &o.issues[order[pos]]
		if !q.match(is) {
			continue
		}
		if fresh >= limit {
			more = true
			break
		}
		page = append(page, order[pos])
		fresh++
	}
	bp := pagePool.Get().(*[]byte)
	b := append((*bp)[:0], `{"issues":[`...)
	for i, idx := range page {
		if i > 0 {
			b = append(b, ',')
		}
		is := c.issueJSON(o, &o.issues[idx], fs, strings.Contains(expand, "changelog"))
		b = is.appendJSON(b)
	}
	b = append(b, ']')
	if more {
		last := page[len(page)-1]
		b = append(b, `,"nextPageToken":`...)
		b = appendJSONString(b, pageToken{sortKey(last), last}.String())
	}
	b = append(b, `,"isLast":`...)
	b = append(strconv.AppendBool(b, !more), "}\n"...)
	o.mu.RUnlock()
	c.body(http.StatusOK, b)
	*bp = b[:0]
	pagePool.Put(bp)
}

var pagePool = sync.Pool{New: func() any { return new([]byte) }}

// lowerBound is the earliest time on the order field the query admits.
func (q jqlQuery) lowerBound() (time.Time, bool) {
	var at time.Time
	ok := false
	for _, b := range q.bounds {
		if b.field == q.order && (b.op == ">=" || b.op == ">") && (!ok || b.at.After(at)) {
			at, ok = b.at, true
		}
	}
	return at, ok
}

// orderFor returns issue indexes in the query's order. Callers hold mu.
func (o *Org) orderFor(q jqlQuery) []int32 {
	if q.order == "updated" && !q.desc {
		return o.issueOrder
	}
	out := make([]int32, len(o.issues))
	for i := range out {
		out[i] = int32(i)
	}
	key := func(i int32) int64 {
		if q.order == "created" {
			return o.issues[i].Created.UnixMilli()
		}
		return o.issues[i].Updated.UnixMilli()
	}
	slices.SortFunc(out, func(a, b int32) int {
		ka, kb := key(a), key(b)
		if ka == kb {
			ka, kb = int64(a), int64(b)
		}
		r := 0
		if ka < kb {
			r = -1
		} else if ka > kb {
			r = 1
		}
		if q.desc {
			r = -r
		}
		return r
	})
	return out
}

func (o *Org) lookupIssue(ref string) (int, bool) {
	if i, ok := o.issueByKey[strings.ToUpper(ref)]; ok {
		return i, true
	}
	if n, err := strconv.Atoi(ref); err == nil && n >= 10000 && n-10000 < len(o.issues) {
		return n - 10000, true
	}
	return 0, false
}

func (j *JiraServer) issue(c *call) {
	o := j.org
	o.mu.RLock()
	i, ok := o.lookupIssue(c.r.PathValue("key"))
	if !ok {
		o.mu.RUnlock()
		c.json(http.StatusNotFound, jiraError("Issue does not exist or you do not have permission to see it."))
		return
	}
	fields := c.r.URL.Query()["fields"]
	if len(fields) == 0 {
		fields = []string{"*all"}
	}
	out := c.issueJSON(o, &o.issues[i], parseFieldSet(fields), strings.Contains(c.r.URL.Query().Get("expand"), "changelog"))
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

func (j *JiraServer) changelog(c *call) {
	startAt, err := intParam(c.r, "startAt", 0)
	if err != nil {
		c.json(http.StatusBadRequest, jiraError(err.Error()))
		return
	}
	maxResults, err := intParam(c.r, "maxResults", 100)
	if err != nil {
		c.json(http.StatusBadRequest, jiraError(err.Error()))
		return
	}
	maxResults = max(min(maxResults, 100), 1)
	o := j.org
	o.mu.RLock()
	key := c.r.PathValue("key")
	i, ok := o.lookupIssue(key)
	if !ok {
		o.mu.RUnlock()
		c.json(http.StatusNotFound, jiraError("Issue does not exist or you do not have permission to see it."))
		return
	}
	is := &o.issues[i]
	total := len(is.Histories)
	end := max(min(startAt+maxResults, total), startAt)
	self := func(s int) string {
		return c.base + "/rest/api/3/issue/" + key + "/changelog?maxResults=" + strconv.Itoa(maxResults) + "&startAt=" + strconv.Itoa(s)
	}
	b := make([]byte, 0, 1024*(end-startAt+1))
	first := true
	b = append(b, '{')
	b = appendField(b, &first, "self", self(startAt))
	if end < total {
		b = appendField(b, &first, "nextPage", self(end))
	}
	b = appendField(b, &first, "maxResults", maxResults)
	b = appendField(b, &first, "startAt", startAt)
	b = appendField(b, &first, "total", total)
	b = appendField(b, &first, "isLast", end >= total)
	b = append(b, `,"values":[`...)
	for h := startAt; h < end; h++ {
		if h > startAt {
			b = append(b, ',')
		}
		jh := c.history(o, &is.Histories[h])
		b = jh.appendJSON(b)
	}
	o.mu.RUnlock()
	c.body(http.StatusOK, append(b, "]}\n"...))
}
