package matching

import (
	"slices"
	"strings"
)

// Counted values of a profile: the low valueBits of a valueEnt's i.
const (
	valueEmail = iota // email.full
	valueUser         // user (and local, when equal to it)
	valueLocal        // local, when it differs from user
	valueName         // nkey
	valueBits  = 2
)

// valueKinds: the hash kind of each counted value; username and email
// local part are one namespace (a "jsmith" handle is one value whichever
// field carries it).
var valueKinds = [...]byte{valueEmail: 'E', valueUser: 'U', valueLocal: 'U', valueName: 'K'}

// valueOf returns the string a value entry stands for.
func (p *profile) valueOf(field int32) string {
	switch field {
	case valueEmail:
		return p.email.full
	case valueUser:
		return p.user
	case valueLocal:
		return p.local
	}
	return p.nkey
}

// appendValueEnts appends one entry per counted value of profile i: its
// email, username, email local part (when not the username) and name key.
func (p *profile) appendValueEnts(dst []blockEnt, i int32) []blockEnt {
	add := func(field int32, s string) {
		dst = append(dst, blockEnt{key: blockKey(valueKinds[field], s, ""), i: i<<valueBits | field})
	}
	if p.email.full != "" {
		add(valueEmail, p.email.full)
	}
	if p.user != "" {
		add(valueUser, p.user)
	}
	if p.local != "" && p.local != p.user {
		add(valueLocal, p.local)
	}
	if p.nkey != "" {
		add(valueName, p.nkey)
	}
	return dst
}

// valueCounts holds how many identities of an index carry each email,
// username (or email local part) and name key: the frequencies that damp
// a common value. Values are found by hash, verified against a profile
// bearing them, so a hash collision never merges two values.
type valueCounts struct {
	keys []uint64 // hash, ascending (equal only on a collision)
	rep  []int32  // an entry (index<<valueBits | field) bearing the value
	n    []int32
	// shared: the email is a shared mailbox (identities with clearly
	// different names carry it).
	shared []bool
}

// countValues counts the values of profs from their entries (see
// appendValueEnts, given in index order) and stores the counts on the
// profiles: emailCnt, userCnt, localCnt, nameCnt and sharedMailbox.
// Sorting the hashed entries replaces four string-keyed maps, whose
// lookups miss the caches on a large index.
func countValues(profs []profile, chunks [][]blockEnt) valueCounts {
	ents := sortEntChunks(chunks) // each run in index order
	var v valueCounts
	for lo := 0; lo < len(ents); {
		hi := lo + 1
		for hi < len(ents) && ents[hi].key == ents[lo].key {
			hi++
		}
		run := ents[lo:hi]
		if !v.add(profs, run) {
			// a hash collision: count each value apart
			slices.SortStableFunc(run, func(a, b blockEnt) int {
				return strings.Compare(entValue(profs, a), entValue(profs, b))
			})
			for sub := 0; sub < len(run); {
				end := sub + 1
				for end < len(run) && entValue(profs, run[end]) == entValue(profs, run[sub]) {
					end++
				}
				v.add(profs, run[sub:end])
				sub = end
			}
		}
		lo = hi
	}
	return v
}

func entValue(profs []profile, e blockEnt) string {
	return profs[e.i>>valueBits].valueOf(e.i & (1<<valueBits - 1))
}

// add records the value borne by the entries of run (in index order) and
// stores its count on their profiles, reading each profile once. It
// returns false, recording nothing, when the entries turn out to bear
// different values (a hash collision); counts it stored by then are
// overwritten when the caller counts each value apart.
func (v *valueCounts) add(profs []profile, run []blockEnt) bool {
	n := int32(len(run))
	first := &profs[run[0].i>>valueBits]
	value := first.valueOf(run[0].i & (1<<valueBits - 1))
	shared := false
	for k, e := range run {
		p := &profs[e.i>>valueBits]
		field := e.i & (1<<valueBits - 1)
		if k > 0 && p.valueOf(field) != value {
			return false
		}
		switch field {
		case valueEmail:
			p.emailCnt, p.sharedMailbox = n, false
			// a mailbox carried by identities with clearly different
			// names is shared (team@, a family address): compared with
			// its first bearer in index order
			if !shared && p != first && len(first.toks) > 0 && len(p.toks) > 0 {
				if lvl, _ := compareNames(first, p); lvl <= nameDifferentFirst {
					shared = true
				}
			}
		case valueUser:
			p.userCnt = n
			if p.local == p.user {
				p.localCnt = n
			}
		case valueLocal:
			p.localCnt = n
		case valueName:
			p.nameCnt = n
		}
	}
	if shared {
		for _, e := range run {
			profs[e.i>>valueBits].sharedMailbox = true
		}
	}
	v.keys = append(v.keys, run[0].key)
	v.rep = append(v.rep, run[0].i)
	v.n = append(v.n, n)
	v.shared = append(v.shared, shared)
	return true
}

// get returns how many identities of the index carry the value s of
// field (see the value constants), and whether it is a shared mailbox.
func (v *valueCounts) get(profs []profile, field int32, s string) (n int32, shared bool) {
	h := blockKey(valueKinds[field], s, "")
	k, _ := slices.BinarySearch(v.keys, h)
	for ; k < len(v.keys) && v.keys[k] == h; k++ {
		if entValue(profs, blockEnt{i: v.rep[k]}) == s {
			return v.n[k], v.shared[k]
		}
	}
	return 0, false
}
