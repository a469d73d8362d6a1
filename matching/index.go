package matching

import (
	"cmp"
	"context"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
)

// Engine matches identities to people. It is safe for concurrent use.
type Engine struct {
	cfg            Config
	aliases        map[string]string
	plusTag        map[string]struct{}
	freeMail       map[string]struct{}
	tokenPatterns  map[string]struct{}
	substrPatterns []string
	suffixPatterns map[string]struct{}
	activity       map[string][]string
}

// New validates cfg and builds an Engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxCandidates == 0 {
		cfg.MaxCandidates = 5
	}
	e := &Engine{
		cfg:            cfg,
		aliases:        map[string]string{},
		plusTag:        map[string]struct{}{},
		freeMail:       map[string]struct{}{},
		tokenPatterns:  map[string]struct{}{},
		suffixPatterns: map[string]struct{}{},
		activity:       map[string][]string{},
	}
	for k, v := range cfg.DomainAliases {
		e.aliases[k] = v
	}
	for _, d := range cfg.PlusTagDomains {
		e.plusTag[strings.ToLower(d)] = struct{}{}
	}
	for _, d := range cfg.FreeMailDomains {
		e.freeMail[strings.ToLower(d)] = struct{}{}
	}
	for _, p := range cfg.ServicePatterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if isAlnum(p) {
			e.tokenPatterns[p] = struct{}{}
		} else {
			e.substrPatterns = append(e.substrPatterns, p)
		}
	}
	for _, p := range cfg.ServiceSuffixes {
		p = strings.ToLower(strings.TrimSpace(p))
		e.suffixPatterns[p] = struct{}{}
		e.tokenPatterns[p] = struct{}{}
	}
	for id, scopes := range cfg.Activity {
		s := append([]string(nil), scopes...)
		sort.Strings(s)
		e.activity[id] = dedupSorted(s)
	}
	return e, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() Config { return e.cfg }

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// profile is an identity with its normalized features.
type profile struct {
	// The fields compare reads come first, so a comparison touches few
	// cache lines of each profile; the identity itself comes last.

	// atlassianID is the account id of a Jira or Confluence identity
	// (one Atlassian account spans both).
	atlassianID string
	// atlKey: a hash of atlassianID, never 0 when it is set (0 when
	// not), compared before the string so most pairs never read it.
	atlKey   uint64
	src      sourceMask // sourceBit(id.Source)
	service  bool
	freeMail bool
	// sharedMailbox: the address is a shared or role mailbox (set by
	// Index.fillCounts).
	sharedMailbox bool
	// userDerived/localDerived: the username / email local part is a
	// handle built from the display name ("jsmith", "john.smith").
	userDerived, localDerived bool
	// groupScopes: scopes are those of the identity's whole automatic
	// cluster (a copy made for a doubtful link; see groupView).
	groupScopes bool
	pending     bool
	// handle: why the display name was set aside as a handle
	// (handleUsername, …; handleNone: it is a name or there is none).
	handle uint8
	// spelled: the name tokens are spelled by spelledBy.
	spelled bool
	// value frequencies (see Index.fillCounts)
	emailCnt, userCnt, localCnt, nameCnt, initFreq int32

	email    normalizedEmail
	user     string // normalized username (or noreply username)
	userRaw  string // username without separators, digits kept
	local    string // normalized email local part
	localRaw string
	toks     []nameToken
	canon    string // canonical tokens joined (NormalizeName)
	scopes   []string
	// scopeN[i]: how many identities of the index act in scopes[i]
	// (see Index.fillCounts and groupView).
	scopeN  []int32
	nkey    string
	sortKey string
	// spelledBy: the email local part (or handle) the name tokens were
	// spelled from, when the display name gave none.
	spelledBy string
	person    string // existing person ("" when pending or unlinked)
	id        profileID
}

// profileID is what a profile keeps of its identity (not its timestamps).
type profileID struct {
	ID                           string
	Source                       identity.Source
	Username, Email, DisplayName string
}

