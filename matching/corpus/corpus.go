// Package corpus generates labelled identity data for testing and
// benchmarking the matching engine: people with several accounts across
// Jira, GitLab and Confluence, with the variation real organisations show
// (typos, transliterated Russian names, nicknames, initials, work and
// personal emails, email aliases, shared team mailboxes, namesakes who are
// different people, a person's second account in the same tool, emailless
// Jira Cloud accounts, bots), and the ground truth (identity → person).
//
// Generation is deterministic for a given Options value.
package corpus

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/ovia-hq/ovia/identity"
)

// Options shapes a generated corpus.
type Options struct {
	// People is the number of people (humans and bots). About 3.3
	// identities are generated per person.
	People int
	// Seed makes the corpus reproducible.
	Seed int64
}

// Corpus is a generated, labelled set of identities.
type Corpus struct {
	Identities []identity.Identity
	// Truth maps each identity ID to its true person key.
	Truth map[string]string
	// DomainAliases are the email domain aliases the generated org uses
	// (alias → canonical), as an admin would configure them.
	DomainAliases map[string]string
	// Activity maps identity ID → the team scopes it acts in (the same
	// scope names across sources), for the co_occurrence rule.
	Activity map[string][]string

	names map[string]string // person key → canonical full name (humans)
}

// ForIdentities generates a corpus of about n identities (n/3.3 people).
func ForIdentities(n int, seed int64) Corpus {
	return Generate(Options{People: int(math.Round(float64(n) / 3.3)), Seed: seed})
}

// State returns the corpus as a first-run match state: every identity
// pending, nothing rejected.
func (c Corpus) State() identity.MatchState {
	ms := make([]identity.Mapping, len(c.Identities))
	for i, id := range c.Identities {
		ms[i] = identity.Mapping{Identity: id}
	}
	return identity.MatchState{Mappings: ms}
}

// People returns the number of distinct true persons.
func (c Corpus) People() int {
	seen := map[string]struct{}{}
	for _, p := range c.Truth {
		seen[p] = struct{}{}
	}
	return len(seen)
}

// NamesakeRate is the share of human people whose full name (as
// generated, before per-account variation) another person also has.
func (c Corpus) NamesakeRate() float64 {
	if len(c.names) == 0 {
		return 0
	}
	count := map[string]int{}
	for _, n := range c.names {
		count[n]++
	}
	shared := 0
	for _, n := range c.names {
		if count[n] > 1 {
			shared++
		}
	}
	return float64(shared) / float64(len(c.names))
}

const (
	company    = "acme.com"
	oldDomain  = "acme.io"       // aliased to acme.com
	subsidiary = "acme-labs.com" // a separate domain (not aliased)
	contractor = "contractors.example"
)

