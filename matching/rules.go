package matching

import (
	"fmt"
	"math"
	"strings"
)

// Rule names, as they appear in traces.
const (
	RuleEmailExact            = "email_exact"
	RuleUsernameSimilarity    = "username_similarity"
	RuleDisplayNameSimilarity = "display_name_similarity"
	RuleCoOccurrence          = "co_occurrence"
	RuleServiceAccount        = "service_account"
	// RuleAtlassianAccount: Jira Cloud and Confluence Cloud identify a
	// user by one Atlassian account id, so the same id in both sources is
	// the same account (human or app), not merely similar evidence.
	RuleAtlassianAccount = "atlassian_account"
)

// Evidence weights, in bits of log-odds (log2 of m/u in Fellegi–Sunter
// terms). The score of a pair is 1/(1+2^-L) with L = Prior + the sum of the
// rule contributions. They were set so that:
//   - an exact email, or an exact username plus an agreeing name, links
//     automatically (L ≥ log2 9 ≈ 3.17 ↔ score ≥ 0.90);
//   - an agreeing display name alone (no email, no username: the usual
//     Jira Cloud account) lands in the conflict queue at best;
//   - an exact match on a value many identities share is damped by
//     DampSlope·log2(count/3.5) bits (a person has ~3.3 identities, so up
//     to 3.5 bearers is "one person"; k people sharing a name make a name
//     match ~1/k likely), and a mailbox used under clearly different names
//     is a shared mailbox, weighing WeightEmailShared;
//   - a username or email local part built from the name ("jsmith",
//     "john.smith") repeats the name's evidence rather than adding its
//     own, so it weighs WeightUsernameDerived and is damped like the name.
const (
	Prior = -6.0

	// DampSlope is the term-frequency damping in bits per doubling of
	// the identities that share a value, above 3.5 bearers (~one
	// person's accounts).
	DampSlope = 2.5

	WeightEmailExact         = 14.0
	WeightEmailShared        = 2.0  // same address, but a shared/role mailbox
	WeightEmailSameDomain    = -1.5 // two different work addresses at one domain
	WeightEmailBothCorporate = -1.0 // two different non-personal addresses
	WeightEmailNumbered      = -3.0 // alex.smith@ vs alex.smith2@ at one work domain: a namesake

	WeightUsernameExact      = 7.0
	WeightUsernameDerived    = 1.5 // exact, but built from the name ("jsmith")
	WeightUsernameDigits     = 0.0 // equal only after stripping a digit suffix: a namesake's login?
	WeightUsernameClose      = 3.5 // Jaro-Winkler ≥ 0.94
	WeightUsernameNear       = 1.0 // Jaro-Winkler ≥ 0.88
	WeightUsernameDifferent  = -0.5
	WeightNameExact          = 9.0
	WeightNameNickname       = 8.0 // equal up to nicknames ("Bob" = "Robert")
	WeightNameClose          = 7.5 // a typo: Damerau-Levenshtein 1 per token (2 for long tokens)
	WeightNameSubset         = 7.0 // one side adds a middle name or patronymic
	WeightNameHandle         = 4.0 // a one-word name equals a handle of the other ("asmith")
	WeightNameInitials       = 8.0 // "J. Smith" vs "John Smith", damped by the surname's frequency
	WeightNameDifferentFirst = -5.0
	WeightNameDifferent      = -7.0
	// WeightNameSpelledDiscount is taken off an agreeing name when one
	// side's name is spelled by an email local part ("daniel.white@"),
	// its display name being a handle or empty. A mailbox is named by a
	// convention (initials, a former name, a predecessor's address kept)
	// and carries no typing of the name by its owner, so agreement is
	// less likely for the same person and about as likely for others.
	// 1.25 bits keeps an exact name (9 → 7.75) and initials or
	// nicknames (8 → 6.75) in the conflict range against a name-only
	// account, never automatic; a typo or an extra part (≤ 6.25) alone
	// no longer reaches it. Disagreement weighs in full: a mailbox that
	// spells another name is as much a sign of another person. Two
	// spelled names are not compared (username_similarity compares the
	// local parts).
	WeightNameSpelledDiscount = 1.25

	WeightServiceExact     = 10.0
	WeightAtlassianAccount = 20.0 // one account: certain

	// cannotLinkLogOdds: a pair this far below zero carries contradicting
	// evidence; clusters holding such a pair are never merged.
	cannotLinkLogOdds = -10.0
)

