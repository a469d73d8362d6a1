package jira

import (
	"bytes"
	"context"
	"fmt"
	json "github.com/goccy/go-json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/internal/httpx"
	"github.com/ovia-hq/ovia/identity"
)

// maxGetURL is the longest search URL sent as GET; longer queries are POSTed.
const maxGetURL = 6000

// searchPage is one answer of /rest/api/3/search/jql. There is no total;
// the last page has isLast true and no nextPageToken.
type searchPage struct {
	// Issues are the items as received; Docs their decoded form.
	Issues        []json.RawMessage
	Docs          []apiIssue
	NextPageToken string
	IsLast        *bool
}

// parse splits a search answer in one pass (keeping each issue's bytes as
// received) and decodes every issue, inside the HTTP retry loop: a cut or
// corrupt body is retried. This file decodes with github.com/goccy/go-json,
// a drop-in for encoding/json (same tags, same RawMessage): issue pages
// are most of a sync's bytes and it halves their decoding time
// (BenchmarkDecodePage: 108 → 55 µs per issue). FuzzSearchPageParse shows
// it fails cleanly on cut and mangled bodies.
func (sp *searchPage) parse(body []byte) error {
	*sp = searchPage{}
	return httpx.ScanObject(body, func(key string, v []byte) error {
		switch key {
		case "issues":
			return httpx.ScanArray(v, func(raw []byte) error {
				var d apiIssue
				if err := json.Unmarshal(raw, &d); err != nil {
					return fmt.Errorf("decode issue: %w", err)
				}
				sp.Issues = append(sp.Issues, raw)
				sp.Docs = append(sp.Docs, d)
				return nil
			})
		case "nextPageToken":
			return json.Unmarshal(v, &sp.NextPageToken)
		case "isLast":
			var last bool
			if err := json.Unmarshal(v, &last); err != nil {
				return err
			}
			sp.IsLast = &last
		}
		return nil
	})
}

type searchBody struct {
	JQL           string   `json:"jql"`
	Fields        []string `json:"fields"`
	MaxResults    int      `json:"maxResults"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
	Expand        string   `json:"expand,omitempty"`
}

// apiIssue is a search result item; fields are split lazily so only the
// fields Ovia maps are decoded.
type apiIssue struct {
	ID        string                     `json:"id"`
	Key       string                     `json:"key"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Changelog *struct {
		StartAt    int          `json:"startAt"`
		MaxResults int          `json:"maxResults"`
		Total      *int         `json:"total"`
		Histories  []apiHistory `json:"histories"`
	} `json:"changelog"`
}

// baseFields are the standard fields asked for explicitly (the new search
// endpoint returns only ids otherwise).
var baseFields = []string{"summary", "issuetype", "status", "priority", "labels", "assignee", "reporter", "created", "updated", "resolutiondate", "issuelinks", "project", "flagged"}

