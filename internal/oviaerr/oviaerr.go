package oviaerr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

var (
	// ErrNotFound: the thing asked for does not exist (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request is valid but clashes with current state,
	// such as a stale version or a duplicate (HTTP 409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input is malformed or out of range (HTTP 422).
	ErrInvalid = errors.New("invalid input")
)

// ValidationError reports which fields of an input are invalid and why.
// It matches ErrInvalid under errors.Is.
type ValidationError struct {
	// Fields maps a field name (as the user wrote it: JSON key, CSV column,
	// flag) to a short, human-readable problem.
	Fields map[string]string
}

// Error lists the fields in a stable order.
func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds a ValidationError for one field.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: fmt.Sprintf(format, args...)}}
}

// Fields collects field problems; Err returns nil when there are none.
type Fields map[string]string

// Add records a problem for field (the first problem per field wins).
func (f Fields) Add(field, format string, args ...any) {
	if _, ok := f[field]; !ok {
		f[field] = fmt.Sprintf(format, args...)
	}
}

// Err returns a *ValidationError or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: map[string]string(f)}
}
