package fake

import (
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ovia-hq/ovia/identity"
)

// OrgSpec sizes a generated org. Zero fields take the demo defaults noted
// on each field; the same spec (including Seed and Now) always generates
// the same org.
type OrgSpec struct {
	// Seed makes generation deterministic.
	Seed uint64
	// People is the number of humans (default 60). Each has one to four
	// accounts across Jira, GitLab and Confluence.
	People int
	// Bots is the number of service accounts (default 5, at most 5):
	// Jira/Confluence apps, GitLab project bots, a CI user.
	Bots int
	// JiraProjects are the Jira project keys (default CORE, WEB, OPS).
	// Incidents are filed in the last one.
	JiraProjects []string
	// GitLabProjects are project paths under GitLabGroup (default
	// backend, web, platform).
	GitLabProjects []string
	// GitLabGroup is the group path (default "corp").
	GitLabGroup string
	// Issues is the total number of Jira issues, incidents included
	// (default 3000).
	Issues int
	// Months of history before Now (default 6).
	Months int
	// MRsPerProject is the number of merge requests per GitLab project
	// (default 300).
	MRsPerProject int
	// Now is the end of the generated history (default: the current
	// time, truncated to the minute). Set it for reproducible tests.
	Now time.Time
	// TimeZone is the Jira user's time zone, used to render Jira dates and
	// read JQL date literals (default "Europe/Moscow", UTC+3).
	TimeZone string
}

func (s OrgSpec) withDefaults() OrgSpec {
	if s.People <= 0 {
		s.People = 60
	}
	if s.Bots < 0 {
		s.Bots = 0
	} else if s.Bots == 0 {
		s.Bots = 5
	}
	s.Bots = min(s.Bots, 5)
	if len(s.JiraProjects) == 0 {
		s.JiraProjects = []string{"CORE", "WEB", "OPS"}
	}
	if len(s.GitLabProjects) == 0 {
		s.GitLabProjects = []string{"backend", "web", "platform"}
	}
	if s.GitLabGroup == "" {
		s.GitLabGroup = "corp"
	}
	if s.Issues <= 0 {
		s.Issues = 3000
	}
	if s.Months <= 0 {
		s.Months = 6
	}
	if s.MRsPerProject <= 0 {
		s.MRsPerProject = 300
	}
	if s.Now.IsZero() {
		s.Now = time.Now().UTC().Truncate(time.Minute)
	}
	s.Now = s.Now.UTC()
	if s.TimeZone == "" {
		s.TimeZone = "Europe/Moscow"
	}
	return s
}

// Person is a ground-truth human (or bot) behind one or more accounts.
type Person struct {
	ID          string
	DisplayName string
	// Email is the person's primary work email.
	Email string
	IsBot bool
}

// Account is one account of a person in one source, as the source shows
// it. PersonID is the ground truth a matcher should recover.
type Account struct {
	Source identity.Source
	// ExternalID is the Atlassian accountId, or the GitLab user id.
	// Jira and Confluence on one site share accountIds, so a person's
	// Confluence account usually has the same id as their Jira account.
	ExternalID  string
	PersonID    string
	Username    string // GitLab username
	DisplayName string // Jira displayName, GitLab name, Confluence displayName
	PublicName  string // Confluence publicName
	// Email is what the source reveals ("" when hidden, as Atlassian does
	// for most users); GitLab's is the admin-visible email.
	Email       string
	PublicEmail string // GitLab
	CommitEmail string // GitLab
	AccountType string // Atlassian: atlassian or app
	Bot         bool   // GitLab bot flag, or an Atlassian app
	Active      bool
	CreatedAt   time.Time
}

// Group is a Confluence group with its members' accountIds.
type Group struct {
	ID      string
	Name    string
	Members []string
}

// Status is a Jira workflow status.
type Status struct {
	ID   string
	Name string
	// Category is Jira's statusCategory.key: new, indeterminate or done.
	Category string
}

// Jira statuses of the generated workflow.
var (
	StatusToDo       = Status{"10000", "To Do", "new"}
	StatusInProgress = Status{"3", "In Progress", "indeterminate"}
	StatusInReview   = Status{"10001", "In Review", "indeterminate"}
	StatusDone       = Status{"10002", "Done", "done"}
	StatusWontDo     = Status{"10003", "Won't Do", "done"}
)

// Statuses lists the generated workflow's statuses.
func Statuses() []Status {
	return []Status{StatusToDo, StatusInProgress, StatusInReview, StatusDone, StatusWontDo}
}

func statusByName(name string) Status {
	for _, s := range Statuses() {
		if s.Name == name {
			return s
		}
	}
	return StatusToDo
}