func (m *meta) fieldList() []string {
	fs := append([]string(nil), baseFields...)
	fs = append(fs, m.fields.storyPoints...)
	for _, f := range []string{m.fields.sprint, m.fields.team, m.fields.flagged} {
		if f != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

func (c *Client) fetchIssues(ctx context.Context, req connectors.FetchRequest, yield func(connectors.Page, error) bool) error {
	m, err := c.loadMeta(ctx)
	if err != nil {
		return err
	}
	since := req.Since
	if since.IsZero() {
		since = c.now().Add(-c.cfg.SyncWindow())
	}
	if m.loc == nil {
		since = since.Add(-24 * time.Hour)
	}
	body := searchBody{JQL: JQL(c.cfg.ProjectKeys, since, m.loc), Fields: m.fieldList(), MaxResults: c.size, Expand: "changelog"}
	// The next page is fetched (and its changelogs read) while the
	// consumer writes the current one.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		sp   searchPage
		page connectors.Page
		err  error
	}
	fetch := func(body searchBody, num int) result {
		var r result
		if err := c.search(ctx, body, &r.sp); err != nil {
			r.err = fmt.Errorf("jira: search issues page %d: %w", num, err)
			return r
		}
		r.page, r.err = c.issuePage(ctx, m, num, r.sp.Issues, r.sp.Docs)
		if r.err != nil {
			r.err = fmt.Errorf("jira: search issues page %d: %w", num, r.err)
		}
		return r
	}
	seen := map[string]bool{}
	cur := fetch(body, 1)
	for num := 1; ; num++ {
		if cur.err != nil {
			return cur.err
		}
		sp := cur.sp
		last := sp.NextPageToken == "" || (sp.IsLast != nil && *sp.IsLast)
		if sp.IsLast != nil && !*sp.IsLast && sp.NextPageToken == "" {
			c.log.Warn("jira: search page says more follow but gives no nextPageToken; stopping", "page", num)
		}
		var next chan result
		var repeatErr error
		switch {
		case last:
		case seen[sp.NextPageToken]:
			repeatErr = fmt.Errorf("jira: search issues page %d: nextPageToken repeats", num)
		default:
			seen[sp.NextPageToken] = true
			body.NextPageToken = sp.NextPageToken
			next = make(chan result, 1)
			go func(body searchBody, num int) { next <- fetch(body, num) }(body, num+1)
		}
		if len(sp.Issues) > 0 && !yield(cur.page, nil) {
			return errStop
		}
		if repeatErr != nil {
			return repeatErr
		}
		if last {
			return nil
		}
		cur = <-next
	}
}

// search sends one search request: GET while the URL stays short, POST
// otherwise (both are served by /rest/api/3/search/jql).
func (c *Client) search(ctx context.Context, body searchBody, out *searchPage) error {
	q := url.Values{
		"jql":        {body.JQL},
		"fields":     {strings.Join(body.Fields, ",")},
		"maxResults": {strconv.Itoa(body.MaxResults)},
	}
	if body.Expand != "" {
		q.Set("expand", body.Expand)
	}
	if body.NextPageToken != "" {
		q.Set("nextPageToken", body.NextPageToken)
	}
	u := c.url("/rest/api/3/search/jql", q)
	if len(u) <= maxGetURL {
		_, err := c.http.GetWith(ctx, u, out.parse)
		return err
	}
	_, err := c.http.DoWith(ctx, http.MethodPost, c.url("/rest/api/3/search/jql", nil), body, out.parse)
	return err
}

// issuePage maps one search page, fetching changelogs not embedded whole.
func (c *Client) issuePage(ctx context.Context, m *meta, num int, raws []json.RawMessage, docs []apiIssue) (connectors.Page, error) {
	page := connectors.Page{Number: num}
	fetched := c.now().UTC()
	histories := make([][]apiHistory, len(raws))
	// fetchedRaw holds changelogs read from the changelog endpoint, as
	// received; embedded ones are already in the issue's raw payload.
	fetchedRaw := make([][]json.RawMessage, len(raws))
	var need []int
	for i := range docs {
		cl := docs[i].Changelog
		if cl != nil && cl.StartAt == 0 && cl.Total != nil && *cl.Total == len(cl.Histories) {
			histories[i] = cl.Histories
		} else {
			need = append(need, i)
		}
	}
	if err := c.changelogs(ctx, docs, need, fetchedRaw); err != nil {
		return page, err
	}
	for _, i := range need {
		hs := make([]apiHistory, len(fetchedRaw[i]))
		for j, raw := range fetchedRaw[i] {
			if err := json.Unmarshal(raw, &hs[j]); err != nil {
				return page, fmt.Errorf("issue %s changelog: %w", docs[i].Key, err)
			}
		}
		histories[i] = hs
	}

	people := newPeople()
	sprints := map[string]bool{}
	for i, d := range docs {
		is, sps, err := c.mapIssue(m, d, people)
		if err != nil {
			return page, fmt.Errorf("issue %s: %w", d.Key, err)
		}
		page.Issues = append(page.Issues, is)
		for _, sp := range sps {
			if !sprints[sp.ExternalID] {
				sprints[sp.ExternalID] = true
				page.Sprints = append(page.Sprints, sp)
			}
		}
		trs, err := transitions(m, d.ID, histories[i], people)
		if err != nil {
			return page, fmt.Errorf("issue %s changelog: %w", d.Key, err)
		}
		page.Transitions = append(page.Transitions, trs...)
		if is.UpdatedAt.After(page.MaxUpdated) {
			page.MaxUpdated = is.UpdatedAt
		}
		page.Raw = append(page.Raw, rawPayload("issue", d.ID, raws[i], fetched))
		if fetchedRaw[i] != nil {
			page.Raw = append(page.Raw, rawPayload("changelog", d.ID, joinRaw(fetchedRaw[i]), fetched))
		}
	}
	page.Identities = people.list
	return page, nil
}

// joinRaw makes a JSON array of items kept as received.
func joinRaw(items []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// changelogs fetches the full changelog of docs[need...] with bounded
// concurrency.
func (c *Client) changelogs(ctx context.Context, docs []apiIssue, need []int, out [][]json.RawMessage) error {
	if len(need) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, c.conc)
	)
	for _, i := range need {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			hs, err := c.changelog(ctx, docs[i].Key)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				return
			}
			out[i] = hs
		}()
	}
	wg.Wait()
	return firstErr
}