var freeMail = []string{"gmail.com", "gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "yandex.ru", "mail.ru", "icloud.com", "proton.me"}

type origin int

const (
	english origin = iota
	russian
	european
	asian
)

type person struct {
	key        string
	origin     origin
	female     bool
	first      string // native script
	last       string
	latFirst   string // the person's preferred Latin spelling
	latLast    string
	login      string // company login (LDAP)
	work       string // work email
	personal   string // personal email or ""
	handle     string // GitLab handle
	team       string
	scheme     int
	patronymic string
}

type gen struct {
	r       *rand.Rand
	c       Corpus
	logins  map[string]bool
	emails  map[string]bool
	handles map[string]bool
	zipf    map[int][]float64
	t0      time.Time
	teams   int
}

// Generate builds a corpus.
func Generate(o Options) Corpus {
	if o.People <= 0 {
		o.People = 100
	}
	g := &gen{
		r:       rand.New(rand.NewSource(o.Seed)),
		logins:  map[string]bool{},
		emails:  map[string]bool{},
		handles: map[string]bool{},
		zipf:    map[int][]float64{},
		t0:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		c: Corpus{
			Truth:         map[string]string{},
			DomainAliases: map[string]string{oldDomain: company},
			Activity:      map[string][]string{},
			names:         map[string]string{},
		},
	}
	g.teams = max(1, o.People/8)
	for i := 0; i < o.People; i++ {
		key := fmt.Sprintf("p%06d", i)
		team := fmt.Sprintf("team-%03d", g.r.Intn(g.teams))
		if g.r.Float64() < 0.015 {
			g.bot(key, team)
			continue
		}
		p := g.newPerson(key, team)
		g.c.names[key] = p.first + " " + p.last
		g.human(p)
	}
	return g.c
}

// pick samples an index in [0,n) with Zipf-like weights 1/(k+1)^s.
func (g *gen) pick(n int, s float64) int {
	k := n*1000 + int(s*100)
	cdf, ok := g.zipf[k]
	if !ok {
		cdf = make([]float64, n)
		sum := 0.0
		for i := 0; i < n; i++ {
			sum += 1 / math.Pow(float64(i+1), s)
			cdf[i] = sum
		}
		for i := range cdf {
			cdf[i] /= sum
		}
		g.zipf[k] = cdf
	}
	return sort.SearchFloat64s(cdf, g.r.Float64())
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) newPerson(key, team string) *person {
	p := &person{key: key, team: team, female: g.chance(0.4)}
	switch x := g.r.Float64(); {
	case x < 0.47:
		p.origin = english
		if p.female {
			p.first = englishFemale[g.pick(len(englishFemale), 0.3)]
		} else {
			p.first = englishMale[g.pick(len(englishMale), 0.3)]
		}
		p.last = g.surname(englishSurnames, &englishSurnameParts)
		p.latFirst, p.latLast = p.first, p.last
	case x < 0.77:
		p.origin = russian
		if p.female {
			p.first = russianFemale[g.pick(len(russianFemale), 0.4)]
			p.last = russianFeminine(g.surname(russianSurnames, &russianSurnameParts))
		} else {
			p.first = russianMale[g.pick(len(russianMale), 0.4)]
			p.last = g.surname(russianSurnames, &russianSurnameParts)
		}
		p.scheme = g.scheme()
		p.patronymic = patronymic(g.r, p.female)
		p.latFirst, p.latLast = translit(p.first, p.scheme, true), translit(p.last, p.scheme, false)
	case x < 0.89:
		p.origin = european
		p.first = europeanFirst[g.pick(len(europeanFirst), 0.4)]
		p.last = g.surname(europeanLast, &europeanSurnameParts)
		p.latFirst, p.latLast = p.first, p.last
	default:
		p.origin = asian
		switch g.r.Intn(3) {
		case 0: // Chinese: concentrated family names, one- or two-syllable given names
			p.last = chineseFamily[g.pick(len(chineseFamily), 1.0)]
			given := chineseSyllables[g.pick(len(chineseSyllables), 0.5)]
			if g.chance(0.6) {
				given += chineseSyllables[g.r.Intn(len(chineseSyllables))]
			}
			p.first = capitalize(given)
		case 1:
			p.first = indianGiven[g.pick(len(indianGiven), 0.5)]
			p.last = indianFamily[g.pick(len(indianFamily), 0.8)]
		default:
			p.first = eastAsianGiven[g.pick(len(eastAsianGiven), 0.5)]
			p.last = eastAsianFamily[g.pick(len(eastAsianFamily), 0.7)]
		}
		p.latFirst, p.latLast = p.first, p.last
	}
	f, l := ascii(p.latFirst), ascii(p.latLast)
	var base string
	switch x := g.r.Float64(); {
	case x < 0.40:
		base = f + "." + l
	case x < 0.70:
		base = f[:1] + l
	case x < 0.80:
		base = f + l[:1]
	case x < 0.90:
		base = f + "_" + l
	default:
		base = l + f[:1]
	}
	p.login = g.unique(g.logins, base, ".")
	if g.chance(0.7) {
		p.work = g.unique(g.emails, p.login+"@"+company, "")
	} else {
		p.work = g.unique(g.emails, f+"."+l+"@"+company, "")
	}
	if g.chance(0.6) {
		p.personal = g.personalEmail(f, l)
	}
	switch x := g.r.Float64(); {
	case x < 0.6:
		p.handle = g.unique(g.handles, strings.ReplaceAll(p.login, ".", "-"), "")
	case x < 0.85:
		p.handle = g.unique(g.handles, handleWords[g.r.Intn(len(handleWords))]+handleWords[g.r.Intn(len(handleWords))]+fmt.Sprint(g.r.Intn(100)), "")
	default:
		p.handle = g.unique(g.handles, f+l+fmt.Sprint(g.r.Intn(90)+10), "")
	}
	return p
}

// surname draws a common surname (Zipf-like over the head list) 25% of
// the time, else a rarer one built from parts. With the first-name
// weights this gives real-world marginals: the top first name ~3-4% of
// people, the top surname ~1%.
func (g *gen) surname(head []string, parts *[2][]string) string {
	if g.chance(0.25) {
		return head[g.pick(len(head), 0.5)]
	}
	root := parts[0][g.r.Intn(len(parts[0]))]
	if parts == &englishSurnameParts {
		root += []string{"", "", "en", "er", "ing", "a", "s"}[g.r.Intn(7)]
	}
	if parts == &russianSurnameParts && g.chance(0.7) {
		// a two-part root widens the tail: Бар+ан+ов, Сол+ут+ин, ...
		root = russianRootStarts[g.r.Intn(len(russianRootStarts))] + russianRootEnds[g.r.Intn(len(russianRootEnds))]
	}
	return root + parts[1][g.r.Intn(len(parts[1]))]
}

func (g *gen) scheme() int {
	switch x := g.r.Float64(); {
	case x < 0.55:
		return 0 // popular English-style
	case x < 0.9:
		return 1 // passport (ICAO)
	default:
		return 2 // German-style
	}
}

func (g *gen) personalEmail(f, l string) string {
	dom := freeMail[g.r.Intn(len(freeMail))]
	var local string
	switch x := g.r.Float64(); {
	case x < 0.35:
		local = f + "." + l
	case x < 0.55:
		local = f + l + fmt.Sprint(g.r.Intn(99))
	case x < 0.75:
		local = f[:1] + l + fmt.Sprint(70+g.r.Intn(30))
	default:
		local = handleWords[g.r.Intn(len(handleWords))] + "." + handleWords[g.r.Intn(len(handleWords))] + fmt.Sprint(g.r.Intn(1000))
	}
	return g.unique(g.emails, local+"@"+dom, "")
}

// unique returns s, or s with a number added before the '@' (or at the
// end) until it is unused.
func (g *gen) unique(used map[string]bool, s, sep string) string {
	cand := s
	for n := 2; used[cand]; n++ {
		if at := strings.IndexByte(s, '@'); at >= 0 {
			cand = s[:at] + fmt.Sprint(n) + s[at:]
		} else {
			cand = s + sep + fmt.Sprint(n)
		}
	}
	used[cand] = true
	return cand
}

func (g *gen) add(p string, team string, id identity.Identity) {
	u, _ := uuid.NewRandomFromReader(g.r)
	id.ID = u.String()
	id.OrgID = identity.DefaultOrg
	id.FirstSeenAt = g.t0
	id.LastSeenAt = g.t0
	id.ChangedAt = g.t0
	g.c.Identities = append(g.c.Identities, id)
	g.c.Truth[id.ID] = p
	// activity: the person's team, sometimes another team too, and
	// nothing for an account that never acted.
	switch x := g.r.Float64(); {
	case x < 0.10:
	case x < 0.35:
		g.c.Activity[id.ID] = []string{team, fmt.Sprintf("team-%03d", g.r.Intn(g.teams))}
	default:
		g.c.Activity[id.ID] = []string{team}
	}
}

func (g *gen) atlassianID() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 24)
	for i := range b {
		b[i] = hex[g.r.Intn(16)]
	}
	if g.chance(0.5) {
		return "5" + string(b[1:])
	}
	u, _ := uuid.NewRandomFromReader(g.r)
	return "712020:" + u.String()
}