// RuleTrace is one rule's line in a Trace.
type RuleTrace struct {
	Rule string `json:"rule"`
	// Left and Right are the normalized inputs compared.
	Left  string `json:"left,omitempty"`
	Right string `json:"right,omitempty"`
	// Similarity in [0,1] of the inputs.
	Similarity float64 `json:"similarity"`
	// Weight is the rule's full weight at the level reached (bits).
	Weight float64 `json:"weight"`
	// Contribution is what the rule added to the log-odds, after damping.
	Contribution float64 `json:"contribution"`
	Note         string  `json:"note"`
}

// pairScore is the outcome of comparing two identities.
type pairScore struct {
	logOdds float64
	score   float64
	// veto: never link (service account vs human, unrelated bots).
	veto bool
	// nameLvl is compareNames(a, b)+1 when the rules graded the names
	// (0: not graded).
	nameLvl int8
}

func scoreOf(l float64) float64 {
	if math.IsInf(l, -1) {
		return 0
	}
	s := 1 / (1 + math.Exp2(-l))
	return math.Round(s*1e4) / 1e4
}

// damp is the term-frequency damping, in bits, for a value borne by count
// identities.
func damp(count int32) float64 {
	if count <= 3 {
		return 0
	}
	return math.Min(DampSlope*math.Log2(float64(count)/3.5), 10)
}

// counts says whether frequencies need a +1 for a probe not yet in the
// index (Index.Match) or not (Resolve); profile counts are filled by
// Index.fillCounts.
type counts struct {
	x     *Index
	extra int32
	// activeExtra: 1 for a probe not yet in the index that acts in some
	// scope (it counts among the active identities).
	activeExtra int32
}

// fillCounts stores the value frequencies of p, a profile matched against
// the index (plus extra: 1 when it is not in the index), on it, so the
// hot comparison path does no lookups. The index's own profiles get
// theirs from countValues and fillIndexCounts.
func (x *Index) fillCounts(p *profile, extra int32) {
	if p.email.full != "" {
		n, shared := x.values.get(x.profs, valueEmail, p.email.full)
		p.emailCnt, p.sharedMailbox = n+extra, shared
	}
	if p.user != "" {
		n, _ := x.values.get(x.profs, valueUser, p.user)
		p.userCnt = n + extra
	}
	if p.local != "" {
		n, _ := x.values.get(x.profs, valueLocal, p.local)
		p.localCnt = n
		if p.local != p.user {
			p.localCnt += extra
		}
	}
	if p.nkey != "" {
		n, _ := x.values.get(x.profs, valueName, p.nkey)
		p.nameCnt = n + extra
	}
	x.fillIndexCounts(p, extra)
}

// fillIndexCounts stores the frequencies countValues does not: role
// mailboxes, initials and scopes.
func (x *Index) fillIndexCounts(p *profile, extra int32) {
	p.sharedMailbox = p.sharedMailbox || roleMailboxes[p.email.local]
	p.initFreq = x.initialsFreq(p, extra)
	if len(p.scopes) > 0 {
		if len(p.scopeN) != len(p.scopes) {
			p.scopeN = make([]int32, len(p.scopes))
		}
		for i, s := range p.scopes {
			p.scopeN[i] = x.scopeCount[s] + extra
		}
	}
}

// initialsFreq is, for a name with initials ("J. Smith"), how many
// identities carry a full token of it together with that initial: the
// size of the name block "smith|j" (the rarest such block). 0 when the
// name has no initials.
func (x *Index) initialsFreq(p *profile, extra int32) int32 {
	best := int32(-1)
	for _, ini := range p.toks {
		if !ini.initial() {
			continue
		}
		for _, t := range p.toks {
			if t.initial() {
				continue
			}
			n := int32(len(x.blocks.get(blockKey('n', t.s, ini.head())))) + extra
			if best < 0 || n < best {
				best = n
			}
		}
	}
	return max(best, 0)
}