type changelogPage struct {
	StartAt    int               `json:"startAt"`
	MaxResults int               `json:"maxResults"`
	Total      *int              `json:"total"`
	IsLast     *bool             `json:"isLast"`
	Values     []json.RawMessage `json:"values"`
}

// changelog reads /rest/api/3/issue/{key}/changelog page by page: stop on
// isLast, else on reaching total, else on a short or empty page.
func (c *Client) changelog(ctx context.Context, key string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	for start, num := 0, 1; ; num++ {
		q := url.Values{"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(c.size)}}
		var p changelogPage
		if _, err := c.http.GetJSON(ctx, c.url("/rest/api/3/issue/"+url.PathEscape(key)+"/changelog", q), &p); err != nil {
			return nil, fmt.Errorf("changelog of %s page %d: %w", key, num, err)
		}
		all = append(all, p.Values...)
		start += len(p.Values)
		switch {
		case len(p.Values) == 0:
			return all, nil
		case p.IsLast != nil:
			if *p.IsLast {
				return all, nil
			}
		case p.Total != nil:
			if start >= *p.Total {
				return all, nil
			}
		default:
			size := p.MaxResults
			if size <= 0 {
				size = c.size
			}
			if len(p.Values) < size {
				return all, nil
			}
		}
	}
}

// people collects the identities referenced by a page, once each.
type people struct {
	seen map[string]bool
	list []identity.Identity
}

func newPeople() *people { return &people{seen: map[string]bool{}} }

func (p *people) add(u *apiUser) string {
	if u == nil || u.AccountID == "" {
		return ""
	}
	if !p.seen[u.AccountID] {
		p.seen[u.AccountID] = true
		p.list = append(p.list, u.identity())
	}
	return u.AccountID
}

type apiSprint struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	State         string `json:"state"`
	BoardID       int64  `json:"boardId"`
	OriginBoardID int64  `json:"originBoardId"`
	StartDate     string `json:"startDate"`
	EndDate       string `json:"endDate"`
	CompleteDate  string `json:"completeDate"`
}

type apiIssueLink struct {
	Type struct {
		Name    string `json:"name"`
		Inward  string `json:"inward"`
		Outward string `json:"outward"`
	} `json:"type"`
	InwardIssue *struct {
		Key string `json:"key"`
	} `json:"inwardIssue"`
}