// Custom field ids served by /rest/api/3/field.
const (
	FieldStoryPoints = "customfield_10016" // "Story point estimate"
	FieldSprint      = "customfield_10020" // "Sprint"
	FieldFlagged     = "customfield_10021" // "Flagged"
	FieldTeam        = "customfield_10001" // "Team"
	FieldRank        = "customfield_10019" // "Rank"
)

// Sprint is a Jira sprint on a project's board.
type Sprint struct {
	ID         int
	BoardID    int
	ProjectKey string
	Name       string
	State      string // closed, active, future
	Start, End time.Time
	Complete   time.Time // zero unless closed
}

// ChangeItem is one field change inside a changelog history, shaped like
// Jira's (field, fieldtype, fieldId, from, fromString, to, toString).
type ChangeItem struct {
	Field      string
	FieldType  string
	FieldID    string // "" for fields Jira sends without one (Link)
	From       string // "" is sent as null for jira fields
	FromString string
	To         string
	ToString   string
}

// History is one changelog entry of an issue.
type History struct {
	ID       string
	AuthorID string // "" when Jira sends no author
	Created  time.Time
	Items    []ChangeItem
}

// Issue is a generated Jira issue with its complete changelog.
type Issue struct {
	ID          string
	Key         string
	ProjectKey  string
	Summary     string
	Type        string // Bug, Story, Task, Epic, Incident
	Status      Status
	Priority    string
	Labels      []string
	AssigneeID  string
	ReporterID  string
	Created     time.Time
	Updated     time.Time
	Resolved    time.Time // zero when unresolved
	Resolution  string
	StoryPoints *float64
	// StoryPointsAsString makes the payload carry story points as a
	// string ("5"), as some sites do.
	StoryPointsAsString bool
	Team                string
	Sprints             []int // sprint ids, oldest first; the last is current
	Flagged             bool
	BlockedBy           []string // keys of issues blocking this one
	Blocks              []string // keys of issues this one blocks
	Histories           []History
}

// Project is a GitLab project.
type Project struct {
	ID                int
	Name              string
	Path              string
	PathWithNamespace string
	DefaultBranch     string
	CreatedAt         time.Time
	LastActivityAt    time.Time
}

// MergeRequest is a GitLab merge request.
type MergeRequest struct {
	ID             int
	IID            int
	ProjectID      int
	Title          string
	State          string // opened, merged, closed
	AuthorID       int
	ReviewerIDs    []int
	MergedByID     int
	Labels         []string
	SourceBranch   string
	TargetBranch   string
	SHA            string
	MergeCommitSHA string
	Draft          bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
	MergedAt       time.Time // zero unless merged
	ClosedAt       time.Time // zero unless closed
	// FirstReviewAt is when someone other than the author and bots first
	// commented on the MR or approved it (zero when nobody did): what a
	// client reading /merge_requests/:iid/notes should find.
	FirstReviewAt time.Time
	// talkUntil bounds the discussion on the MR (its updated_at as
	// generated), so touching or merging it later never moves a note.
	talkUntil time.Time
}

// Pipeline is a GitLab CI pipeline.
type Pipeline struct {
	ID         int
	IID        int
	ProjectID  int
	SHA        string
	Ref        string
	Status     string // success, failed, canceled, running, manual, …
	Source     string // push, merge_request_event, schedule
	UserID     int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Duration   int // seconds; 0 unless finished
	// MRIID is the merge request a merge_request_event pipeline ran for.
	MRIID int
	// Retried marks a pipeline that was re-run after failing.
	Retried bool
}

// Deployment is a GitLab deployment to an environment.
type Deployment struct {
	ID              int
	IID             int
	ProjectID       int
	EnvironmentID   int
	Environment     string // production, staging
	Tier            string // production, staging
	Status          string // success, failed, running
	Ref             string
	SHA             string
	UserID          int
	PipelineID      int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FinishedAt      time.Time
	MergeRequestIDs []int // global ids of the MRs this deployment shipped
}

// Counts sums the generated entities.
type Counts struct {
	People, Humans, Bots                            int
	JiraUsers, GitLabUsers, ConfluenceMembers       int
	Accounts                                        int
	Issues, Incidents, Histories, Sprints           int
	Projects, MergeRequests, Pipelines, Deployments int
}

