package kpi

import (
	"strings"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Class is the throughput class of an issue or merge request (SPEC §6).
type Class string

// Throughput classes.
const (
	ClassBug     Class = "bug"
	ClassFeature Class = "feature"
	ClassChore   Class = "chore"
)

// Classifier maps issues and merge requests to classes, recognises
// incidents and blocker priorities. Every comparison is case-insensitive
// and ignores surrounding spaces. The zero value classifies everything as
// chore; use DefaultClassifier and adjust.
type Classifier struct {
	// BugIssueTypes and FeatureIssueTypes are Jira issue type names; any
	// other type is a chore.
	BugIssueTypes     []string `json:"bug_issue_types"`
	FeatureIssueTypes []string `json:"feature_issue_types"`
	// BugLabels and FeatureLabels are GitLab MR labels. A scoped label
	// ("type::bug") also matches by its last segment ("bug"). An MR with
	// both a bug and a feature label is a bug.
	BugLabels     []string `json:"bug_labels"`
	FeatureLabels []string `json:"feature_labels"`
	// IncidentIssueTypes and IncidentLabels recognise incidents: a Jira
	// issue of one of these types or carrying one of these labels.
	IncidentIssueTypes []string `json:"incident_issue_types"`
	IncidentLabels     []string `json:"incident_labels"`
	// BlockerPriorities are the Jira priorities that make an open issue a
	// blocker.
	BlockerPriorities []string `json:"blocker_priorities"`
}

// DefaultClassifier returns the SPEC §6 defaults.
func DefaultClassifier() Classifier {
	return Classifier{
		BugIssueTypes:      []string{"Bug", "Defect"},
		FeatureIssueTypes:  []string{"Story", "Epic", "New Feature", "Improvement"},
		BugLabels:          []string{"bug", "defect", "fix", "hotfix"},
		FeatureLabels:      []string{"feature", "enhancement", "story"},
		IncidentIssueTypes: []string{"Incident"},
		IncidentLabels:     []string{"incident"},
		BlockerPriorities:  []string{"Blocker", "Highest"},
	}
}

// Validate refuses empty entries and a name present in both the bug and the
// feature set (ErrInvalid with the offending field).
func (c Classifier) Validate() error {
	f := oviaerr.Fields{}
	lists := []struct {
		field string
		vals  []string
	}{
		{"bug_issue_types", c.BugIssueTypes}, {"feature_issue_types", c.FeatureIssueTypes},
		{"bug_labels", c.BugLabels}, {"feature_labels", c.FeatureLabels},
		{"incident_issue_types", c.IncidentIssueTypes}, {"incident_labels", c.IncidentLabels},
		{"blocker_priorities", c.BlockerPriorities},
	}
	for _, l := range lists {
		for _, v := range l.vals {
			if norm(v) == "" {
				f.Add(l.field, "empty entry")
			}
		}
	}
	if x, ok := overlap(c.BugIssueTypes, c.FeatureIssueTypes); ok {
		f.Add("feature_issue_types", "%q is also a bug issue type", x)
	}
	if x, ok := overlap(c.BugLabels, c.FeatureLabels); ok {
		f.Add("feature_labels", "%q is also a bug label", x)
	}
	return f.Err()
}

func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func overlap(a, b []string) (string, bool) {
	for _, x := range a {
		if x := norm(x); x != "" && contains(b, x) {
			return x, true
		}
	}
	return "", false
}

// contains reports whether list holds v, case-insensitively. The lists are a
// handful of entries, so a scan beats building a map per call.
func contains(list []string, v string) bool {
	v = strings.TrimSpace(v)
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), v) {
			return true
		}
	}
	return false
}

func labelIn(list []string, label string) bool {
	if contains(list, label) {
		return true
	}
	if i := strings.LastIndex(label, "::"); i >= 0 {
		return contains(list, label[i+2:])
	}
	return false
}

// ClassifyIssue classifies a Jira issue by its type.
func (c Classifier) ClassifyIssue(is connectors.Issue) Class { return c.issueClass(is.Type) }

// The pointer-receiver helpers below spare Compute a copy of the
// classifier and of each record per call.

func (c *Classifier) issueClass(typ string) Class {
	switch {
	case contains(c.BugIssueTypes, typ):
		return ClassBug
	case contains(c.FeatureIssueTypes, typ):
		return ClassFeature
	}
	return ClassChore
}

// ClassifyMR classifies a merge request by its labels (bug wins over feature).
func (c Classifier) ClassifyMR(mr connectors.MergeRequest) Class { return c.mrClass(mr.Labels) }

func (c *Classifier) mrClass(labels []string) Class {
	feature := false
	for _, l := range labels {
		if labelIn(c.BugLabels, l) {
			return ClassBug
		}
		if labelIn(c.FeatureLabels, l) {
			feature = true
		}
	}
	if feature {
		return ClassFeature
	}
	return ClassChore
}

// IsIncident reports whether an issue is an incident (type or label).
func (c Classifier) IsIncident(is connectors.Issue) bool { return c.incident(is.Type, is.Labels) }

func (c *Classifier) incident(typ string, labels []string) bool {
	if contains(c.IncidentIssueTypes, typ) {
		return true
	}
	for _, l := range labels {
		if labelIn(c.IncidentLabels, l) {
			return true
		}
	}
	return false
}

// IsBlockerPriority reports whether a priority marks a blocker.
func (c Classifier) IsBlockerPriority(p string) bool {
	return p != "" && contains(c.BlockerPriorities, p)
}
