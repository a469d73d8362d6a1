// Package postgres opens Ovia's store on PostgreSQL (team mode: several
// oviad replicas share one database). Migrations are embedded and applied
// on Open under an advisory lock, so replicas starting together migrate once.
package postgres