// compare scores a pair; it appends rule lines to tr when tr is not nil.
// It is symmetric as long as callers pass a and b in identity-ID order.
func (x *Index) compare(a, b *profile, c counts, tr *[]RuleTrace) pairScore {
	add := func(r RuleTrace) {
		if tr != nil {
			*tr = append(*tr, r)
		}
	}
	if a.atlKey != 0 && a.atlKey == b.atlKey && a.src != b.src && a.atlassianID == b.atlassianID {
		add(RuleTrace{Rule: RuleAtlassianAccount, Left: string(a.id.Source) + ":" + a.atlassianID, Right: string(b.id.Source) + ":" + b.atlassianID,
			Similarity: 1, Weight: WeightAtlassianAccount, Contribution: WeightAtlassianAccount,
			Note: "same Atlassian account id in Jira and Confluence: one account"})
		return pairScore{logOdds: Prior + WeightAtlassianAccount, score: scoreOf(Prior + WeightAtlassianAccount)}
	}
	if a.service || b.service {
		if a.service && b.service {
			if a.email.full != "" && a.email.full == b.email.full {
				add(RuleTrace{Rule: RuleServiceAccount, Left: a.email.full, Right: b.email.full, Similarity: 1, Weight: WeightServiceExact, Contribution: WeightServiceExact, Note: "two service accounts with the same exact email"})
				return pairScore{logOdds: Prior + WeightServiceExact, score: scoreOf(Prior + WeightServiceExact)}
			}
			if a.userRaw != "" && a.userRaw == b.userRaw {
				add(RuleTrace{Rule: RuleServiceAccount, Left: a.userRaw, Right: b.userRaw, Similarity: 1, Weight: WeightServiceExact, Contribution: WeightServiceExact, Note: "two service accounts with the same exact username"})
				return pairScore{logOdds: Prior + WeightServiceExact, score: scoreOf(Prior + WeightServiceExact)}
			}
			add(RuleTrace{Rule: RuleServiceAccount, Left: "service", Right: "service", Note: "veto: service accounts link only by exact email or username"})
		} else {
			add(RuleTrace{Rule: RuleServiceAccount, Left: serviceWord(a.service), Right: serviceWord(b.service), Note: "veto: a service account is never linked to a human"})
		}
		return pairScore{logOdds: math.Inf(-1), veto: true}
	}
	l := Prior
	var evidence float64 // email + username contributions (for co_occurrence)
	// nameAgrees: the display names agree (a positive rule weight, even
	// when damped to nothing for a common name), for co_occurrence.
	var nameAgrees bool
	autoCap := math.Log2(x.eng.cfg.AutoThreshold/(1-x.eng.cfg.AutoThreshold)) - 0.01

	// email_exact
	if a.email.full != "" && b.email.full != "" {
		if a.email.full == b.email.full {
			w, note := WeightEmailExact, "same normalized email"
			if a.sharedMailbox {
				w, note = WeightEmailShared, "same email, but a shared/role mailbox"
			}
			n := max(a.emailCnt, b.emailCnt)
			d := damp(n)
			contrib := math.Max(w-d, 1)
			if tr != nil && d > 0 {
				note += fmt.Sprintf(" (damped %.1f bits: %d identities share it)", d, n)
			}
			l += contrib
			evidence += contrib
			add(RuleTrace{Rule: RuleEmailExact, Left: a.email.full, Right: b.email.full, Similarity: 1, Weight: w, Contribution: contrib, Note: note})
		} else {
			var w float64
			note := "different emails, one personal: no evidence"
			switch {
			case a.email.domain == b.email.domain && !a.freeMail && a.local == b.local:
				w, note = WeightEmailNumbered, "numbered and unnumbered addresses at one domain (usually namesakes)"
			case a.email.domain == b.email.domain && !a.freeMail:
				w, note = WeightEmailSameDomain, "different addresses at the same domain"
			case !a.freeMail && !b.freeMail:
				w, note = WeightEmailBothCorporate, "different work addresses"
			}
			l += w
			evidence += w
			add(RuleTrace{Rule: RuleEmailExact, Left: a.email.full, Right: b.email.full, Similarity: 0, Weight: w, Contribution: w, Note: note})
		}
	}

	// display_name_similarity is graded first: similar usernames say
	// little when they are only as similar as the names.
	lvl, sim, hasNames := nameDifferent, 0.0, len(a.toks) > 0 && len(b.toks) > 0 && !(a.spelled && b.spelled)
	if hasNames {
		lvl, sim = compareNames(a, b)
	}

	// username_similarity: usernames and email local parts, crosswise.
	if contrib, rt, ok := x.compareUsernames(a, b, c, hasNames && lvl >= nameInitials, tr != nil); ok {
		l += contrib
		evidence += contrib
		add(rt)
	}

	if hasNames {
		w := nameWeights[lvl]
		if w > 0 && (a.spelled || b.spelled) {
			w -= WeightNameSpelledDiscount
		}
		contrib := w
		var d float64
		switch {
		case lvl == nameInitials:
			d = damp(max(a.initFreq, b.initFreq))
		case w > 0:
			d = damp(max(a.nameCnt, b.nameCnt))
		}
		if w > 0 {
			contrib = math.Max(w-d, 0)
		}
		l += contrib
		nameAgrees = w > 0
		if tr != nil {
			note := nameNotes[lvl]
			if d > 0 {
				note += fmt.Sprintf(" (damped %.1f bits: common name)", d)
			}
			note = nameSourceNote(a, b, note)
			add(RuleTrace{Rule: RuleDisplayNameSimilarity, Left: a.canon, Right: b.canon, Similarity: round3(sim), Weight: w, Contribution: contrib, Note: note})
		}
	} else if tr != nil && (a.handle != handleNone || b.handle != handleNone || a.spelled && b.spelled) {
		add(RuleTrace{Rule: RuleDisplayNameSimilarity, Left: nameShown(a), Right: nameShown(b), Note: nameSourceNote(a, b, "no name compared")})
	}

	// co_occurrence only boosts a pair that other rules already favour
	// (positive email or username evidence, or agreeing names: a common
	// name, damped to nothing org-wide, is rare within a small team), and
	// never lifts a pair without email/username evidence to an automatic
	// link.
	if len(a.scopes) > 0 && len(b.scopes) > 0 {
		if shared, ia, n := rarestShared(a, b); shared > 0 {
			active := x.activeCount(c)
			w := scopeWeight(n, active)
			contrib := w
			var note string
			if tr != nil {
				note = coOccurrenceNote(a.scopes[ia], n, active, shared, w)
				if a.groupScopes || b.groupScopes {
					note += " (scopes of every account already linked on each side)"
				}
			}
			switch {
			case w <= 0:
			case evidence <= 0 && !nameAgrees:
				contrib, note = 0, note+"; nothing else agrees, so no boost"
			case evidence <= 0:
				if capped := math.Min(contrib, autoCap-l); capped < contrib {
					contrib, note = math.Max(capped, 0), note+"; name-only evidence: boost capped below the auto threshold"
				}
			}
			l += contrib
			if tr != nil {
				add(RuleTrace{Rule: RuleCoOccurrence, Left: strings.Join(a.scopes, ","), Right: strings.Join(b.scopes, ","), Similarity: round3(float64(shared) / float64(min(len(a.scopes), len(b.scopes)))), Weight: w, Contribution: contrib, Note: note})
			}
		}
	}
	ps := pairScore{logOdds: l, score: scoreOf(l)}
	if hasNames {
		ps.nameLvl = int8(lvl + 1)
	}
	return ps
}