// displayName renders the person's name as one account shows it.
func (g *gen) displayName(p *person, src identity.Source) string {
	first, last := p.latFirst, p.latLast
	if p.origin == russian {
		cyr := 0.25
		if src == identity.SourceGitLab {
			cyr = 0.1
		}
		switch {
		case g.chance(cyr):
			first, last = p.first, p.last
		case g.chance(0.3):
			s := g.scheme()
			first, last = translit(p.first, s, true), translit(p.last, s, false)
		}
	}
	if p.origin == european && g.chance(0.4) {
		first, last = ascii(first), ascii(last)
		first, last = capitalize(first), capitalize(last)
	}
	if g.chance(0.12) {
		if n := nickname(p.origin, first); n != "" {
			first = n
		}
	}
	if g.chance(0.05) {
		last = typo(g.r, last)
	}
	switch x := g.r.Float64(); {
	case x < 0.04:
		return string([]rune(first)[:1]) + ". " + last
	case x < 0.09:
		if p.origin == russian || p.origin == asian {
			return last + " " + first
		}
		return last + ", " + first
	case x < 0.12:
		return strings.ToLower(first + " " + last)
	case x < 0.15 && p.origin == russian:
		return first + " " + p.patronymic + " " + last
	case x < 0.17:
		return first + " " + last + " "
	}
	return first + " " + last
}

