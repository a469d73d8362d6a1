package fake

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// GitLabServer is an http.Handler serving the GitLab REST v4 API from an Org.
type GitLabServer struct {
	*server
	org      *Org
	token    string
	mux      *http.ServeMux
	nonAdmin atomic.Bool
	// rateLimit is the advertised budget per minute (0: DefaultGitLabRateLimit).
	rateLimit atomic.Int64
	window    struct {
		sync.Mutex
		start time.Time
		count int
	}
}

// DefaultGitLabRateLimit is gitlab.com's authenticated API budget per minute.
const DefaultGitLabRateLimit = 2000

// SetRateLimit sets the request budget per minute the server advertises in
// its RateLimit-* headers (a self-managed GitLab may allow far more than
// gitlab.com). When a minute's budget is spent the headers say
// RateLimit-Remaining: 0 and a well-behaved client waits for the reset.
func (g *GitLabServer) SetRateLimit(perMinute int) { g.rateLimit.Store(int64(perMinute)) }

// SetAdmin says whether the token belongs to an administrator (the
// default). A non-admin token sees /users without emails, as GitLab shows
// it to ordinary users, so a client must fall back to group members.
func (g *GitLabServer) SetAdmin(admin bool) { g.nonAdmin.Store(!admin) }

// NewGitLabServer serves org as GitLab, requiring token in PRIVATE-TOKEN
// (DefaultGitLabToken when empty) and injecting f.
func NewGitLabServer(org *Org, token string, f Faults) *GitLabServer {
	if token == "" {
		token = DefaultGitLabToken
	}
	g := &GitLabServer{server: newServer(f), org: org, token: token, mux: http.NewServeMux()}
	g.handle("GET /api/v4/user", g.currentUser)
	g.handle("GET /api/v4/users", g.users)
	g.handle("GET /api/v4/groups/{id}", g.group)
	g.handle("GET /api/v4/groups/{id}/members/all", g.members)
	g.handle("GET /api/v4/groups/{id}/members", g.members)
	g.handle("GET /api/v4/groups/{id}/projects", g.groupProjects)
	g.handle("GET /api/v4/projects/{id}", g.project)
	g.handle("GET /api/v4/projects/{id}/members/all", g.projectMembers)
	g.handle("GET /api/v4/projects/{id}/members", g.projectMembers)
	g.handle("GET /api/v4/projects/{id}/merge_requests", g.mergeRequests)
	g.handle("GET /api/v4/projects/{id}/merge_requests/{iid}/notes", g.mrNotes)
	g.handle("GET /api/v4/projects/{id}/pipelines", g.pipelines)
	g.handle("GET /api/v4/projects/{id}/pipelines/{pid}", g.pipeline)
	g.handle("GET /api/v4/projects/{id}/deployments", g.deployments)
	g.handle("GET /api/v4/projects/{id}/deployments/{did}/merge_requests", g.deploymentMRs)
	return g
}

func (g *GitLabServer) handle(pattern string, fn func(c *call)) {
	g.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.r = r
		fn(c)
	})
}

// ServeHTTP implements http.Handler.
func (g *GitLabServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.serve(w, r, g.mux, func(r *http.Request) bool {
		t := r.Header.Get("PRIVATE-TOKEN")
		if t == "" {
			t = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		return t == g.token
	}, func(c *call) { c.errorf(http.StatusUnauthorized, "401 Unauthorized") }, g.rateHeaders)
}

// rateHeaders advertises the budget of the current one-minute window, as
// GitLab does: requests counted since the window opened, and its end.
func (g *GitLabServer) rateHeaders(h http.Header, _ int, limited bool) {
	limit := int(g.rateLimit.Load())
	if limit <= 0 {
		limit = DefaultGitLabRateLimit
	}
	now := time.Now()
	g.window.Lock()
	if g.window.start.IsZero() || now.Sub(g.window.start) >= time.Minute {
		g.window.start, g.window.count = now.Truncate(time.Minute), 0
	}
	g.window.count++
	observed, reset := g.window.count, g.window.start.Add(time.Minute)
	g.window.Unlock()
	if limited || observed > limit {
		observed = limit
	}
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Observed", strconv.Itoa(observed))
	h.Set("RateLimit-Remaining", strconv.Itoa(limit-observed))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
}

func glTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// ---- paging ----

func (c *call) perPage() int {
	n, err := strconv.Atoi(c.r.URL.Query().Get("per_page"))
	if err != nil || n <= 0 {
		return 20
	}
	return min(n, 100)
}

func (c *call) linkTo(set map[string]string) string {
	u := *c.r.URL
	q := u.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	return c.base + u.EscapedPath() + "?" + q.Encode()
}

// offsetPage picks page/per_page out of total rows and sets GitLab's
// pagination headers; X-Total and X-Total-Pages are omitted past 10,000
// rows, as GitLab does.
func (c *call) offsetPage(total int) (lo, hi int) {
	per := c.perPage()
	page, err := strconv.Atoi(c.r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	lo = min((page-1)*per, total)
	hi = min(lo+per, total)
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Prev-Page", "")
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
	}
	h.Set("X-Next-Page", "")
	var links []string
	if hi < total {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, `<`+c.linkTo(map[string]string{"page": strconv.Itoa(page + 1), "per_page": strconv.Itoa(per)})+`>; rel="next"`)
	}
	links = append(links, `<`+c.linkTo(map[string]string{"page": "1", "per_page": strconv.Itoa(per)})+`>; rel="first"`)
	if total <= 10000 {
		pages := max((total+per-1)/per, 1)
		h.Set("X-Total", strconv.Itoa(total))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
		links = append(links, `<`+c.linkTo(map[string]string{"page": strconv.Itoa(pages), "per_page": strconv.Itoa(per)})+`>; rel="last"`)
	}
	h.Set("Link", strings.Join(links, ", "))
	return lo, hi
}

