// Package matching decides who is who: it links identities (accounts in
// Jira, GitLab and Confluence) to people, implementing SPEC §4 with the
// performance targets of SPEC §13.
//
// The engine is pure (no I/O): it reads an identity.MatchState and returns
// one identity.Decision per pending identity. Each identity is normalized
// (emails: case, +tags, domain aliases, GitLab/GitHub noreply forms;
// usernames: case, separators, digit suffixes; names: Unicode folding,
// Cyrillic transliteration, nicknames, initials, token order; a display
// name that is only a handle, such as the username, is no name, and a
// name-shaped email local part spells one instead, as weaker evidence:
// see handlename.go). Candidate
// pairs come from a blocking index (normalized email, username keys, name
// token keys, and name tokens within a scope few act in), never from all
// pairs. Each pair is compared by named rules
// (email_exact, username_similarity, display_name_similarity,
// co_occurrence, service_account) whose evidence is added as weighted
// log-odds, Fellegi–Sunter style, damped for very common values (a shared
// scope weighs by how few accounts act in it), and mapped
// into a score in [0,1]. Pairs at or above Config.AutoThreshold are linked
// automatically; pairs between ConflictThreshold and AutoThreshold are
// suggested and queued for a human (identity.StatusConflict); identities
// with no candidate above ConflictThreshold become their own person.
// Doubtful links are judged between the groups of accounts the automatic
// links formed, as a reviewer would compare people: co_occurrence over all
// of a group's scopes (against the link when both act and share none), and
// source_exclusivity (a person rarely holds two accounts in one tool)
// ranking namesakes; clusters grown by doubtful links that act apart are
// not merged on a weak link; and an account left alone whose namesakes all
// but one already hold an account in its tool is suggested to that one,
// its name weighed undamped (see assign.go).
//
// Every decision carries a JSON trace (see Trace) listing the rules, their
// normalized inputs, similarity, weight, contribution and a one-line reason.
// Results do not depend on input order. Human decisions (confirmed,
// rejected links) are never changed, and a rejected (identity, person) pair
// is never proposed again.
//
// Engine.Resolve handles a whole org (first run or re-run over pending
// identities); Engine.NewIndex and Index.Match match one new identity
// incrementally against an existing index.
package matching