// field decodes fields[name] into v when present and not null.
func field(fields map[string]json.RawMessage, name string, v any) (bool, error) {
	raw, ok := fields[name]
	if !ok || name == "" || isNull(raw) {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("field %s: %w", name, err)
	}
	return true, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func (c *Client) mapIssue(m *meta, d apiIssue, ppl *people) (connectors.Issue, []connectors.Sprint, error) {
	is := connectors.Issue{
		Source:     identity.SourceJira,
		ExternalID: d.ID,
		Key:        d.Key,
		URL:        c.cfg.BaseURL + "/browse/" + d.Key,
	}
	f := d.Fields
	var (
		named struct {
			Name string `json:"name"`
			Key  string `json:"key"`
		}
		status   apiStatus
		user     apiUser
		str      string
		err      error
		ok       bool
		links    []apiIssueLink
		sprints  []json.RawMessage
		flaggedB bool
	)
	if _, err = field(f, "summary", &is.Summary); err != nil {
		return is, nil, err
	}
	if ok, err = field(f, "issuetype", &named); err != nil {
		return is, nil, err
	} else if ok {
		is.Type = named.Name
	}
	if ok, err = field(f, "project", &named); err != nil {
		return is, nil, err
	} else if ok {
		is.ProjectKey = named.Key
	}
	if is.ProjectKey == "" {
		is.ProjectKey, _, _ = strings.Cut(d.Key, "-")
	}
	if ok, err = field(f, "priority", &named); err != nil {
		return is, nil, err
	} else if ok {
		is.Priority = named.Name
	}
	if ok, err = field(f, "status", &status); err != nil {
		return is, nil, err
	} else if ok {
		is.Status = status.Name
		is.StatusCategory = category(status.StatusCategory.Key)
		if is.StatusCategory == "" {
			is.StatusCategory = m.statusCategory(status.ID, status.Name)
		}
	}
	if _, err = field(f, "labels", &is.Labels); err != nil {
		return is, nil, err
	}
	for _, name := range []string{"assignee", "reporter"} {
		user = apiUser{}
		if ok, err = field(f, name, &user); err != nil {
			return is, nil, err
		} else if ok {
			id := ppl.add(&user)
			if name == "assignee" {
				is.AssigneeID = id
			} else {
				is.ReporterID = id
			}
		}
	}
	for name, dst := range map[string]*time.Time{"created": &is.CreatedAt, "updated": &is.UpdatedAt} {
		str = ""
		if _, err = field(f, name, &str); err != nil {
			return is, nil, err
		}
		if t, ok := parseTime(str); ok {
			*dst = t
		}
	}
	str = ""
	if _, err = field(f, "resolutiondate", &str); err != nil {
		return is, nil, err
	}
	is.ResolvedAt = timePtr(str)

	for _, id := range m.fields.storyPoints {
		if sp, ok := storyPoints(f[id]); ok {
			is.StoryPoints = sp
			break
		}
	}
	is.Team = teamName(f[m.fields.team])

	if _, err = field(f, "flagged", &flaggedB); err != nil {
		flaggedB = false
	}
	is.IsFlagged = flaggedB || flaggedValue(f[m.fields.flagged])

	if _, err = field(f, "issuelinks", &links); err != nil {
		return is, nil, err
	}
	for _, l := range links {
		if l.InwardIssue != nil && l.InwardIssue.Key != "" &&
			(strings.EqualFold(strings.TrimSpace(l.Type.Inward), "is blocked by") || (l.Type.Inward == "" && strings.EqualFold(l.Type.Name, "Blocks"))) {
			is.BlockedBy = append(is.BlockedBy, l.InwardIssue.Key)
		}
	}

	var out []connectors.Sprint
	if _, err = field(f, m.fields.sprint, &sprints); err != nil {
		return is, nil, err
	}
	var active, future, last string
	for _, raw := range sprints {
		var s apiSprint
		if json.Unmarshal(raw, &s) != nil || s.ID == 0 {
			continue // legacy string form of old Jira Server sites
		}
		board := s.BoardID
		if board == 0 {
			board = s.OriginBoardID
		}
		sp := connectors.Sprint{
			Source:     identity.SourceJira,
			ExternalID: strconv.FormatInt(s.ID, 10),
			Name:       s.Name,
			State:      strings.ToLower(s.State),
			StartAt:    timePtr(s.StartDate),
			EndAt:      timePtr(s.EndDate),
			CompleteAt: timePtr(s.CompleteDate),
		}
		if board != 0 {
			sp.BoardID = strconv.FormatInt(board, 10)
		}
		out = append(out, sp)
		switch sp.State {
		case "active":
			if active == "" {
				active = sp.ExternalID
			}
		case "future":
			if future == "" {
				future = sp.ExternalID
			}
		}
		last = sp.ExternalID
	}
	switch {
	case active != "":
		is.SprintID = active
	case future != "":
		is.SprintID = future
	default:
		is.SprintID = last
	}
	return is, out, nil
}

func (m *meta) statusCategory(id, name string) connectors.StatusCategory {
	if c, ok := m.statusByID[id]; ok && c != "" {
		return c
	}
	return m.statusByName[strings.ToLower(name)]
}

// storyPoints reads a number or a numeric string ("3.5"). Negative values
// ("-1", a placeholder some sites use) and non-numbers count as absent,
// so the next story-point field is tried.
func storyPoints(raw json.RawMessage) (*float64, bool) {
	if isNull(raw) {
		return nil, false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, false
		}
		f = p
	default:
		return nil, false
	}
	if f < 0 {
		return nil, false
	}
	return &f, true
}

