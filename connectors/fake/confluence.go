package fake

import (
	"net/http"
	"strconv"
)

// ConfluenceServer is an http.Handler serving the Confluence Cloud group
// member API from an Org, under /wiki like a real Atlassian site.
type ConfluenceServer struct {
	*server
	org   *Org
	creds Credentials
	mux   *http.ServeMux
}

// NewConfluenceServer serves org's Confluence groups, requiring creds
// (DefaultEmail / DefaultToken when empty) and injecting f.
func NewConfluenceServer(org *Org, creds Credentials, f Faults) *ConfluenceServer {
	s := &ConfluenceServer{server: newServer(f), org: org, creds: creds.withDefaults(), mux: http.NewServeMux()}
	s.handle("GET /wiki/rest/api/group", s.groups)
	s.handle("GET /wiki/rest/api/group/{groupId}/membersByGroupId", s.members)
	return s
}

func (s *ConfluenceServer) handle(pattern string, fn func(c *call)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		c.r = r
		fn(c)
	})
}

// ServeHTTP implements http.Handler.
func (s *ConfluenceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, s.mux, s.creds.check, func(c *call) {
		c.w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
		c.json(http.StatusUnauthorized, map[string]any{"statusCode": 401, "data": map[string]any{"authorized": false, "valid": true, "errors": []any{}, "successful": false}, "message": "Current user not permitted to use Confluence"})
	}, jiraRateHeaders)
}

// startLimit reads start and limit (default and max 200).
func startLimit(c *call) (start, limit int, ok bool) {
	start, err := intParam(c.r, "start", 0)
	if err == nil {
		limit, err = intParam(c.r, "limit", 200)
	}
	if err != nil {
		c.json(http.StatusBadRequest, map[string]any{"statusCode": 400, "message": err.Error()})
		return 0, 0, false
	}
	if limit == 0 || limit > 200 {
		limit = 200
	}
	return start, limit, true
}

func (s *ConfluenceServer) page(c *call, path string, start, limit, total int, results any, size int) map[string]any {
	links := map[string]any{"base": c.base + "/wiki", "context": "/wiki", "self": c.base + "/wiki" + path}
	if start+size < total || (c.faults.NextLinkOnLastPage && size > 0) {
		links["next"] = path + "?start=" + strconv.Itoa(start+size) + "&limit=" + strconv.Itoa(limit)
	}
	return map[string]any{"results": results, "start": start, "limit": limit, "size": size, "_links": links}
}

func (s *ConfluenceServer) groups(c *call) {
	start, limit, ok := startLimit(c)
	if !ok {
		return
	}
	gs := s.org.Groups()
	out := []map[string]any{}
	for i := start; i < min(start+limit, len(gs)); i++ {
		out = append(out, map[string]any{"type": "group", "name": gs[i].Name, "id": gs[i].ID,
			"_links": map[string]string{"self": c.base + "/wiki/rest/api/group/" + gs[i].Name}})
	}
	c.json(http.StatusOK, s.page(c, "/rest/api/group", start, limit, len(gs), out, len(out)))
}

type confluenceUser struct {
	Type                   string            `json:"type"`
	AccountID              string            `json:"accountId"`
	AccountType            string            `json:"accountType"`
	Email                  string            `json:"email"`
	PublicName             string            `json:"publicName"`
	ProfilePicture         map[string]any    `json:"profilePicture"`
	DisplayName            string            `json:"displayName"`
	IsExternalCollaborator bool              `json:"isExternalCollaborator"`
	Expandable             map[string]string `json:"_expandable"`
	Links                  map[string]string `json:"_links"`
}

func (s *ConfluenceServer) members(c *call) {
	start, limit, ok := startLimit(c)
	if !ok {
		return
	}
	o := s.org
	id := c.r.PathValue("groupId")
	o.mu.RLock()
	var members []string
	for _, g := range o.groups {
		if g.ID == id {
			members = g.Members
		}
	}
	conf := map[string]*Account{}
	for i := range o.accounts {
		if a := &o.accounts[i]; a.Source == "confluence" {
			conf[a.ExternalID] = a
		}
	}
	out := []confluenceUser{}
	for i := start; i < min(start+limit, len(members)); i++ {
		a := conf[members[i]]
		out = append(out, confluenceUser{Type: "known", AccountID: a.ExternalID, AccountType: a.AccountType, Email: a.Email,
			PublicName: a.PublicName, DisplayName: a.DisplayName,
			ProfilePicture: map[string]any{"path": "/wiki/aa-avatar/" + a.ExternalID, "width": 48, "height": 48, "isDefault": false},
			Expandable:     map[string]string{"operations": "", "personalSpace": ""},
			Links:          map[string]string{"self": c.base + "/wiki/rest/api/user?accountId=" + a.ExternalID}})
	}
	o.mu.RUnlock()
	c.json(http.StatusOK, s.page(c, "/rest/api/group/"+id+"/membersByGroupId", start, limit, len(members), out, len(out)))
}