func (e *Engine) newProfile(id identity.Identity) profile {
	var p profile
	e.fillProfile(&p, id)
	p.pack()
	return p
}

// fillProfile sets p from id, its strings not yet packed (see pack).
func (e *Engine) fillProfile(p *profile, id identity.Identity) {
	*p = profile{id: profileID{ID: id.ID, Source: id.Source, Username: id.Username, Email: id.Email, DisplayName: id.DisplayName}, src: sourceBit(id.Source)}
	p.email = e.normalizeEmail(id.Email)
	if p.email.full != "" {
		_, p.freeMail = e.freeMail[p.email.domain]
		p.localRaw = stripSeparators(p.email.local)
		p.local = NormalizeUsername(p.email.local)
	}
	uname := id.Username
	if uname == "" {
		uname = p.email.noreplyUser
	}
	if uname != "" {
		p.userRaw = stripSeparators(uname)
		p.user = NormalizeUsername(uname)
	}
	p.service = id.IsServiceAccount || e.isService(id.Username, p.email.local, id.DisplayName)
	p.toks = nameTokens(id.DisplayName)
	if !p.service {
		// a handle is no name; an email local part (or the handle
		// itself) may spell one (see handlename.go).
		if p.handle = handleKind(id.DisplayName, p.toks, p.userRaw, p.user, p.localRaw, p.local); p.handle != handleNone {
			p.toks = nil
		}
		if len(p.toks) == 0 {
			if p.email.full != "" && !roleMailboxes[p.email.local] && !noreplyDomain(p.email.domain) {
				if n := spelledName(p.email.local); n != "" {
					p.toks, p.spelledBy = nameTokens(n), p.email.local
				}
			}
			if len(p.toks) == 0 && p.handle != handleNone {
				if n := spelledName(id.DisplayName); n != "" {
					p.toks, p.spelledBy = nameTokens(n), strings.TrimSpace(id.DisplayName)
				}
			}
		}
	}
	p.spelled = p.spelledBy != ""
	p.nkey = nameKey(p.toks)
	p.canon = joinToks(p.toks)
	p.userDerived = p.user != "" && derivedFromName(p.user, p.toks)
	p.localDerived = p.local != "" && derivedFromName(p.local, p.toks)
	if p.service {
		// bots are compared on exact raw values only.
		p.userRaw = strings.ToLower(strings.TrimSpace(id.Username))
	}
	if id.Source == identity.SourceJira || id.Source == identity.SourceConfluence {
		p.atlassianID = strings.TrimSpace(id.ExternalID)
		if p.atlassianID != "" {
			p.atlKey = blockKey('a', p.atlassianID, "") | 1
		}
	}
	p.scopes = e.activity[id.ID]
	p.sortKey = p.nkey + "\x00" + p.user + "\x00" + id.ID
}

// pack copies the strings compare reads (email, usernames, name and its
// tokens) into one allocation, so a comparison touches few cache lines
// of the other profile. Values are unchanged.
func (p *profile) pack() {
	size := p.packSize()
	if size == 0 {
		return
	}
	var b strings.Builder
	b.Grow(size)
	p.packWrite(&b)
	p.packAssign(b.String(), 0)
}

// packAll packs profiles like pack, into one allocation for them all.
func packAll(profs []profile) {
	size := 0
	for i := range profs {
		size += profs[i].packSize()
	}
	if size == 0 {
		return
	}
	var b strings.Builder
	b.Grow(size)
	for i := range profs {
		profs[i].packWrite(&b)
	}
	all, off := b.String(), 0
	for i := range profs {
		if n := profs[i].packSize(); n > 0 {
			profs[i].packAssign(all[off:off+n], 0)
			off += n
		}
	}
}

// packStrings lists the strings pack copies, in order.
func (p *profile) packStrings(dst *[6 + 2*maxNameTokens]*string) []*string {
	dst[0], dst[1], dst[2], dst[3], dst[4], dst[5] = &p.email.full, &p.user, &p.userRaw, &p.local, &p.localRaw, &p.canon
	n := 6
	for i := range p.toks {
		dst[n], dst[n+1] = &p.toks[i].s, &p.toks[i].raw
		n += 2
	}
	return dst[:n]
}

