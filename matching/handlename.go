package matching

import (
	"strings"
	"unicode"
)

// Display names that carry no name, and names spelled by an email local
// part.
//
// A GitLab user who never set a name shows the username as display name
// ("katie98", "dwhite"). Compared as a name, such a handle finds no
// candidate or scores "different names" against the person's real name,
// splitting the person. A display name is a handle when, written without
// a space, it equals the username or the email local part after
// normalization (case, separators, digits), or it is one token holding
// digits. It is then no display name for display_name_similarity: no
// "different names" penalty, no name blocking keys.
//
// An identity without a usable display name may have an email local part
// shaped like a name ("daniel.white", "k.johnson", "j_smith"): two or
// three alphabetic parts split by '.', '_' or '-', digits dropped, none a
// role word, at an address that is no role or noreply mailbox. That name
// is blocked and compared like a display name, at weights
// WeightNameSpelledDiscount lower (see rules.go). A handle display name
// that is itself so shaped ("john.smith") spells the name the same way.

// Why a display name was set aside (profile.handle).
const (
	handleNone = iota
	handleUsername
	handleLocal
	handleDigits
)

var handleNotes = [...]string{
	handleUsername: "display name is the username: no name evidence",
	handleLocal:    "display name is the email local part: no name evidence",
	handleDigits:   "display name is a handle with digits: no name evidence",
}

// handleKind says whether display name dn (already tokenized into toks)
// is a handle rather than a name.
func handleKind(dn string, toks []nameToken, userRaw, user, localRaw, local string) uint8 {
	dn = strings.TrimSpace(dn)
	if dn == "" || len(toks) == 0 || strings.IndexFunc(dn, unicode.IsSpace) >= 0 {
		return handleNone
	}
	raw := stripSeparators(dn)
	n := NormalizeUsername(dn)
	switch {
	case user != "" && (raw == userRaw || n == user):
		return handleUsername
	case local != "" && (raw == localRaw || n == local):
		return handleLocal
	case strings.ContainsAny(raw, "0123456789"):
		return handleDigits
	}
	return handleNone
}

// roleWords are local-part words that name a function, not a person:
// "support.team@", "no-reply@", "dev-ops@" spell no name.
var roleWords = func() map[string]bool {
	m := map[string]bool{}
	for w := range roleMailboxes {
		m[w] = true
	}
	for _, w := range []string{"noreply", "no", "reply", "donotreply", "do", "not", "mailer", "daemon",
		"notification", "notifications", "alert", "alerts", "billing", "accounts", "account", "service",
		"services", "system", "devops", "ci", "cd", "bot", "bots", "build", "builds", "deploy", "release",
		"test", "tests", "group", "dept", "marketing", "jobs", "careers", "press", "legal", "finance",
		"payroll", "webmaster", "postmaster", "abuse", "users", "user", "mail", "email", "noc", "sre",
		"infra", "platform", "data", "backend", "frontend", "mobile", "web", "api", "app", "apps",
		"helpdesk", "desk", "teams", "staff", "the", "and", "ops", "admins", "dev", "devs"} {
		m[w] = true
	}
	return m
}()

// spelledName returns the name a handle spells ("daniel.white" →
// "daniel white"), or "" when it has not the shape of a name: two or
// three parts split by '.', '_' or '-', each alphabetic (ASCII letters,
// digits dropped) and at least one of two letters or more, none a role
// word.
func spelledName(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if h == "" || len(h) > 64 {
		return ""
	}
	parts := strings.FieldsFunc(h, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	if len(parts) < 2 || len(parts) > 3 {
		return ""
	}
	long := false
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.Trim(p, "0123456789")
		if p == "" || roleWords[p] {
			return ""
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 'a' || p[i] > 'z' {
				return ""
			}
		}
		if len(p) >= 2 {
			long = true
		}
		out = append(out, p)
	}
	if !long {
		return ""
	}
	return strings.Join(out, " ")
}

// noreplyDomain: an address at such a domain ("noreply.corp.example")
// belongs to no person.
func noreplyDomain(d string) bool {
	return strings.Contains(d, "noreply") || strings.Contains(d, "no-reply") || strings.Contains(d, "donotreply")
}
