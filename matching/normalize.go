package matching

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// cyrillic transliterates lower-case Cyrillic letters to Latin (a simple
// passport-like scheme; canonToken then folds the common variants such as
// "Aleksei"/"Alexey"/"Алексей" onto one form).
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", 'і': "i", 'ї': "i", 'є': "e", 'ґ': "g",
}

// latinSpecial folds letters NFKD does not decompose.
var latinSpecial = map[rune]string{
	'ß': "ss", 'ø': "o", 'ł': "l", 'đ': "d", 'æ': "ae", 'œ': "oe", 'ı': "i", 'þ': "th", 'ð': "d",
}

// foldText lower-cases s, strips accents (NFKD, drop combining marks),
// transliterates Cyrillic and turns every other non-letter, non-digit into
// a space.
func foldText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b.WriteByte(c)
			default:
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if t, ok := cyrillic[r]; ok {
			b.WriteString(t)
			continue
		}
		if t, ok := latinSpecial[r]; ok {
			b.WriteString(t)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// canonToken folds spelling variants of one name token (mostly
// transliteration ones) onto one form: x→ks, kh→h, ph→f, w→v, y/j→i,
// c→k (except ch), z→s, ts/tz→s (not word-initial), tsch→ch, sch/shch→sh,
// ё forms (yo/io/jo)→e, doubled letters collapsed, final ff→v.
func canonToken(t string) string {
	// folds can create new foldable pairs ("qh" → "kh"): repeat to a
	// fixpoint so the result is stable.
	for range 4 {
		n := canonOnce(t)
		if n == t {
			break
		}
		t = n
	}
	return t
}

func canonOnce(t string) string {
	if len(t) == 1 {
		// an initial: map the letter like the first letter of a name.
		switch t[0] {
		case 'c', 'q', 'x':
			return "k"
		case 'y', 'j':
			return "i"
		case 'w':
			return "v"
		}
		return t
	}
	if len(t) == 0 || !isASCII(t) {
		return t // spelling folds are for Latin script only
	}
	// built on the stack; a token the folds leave as it is is returned
	// itself (no copy)
	var buf [32]byte
	b := buf[:0]
	push := func(c byte) {
		if n := len(b); n > 0 && b[n-1] == c {
			return // doubled letters collapse
		}
		if c == 'o' && len(b) >= 2 && b[len(b)-1] == 'i' && !isVowel(b[len(b)-2]) {
			b[len(b)-1] = 'e' // Russian ё after a consonant: yo/io/jo → e
			return
		}
		b = append(b, c)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		next := byte(0)
		if i+1 < len(t) {
			next = t[i+1]
		}
		switch {
		case c == 'x':
			push('k')
			push('s')
		case c == 'k' && next == 'h':
			push('h')
			i++
		case c == 'p' && next == 'h':
			push('f')
			i++
		case c == 'w':
			push('v')
		case c == 'y' || c == 'j':
			push('i')
		case c == 'q':
			push('k')
		case c == 'z':
			push('s') // German-style з/ц: Sajzewa ≈ Zaitseva
		case c == 't' && (next == 's' || next == 'z') && i > 0:
			push('s') // ц: ts/tz → s
			i++
		case c == 'c' && next == 'k':
			// ck → k
		case c == 'c' && next != 'h':
			push('k')
		case c == 't' && strings.HasPrefix(t[i:], "tch"):
			// tch → ch
		case c == 't' && strings.HasPrefix(t[i:], "tsch"):
			push('c')
			push('h')
			i += 3 // German tsch → ch
		case c == 's' && strings.HasPrefix(t[i:], "schtsch"):
			push('s')
			push('h')
			i += 6
		case c == 's' && strings.HasPrefix(t[i:], "shch"):
			push('s')
			push('h')
			i += 3
		case c == 's' && strings.HasPrefix(t[i:], "sch"):
			push('s')
			push('h')
			i += 2
		default:
			push(c)
		}
	}
	if n := len(b); n > 3 && b[n-1] == 'f' && b[n-2] == 'o' {
		b[n-1] = 'v' // Smirnoff → smirnov
	}
	if string(b) == t {
		return t
	}
	return string(b)
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// nameToken is one canonical token of a display name.
type nameToken struct {
	s      string   // canonical form
	raw    string   // folded form before spelling folds
	raw0   byte     // first byte of the folded, uncanonicalized token
	groups []uint16 // nickname groups the token belongs to
}

func (t nameToken) initial() bool {
	return len(t.s) == 1 || len(t.s) <= utf8.UTFMax && utf8.RuneCountInString(t.s) == 1
}

// head is the token's first letter.
func (t nameToken) head() string {
	_, n := utf8.DecodeRuneInString(t.s)
	return t.s[:n]
}

// shareGroup reports whether two tokens are nicknames of one name.
func shareGroup(a, b nameToken) bool {
	for _, x := range a.groups {
		for _, y := range b.groups {
			if x == y {
				return true
			}
		}
	}
	return false
}

// maxNameTokens bounds the tokens kept from one display name.
const maxNameTokens = 4

// nameTokens splits a display name into canonical tokens, sorted, at most
// maxNameTokens (digits-only tokens dropped).
func nameTokens(name string) []nameToken {
	// hyphens and apostrophes join: "Ji-woo" is one given name,
	// "O'Connor" one surname.
	name = nameJoiner.Replace(name)
	f := strings.Fields(foldText(name))
	out := make([]nameToken, 0, len(f))
	for _, w := range f {
		if isDigits(w) {
			continue
		}
		c := canonToken(w)
		out = append(out, nameToken{s: c, raw: w, raw0: w[0], groups: nicknameGroups[c]})
		if len(out) == maxNameTokens {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].s < out[j].s })
	return out
}

var nameJoiner = strings.NewReplacer("-", "", "'", "", "’", "", "‐", "")

// nameKey is the token-sorted canonical form with nicknames replaced by
// their first group, used for frequency counts.
func nameKey(toks []nameToken) string {
	if len(toks) == 0 {
		return ""
	}
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.s
		if len(t.groups) > 0 {
			parts[i] = groupNames[t.groups[0]]
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// NormalizeName returns the canonical, token-sorted form of a display name
// the display_name_similarity rule compares: lower case, accents stripped,
// Cyrillic transliterated, spelling variants folded, tokens sorted.
// NormalizeName("Алексей Смирнов") == NormalizeName("Smirnov, Alexey").
func NormalizeName(name string) string {
	toks := nameTokens(name)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.s
	}
	return strings.Join(parts, " ")
}

// NormalizeUsername lower-cases a username (or email local part), drops the
// separators . _ - and spaces, and strips a trailing run of digits (kept
// when the name is only digits).
func NormalizeUsername(u string) string {
	s := stripSeparators(u)
	t := strings.TrimRight(s, "0123456789")
	if t == "" {
		return s
	}
	return t
}

// stripSeparators lower-cases and folds u, dropping every non-alphanumeric.
func stripSeparators(u string) string {
	return strings.ReplaceAll(foldText(u), " ", "")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normalizedEmail is an email split into its normalized parts.
type normalizedEmail struct {
	full, local, domain string
	// noreplyUser is the username of a GitLab/GitHub noreply address
	// ("123-jdoe@users.noreply.gitlab.com" → "jdoe"); full is then empty.
	noreplyUser string
}

// normalizeEmail lower-cases and trims an address, maps domain aliases,
// strips +tags (and Gmail dots) for providers that ignore them and maps
// GitLab/GitHub noreply forms to usernames.
func (e *Engine) normalizeEmail(s string) normalizedEmail {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "mailto:")
	s = strings.Trim(s, "<>\"' ")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return normalizedEmail{}
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if domain == "" {
		return normalizedEmail{}
	}
	if domain == "users.noreply.gitlab.com" || domain == "users.noreply.github.com" {
		u := local
		if i := strings.IndexByte(u, '-'); i > 0 && isDigits(u[:i]) {
			u = u[i+1:]
		} else if i := strings.IndexByte(u, '+'); i > 0 && isDigits(u[:i]) {
			u = u[i+1:]
		}
		return normalizedEmail{noreplyUser: u}
	}
	if d, ok := e.aliases[domain]; ok {
		domain = d
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if _, ok := e.plusTag[domain]; ok {
		if i := strings.IndexByte(local, '+'); i > 0 {
			local = local[:i]
		}
		if domain == "gmail.com" {
			local = strings.ReplaceAll(local, ".", "")
		}
	}
	return normalizedEmail{full: local + "@" + domain, local: local, domain: domain}
}

// NormalizeEmail returns the canonical form of an email address as the
// email_exact rule compares it ("" for something that is not an address).
// A GitLab/GitHub noreply address comes back as "noreply:USERNAME".
func (e *Engine) NormalizeEmail(s string) string {
	n := e.normalizeEmail(s)
	if n.noreplyUser != "" {
		return "noreply:" + n.noreplyUser
	}
	return n.full
}

// roleMailboxes are local parts of shared mailboxes: an exact match on
// them is weak evidence.
var roleMailboxes = map[string]bool{
	"team": true, "info": true, "dev": true, "devs": true, "support": true, "admin": true,
	"office": true, "hr": true, "it": true, "qa": true, "ops": true, "all": true, "contact": true,
	"hello": true, "sales": true, "help": true, "engineering": true, "security": true, "root": true,
}

// isService applies the service patterns to an identity's fields: a
// letters-and-digits pattern matches the first token of the username,
// email local part or display name ("jenkins", "jenkins-ci", "CI Runner",
// "Automation for Jira"), and a suffix pattern also matches the last token
// ("gitlab-ci", "project_42_bot", "Release Bot"); so a human named "Mary
// Jenkins" is not a service account. Other patterns ("[bot]") match as
// substrings.
func (e *Engine) isService(username, emailLocal, displayName string) bool {
	fields := [3]string{username, emailLocal, displayName}
	for _, f := range fields {
		if f == "" {
			continue
		}
		lf := strings.ToLower(f)
		for _, p := range e.substrPatterns {
			if strings.Contains(lf, p) {
				return true
			}
		}
		toks := strings.Fields(foldText(f))
		// drop digit-only tokens ("project 123 bot 1")
		k := 0
		for _, t := range toks {
			if !isDigits(t) {
				toks[k] = t
				k++
			}
		}
		toks = toks[:k]
		if len(toks) == 0 {
			continue
		}
		first := strings.TrimRight(toks[0], "0123456789")
		if _, ok := e.tokenPatterns[first]; ok {
			return true
		}
		last := strings.TrimRight(toks[len(toks)-1], "0123456789")
		if _, ok := e.suffixPatterns[last]; ok {
			return true
		}
	}
	return false
}
