package matching_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/matching"
	"github.com/ovia-hq/ovia/matching/corpus"
)

func TestDebugErrors(t *testing.T) {
	if os.Getenv("DEBUG_MATCH") == "" {
		t.Skip()
	}
	people := 3000
	if os.Getenv("DEBUG_PEOPLE") != "" {
		people = 30000
	}
	c := corpus.Generate(corpus.Options{People: people, Seed: 42})
	cfg := matching.DefaultConfig()
	cfg.DomainAliases = c.DomainAliases
	eng, _ := matching.New(cfg)
	res, _ := eng.Resolve(context.Background(), c.State())
	byID := map[string]identity.Identity{}
	for _, id := range c.Identities {
		byID[id.ID] = id
	}
	show := func(id identity.Identity) string {
		return fmt.Sprintf("[%s %s %q u=%q e=%q svc=%v]", c.Truth[id.ID], id.Source, id.DisplayName, id.Username, id.Email, id.IsServiceAccount)
	}
	mode := os.Getenv("DEBUG_MATCH")
	if mode == "miss" {
		dec := map[string]identity.Decision{}
		for _, d := range res.Decisions {
			dec[d.IdentityID] = d
		}
		byPerson := map[string][]identity.Identity{}
		var order []string
		for _, id := range c.Identities {
			if _, ok := byPerson[c.Truth[id.ID]]; !ok {
				order = append(order, c.Truth[id.ID])
			}
			byPerson[c.Truth[id.ID]] = append(byPerson[c.Truth[id.ID]], id)
		}
		// namesake people: another person has the same canonical full name
		nameOf := map[string]map[string]bool{}
		for _, id := range c.Identities {
			k := matching.NormalizeName(id.DisplayName)
			if nameOf[k] == nil {
				nameOf[k] = map[string]bool{}
			}
			nameOf[k][c.Truth[id.ID]] = true
		}
		hasNamesake := func(p string) bool {
			for _, id := range byPerson[p] {
				if len(nameOf[matching.NormalizeName(id.DisplayName)]) > 1 {
					return true
				}
			}
			return false
		}
		splitNS, split, ns := 0, 0, 0
		for _, p := range order {
			if hasNamesake(p) {
				ns++
			}
			keys := map[string]bool{}
			for _, id := range byPerson[p] {
				d := dec[id.ID]
				keys[d.PersonID+d.NewPersonKey] = true
			}
			if len(keys) > 1 {
				split++
				if hasNamesake(p) {
					splitNS++
				}
			}
		}
		fmt.Printf("people %d, with namesake %d; split %d (with namesake %d)\n", len(order), ns, split, splitNS)
		n := 0
		for _, p := range order {
			ids := byPerson[p]
			if os.Getenv("DEBUG_NS") == "" && hasNamesake(p) {
				continue
			}
			keys := map[string]bool{}
			for _, id := range ids {
				d := dec[id.ID]
				keys[d.PersonID+d.NewPersonKey] = true
			}
			if len(keys) == 1 {
				continue
			}
			n++
			if n > 30 {
				break
			}
			fmt.Println("----", p)
			for _, id := range ids {
				d := dec[id.ID]
				var tr matching.Trace
				_ = jsonUnmarshal(d.Trace, &tr)
				k := d.NewPersonKey
				fmt.Printf("  %s key=%s %s %.3f %s\n     vs %s\n", show(id), k[:6], d.Status, d.Score, tr.Reason, show(byID[tr.CandidateIdentityID]))
			}
		}
		return
	}
	n := 0
	for _, d := range res.Decisions {
		var tr matching.Trace
		_ = jsonUnmarshal(d.Trace, &tr)
		if tr.CandidateIdentityID == "" {
			continue
		}
		a, b := byID[tr.ComparedIdentityID], byID[tr.CandidateIdentityID]
		wrong := c.Truth[a.ID] != c.Truth[b.ID]
		if mode == "fp" && wrong && string(d.Status) == tr.Decision && d.Status == identity.StatusAuto ||
			mode == "fpc" && wrong && d.Status == identity.StatusConflict ||
			mode == "fn" && !wrong && tr.Decision == "own" {
			n++
			if n > 25 {
				break
			}
			fmt.Printf("%s %.3f %s\n   %s\n   %s\n", d.Status, d.Score, tr.Reason, show(a), show(b))
			for _, r := range tr.Rules {
				fmt.Printf("      %-24s %-30q %-30q sim=%.3f w=%.1f c=%.2f %s\n", r.Rule, r.Left, r.Right, r.Similarity, r.Weight, r.Contribution, r.Note)
			}
		}
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