func (p *profile) packSize() int {
	var buf [6 + 2*maxNameTokens]*string
	size := 0
	for _, f := range p.packStrings(&buf) {
		size += len(*f)
	}
	return size
}

func (p *profile) packWrite(b *strings.Builder) {
	var buf [6 + 2*maxNameTokens]*string
	for _, f := range p.packStrings(&buf) {
		b.WriteString(*f)
	}
}

// packAssign points the strings at their copies in all, from off.
func (p *profile) packAssign(all string, off int) {
	localLen := len(p.email.local)
	var buf [6 + 2*maxNameTokens]*string
	for _, f := range p.packStrings(&buf) {
		*f = all[off : off+len(*f)]
		off += len(*f)
	}
	if p.email.full != "" {
		// full is local@domain
		p.email.local, p.email.domain = p.email.full[:localLen], p.email.full[localLen+1:]
	}
}

// blockKeys lists the blocking keys of a profile, hashed: normalized
// email, username and email local part, and name keys (each name token
// with the initial of another token, nickname forms included).
func (p *profile) blockKeys(dst []uint64) []uint64 {
	if p.atlassianID != "" {
		dst = append(dst, blockKey('a', p.atlassianID, ""))
	}
	if p.email.full != "" {
		dst = append(dst, blockKey('e', p.email.full, ""))
	}
	if len(p.user) >= 3 {
		dst = append(dst, blockKey('u', p.user, ""))
	}
	if len(p.local) >= 3 && p.local != p.user {
		dst = append(dst, blockKey('u', p.local, ""))
	}
	if p.service {
		return dst
	}
	if len(p.toks) == 1 {
		if w := p.toks[0].s; len(w) >= 3 {
			dst = append(dst, blockKey('u', w, ""), blockKey('1', w, ""))
		}
		return dst
	}
	for i, t := range p.toks {
		if len(t.s) < 2 {
			continue
		}
		for j, o := range p.toks {
			if i == j {
				continue
			}
			dst = appendNameKey(dst, t.s, o)
			for _, g := range t.groups {
				dst = appendNameKey(dst, groupNames[g], o)
			}
		}
	}
	return dst
}

func appendNameKey(dst []uint64, word string, other nameToken) []uint64 {
	head := other.head()
	dst = append(dst, blockKey('n', word, head))
	if other.raw0 != other.s[0] && other.raw0 < 0x80 {
		dst = append(dst, blockKey('n', word, string(rune(other.raw0))))
	}
	for _, g := range other.groups {
		if gi := groupNames[g][:1]; gi != head {
			dst = append(dst, blockKey('n', word, gi))
		}
	}
	return dst
}

// blockKey hashes a key kind and up to two parts (FNV-1a, 64 bits): the
// blocking maps then hold no key strings.
func blockKey(kind byte, a, b string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h = (h ^ uint64(kind)) * prime
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * prime
	}
	h = (h ^ 0xff) * prime
	for i := 0; i < len(b); i++ {
		h = (h ^ uint64(b[i])) * prime
	}
	return h
}

// Blocks larger than maxBlock are not paired all-to-all: their members are
// sorted by name and each is paired with its blockWindow neighbours on
// each side (sorted neighbourhood), so a common first name + initial or a
// shared mailbox never explodes the candidate count.
const (
	// maxNameRun: inside a large block, identities bearing one full name
	// are all paired with each other up to this many (about five
	// people's accounts); beyond it the name is so damped that a name
	// match alone decides nothing.
	maxNameRun  = 16
	maxBlock    = 7
	blockWindow = 3
	// hugeBlock: beyond this size (a very common first name + initial)
	// the window shrinks to 2, keeping candidate pairs near-linear.
	hugeBlock = 200
)

