// Package sqlite opens Ovia's store on one SQLite file (laptop mode): WAL
// journal, a busy timeout, foreign keys on, one writer connection (writers
// queue in Go and never see SQLITE_BUSY) and a small pool of read-only
// connections. Migrations are embedded and applied on Open.
package sqlite
