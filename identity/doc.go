// Package identity is Ovia's model of who is who: a Person owns many
// Identities (accounts in Jira, GitLab, Confluence), each tied to its person
// by a Link that records how the tie was made (automatically, queued as a
// conflict, confirmed or rejected by a human), with what score and why.
//
// The Service implements the human operations of SPEC §3 (list, confirm,
// bulk confirm, remap, split, reject) over the narrow Store interface this
// package declares. Every operation runs in one transaction, checks the
// link's version (optimistic concurrency) and appends audit Events.
package identity