func windowFor(size int) int {
	if size > hugeBlock {
		return blockWindow - 1
	}
	return blockWindow
}

// Index holds normalized identities, their blocking keys and value
// frequencies. Build one with Engine.NewIndex; Match is safe for
// concurrent use once built.
type Index struct {
	eng    *Engine
	profs  []profile // sorted by identity ID
	blocks blockSet  // blockKey → members (sorted by sortKey when large)
	values valueCounts
	// scopeCount: scope → identities acting in it; active: identities
	// acting anywhere (Config.Activity), for co_occurrence's weights.
	scopeCount map[string]int32
	active     int32
	persons    map[string][]int32
	rejected   map[string]struct{} // identityID \x00 personID
}

// indexOf returns the index of the identity with ID id (profiles are
// sorted by ID).
func (x *Index) indexOf(id string) (int32, bool) {
	i := sort.Search(len(x.profs), func(i int) bool { return x.profs[i].id.ID >= id })
	return int32(i), i < len(x.profs) && x.profs[i].id.ID == id
}

// Len is the number of identities in the index.
func (x *Index) Len() int { return len(x.profs) }

// validateMappings checks what matching needs of each identity. Unique IDs
// are checked once sorted (buildIndex); with any error, the full check
// (checkMappings) reports it.
func validateMappings(ms []identity.Mapping) error {
	for i := range ms {
		m := &ms[i]
		id := &m.Identity
		if strings.TrimSpace(id.ID) == "" || !id.Source.Valid() || strings.TrimSpace(id.ExternalID) == "" ||
			m.Link != nil && !m.Pending() && m.Link.PersonID == "" {
			return checkMappings(ms)
		}
	}
	return nil
}

// checkMappings checks what matching needs of each identity, reporting up
// to 20 problems.
func checkMappings(ms []identity.Mapping) error {
	f := oviaerr.Fields{}
	seen := make(map[string]struct{}, len(ms))
	for i, m := range ms {
		id := m.Identity
		pre := "mappings[" + itoa(i) + "]."
		switch {
		case strings.TrimSpace(id.ID) == "":
			f.Add(pre+"identity.id", "must not be empty")
		case !id.Source.Valid():
			f.Add(pre+"identity.source", "unknown source %q (want jira, gitlab or confluence)", id.Source)
		case strings.TrimSpace(id.ExternalID) == "":
			f.Add(pre+"identity.external_id", "must not be empty")
		}
		if _, dup := seen[id.ID]; dup && id.ID != "" {
			f.Add(pre+"identity.id", "duplicate identity id %q", id.ID)
		}
		seen[id.ID] = struct{}{}
		if m.Link != nil && !m.Pending() && m.Link.PersonID == "" {
			f.Add(pre+"link.person_id", "must not be empty on a decided link")
		}
		if len(f) >= 20 {
			break
		}
	}
	return f.Err()
}

