// Package ovia is the facade of the Ovia SDK: open a database (SQLite file
// or PostgreSQL URL) and reach the identity service, matching, sync and
// KPIs through one Client. Power users import the leaf packages
// (identity, matching, connectors, kpi) directly. See SPEC §1.
package ovia
