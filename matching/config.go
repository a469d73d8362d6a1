package matching

import (
	"math"
	"strings"

	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Config tunes the engine. Start from DefaultConfig and change what you
// need; New validates it.
type Config struct {
	// AutoThreshold: a candidate scoring at least this is linked
	// automatically (identity.StatusAuto). Default 0.90.
	AutoThreshold float64
	// ConflictThreshold: a best candidate scoring in
	// [ConflictThreshold, AutoThreshold) is suggested and queued for a
	// human (identity.StatusConflict); below it the identity gets its own
	// person. Default 0.60.
	ConflictThreshold float64
	// DomainAliases maps an email domain to the canonical domain it stands
	// for (for example "acme.io" → "acme.com"), lower case.
	DomainAliases map[string]string
	// PlusTagDomains lists email domains that ignore "+tag" in the local
	// part; the tag is stripped for them. Default: the big public providers.
	PlusTagDomains []string
	// FreeMailDomains lists personal email providers. Two different
	// addresses weigh against a link only when neither is personal.
	FreeMailDomains []string
	// ServicePatterns mark service accounts, case-insensitively. A pattern
	// made only of letters and digits must equal the first token of the
	// username, email local part or display name ("jenkins" matches
	// "jenkins-ci" and "Jenkins" but not "Mary Jenkins"); any other
	// pattern ("[bot]") matches as a substring. Accounts flagged
	// IsServiceAccount by their source (GitLab bots, Atlassian app
	// accounts) are service accounts whatever their names.
	ServicePatterns []string
	// ServiceSuffixes are letters-and-digits patterns that also mark a
	// service account as the last token of a field ("release-bot",
	// "gitlab-ci"). Words that are also surnames ("jenkins") belong in
	// ServicePatterns only.
	ServiceSuffixes []string
	// Activity optionally feeds the co_occurrence rule: identity ID → the
	// scopes it acts in (Jira project keys, GitLab project paths, teams,
	// Confluence groups; any strings, compared exactly, so map them to
	// shared names first, namespaced by kind: "team:core", "jira:OV").
	// A shared scope weighs by how few act in it: log2(N/n) +
	// log2(CoOccurrenceM) bits, n the identities acting in it and N those
	// acting anywhere, clamped to [0, WeightCoOccurrenceMax]; of several
	// shared scopes the most telling counts. Shared scopes only boost a
	// pair other rules already favour, never link on their own, and never
	// lift a name-only pair to an automatic link. They help most with
	// namesakes: a doubtful link is judged with the scopes of every
	// account already linked on each side, and when both sides act in
	// scopes of one kind but share none that counts against it
	// (WeightCoOccurrenceNone). Nil disables the rule.
	Activity map[string][]string
	// MaxCandidates caps Decision.CandidatePersonIDs. Default 5.
	MaxCandidates int
}

// DefaultConfig returns the documented defaults: auto 0.90, conflict 0.60,
// the common service-account patterns and personal email providers.
func DefaultConfig() Config {
	return Config{
		AutoThreshold:     0.90,
		ConflictThreshold: 0.60,
		PlusTagDomains: []string{
			"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
			"icloud.com", "me.com", "fastmail.com", "protonmail.com", "proton.me", "yandex.ru",
		},
		FreeMailDomains: []string{
			"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
			"icloud.com", "me.com", "aol.com", "mail.ru", "yandex.ru", "ya.ru", "bk.ru", "inbox.ru",
			"protonmail.com", "proton.me", "gmx.de", "gmx.net", "web.de", "fastmail.com", "qq.com", "163.com",
		},
		ServicePatterns: []string{
			"bot", "[bot]", "ci", "jenkins", "noreply", "no-reply", "automation", "robot",
			"svc", "dependabot", "renovate", "renovatebot", "buildbot", "teamcity", "sonarqube",
		},
		ServiceSuffixes: []string{"bot", "ci", "robot", "automation", "svc", "noreply", "service"},
		MaxCandidates:   5,
	}
}

// Validate reports every invalid field as an *identity.ValidationError
// (errors.Is(err, identity.ErrInvalid) holds).
func (c Config) Validate() error {
	f := oviaerr.Fields{}
	checkUnit := func(name string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1 {
			f.Add(name, "must be a number in [0,1], got %v", v)
			return false
		}
		return true
	}
	okA := checkUnit("auto_threshold", c.AutoThreshold)
	okC := checkUnit("conflict_threshold", c.ConflictThreshold)
	if okA && okC && c.ConflictThreshold > c.AutoThreshold {
		f.Add("conflict_threshold", "must not exceed auto_threshold (%v > %v)", c.ConflictThreshold, c.AutoThreshold)
	}
	if okA && c.AutoThreshold == 0 {
		f.Add("auto_threshold", "must be above 0")
	}
	for k, v := range c.DomainAliases {
		if !validDomain(k) || !validDomain(v) {
			f.Add("domain_aliases", "%q → %q: domains must be non-empty, lower case, without '@'", k, v)
		}
	}
	for _, p := range c.ServicePatterns {
		if strings.TrimSpace(p) == "" {
			f.Add("service_patterns", "must not contain empty patterns")
		}
	}
	for _, p := range c.ServiceSuffixes {
		if !isAlnum(strings.ToLower(strings.TrimSpace(p))) {
			f.Add("service_suffixes", "%q: suffixes must be letters and digits only", p)
		}
	}
	if c.MaxCandidates < 0 {
		f.Add("max_candidates", "must not be negative")
	}
	return f.Err()
}

func validDomain(d string) bool {
	return d != "" && !strings.ContainsAny(d, "@ \t") && strings.ToLower(d) == d
}