func (g *gen) workEmail(p *person) string {
	switch x := g.r.Float64(); {
	case x < 0.06:
		local, _, _ := strings.Cut(p.work, "@")
		return local + "@" + oldDomain
	case x < 0.09:
		return "  " + strings.ToUpper(p.work[:1]) + p.work[1:] + " "
	case x < 0.11:
		local, _, _ := strings.Cut(p.work, "@")
		return local + "@" + subsidiary
	}
	return p.work
}

var teamMailboxes = []string{"qa-team@" + company, "team@" + company, "support@" + company, "devops@" + company, "contractors@" + company}

func (g *gen) human(p *person) {
	// Jira Cloud: accountId, display name, email visible for a minority.
	if g.chance(0.98) {
		g.jira(p, "")
	}
	if g.chance(0.93) {
		g.confluence(p)
	}
	if g.chance(0.90) {
		g.gitlab(p, false)
	}
	if g.chance(0.25) {
		g.gitlab(p, true) // a second, personal GitLab account
	}
	if g.chance(0.15) {
		// a second Jira account: old domain, contractor period, or a
		// sandbox account with the same name.
		switch x := g.r.Float64(); {
		case x < 0.4:
			local, _, _ := strings.Cut(p.work, "@")
			g.jira(p, local+"@"+oldDomain)
		case x < 0.7:
			g.jira(p, g.unique(g.emails, ascii(p.latFirst)+"."+ascii(p.latLast)+"@"+contractor, ""))
		default:
			g.jira(p, "-")
		}
	}
	if g.chance(0.10) {
		g.confluence(p)
	}
}

func (g *gen) jira(p *person, email string) {
	id := identity.Identity{Source: identity.SourceJira, ExternalID: g.atlassianID(), DisplayName: g.displayName(p, identity.SourceJira)}
	switch {
	case email == "-":
	case email != "":
		if g.chance(0.5) {
			id.Email = email
		}
	case g.chance(0.3):
		id.Email = g.workEmail(p)
		if g.chance(0.02) {
			id.Email = teamMailboxes[g.r.Intn(len(teamMailboxes))]
		}
	}
	g.add(p.key, p.team, id)
}

func (g *gen) confluence(p *person) {
	id := identity.Identity{Source: identity.SourceConfluence, ExternalID: g.atlassianID(), DisplayName: g.displayName(p, identity.SourceConfluence)}
	if g.chance(0.35) {
		id.Email = g.workEmail(p)
		if g.chance(0.02) {
			id.Email = teamMailboxes[g.r.Intn(len(teamMailboxes))]
		}
	}
	if g.chance(0.3) { // Confluence Data Center exposes the LDAP login
		id.Username = p.login
		id.ExternalID = "ff8080817" + fmt.Sprintf("%07x", g.r.Intn(1<<28))
	}
	g.add(p.key, p.team, id)
}

func (g *gen) gitlab(p *person, second bool) {
	id := identity.Identity{Source: identity.SourceGitLab, ExternalID: fmt.Sprint(1000 + g.r.Intn(9_000_000)), Username: p.handle, DisplayName: g.displayName(p, identity.SourceGitLab)}
	if second {
		f, l := ascii(p.latFirst), ascii(p.latLast)
		switch x := g.r.Float64(); {
		case x < 0.4:
			id.Username = g.unique(g.handles, p.handle+"-personal", "")
		case x < 0.7:
			id.Username = g.unique(g.handles, handleWords[g.r.Intn(len(handleWords))]+"-"+l, "")
		default:
			id.Username = g.unique(g.handles, f+handleWords[g.r.Intn(len(handleWords))], "")
		}
		if p.personal != "" && g.chance(0.5) {
			id.Email = p.personal
		}
		g.add(p.key, p.team, id)
		return
	}
	switch x := g.r.Float64(); {
	case x < 0.40:
		id.Email = g.workEmail(p)
	case x < 0.60:
		if p.personal != "" {
			id.Email = plusTag(g, p.personal)
		}
	case x < 0.70:
		id.Email = fmt.Sprintf("%s-%s@users.noreply.gitlab.com", id.ExternalID, id.Username)
	}
	g.add(p.key, p.team, id)
}

func plusTag(g *gen, email string) string {
	if strings.HasSuffix(email, "@gmail.com") && g.chance(0.2) {
		local, dom, _ := strings.Cut(email, "@")
		return local + "+gitlab@" + dom
	}
	return email
}