func validateIdentity(id identity.Identity) error {
	f := oviaerr.Fields{}
	if strings.TrimSpace(id.ID) == "" {
		f.Add("id", "must not be empty")
	}
	if !id.Source.Valid() {
		f.Add("source", "unknown source %q (want jira, gitlab or confluence)", id.Source)
	}
	if strings.TrimSpace(id.ExternalID) == "" {
		f.Add("external_id", "must not be empty")
	}
	return f.Err()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// NewIndex indexes every identity of state for incremental matching.
// Identities with a decided link belong to its person; pending and
// unlinked ones are indexed for frequencies but are not match targets.
func (e *Engine) NewIndex(ctx context.Context, state identity.MatchState) (*Index, error) {
	if err := validateMappings(state.Mappings); err != nil {
		return nil, err
	}
	return e.buildIndex(ctx, state)
}

func (e *Engine) buildIndex(ctx context.Context, state identity.MatchState) (*Index, error) {
	// sorted by identity ID (IDs are unique): each mapping's index is
	// packed under the leading bits of its ID's first 8 bytes and the
	// packed values radix-sorted (radixSortU64); runs that tie on those
	// bits are then sorted by the whole ID
	in := state.Mappings
	shift := uint(bits.Len(uint(len(in))))
	keys := make([]uint64, len(in))
	for i := range in {
		keys[i] = prefix8(in[i].Identity.ID)>>shift<<shift | uint64(i)
	}
	radixSortU64(keys)
	ms := make([]*identity.Mapping, len(keys))
	for i, k := range keys {
		ms[i] = &in[k&(1<<shift-1)]
	}
	for lo := 0; lo < len(ms); {
		hi := lo + 1
		for hi < len(ms) && keys[hi]>>shift == keys[lo]>>shift {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(ms[lo:hi], func(a, b *identity.Mapping) int {
				return strings.Compare(a.Identity.ID, b.Identity.ID)
			})
		}
		lo = hi
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Identity.ID == ms[i-1].Identity.ID {
			return nil, checkMappings(state.Mappings)
		}
	}
	n := len(ms)
	x := &Index{
		eng:        e,
		profs:      make([]profile, n),
		scopeCount: map[string]int32{},
		persons:    make(map[string][]int32, n/3),
		rejected:   make(map[string]struct{}, len(state.Rejected)),
	}
	for _, r := range state.Rejected {
		x.rejected[r.IdentityID+"\x00"+r.PersonID] = struct{}{}
	}
	// Normalizing is the costly, independent part: do it in parallel.
	var ents, vents chunkedEnts
	parallel(n, func(lo, hi int) {
		var keys []uint64
		out := make([]blockEnt, 0, 8*(hi-lo))
		vout := make([]blockEnt, 0, 4*(hi-lo))
		for i := lo; i < hi; i++ {
			e.fillProfile(&x.profs[i], ms[i].Identity)
		}
		packAll(x.profs[lo:hi])
		for i := lo; i < hi; i++ {
			p := &x.profs[i]
			keys = p.blockKeys(keys[:0])
			for k, key := range keys {
				if !containsBefore(keys, k) {
					out = append(out, blockEnt{key, int32(i)})
				}
			}
			vout = p.appendValueEnts(vout, int32(i))
		}
		ents.add(lo, out)
		vents.add(lo, vout)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The blocks and the value counts are independent: one goroutine each.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		x.blocks = newBlockSet(ents.ordered())
	}()
	x.values = countValues(x.profs, vents.ordered())
	nScopes := 0
	for i := range ms {
		p := &x.profs[i]
		p.pending = ms[i].Pending()
		if !p.pending && ms[i].Link != nil {
			p.person = ms[i].Link.PersonID
			x.persons[p.person] = append(x.persons[p.person], int32(i))
		}
		if len(p.scopes) > 0 {
			x.active++
			nScopes += len(p.scopes)
			for _, s := range p.scopes {
				x.scopeCount[s]++
			}
		}
	}
	wg.Wait()
	// one backing array for every profile's scope counts
	scopeN := make([]int32, 0, nScopes)
	for i := range x.profs {
		if k := len(x.profs[i].scopes); k > 0 {
			x.profs[i].scopeN = scopeN[len(scopeN) : len(scopeN)+k : len(scopeN)+k]
			scopeN = scopeN[:len(scopeN)+k]
		}
	}
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x.fillIndexCounts(&x.profs[i], 0)
		}
	})
	if x.active > 0 {
		// blocks of telling scopes, after the name blocks of each key
		var sents chunkedEnts
		parallel(n, func(lo, hi int) {
			var keys []uint64
			var out []blockEnt
			for i := lo; i < hi; i++ {
				keys = x.scopeKeys(&x.profs[i], keys[:0], counts{x: x})
				for k, key := range keys {
					if !containsBefore(keys, k) {
						out = append(out, blockEnt{key, int32(i)})
					}
				}
			}
			sents.add(lo, out)
		})
		x.blocks = x.blocks.merged(sents.collect())
	}
	// large blocks sorted by sortKey (unique: it ends with the ID),
	// comparing 8-byte prefixes first
	pfx := make([]uint64, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			pfx[i] = prefix8(x.profs[i].sortKey)
		}
	})
	parallel(len(x.blocks.keys), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			if mem := x.blocks.block(k); len(mem) > maxBlock {
				slices.SortFunc(mem, func(i, j int32) int {
					if pi, pj := pfx[i], pfx[j]; pi != pj {
						return cmp.Compare(pi, pj)
					}
					return strings.Compare(x.profs[i].sortKey, x.profs[j].sortKey)
				})
			}
		}
	})
	return x, nil
}