func serviceWord(s bool) string {
	if s {
		return "service"
	}
	return "human"
}

func round3(f float64) float64 { return math.Round(f*1e3) / 1e3 }

func sharedCount(a, b []string) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}

// Kinds of handle compareUsernames compares, and the notes naming them.
const (
	kindUsername = iota
	kindLocal
)

const (
	noteSame = iota
	noteDerived
	noteAsNames
	noteClose
	noteNear
)

// usernameNotes[note][left kind][right kind], built once.
var usernameNotes = func() (t [5][2][2]string) {
	kinds := [2]string{"username", "email local part"}
	for l, lk := range kinds {
		for r, rk := range kinds {
			t[noteSame][l][r] = "same normalized " + lk + "/" + rk
			t[noteDerived][l][r] = "same " + lk + "/" + rk + ", built from the name"
			t[noteAsNames][l][r] = "similar " + lk + "/" + rk + ", but only as similar as the names"
			t[noteClose][l][r] = "very similar " + lk + "/" + rk
			t[noteNear][l][r] = "similar " + lk + "/" + rk
		}
	}
	return t
}()

// compareUsernames compares usernames and email local parts crosswise and
// keeps the best comparison.
func (x *Index) compareUsernames(a, b *profile, c counts, namesAgree, traced bool) (float64, RuleTrace, bool) {
	type side struct {
		norm, raw string
		kind      int // kindUsername or kindLocal
		derived   bool
		cnt       int32
	}
	var sa, sb [2]side
	na, nb := 0, 0
	if a.user != "" {
		sa[na] = side{a.user, a.userRaw, kindUsername, a.userDerived, a.userCnt}
		na++
	}
	if a.local != "" {
		sa[na] = side{a.local, a.localRaw, kindLocal, a.localDerived, a.localCnt}
		na++
	}
	if b.user != "" {
		sb[nb] = side{b.user, b.userRaw, kindUsername, b.userDerived, b.userCnt}
		nb++
	}
	if b.local != "" {
		sb[nb] = side{b.local, b.localRaw, kindLocal, b.localDerived, b.localCnt}
		nb++
	}
	if na == 0 || nb == 0 {
		return 0, RuleTrace{}, false
	}
	sameEmail := a.email.full != "" && a.email.full == b.email.full
	bestSim, bi, bj := -1.0, 0, 0
	userUser := false
	for i := 0; i < na; i++ {
		for j := 0; j < nb; j++ {
			if sa[i].kind != kindUsername && sb[j].kind != kindUsername && (sameEmail || a.freeMail != b.freeMail) {
				// same address is email_exact's job; a personal and a
				// work local part say little about each other.
				continue
			}
			if sa[i].kind == kindUsername && sb[j].kind == kindUsername {
				userUser = true
			}
			s := jaroWinkler(sa[i].norm, sb[j].norm)
			if s > bestSim {
				bestSim, bi, bj = s, i, j
			}
		}
	}
	if bestSim < 0 {
		return 0, RuleTrace{}, false
	}
	l, r := sa[bi], sb[bj]
	derived := l.derived || r.derived
	var w float64
	var note string
	switch {
	case bestSim == 1 && len(l.norm) >= 3:
		w, note = WeightUsernameExact, usernameNotes[noteSame][l.kind][r.kind]
		if derived {
			w, note = WeightUsernameDerived, usernameNotes[noteDerived][l.kind][r.kind]
		}
		if l.raw != r.raw {
			// norm strips separators and a digit suffix, raw only
			// separators: they differ by digits.
			w, note = WeightUsernameDigits, "equal up to a digit suffix"
		}
		if len(l.norm) == 3 {
			w *= 0.6
			note += " (short)"
		}
	case bestSim >= 0.88 && (derived || namesAgree):
		w, note = 0, usernameNotes[noteAsNames][l.kind][r.kind]
	case bestSim >= 0.94:
		w, note = WeightUsernameClose, usernameNotes[noteClose][l.kind][r.kind]
	case bestSim >= 0.88:
		w, note = WeightUsernameNear, usernameNotes[noteNear][l.kind][r.kind]
	case userUser:
		w, note = WeightUsernameDifferent, "different usernames"
	default:
		w, note = 0, "no similar username or email local part"
	}
	contrib := w
	if w > WeightUsernameNear {
		n := max(l.cnt, r.cnt)
		d := damp(n)
		if derived {
			d = math.Max(d, damp(max(a.nameCnt, b.nameCnt)))
		}
		contrib = math.Max(w-d, 0.5)
		if traced && d > 0 {
			note += fmt.Sprintf(" (damped %.1f bits: %d identities use it)", d, n)
		}
	}
	if !traced {
		return contrib, RuleTrace{}, true
	}
	return contrib, RuleTrace{Rule: RuleUsernameSimilarity, Left: l.norm, Right: r.norm, Similarity: round3(bestSim), Weight: w, Contribution: contrib, Note: note}, true
}

