// Command oviad is Ovia's daemon and command-line tool: it migrates the
// database, imports and exports identities, syncs sources, runs matching,
// computes KPIs and (later) serves the API and pages. See SPEC §1 and
// docs/configuration.md.
package main