// pageOf returns the rows of the requested offset page, applying the
// duplicate fault (the previous page's last row first).
func pageOf[T any](c *call, rows []T) []T {
	lo, hi := c.offsetPage(len(rows))
	out := rows[lo:hi]
	if c.faults.DuplicateAcrossPages && lo > 0 && lo < len(rows) {
		out = append([]T{rows[lo-1]}, out...)
		c.fire(FaultDuplicate)
	}
	return out
}

// keysetPage serves rows ordered by id with pagination=keyset: id_after
// (or id_before for sort=desc) and a Link rel="next" while more remain.
func keysetPage[T any](c *call, rows []T, id func(T) int) []T {
	q := c.r.URL.Query()
	desc := q.Get("sort") == "desc"
	slices.SortFunc(rows, func(a, b T) int {
		if desc {
			return id(b) - id(a)
		}
		return id(a) - id(b)
	})
	per := c.perPage()
	start := 0
	if v, err := strconv.Atoi(q.Get("id_after")); err == nil {
		for start < len(rows) && id(rows[start]) <= v {
			start++
		}
	}
	if v, err := strconv.Atoi(q.Get("id_before")); err == nil {
		for start < len(rows) && id(rows[start]) >= v {
			start++
		}
	}
	end := min(start+per, len(rows))
	out := rows[start:end]
	if end < len(rows) {
		param, other := "id_after", "id_before"
		if desc {
			param, other = other, param
		}
		u := *c.r.URL
		v := u.Query()
		v.Del(other)
		v.Set(param, strconv.Itoa(id(out[len(out)-1])))
		v.Set("per_page", strconv.Itoa(per))
		c.w.Header().Set("Link", `<`+c.base+u.EscapedPath()+"?"+v.Encode()+`>; rel="next"`)
	}
	return out
}

// ---- payloads ----

type glUserBasic struct {
	ID        int    `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	State     string `json:"state"`
	Locked    bool   `json:"locked"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
}

func (c *call) glUser(o *Org, id int) *glUserBasic {
	i, ok := o.gitlabIdx[id]
	if !ok {
		return nil
	}
	a := &o.accounts[i]
	state := "active"
	if !a.Active {
		state = "blocked"
	}
	return &glUserBasic{ID: id, Username: a.Username, Name: a.DisplayName, State: state,
		AvatarURL: "https://secure.gravatar.com/avatar/" + a.ExternalID + "?s=80&d=identicon", WebURL: c.base + "/" + a.Username}
}

// glUserPublic is a user as any authenticated caller sees it in full
// (deployment jobs carry it).
type glUserPublic struct {
	glUserBasic
	CreatedAt       any    `json:"created_at"`
	Bio             string `json:"bio"`
	Location        string `json:"location"`
	PublicEmail     string `json:"public_email"`
	Skype           string `json:"skype"`
	Linkedin        string `json:"linkedin"`
	Twitter         string `json:"twitter"`
	Discord         string `json:"discord"`
	WebsiteURL      string `json:"website_url"`
	Organization    string `json:"organization"`
	JobTitle        string `json:"job_title"`
	Pronouns        any    `json:"pronouns"`
	Bot             bool   `json:"bot"`
	WorkInformation any    `json:"work_information"`
	Followers       int    `json:"followers"`
	Following       int    `json:"following"`
	LocalTime       any    `json:"local_time"`
}