// Name agreement levels.
const (
	nameDifferent = iota
	nameDifferentFirst
	nameWeak
	nameInitials
	nameHandle
	nameSubset
	nameClose
	nameNickname
	nameExact
)

var nameWeights = [...]float64{
	nameDifferent:      WeightNameDifferent,
	nameDifferentFirst: WeightNameDifferentFirst,
	nameWeak:           0,
	nameInitials:       WeightNameInitials,
	nameHandle:         WeightNameHandle,
	nameSubset:         WeightNameSubset,
	nameClose:          WeightNameClose,
	nameNickname:       WeightNameNickname,
	nameExact:          WeightNameExact,
}

var nameNotes = [...]string{
	nameDifferent:      "different names",
	nameDifferentFirst: "one name part agrees, the other clearly differs (namesake?)",
	nameWeak:           "names partly agree",
	nameInitials:       "names agree up to initials",
	nameHandle:         "a one-word name equals a handle built from the other name",
	nameSubset:         "names agree, one has an extra part",
	nameClose:          "names agree up to a typo or spelling variant",
	nameNickname:       "names agree up to nicknames",
	nameExact:          "same normalized name",
}

func joinToks(t []nameToken) string {
	var b strings.Builder
	for i, x := range t {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x.s)
	}
	return b.String()
}

