// Package storagetest is the one conformance suite every storage backend
// passes (Run), plus helpers that open a fresh, isolated database of each
// kind for tests anywhere in the module (ForEachBackend).
//
// PostgreSQL runs only when OVIA_TEST_POSTGRES_DSN is set (CI sets it);
// each test then gets its own schema, dropped afterwards. Without the
// variable PostgreSQL subtests skip with a message saying how to enable
// them; with it set and the server unreachable they fail.
package storagetest