// glUserAdmin is a user as an administrator sees it on /users.
type glUserAdmin struct {
	glUserPublic
	IsFollowed                     bool   `json:"is_followed"`
	LastSignInAt                   any    `json:"last_sign_in_at"`
	ConfirmedAt                    any    `json:"confirmed_at"`
	LastActivityOn                 string `json:"last_activity_on"`
	Email                          string `json:"email"`
	ThemeID                        int    `json:"theme_id"`
	ColorSchemeID                  int    `json:"color_scheme_id"`
	ProjectsLimit                  int    `json:"projects_limit"`
	CurrentSignInAt                any    `json:"current_sign_in_at"`
	Identities                     []any  `json:"identities"`
	CanCreateGroup                 bool   `json:"can_create_group"`
	CanCreateProject               bool   `json:"can_create_project"`
	TwoFactorEnabled               bool   `json:"two_factor_enabled"`
	External                       bool   `json:"external"`
	PrivateProfile                 bool   `json:"private_profile"`
	CommitEmail                    string `json:"commit_email"`
	SharedRunnersMinutesLimit      any    `json:"shared_runners_minutes_limit"`
	ExtraSharedRunnersMinutesLimit any    `json:"extra_shared_runners_minutes_limit"`
	ScimIdentities                 []any  `json:"scim_identities"`
	IsAdmin                        bool   `json:"is_admin"`
	Note                           any    `json:"note"`
	NamespaceID                    int    `json:"namespace_id"`
	CreatedBy                      any    `json:"created_by"`
	UsingLicenseSeat               bool   `json:"using_license_seat"`
	IsAuditor                      bool   `json:"is_auditor"`
	ProvisionedByGroupID           any    `json:"provisioned_by_group_id"`
	EnterpriseGroupID              any    `json:"enterprise_group_id"`
	EnterpriseGroupAssociatedAt    any    `json:"enterprise_group_associated_at"`
}

func (c *call) glUserPublic(o *Org, id int) *glUserPublic {
	b := c.glUser(o, id)
	if b == nil {
		return nil
	}
	a := &o.accounts[o.gitlabIdx[id]]
	return &glUserPublic{glUserBasic: *b, CreatedAt: glTime(a.CreatedAt), PublicEmail: a.PublicEmail, Bot: a.Bot}
}

func (g *GitLabServer) gitlabUsers() []int {
	o := g.org
	var ids []int
	for _, a := range o.accounts {
		if a.Source == "gitlab" {
			id, _ := strconv.Atoi(a.ExternalID)
			ids = append(ids, id)
		}
	}
	return ids
}

func (c *call) glUserAdmin(o *Org, id int) glUserAdmin {
	a := &o.accounts[o.gitlabIdx[id]]
	last := o.now.Add(-time.Duration(id%72) * time.Hour)
	return glUserAdmin{glUserPublic: *c.glUserPublic(o, id), LastSignInAt: glTime(last), ConfirmedAt: glTime(a.CreatedAt.Add(time.Minute)),
		LastActivityOn: last.UTC().Format("2006-01-02"), Email: a.Email, ThemeID: 1, ColorSchemeID: 1, ProjectsLimit: 100000,
		CurrentSignInAt: glTime(last), Identities: []any{}, CanCreateGroup: true, CanCreateProject: true,
		CommitEmail: a.CommitEmail, NamespaceID: id + 100, ScimIdentities: []any{}, UsingLicenseSeat: !a.Bot}
}

func (g *GitLabServer) currentUser(c *call) {
	admin := !g.nonAdmin.Load()
	c.json(http.StatusOK, map[string]any{"id": 1, "username": "ovia-sync", "name": "Ovia Sync", "state": "active",
		"is_admin": admin, "bot": false, "email": "ovia-sync@" + corpDomain, "web_url": c.base + "/ovia-sync"})
}