// Kinds of agreement between two name tokens.
const (
	tokOther = iota
	tokInitial
	tokTypo
	tokNick
	tokExact
)

// tokenSim compares two canonical name tokens: equal, nicknames of one
// name, initial-compatible, a typo (Damerau-Levenshtein distance 1, or 2
// for long tokens), or other; sim is Jaro-Winkler (1 for equal, 0.97 for
// nicknames, 0.9 for initials).
func tokenSim(a, b nameToken) (float64, int) {
	if a.s == b.s {
		return 1, tokExact
	}
	if a.initial() || b.initial() {
		if a.head() == b.head() || a.raw0 == b.raw0 || nicknameInitial(a, b) || nicknameInitial(b, a) {
			return 0.9, tokInitial
		}
		return 0, tokOther
	}
	if shareGroup(a, b) {
		return 0.97, tokNick
	}
	sim := jaroWinkler(a.s, b.s)
	allowed := 1
	if len(a.s) >= 9 && len(b.s) >= 9 {
		allowed = 2
	}
	if min(len(a.s), len(b.s)) >= 3 && max(len(a.s), len(b.s)) >= 4 && sim >= 0.8 &&
		(damerau(a.s, b.s, allowed) <= allowed || damerau(a.raw, b.raw, allowed) <= allowed) {
		return sim, tokTypo
	}
	return sim, tokOther
}

// compareNames aligns name tokens greedily (best pairs first) and grades
// the agreement.
func compareNames(a, b *profile) (int, float64) {
	ta, tb := a.toks, b.toks
	if a.canon == b.canon && len(ta) > 1 && !hasInitial(ta) {
		return nameExact, 1
	}
	if len(ta) == 1 || len(tb) == 1 {
		return compareOneWord(ta, tb)
	}
	var sims [maxNameTokens][maxNameTokens]float64
	var kinds [maxNameTokens][maxNameTokens]int
	for i := range ta {
		for j := range tb {
			sims[i][j], kinds[i][j] = tokenSim(ta[i], tb[j])
		}
	}
	var usedA, usedB [maxNameTokens]bool
	n := min(len(ta), len(tb))
	total, minOther := 0.0, 2.0
	var seen [tokExact + 1]int
	strong := false
	for k := 0; k < n; k++ {
		bi, bj, bs, bk := -1, -1, -1.0, -1
		for i := range ta {
			if usedA[i] {
				continue
			}
			for j := range tb {
				if usedB[j] {
					continue
				}
				// prefer the better kind, then the better similarity
				if kinds[i][j] > bk || kinds[i][j] == bk && sims[i][j] > bs {
					bi, bj, bs, bk = i, j, sims[i][j], kinds[i][j]
				}
			}
		}
		usedA[bi], usedB[bj] = true, true
		total += bs
		seen[bk]++
		if bk == tokOther {
			minOther = math.Min(minOther, bs)
		}
		if bk >= tokTypo && len(ta[bi].s) > 1 {
			strong = true
		}
	}
	extra := len(ta) + len(tb) - 2*n
	sim := total / float64(n+extra)
	switch {
	case seen[tokOther] > 0 && strong && minOther < 0.8:
		return nameDifferentFirst, sim
	case seen[tokOther] > 0 && sim < 0.8:
		return nameDifferent, sim
	case seen[tokOther] > 0:
		return nameWeak, sim
	case seen[tokInitial] > 0:
		return nameInitials, sim
	case extra > 0:
		return nameSubset, sim
	case seen[tokTypo] > 0:
		return nameClose, sim
	case seen[tokNick] > 0:
		return nameNickname, sim
	}
	return nameExact, sim
}