// prefix8 is the first 8 bytes of s, big-endian, zero-padded: prefix8(a)
// < prefix8(b) implies a < b.
func prefix8(s string) uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v <<= 8
		if i < len(s) {
			v |= uint64(s[i])
		}
	}
	return v
}

func containsBefore(keys []uint64, k int) bool {
	for _, o := range keys[:k] {
		if o == keys[k] {
			return true
		}
	}
	return false
}

// Match decides one new identity against the index: the best existing
// person (auto or conflict) or its own new person (NewPersonKey is the
// identity's ID). Rejected pairs of the index's state are honoured. The
// identity is not added to the index.
func (x *Index) Match(id identity.Identity) (identity.Decision, error) {
	if err := validateIdentity(id); err != nil {
		return identity.Decision{}, err
	}
	p := x.eng.newProfile(id)
	extra := int32(1)
	if _, ok := x.indexOf(id.ID); ok {
		extra = 0
	}
	c := counts{x: x, extra: extra}
	if len(p.scopes) > 0 {
		c.activeExtra = extra
	}
	x.fillCounts(&p, extra)
	var keyBuf [32]uint64
	keys := p.blockKeys(keyBuf[:0])
	keys = x.scopeKeys(&p, keys, c)
	seen := make(map[int32]struct{}, 32)
	type best struct {
		q     int32
		score float64
	}
	byPerson := map[string]best{}
	bestRejected := -1.0
	bestRejectedQ := int32(-1)
	for k, key := range keys {
		if containsBefore(keys, k) {
			continue
		}
		mem := x.blocks.get(key)
		lo, hi := 0, len(mem)
		if len(mem) > maxBlock {
			pos := sort.Search(len(mem), func(i int) bool { return x.profs[mem[i]].sortKey >= p.sortKey })
			w := windowFor(len(mem))
			lo, hi = max(0, pos-w), min(len(mem), pos+w)
			// and every bearer of the same full name (see candidatePairs)
			if p.nkey != "" {
				rlo := sort.Search(len(mem), func(i int) bool { return x.profs[mem[i]].nkey >= p.nkey })
				rhi := rlo
				for rhi < len(mem) && rhi-rlo <= maxNameRun && x.profs[mem[rhi]].nkey == p.nkey {
					rhi++
				}
				if rhi-rlo <= maxNameRun {
					lo, hi = min(lo, rlo), max(hi, rhi)
				}
			}
		}
		for _, q := range mem[lo:hi] {
			if _, ok := seen[q]; ok {
				continue
			}
			seen[q] = struct{}{}
			qp := &x.profs[q]
			if qp.id.ID == id.ID || qp.person == "" {
				continue
			}
			a, b := &p, qp
			if b.id.ID < a.id.ID {
				a, b = b, a
			}
			s := x.compare(a, b, c, nil)
			if _, rej := x.rejected[id.ID+"\x00"+qp.person]; rej {
				continue
			}
			if s.score < x.eng.cfg.ConflictThreshold {
				if s.score > bestRejected || s.score == bestRejected && q < bestRejectedQ {
					bestRejected, bestRejectedQ = s.score, q
				}
				continue
			}
			if cur, ok := byPerson[qp.person]; !ok || s.score > cur.score || s.score == cur.score && q < cur.q {
				byPerson[qp.person] = best{q, s.score}
			}
		}
	}
	type cand struct {
		person string
		best
	}
	cands := make([]cand, 0, len(byPerson))
	for pid, b := range byPerson {
		cands = append(cands, cand{pid, b})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].person < cands[j].person
	})
	d := identity.Decision{IdentityID: id.ID, Status: identity.StatusAuto}
	// The best candidate person the new identity may join (see
	// personRefuses). Should all refuse, the trace shows the best one
	// and why (its score is above every pair below the threshold).
	top, refused := -1, ""
	for k, cd := range cands {
		why := x.personRefuses(&p, cd.person, cd.score < x.eng.cfg.AutoThreshold, c)
		if why == "" {
			top = k
			break
		}
		if refused == "" {
			refused, bestRejected, bestRejectedQ = why, cd.score, cd.q
		}
	}
	if top < 0 {
		d.NewPersonKey = id.ID
		d.Score = max(bestRejected, 0)
		var other *profile
		if bestRejectedQ >= 0 {
			other = &x.profs[bestRejectedQ]
		}
		d.Trace = x.traceJSON(nil, id.ID, &p, other, c, decisionOwn, "", id.ID, refused)
		return d, nil
	}
	chosen := cands[top]
	d.PersonID = chosen.person
	d.Score = chosen.score
	kind := decisionAuto
	if chosen.score < x.eng.cfg.AutoThreshold {
		d.Status = identity.StatusConflict
		kind = decisionConflict
	}
	for k, o := range cands {
		if len(d.CandidatePersonIDs) == x.eng.cfg.MaxCandidates {
			break
		}
		if k != top {
			d.CandidatePersonIDs = append(d.CandidatePersonIDs, o.person)
		}
	}
	d.Trace = x.traceJSON(nil, id.ID, &p, &x.profs[chosen.q], c, kind, chosen.person, "", "")
	return d, nil
}