func (g *GitLabServer) users(c *call) {
	o := g.org
	o.mu.RLock()
	ids := g.gitlabUsers()
	if c.r.URL.Query().Get("pagination") == "keyset" {
		ids = keysetPage(c, ids, func(i int) int { return i })
	} else {
		ids = pageOf(c, ids)
	}
	var out any
	if g.nonAdmin.Load() {
		users := make([]*glUserBasic, len(ids))
		for i, id := range ids {
			users[i] = c.glUser(o, id)
		}
		out = users
	} else {
		users := make([]glUserAdmin, len(ids))
		for i, id := range ids {
			users[i] = c.glUserAdmin(o, id)
		}
		out = users
	}
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

func (g *GitLabServer) groupOK(c *call) bool {
	id := c.r.PathValue("id")
	if id == strconv.Itoa(g.org.groupID) || id == g.org.spec.GitLabGroup {
		return true
	}
	c.errorf(http.StatusNotFound, "404 Group Not Found")
	return false
}

func (g *GitLabServer) group(c *call) {
	if !g.groupOK(c) {
		return
	}
	o := g.org
	c.json(http.StatusOK, map[string]any{"id": o.groupID, "name": o.spec.GitLabGroup, "path": o.spec.GitLabGroup,
		"full_name": o.spec.GitLabGroup, "full_path": o.spec.GitLabGroup, "visibility": "private",
		"web_url": c.base + "/groups/" + o.spec.GitLabGroup, "parent_id": nil})
}

type glMember struct {
	glUserBasic
	AccessLevel     int          `json:"access_level"`
	CreatedAt       any          `json:"created_at"`
	CreatedBy       *glUserBasic `json:"created_by"`
	ExpiresAt       any          `json:"expires_at"`
	MembershipState string       `json:"membership_state"`
}

func (g *GitLabServer) members(c *call) {
	if !g.groupOK(c) {
		return
	}
	o := g.org
	o.mu.RLock()
	var ids []int
	for _, id := range g.gitlabUsers() {
		a := &o.accounts[o.gitlabIdx[id]]
		if !a.Bot && !strings.HasSuffix(a.Username, "-dev") { // project bots and personal accounts are not group members
			ids = append(ids, id)
		}
	}
	out := c.glMembers(o, pageOf(c, ids))
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

// projectMembers lists a project's members: its team and its project bot
// (members/all of a project in a group also inherits the group's members;
// the fake keeps to direct members so the two listings differ).
func (g *GitLabServer) projectMembers(c *call) {
	o := g.org
	o.mu.RLock()
	p, ok := g.projectOf(c)
	if !ok {
		o.mu.RUnlock()
		c.errorf(http.StatusNotFound, "404 Project Not Found")
		return
	}
	ids := slices.Clone(o.projectMembers[p.ID])
	out := c.glMembers(o, pageOf(c, ids))
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

func (c *call) glMembers(o *Org, ids []int) []glMember {
	out := make([]glMember, len(ids))
	var owner *glUserBasic
	for _, a := range o.accounts {
		if a.Source == "gitlab" {
			id, _ := strconv.Atoi(a.ExternalID)
			owner = c.glUser(o, id)
			break
		}
	}
	for i, id := range ids {
		level := 30
		switch {
		case id%11 == 0:
			level = 50
		case id%4 == 0:
			level = 40
		}
		out[i] = glMember{glUserBasic: *c.glUser(o, id), AccessLevel: level,
			CreatedAt: glTime(o.accounts[o.gitlabIdx[id]].CreatedAt.Add(day)), CreatedBy: owner, MembershipState: "active"}
	}
	return out
}

func (c *call) glProject(o *Org, p *Project) map[string]any {
	web := c.base + "/" + p.PathWithNamespace
	return map[string]any{
		"id": p.ID, "description": p.Name + " service", "name": p.Name, "name_with_namespace": o.spec.GitLabGroup + " / " + p.Name,
		"path": p.Path, "path_with_namespace": p.PathWithNamespace, "created_at": glTime(p.CreatedAt),
		"default_branch": p.DefaultBranch, "tag_list": []string{}, "topics": []string{},
		"ssh_url_to_repo":  "git@" + strings.TrimPrefix(strings.TrimPrefix(c.base, "http://"), "https://") + ":" + p.PathWithNamespace + ".git",
		"http_url_to_repo": web + ".git", "web_url": web, "readme_url": web + "/-/blob/" + p.DefaultBranch + "/README.md",
		"avatar_url": nil, "forks_count": 0, "star_count": 3, "last_activity_at": glTime(p.LastActivityAt),
		"namespace": map[string]any{"id": o.groupID, "name": o.spec.GitLabGroup, "path": o.spec.GitLabGroup, "kind": "group",
			"full_path": o.spec.GitLabGroup, "parent_id": nil, "avatar_url": nil, "web_url": c.base + "/groups/" + o.spec.GitLabGroup},
		"visibility": "private", "archived": false, "empty_repo": false,
	}
}

func (g *GitLabServer) groupProjects(c *call) {
	if !g.groupOK(c) {
		return
	}
	o := g.org
	o.mu.RLock()
	ps := slices.Clone(o.projects)
	if c.r.URL.Query().Get("pagination") == "keyset" {
		ps = keysetPage(c, ps, func(p Project) int { return p.ID })
	} else {
		ps = pageOf(c, ps)
	}
	out := make([]map[string]any, len(ps))
	for i := range ps {
		out[i] = c.glProject(o, &ps[i])
	}
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

// projectOf resolves {id} (numeric or URL-encoded path). Callers hold mu.
func (g *GitLabServer) projectOf(c *call) (*Project, bool) {
	ref := c.r.PathValue("id")
	if un, err := url.PathUnescape(ref); err == nil {
		ref = un
	}
	for i := range g.org.projects {
		p := &g.org.projects[i]
		if strconv.Itoa(p.ID) == ref || p.PathWithNamespace == ref {
			return p, true
		}
	}
	return nil, false
}

func (g *GitLabServer) project(c *call) {
	o := g.org
	o.mu.RLock()
	p, ok := g.projectOf(c)
	var out map[string]any
	if ok {
		out = c.glProject(o, p)
	}
	o.mu.RUnlock()
	if !ok {
		c.errorf(http.StatusNotFound, "404 Project Not Found")
		return
	}
	c.json(http.StatusOK, out)
}

// timeFilter reads an ISO 8601 query parameter.
func timeFilter(c *call, name string) (time.Time, bool, bool) {
	v := c.r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, false, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true, true
		}
	}
	c.json(http.StatusBadRequest, map[string]string{"error": name + " is invalid"})
	return time.Time{}, false, false
}

// listing filters rows on updated/created bounds and sorts them. It
// answers 400 itself and reports false when a parameter is invalid.
type listing struct {
	updatedAfter, updatedBefore, createdAfter, createdBefore time.Time
	hasUA, hasUB, hasCA, hasCB                               bool
	orderBy                                                  string
	desc                                                     bool
}

func parseListing(c *call, defaultOrder string, defaultDesc bool) (listing, bool) {
	var l listing
	for _, f := range []struct {
		name string
		at   *time.Time
		has  *bool
	}{
		{"updated_after", &l.updatedAfter, &l.hasUA}, {"updated_before", &l.updatedBefore, &l.hasUB},
		{"created_after", &l.createdAfter, &l.hasCA}, {"created_before", &l.createdBefore, &l.hasCB},
	} {
		var ok bool
		if *f.at, *f.has, ok = timeFilter(c, f.name); !ok {
			return l, false
		}
	}
	q := c.r.URL.Query()
	l.orderBy = q.Get("order_by")
	if l.orderBy == "" {
		l.orderBy = defaultOrder
	}
	switch q.Get("sort") {
	case "asc":
		l.desc = false
	case "desc":
		l.desc = true
	case "":
		l.desc = defaultDesc
	default:
		c.json(http.StatusBadRequest, map[string]string{"error": "sort does not have a valid value"})
		return l, false
	}
	return l, true
}

func (l listing) keep(created, updated time.Time) bool {
	return (!l.hasUA || !updated.Before(l.updatedAfter)) && (!l.hasUB || !updated.After(l.updatedBefore)) &&
		(!l.hasCA || !created.Before(l.createdAfter)) && (!l.hasCB || !created.After(l.createdBefore))
}

func (l listing) less(ida, idb int, ca, cb, ua, ub time.Time) int {
	var r int
	switch l.orderBy {
	case "updated_at":
		r = ua.Compare(ub)
	case "created_at":
		r = ca.Compare(cb)
	}
	if r == 0 {
		r = ida - idb
	}
	if l.desc {
		r = -r
	}
	return r
}

// changeAhead applies ChangeDuringSync to an offset listing: on a page
// after the first, the first row of the next page is updated, so it moves
// to the end and nothing shifts into pages already served.
func changeAhead[T any](c *call, rows []T, touch func(T)) {
	if !c.faults.ChangeDuringSync {
		return
	}
	page, _ := strconv.Atoi(c.r.URL.Query().Get("page"))
	at := page * c.perPage()
	if page < 2 || at >= len(rows) || !c.once("gitlab"+c.route) {
		return
	}
	touch(rows[at])
	c.fire(FaultChange)
}

func (g *GitLabServer) mergeRequests(c *call) {
	l, ok := parseListing(c, "created_at", true)
	if !ok {
		return
	}
	state := c.r.URL.Query().Get("state")
	listProject(g, c, l, func(o *Org) []MergeRequest { return o.mrs },
		func(p *Project, m *MergeRequest) bool {
			return m.ProjectID == p.ID && (state == "" || state == "all" || state == m.State)
		},
		func(m *MergeRequest) (int, time.Time, time.Time) { return m.ID, m.CreatedAt, m.UpdatedAt },
		func(m MergeRequest) { g.org.TouchMergeRequests(m.ID) },
		func(o *Org, m *MergeRequest) map[string]any { return c.glMR(o, m) })
}

func (c *call) glMR(o *Org, m *MergeRequest) map[string]any {
	var p *Project
	for i := range o.projects {
		if o.projects[i].ID == m.ProjectID {
			p = &o.projects[i]
		}
	}
	reviewers := []*glUserBasic{}
	for _, r := range m.ReviewerIDs {
		reviewers = append(reviewers, c.glUser(o, r))
	}
	labels := m.Labels
	if labels == nil {
		labels = []string{}
	}
	var mergedBy, closedBy any
	if !m.MergedAt.IsZero() {
		mergedBy = c.glUser(o, m.MergedByID)
	}
	if !m.ClosedAt.IsZero() {
		closedBy = c.glUser(o, m.AuthorID)
	}
	mergeStatus := "can_be_merged"
	if m.State != "opened" {
		mergeStatus = "unchecked"
	}
	ref := "!" + strconv.Itoa(m.IID)
	return map[string]any{
		"id": m.ID, "iid": m.IID, "project_id": m.ProjectID, "title": m.Title, "description": "Closes the work on " + strings.ToLower(m.Title) + ".",
		"state": m.State, "created_at": glTime(m.CreatedAt), "updated_at": glTime(m.UpdatedAt),
		"merged_by": mergedBy, "merge_user": mergedBy, "merged_at": glTime(m.MergedAt), "closed_by": closedBy, "closed_at": glTime(m.ClosedAt),
		"target_branch": m.TargetBranch, "source_branch": m.SourceBranch, "user_notes_count": o.userNotes(m),
		"upvotes": 0, "downvotes": 0, "author": c.glUser(o, m.AuthorID), "assignees": []any{}, "assignee": nil,
		"reviewers": reviewers, "source_project_id": m.ProjectID, "target_project_id": m.ProjectID, "labels": labels,
		"draft": m.Draft, "work_in_progress": m.Draft, "milestone": nil, "merge_when_pipeline_succeeds": false,
		"merge_status": mergeStatus, "detailed_merge_status": "mergeable", "sha": m.SHA, "merge_commit_sha": nilIfEmpty(m.MergeCommitSHA),
		"squash_commit_sha": nil, "discussion_locked": nil, "should_remove_source_branch": nil, "force_remove_source_branch": true,
		"reference": ref, "references": map[string]string{"short": ref, "relative": ref, "full": p.PathWithNamespace + ref},
		"web_url":    c.base + "/" + p.PathWithNamespace + "/-/merge_requests/" + strconv.Itoa(m.IID),
		"time_stats": map[string]any{"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": nil, "human_total_time_spent": nil},
		"squash":     false, "task_completion_status": map[string]int{"count": 0, "completed_count": 0}, "has_conflicts": false,
		"blocking_discussions_resolved": true, "approvals_before_merge": nil,
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (o *Org) projectPath(id int) string {
	for _, p := range o.projects {
		if p.ID == id {
			return p.PathWithNamespace
		}
	}
	return ""
}

func (c *call) glPipeline(o *Org, p *Pipeline, detail bool) map[string]any {
	out := map[string]any{"id": p.ID, "iid": p.IID, "project_id": p.ProjectID, "sha": p.SHA, "ref": p.Ref, "status": p.Status,
		"source": p.Source, "created_at": glTime(p.CreatedAt), "updated_at": glTime(p.UpdatedAt),
		"web_url": c.base + "/" + o.projectPath(p.ProjectID) + "/-/pipelines/" + strconv.Itoa(p.ID)}
	if !detail {
		return out
	}
	var dur, queued any
	if p.Duration > 0 {
		dur = p.Duration
	}
	if !p.StartedAt.IsZero() {
		queued = p.StartedAt.Sub(p.CreatedAt).Seconds()
	}
	out["before_sha"] = "0000000000000000000000000000000000000000"
	out["tag"] = false
	out["yaml_errors"] = nil
	out["user"] = c.glUser(o, p.UserID)
	out["started_at"] = glTime(p.StartedAt)
	out["finished_at"] = glTime(p.FinishedAt)
	out["committed_at"] = nil
	out["duration"] = dur
	out["queued_duration"] = queued
	out["coverage"] = nil
	label := map[string]string{"success": "passed"}[p.Status]
	if label == "" {
		label = p.Status
	}
	out["detailed_status"] = map[string]any{"icon": "status_" + p.Status, "text": label, "label": label, "group": p.Status,
		"tooltip": label, "has_details": true, "details_path": "/" + o.projectPath(p.ProjectID) + "/-/pipelines/" + strconv.Itoa(p.ID),
		"illustration": nil, "favicon": "/assets/ci_favicons/favicon_status_" + p.Status + ".png"}
	out["name"] = nil
	return out
}

func (g *GitLabServer) pipelines(c *call) {
	l, ok := parseListing(c, "id", true)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	status, ref, source := q.Get("status"), q.Get("ref"), q.Get("source")
	listProject(g, c, l, func(o *Org) []Pipeline { return o.pipelines },
		func(p *Project, pl *Pipeline) bool {
			return pl.ProjectID == p.ID && (status == "" || status == pl.Status) && (ref == "" || ref == pl.Ref) &&
				(source == "" || source == pl.Source)
		},
		func(pl *Pipeline) (int, time.Time, time.Time) { return pl.ID, pl.CreatedAt, pl.UpdatedAt },
		func(pl Pipeline) { g.org.TouchPipelines(pl.ID) },
		func(o *Org, pl *Pipeline) map[string]any { return c.glPipeline(o, pl, false) })
}

func (g *GitLabServer) pipeline(c *call) {
	o := g.org
	o.mu.RLock()
	p, ok := g.projectOf(c)
	var out map[string]any
	if ok {
		id, _ := strconv.Atoi(c.r.PathValue("pid"))
		if pl := o.pipelineByID(id); pl != nil && pl.ProjectID == p.ID {
			out = c.glPipeline(o, pl, true)
		}
	}
	o.mu.RUnlock()
	if out == nil {
		c.errorf(http.StatusNotFound, "404 Not found")
		return
	}
	c.json(http.StatusOK, out)
}

func (c *call) glDeployment(o *Org, d *Deployment) map[string]any {
	path := o.projectPath(d.ProjectID)
	user := c.glUser(o, d.UserID)
	pl := o.pipelineByID(d.PipelineID)
	envCreated := glTime(o.projectCreated(d.ProjectID).Add(day))
	jobID := d.ID*3 + 1
	jobStatus := d.Status
	var dur any
	if !d.FinishedAt.IsZero() {
		dur = d.FinishedAt.Sub(d.CreatedAt).Seconds()
	}
	author, email := "", ""
	if i, ok := o.gitlabIdx[d.UserID]; ok {
		author, email = o.accounts[i].DisplayName, o.accounts[i].CommitEmail
	}
	commitAt := glTime(d.CreatedAt.Add(-time.Hour))
	deployable := map[string]any{
		"id": jobID, "status": jobStatus, "stage": "deploy", "name": "deploy:" + d.Environment, "ref": d.Ref, "tag": false,
		"coverage": nil, "allow_failure": false, "created_at": glTime(d.CreatedAt), "started_at": glTime(d.CreatedAt.Add(time.Second)),
		"finished_at": glTime(d.FinishedAt), "erased_at": nil, "duration": dur, "queued_duration": 1.0, "user": c.glUserPublic(o, d.UserID),
		"commit": map[string]any{"id": d.SHA, "short_id": d.SHA[:8], "created_at": commitAt, "parent_ids": []string{},
			"title": "Merge branch into " + d.Ref, "message": "Merge branch into " + d.Ref + "\n", "author_name": author,
			"author_email": email, "authored_date": commitAt, "committer_name": author, "committer_email": email,
			"committed_date": commitAt, "trailers": map[string]string{}, "web_url": c.base + "/" + path + "/-/commit/" + d.SHA},
		"web_url": c.base + "/" + path + "/-/jobs/" + strconv.Itoa(jobID), "artifacts": []any{}, "runner": nil, "tag_list": []string{},
		"artifacts_expire_at": nil, "pipeline": nil,
	}
	if pl != nil {
		deployable["pipeline"] = c.glPipeline(o, pl, false)
	}
	return map[string]any{
		"id": d.ID, "iid": d.IID, "ref": d.Ref, "sha": d.SHA, "created_at": glTime(d.CreatedAt), "updated_at": glTime(d.UpdatedAt),
		"finished_at": glTime(d.FinishedAt), "status": d.Status, "user": user,
		"environment": map[string]any{"id": d.EnvironmentID, "name": d.Environment, "slug": d.Environment,
			"external_url": "https://" + d.Environment + "." + corpDomain, "created_at": envCreated, "updated_at": envCreated,
			"tier": d.Tier, "state": "available"},
		"deployable": deployable,
	}
}

// pipelineByID finds a pipeline by id (ids are dense). Callers hold mu.
func (o *Org) pipelineByID(id int) *Pipeline {
	if i := id - pipelineIDBase; i >= 0 && i < len(o.pipelines) {
		return &o.pipelines[i]
	}
	return nil
}

func (o *Org) projectCreated(id int) time.Time {
	for _, p := range o.projects {
		if p.ID == id {
			return p.CreatedAt
		}
	}
	return time.Time{}
}

func (g *GitLabServer) deployments(c *call) {
	l, ok := parseListing(c, "id", false)
	if !ok {
		return
	}
	if (l.hasUA || l.hasUB) && l.orderBy != "updated_at" {
		c.json(http.StatusBadRequest, map[string]string{"message": "400 Bad request - `updated_at` filter and `updated_at` sorting must be paired"})
		return
	}
	q := c.r.URL.Query()
	env, status := q.Get("environment"), q.Get("status")
	listProject(g, c, l, func(o *Org) []Deployment { return o.deployments },
		func(p *Project, d *Deployment) bool {
			return d.ProjectID == p.ID && (env == "" || env == d.Environment) && (status == "" || status == d.Status)
		},
		func(d *Deployment) (int, time.Time, time.Time) { return d.ID, d.CreatedAt, d.UpdatedAt },
		func(d Deployment) { g.org.TouchDeployments(d.ID) },
		func(o *Org, d *Deployment) map[string]any { return c.glDeployment(o, d) })
}

// listProject serves one project's offset-paged listing (merge requests,
// pipelines, deployments): filter and order under the read lock, the
// change-during-sync fault, one page, rendered under the read lock.
func listProject[T any](g *GitLabServer, c *call, l listing, all func(*Org) []T, match func(*Project, *T) bool,
	key func(*T) (id int, created, updated time.Time), touch func(T), render func(*Org, *T) map[string]any) {
	o := g.org
	rows := func() ([]T, bool) {
		o.mu.RLock()
		defer o.mu.RUnlock()
		p, ok := g.projectOf(c)
		if !ok {
			return nil, false
		}
		var rows []T
		items := all(o)
		for i := range items {
			v := &items[i]
			if _, created, updated := key(v); match(p, v) && l.keep(created, updated) {
				rows = append(rows, *v)
			}
		}
		slices.SortFunc(rows, func(a, b T) int {
			ia, ca, ua := key(&a)
			ib, cb, ub := key(&b)
			return l.less(ia, ib, ca, cb, ua, ub)
		})
		return rows, true
	}
	list, ok := rows()
	if !ok {
		c.errorf(http.StatusNotFound, "404 Project Not Found")
		return
	}
	if l.orderBy == "updated_at" {
		changed := false
		changeAhead(c, list, func(v T) { touch(v); changed = true })
		if changed {
			list, _ = rows()
		}
	}
	page := pageOf(c, list)
	o.mu.RLock()
	out := make([]map[string]any, len(page))
	for i := range page {
		out[i] = render(o, &page[i])
	}
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}

func (g *GitLabServer) deploymentMRs(c *call) {
	o := g.org
	o.mu.RLock()
	p, ok := g.projectOf(c)
	var d *Deployment
	if ok {
		id, _ := strconv.Atoi(c.r.PathValue("did"))
		if i := id - deploymentIDBase; i >= 0 && i < len(o.deployments) && o.deployments[i].ProjectID == p.ID {
			d = &o.deployments[i]
		}
	}
	if d == nil {
		o.mu.RUnlock()
		c.errorf(http.StatusNotFound, "404 Not found")
		return
	}
	var mrs []MergeRequest
	for _, id := range d.MergeRequestIDs {
		if i := id - mrIDBase; i >= 0 && i < len(o.mrs) {
			mrs = append(mrs, o.mrs[i])
		}
	}
	page := pageOf(c, mrs)
	out := make([]map[string]any, len(page))
	for i := range page {
		out[i] = c.glMR(o, &page[i])
	}
	o.mu.RUnlock()
	c.json(http.StatusOK, out)
}