// damerau returns the optimal-string-alignment distance of a and b, or
// limit+1 as soon as it must exceed limit.
func damerau(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	if len(a) > 32 || len(b) > 32 {
		return limit + 1
	}
	var rows [3][33]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// compareOneWord handles a one-word name ("asmith", "alex") against
// another name: equal to the other's handle forms is fair evidence, one
// shared word is weak.
func compareOneWord(ta, tb []nameToken) (int, float64) {
	if len(ta) != 1 {
		ta, tb = tb, ta
	}
	w := ta[0].s
	if len(tb) == 1 {
		s, _ := tokenSim(ta[0], tb[0])
		if s >= 0.97 {
			return nameWeak, s
		}
		if s < 0.8 {
			return nameDifferent, s
		}
		return nameWeak, s
	}
	for i := range tb {
		for j := range tb {
			if i == j {
				continue
			}
			if w == tb[i].s+tb[j].s || (len(w) > 1 && w == tb[i].s[:1]+tb[j].s) {
				return nameHandle, 1
			}
		}
	}
	best := 0.0
	for _, t := range tb {
		if s, _ := tokenSim(ta[0], t); s > best {
			best = s
		}
	}
	if best < 0.8 {
		return nameDifferent, best
	}
	return nameWeak, best
}

func hasInitial(t []nameToken) bool {
	for _, x := range t {
		if x.initial() {
			return true
		}
	}
	return false
}

// nicknameInitial reports whether initial ini is the first letter of a
// nickname of full ("B." for Robert via Bob, "A." for Sasha via
// Alexander).
func nicknameInitial(ini, full nameToken) bool {
	if !ini.initial() || full.initial() || len(ini.s) != 1 {
		return false
	}
	c := ini.s[0]
	if c < 'a' || c > 'z' {
		return false
	}
	for _, g := range full.groups {
		if groupInitials[g]&(1<<(c-'a')) != 0 {
			return true
		}
	}
	return false
}

// nameShown is what a trace shows of an identity's name: its canonical
// tokens, or the handle set aside.
func nameShown(p *profile) string {
	if p.canon == "" && p.handle != handleNone {
		return strings.TrimSpace(p.id.DisplayName)
	}
	return p.canon
}

// nameSourceNote adds to a display_name_similarity note where each side's
// name came from when not from a display name.
func nameSourceNote(a, b *profile, note string) string {
	note += nameSource(a) + nameSource(b)
	if a.spelled && b.spelled {
		note += "; two spelled names: left to username_similarity"
	}
	return note
}

// nameSource says, after "; ", where p's name came from when not from a
// display name ("" otherwise).
func nameSource(p *profile) string {
	var note string
	if p.handle != handleNone {
		note += "; " + handleNotes[p.handle] + " (" + strings.TrimSpace(p.id.DisplayName) + ")"
	}
	switch {
	case p.spelled && p.spelledBy == p.email.local:
		note += "; name spelled by the email local part " + p.spelledBy
	case p.spelled:
		note += "; name spelled by the handle " + p.spelledBy
	}
	return note
}
