// Package storage opens Ovia's database — SQLite for laptop mode, PostgreSQL
// for team mode — and exposes it through the narrow store interfaces the
// feature packages declare (identity.Store, connectors.Store, kpi stores).
// The one implementation lives in storage/internal/bunstore; the dialect
// packages storage/sqlite and storage/postgres open it with embedded
// migrations (same IDs in both). storage/storagetest is the conformance
// suite every backend passes. See SPEC §2 and docs/storage.md.
package storage
