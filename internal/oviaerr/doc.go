// Package oviaerr holds the one set of sentinel errors shared by every Ovia
// package. Public packages re-export them (identity.ErrNotFound,
// storage.ErrNotFound, ovia.ErrNotFound are the same value), so errors.Is
// works whichever package a caller imports.
package oviaerr