// teamName reads the Team field: a string, or an object with name, title
// or value (Atlassian teams, Advanced Roadmaps teams, select options).
func teamName(raw json.RawMessage) string {
	if isNull(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Name  string `json:"name"`
		Title string `json:"title"`
		Value string `json:"value"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		for _, v := range []string{obj.Name, obj.Title, obj.Value} {
			if v != "" {
				return v
			}
		}
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil && len(arr) > 0 {
		return teamName(arr[0])
	}
	return ""
}

// flaggedValue reads the Flagged field: a list of options such as
// [{"value":"Impediment"}] when flagged, null or [] otherwise.
func flaggedValue(raw json.RawMessage) bool {
	if isNull(raw) {
		return false
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var opts []struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(raw, &opts) == nil {
		return len(opts) > 0
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.EqualFold(s, "Impediment")
	}
	return false
}

type apiHistory struct {
	ID      string   `json:"id"`
	Author  *apiUser `json:"author"`
	Created string   `json:"created"`
	Items   []struct {
		Field      string `json:"field"`
		FieldID    string `json:"fieldId"`
		From       string `json:"from"`
		FromString string `json:"fromString"`
		To         string `json:"to"`
		ToString   string `json:"toString"`
	} `json:"items"`
}

// transitions turns an issue's whole changelog into its status and sprint
// transitions, oldest first. Status transitions hold status names (with
// categories); sprint transitions hold comma-separated sprint ids.
func transitions(m *meta, issueID string, hs []apiHistory, ppl *people) ([]connectors.Transition, error) {
	at := make([]time.Time, len(hs))
	for i := range hs {
		at[i], _ = parseTime(hs[i].Created)
	}
	idx := make([]int, len(hs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ta, tb := at[idx[a]], at[idx[b]]
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		na, _ := strconv.ParseInt(hs[idx[a]].ID, 10, 64)
		nb, _ := strconv.ParseInt(hs[idx[b]].ID, 10, 64)
		return na < nb
	})
	var out []connectors.Transition
	for _, i := range idx {
		h := hs[i]
		author := ppl.add(h.Author)
		for _, it := range h.Items {
			t := connectors.Transition{Source: identity.SourceJira, IssueID: issueID, At: at[i], AuthorID: author}
			switch {
			case it.FieldID == "status" || (it.FieldID == "" && strings.EqualFold(it.Field, "status")):
				t.Field = connectors.FieldStatus
				t.From, t.To = it.FromString, it.ToString
				t.FromCategory = m.statusCategory(it.From, it.FromString)
				t.ToCategory = m.statusCategory(it.To, it.ToString)
			case (m.fields.sprint != "" && it.FieldID == m.fields.sprint) || strings.EqualFold(it.Field, "Sprint"):
				t.Field = connectors.FieldSprint
				t.From, t.To = sprintIDs(it.From), sprintIDs(it.To)
			default:
				continue
			}
			t.Seq = len(out)
			out = append(out, t)
		}
	}
	return out, nil
}

// sprintIDs normalizes "7, 9" to "7,9".
func sprintIDs(s string) string {
	var ids []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ids = append(ids, p)
		}
	}
	return strings.Join(ids, ",")
}
