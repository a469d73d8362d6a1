// Package bunstore holds the one implementation of Ovia's stores, written
// once against bun.IDB so the same queries run on SQLite and PostgreSQL, in
// or out of a transaction. The dialect packages (storage/sqlite,
// storage/postgres) open the databases and hand them here.
package bunstore