// bot generates a service account and its copies in other tools.
func (g *gen) bot(key, team string) {
	switch g.r.Intn(6) {
	case 0: // a CI server present everywhere with one mailbox
		name := []string{"Jenkins", "TeamCity", "Buildkite Agent", "Release Bot"}[g.r.Intn(4)]
		user := g.unique(g.handles, strings.ToLower(strings.ReplaceAll(name, " ", "-")), "")
		email := g.unique(g.emails, user+"@"+company, "")
		g.add(key, team, identity.Identity{Source: identity.SourceJira, ExternalID: g.atlassianID(), DisplayName: name, Email: email})
		g.add(key, team, identity.Identity{Source: identity.SourceGitLab, ExternalID: fmt.Sprint(g.r.Intn(9_000_000)), Username: user, DisplayName: name, Email: email})
		if g.chance(0.5) {
			g.add(key, team, identity.Identity{Source: identity.SourceConfluence, ExternalID: g.atlassianID(), DisplayName: name, Email: email})
		}
	case 1: // GitLab project bot
		n := g.r.Intn(100000)
		g.add(key, team, identity.Identity{Source: identity.SourceGitLab, ExternalID: fmt.Sprint(g.r.Intn(9_000_000)), Username: fmt.Sprintf("project_%d_bot_%x", n, g.r.Intn(1<<20)), DisplayName: "deploy token", IsServiceAccount: true})
	case 2: // Atlassian app account
		name := []string{"Automation for Jira", "Slack", "Jira Misc Workflow Extensions", "Microsoft Teams for Jira", "GitLab for Jira Cloud"}[g.r.Intn(5)]
		g.add(key, team, identity.Identity{Source: identity.SourceJira, ExternalID: g.atlassianID(), DisplayName: name, IsServiceAccount: true})
	case 3: // dependency bots
		user := g.unique(g.handles, []string{"renovate-bot", "dependabot", "gitlab-ci", "sonar-bot"}[g.r.Intn(4)], "")
		g.add(key, team, identity.Identity{Source: identity.SourceGitLab, ExternalID: fmt.Sprint(g.r.Intn(9_000_000)), Username: user, DisplayName: user, Email: fmt.Sprintf("noreply+%s@%s", user, company)})
	case 4: // an app account named like a human
		p := g.newPerson(key, team)
		g.add(key, team, identity.Identity{Source: identity.SourceJira, ExternalID: g.atlassianID(), DisplayName: p.latFirst + " " + p.latLast, IsServiceAccount: true})
	default: // a service user with a human-ish login in GitLab
		user := g.unique(g.handles, "svc-"+[]string{"deploy", "backup", "metrics", "release"}[g.r.Intn(4)], "")
		g.add(key, team, identity.Identity{Source: identity.SourceGitLab, ExternalID: fmt.Sprint(g.r.Intn(9_000_000)), Username: user, DisplayName: "Service " + user[4:], IsServiceAccount: g.chance(0.5)})
	}
}

// translit renders Cyrillic in Latin with one of three schemes.
func translit(s string, scheme int, first bool) string {
	var table map[rune]string
	switch scheme {
	case 0:
		table = translitPopular
	case 1:
		table = translitICAO
	default:
		table = translitGerman
	}
	var b strings.Builder
	for _, r := range s {
		lower := unicode.ToLower(r)
		t, ok := table[lower]
		if !ok {
			t = string(lower)
		}
		if r != lower && t != "" {
			t = strings.ToUpper(t[:1]) + t[1:]
		}
		b.WriteString(t)
	}
	out := b.String()
	if scheme == 0 && first {
		// English-style first names: Alexander, Alexey, Maxim.
		out = strings.ReplaceAll(out, "ks", "x")
		out = strings.ReplaceAll(out, "Ks", "X")
		out = strings.ReplaceAll(out, "iy", "y")
	}
	return out
}

var translitPopular = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
}

var translitICAO = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "ie", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "iu", 'я': "ia",
}

var translitGerman = map[rune]string{
	'а': "a", 'б': "b", 'в': "w", 'г': "g", 'д': "d", 'е': "e", 'ё': "jo", 'ж': "sh", 'з': "s", 'и': "i",
	'й': "j", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "ch", 'ц': "z", 'ч': "tsch", 'ш': "sch", 'щ': "schtsch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "ju", 'я': "ja",
}

