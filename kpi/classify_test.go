package kpi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/kpi"
)

// The bug and feature sets never overlap (SPEC §6).
func TestDefaultClassifierSetsDisjoint(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	c := kpi.DefaultClassifier()
	is.NoErr(c.Validate())
	for _, pair := range [][2][]string{{c.BugIssueTypes, c.FeatureIssueTypes}, {c.BugLabels, c.FeatureLabels}} {
		for _, b := range pair[0] {
			for _, f := range pair[1] {
				if strings.EqualFold(strings.TrimSpace(b), strings.TrimSpace(f)) {
					t.Errorf("%q is both bug and feature", b)
				}
			}
		}
	}
}

func TestClassifierValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*kpi.Classifier)
		field string
	}{
		{"overlapping issue types", func(c *kpi.Classifier) { c.FeatureIssueTypes = append(c.FeatureIssueTypes, " bug ") }, "feature_issue_types"},
		{"overlapping labels", func(c *kpi.Classifier) { c.BugLabels = append(c.BugLabels, "Feature") }, "feature_labels"},
		{"empty entry", func(c *kpi.Classifier) { c.IncidentLabels = []string{""} }, "incident_labels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			c := kpi.DefaultClassifier()
			tc.edit(&c)
			err := c.Validate()
			is.True(errors.Is(err, kpi.ErrInvalid))
			var ve interface{ Error() string }
			is.True(errors.As(err, &ve))
			is.True(strings.Contains(err.Error(), tc.field))
		})
	}
	is := is.New(t)
	is.NoErr(kpi.Classifier{}.Validate()) // the zero value is valid: everything is a chore
}

func TestClassify(t *testing.T) {
	t.Parallel()
	c := kpi.DefaultClassifier()
	issues := []struct {
		typ  string
		want kpi.Class
	}{
		{"Bug", kpi.ClassBug}, {"defect", kpi.ClassBug}, {"Story", kpi.ClassFeature}, {"Epic", kpi.ClassFeature},
		{"New Feature", kpi.ClassFeature}, {"improvement", kpi.ClassFeature}, {"Task", kpi.ClassChore},
		{"Sub-task", kpi.ClassChore}, {"", kpi.ClassChore}, {"Incident", kpi.ClassChore},
	}
	for _, tc := range issues {
		t.Run("issue "+tc.typ, func(t *testing.T) {
			is := is.New(t)
			is.Equal(c.ClassifyIssue(connectors.Issue{Type: tc.typ}), tc.want)
		})
	}
	mrs := []struct {
		labels []string
		want   kpi.Class
	}{
		{nil, kpi.ClassChore}, {[]string{"Bug"}, kpi.ClassBug}, {[]string{"hotfix"}, kpi.ClassBug},
		{[]string{"type::fix"}, kpi.ClassBug}, {[]string{"Enhancement"}, kpi.ClassFeature},
		{[]string{"feature", "bug"}, kpi.ClassBug}, // bug wins
		{[]string{"docs", "story"}, kpi.ClassFeature}, {[]string{"bugfix"}, kpi.ClassChore},
	}
	for _, tc := range mrs {
		t.Run("mr "+strings.Join(tc.labels, ","), func(t *testing.T) {
			is := is.New(t)
			is.Equal(c.ClassifyMR(connectors.MergeRequest{Labels: tc.labels}), tc.want)
		})
	}
	is := is.New(t)
	is.True(c.IsIncident(connectors.Issue{Type: "incident"}))
	is.True(c.IsIncident(connectors.Issue{Type: "Bug", Labels: []string{"Incident"}}))
	is.True(!c.IsIncident(connectors.Issue{Type: "Bug", Labels: []string{"incidental"}}))
	is.True(c.IsBlockerPriority("HIGHEST"))
	is.True(!c.IsBlockerPriority("High"))
	is.True(!c.IsBlockerPriority(""))
}