// personRefuses returns why the identity of profile p may not join
// person ("" when it may), checked as Resolve checks a merge
// (clusters.canMerge): an account of the person whose pair with p
// carries contradicting evidence; and, for a doubtful link, one with a
// distinct work address at the same domain (alex.smith@ and
// alex.smith2@: a namesake). Resolve's other guard for doubtful links,
// a pair merely weighing against it, is left out: it keeps namesakes
// from chaining while people form, and the person's accounts here are
// settled (a misspelt display name on one of them should not hide the
// person). A person with more accounts than Resolve checks is joined
// automatically but never doubtfully.
func (x *Index) personRefuses(p *profile, person string, doubtful bool, c counts) string {
	members := x.persons[person]
	if len(members) > maxCheck {
		if doubtful {
			return refusedContradicts
		}
		return ""
	}
	for _, q := range members {
		qp := &x.profs[q]
		if qp.id.ID == p.id.ID {
			continue
		}
		a, b := p, qp
		if b.id.ID < a.id.ID {
			a, b = b, a
		}
		l := x.compare(a, b, c, nil).logOdds
		if l <= cannotLinkLogOdds || doubtful && x.distinctWorkMailboxes(p, qp) {
			return refusedContradicts
		}
	}
	return ""
}

// derivedFromName reports whether a normalized username is a handle built
// from the name tokens: first+last, f+last, first+l, or one token, in
// either order, compared in canonical spelling.
func derivedFromName(u string, toks []nameToken) bool {
	cu := canonToken(u)
	for i, t := range toks {
		if len(t.s) >= 3 && (cu == t.s || u == t.s) {
			return true
		}
		for j, o := range toks {
			if i == j || len(t.s) == 0 || len(o.s) == 0 {
				continue
			}
			if cu == canonToken(t.s+o.s) || cu == canonToken(t.s[:1]+o.s) || cu == canonToken(t.s+o.s[:1]) {
				return true
			}
		}
	}
	return false
}

// parallel splits [0,n) into one chunk per CPU (at most 8) and runs fn on
// each; results must not depend on the split.
func parallel(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), 8)
	if n < 1024 || workers < 2 {
		fn(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