// ascii strips accents and keeps lower-case letters and digits.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		switch {
		case r == 'ł':
			b.WriteByte('l')
		case r == 'ø':
			b.WriteByte('o')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var englishNicks = map[string][]string{
	"Robert": {"Bob", "Rob"}, "William": {"Bill", "Will"}, "Katherine": {"Kate", "Kathy"}, "Michael": {"Mike"},
	"James": {"Jim", "Jamie"}, "Richard": {"Rick"}, "Elizabeth": {"Liz", "Beth"}, "Jennifer": {"Jen", "Jenny"},
	"Joseph": {"Joe"}, "Thomas": {"Tom"}, "Christopher": {"Chris"}, "Daniel": {"Dan", "Danny"}, "David": {"Dave"},
	"Edward": {"Ed", "Ted"}, "Matthew": {"Matt"}, "Nicholas": {"Nick"}, "Anthony": {"Tony"}, "Andrew": {"Andy"},
	"Margaret": {"Maggie", "Peggy"}, "Patricia": {"Pat", "Trish"}, "Patrick": {"Pat"}, "Samuel": {"Sam"},
	"Samantha": {"Sam"}, "Steven": {"Steve"}, "Susan": {"Sue"}, "Timothy": {"Tim"}, "Benjamin": {"Ben"},
	"Alexander": {"Alex"}, "Jonathan": {"Jon"}, "Kenneth": {"Ken"}, "Gregory": {"Greg"}, "Ronald": {"Ron"},
	"Donald": {"Don"}, "Joshua": {"Josh"}, "Victoria": {"Vicky"}, "Catherine": {"Kate", "Cathy"}, "Lawrence": {"Larry"},
	"Kathleen": {"Kathy"}, "Christina": {"Tina"}, "Zachary": {"Zach"}, "Jacob": {"Jake"}, "Nathan": {"Nate"},
}

var russianNicks = map[string][]string{
	"Александр": {"Sasha", "Alex", "Саша"}, "Алексей": {"Alex", "Лёша"}, "Дмитрий": {"Dima", "Дима"},
	"Михаил": {"Misha", "Mike"}, "Сергей": {"Serezha"}, "Николай": {"Kolya", "Nick"}, "Евгений": {"Zhenya", "Eugene"},
	"Владимир": {"Vova", "Vlad"}, "Павел": {"Pasha", "Paul"}, "Юрий": {"Yura"}, "Иван": {"Vanya"},
	"Екатерина": {"Katya", "Kate"}, "Наталья": {"Natasha"}, "Татьяна": {"Tanya"}, "Мария": {"Masha"},
	"Елена": {"Lena"}, "Анастасия": {"Nastya"}, "Ольга": {"Olya"}, "Константин": {"Kostya"}, "Максим": {"Max"},
	"Анна": {"Anya"}, "Виктория": {"Vika"},
}

// nickname returns a nickname for a first name in any rendering, or "".
func nickname(o origin, first string) string {
	if o == russian {
		for cyr, nicks := range russianNicks {
			for s := 0; s < 3; s++ {
				if translit(cyr, s, true) == first || cyr == first {
					return nicks[len(first)%len(nicks)]
				}
			}
		}
		return ""
	}
	if n := englishNicks[first]; len(n) > 0 {
		return n[len(first)%len(n)]
	}
	return ""
}

func patronymic(r *rand.Rand, female bool) string {
	if female {
		return []string{"Ivanovna", "Petrovna", "Sergeevna", "Alexandrovna", "Nikolaevna"}[r.Intn(5)]
	}
	return []string{"Ivanovich", "Petrovich", "Sergeevich", "Alexandrovich", "Nikolaevich"}[r.Intn(5)]
}

// typo applies one keyboard-style error to a Latin word.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	i := 1 + r.Intn(len(rs)-2)
	switch r.Intn(4) {
	case 0: // swap
		rs[i], rs[i+1] = rs[i+1], rs[i]
	case 1: // drop
		rs = append(rs[:i], rs[i+1:]...)
	case 2: // double
		rs = append(rs[:i+1], rs[i:]...)
	default: // vowel change
		vowels := []rune("aeiou")
		for j := i; j < len(rs); j++ {
			if strings.ContainsRune("aeiou", rs[j]) {
				rs[j] = vowels[r.Intn(5)]
				break
			}
		}
	}
	return string(rs)
}

// Names returns person key → canonical full name for human people.
func (c Corpus) Names() map[string]string { return c.names }