// Org is a generated organisation: the ground truth the fake servers
// serve. It is safe for concurrent use; accessors return copies.
type Org struct {
	spec OrgSpec
	loc  *time.Location

	mu          sync.RWMutex
	now         time.Time
	people      []Person
	accounts    []Account
	groups      []Group
	sprints     []Sprint
	sprintByID  map[int]int
	issues      []Issue
	issueByKey  map[string]int
	issueOrder  []int32 // issue indexes sorted by (Updated, ID)
	projects    []Project
	mrs         []MergeRequest
	pipelines   []Pipeline
	deployments []Deployment
	groupID     int
	jiraIdx     map[string]int // Jira accountId → index in accounts
	gitlabIdx   map[int]int    // GitLab user id → index in accounts
	// projectMembers are the GitLab user ids of each project's members.
	projectMembers map[int][]int
	mutations      uint64
	historySeq     int
}

// Spec returns the spec the org was generated from, defaults applied.
func (o *Org) Spec() OrgSpec { return o.spec }

// Location is the Jira user's time zone.
func (o *Org) Location() *time.Location { return o.loc }

// Now is the org's clock: the end of history, advanced by Touch and Mutate.
func (o *Org) Now() time.Time {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.now
}

// People returns every person, humans first.
func (o *Org) People() []Person {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.people)
}

// Accounts returns the accounts of one source, or of all sources when
// source is "".
func (o *Org) Accounts(source identity.Source) []Account {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []Account
	for _, a := range o.accounts {
		if source == "" || a.Source == source {
			out = append(out, a)
		}
	}
	return out
}

// Groups returns the Confluence groups.
func (o *Org) Groups() []Group {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := slices.Clone(o.groups)
	for i := range out {
		out[i].Members = slices.Clone(out[i].Members)
	}
	return out
}

// GitLabGroupID is the id of the GitLab group holding every project.
func (o *Org) GitLabGroupID() int { return o.groupID }

// Sprints returns every sprint.
func (o *Org) Sprints() []Sprint {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.sprints)
}

// Issues returns every issue in id order. Slices inside an Issue are
// shared with the org and must not be modified.
func (o *Org) Issues() []Issue {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.issues)
}

// Issue returns one issue by key.
func (o *Org) Issue(key string) (Issue, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	i, ok := o.issueByKey[key]
	if !ok {
		return Issue{}, false
	}
	return o.issues[i], true
}

// Projects returns the GitLab projects.
func (o *Org) Projects() []Project {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.projects)
}

// MergeRequests returns every merge request, ordered by id.
func (o *Org) MergeRequests() []MergeRequest {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.mrs)
}

// Pipelines returns every pipeline, ordered by id.
func (o *Org) Pipelines() []Pipeline {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.pipelines)
}

// Deployments returns every deployment, ordered by id.
func (o *Org) Deployments() []Deployment {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return slices.Clone(o.deployments)
}

// Counts sums the org's entities.
func (o *Org) Counts() Counts {
	o.mu.RLock()
	defer o.mu.RUnlock()
	c := Counts{
		People: len(o.people), Accounts: len(o.accounts), Sprints: len(o.sprints),
		Issues: len(o.issues), Projects: len(o.projects), MergeRequests: len(o.mrs),
		Pipelines: len(o.pipelines), Deployments: len(o.deployments),
	}
	for _, p := range o.people {
		if p.IsBot {
			c.Bots++
		} else {
			c.Humans++
		}
	}
	for _, a := range o.accounts {
		switch a.Source {
		case identity.SourceJira:
			c.JiraUsers++
		case identity.SourceGitLab:
			c.GitLabUsers++
		case identity.SourceConfluence:
			c.ConfluenceMembers++
		}
	}
	for _, is := range o.issues {
		if is.Type == "Incident" {
			c.Incidents++
		}
		c.Histories += len(is.Histories)
	}
	return c
}

// sortIssueOrder rebuilds the (Updated, ID) index. Callers hold mu.
func (o *Org) sortIssueOrder() {
	if len(o.issueOrder) != len(o.issues) {
		o.issueOrder = make([]int32, len(o.issues))
		for i := range o.issueOrder {
			o.issueOrder[i] = int32(i)
		}
	}
	slices.SortFunc(o.issueOrder, func(a, b int32) int {
		if c := o.issues[a].Updated.Compare(o.issues[b].Updated); c != 0 {
			return c
		}
		return int(a - b)
	})
}

func (o *Org) indexAccounts() {
	o.jiraIdx, o.gitlabIdx = map[string]int{}, map[int]int{}
	for i, a := range o.accounts {
		switch a.Source {
		case identity.SourceJira:
			o.jiraIdx[a.ExternalID] = i
		case identity.SourceGitLab:
			id, _ := strconv.Atoi(a.ExternalID)
			o.gitlabIdx[id] = i
		}
	}
}

func (o *Org) jiraAccount(id string) (int, bool) {
	i, ok := o.jiraIdx[id]
	return i, ok
}
