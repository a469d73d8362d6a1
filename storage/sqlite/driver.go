package sqlite

import (
	"context"
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// lowerFunc is the SQL function Ovia's case-insensitive reads call on
// SQLite: SQLite's own lower() folds ASCII only, so a search for
// "смирнов" would not find "Смирнов". PostgreSQL's lower() is Unicode-aware.
const lowerFunc = "ovia_lower"

// newDriver builds a SQLite driver of Ovia's own, with ovia_lower
// registered on it alone: nothing is registered process-wide, so two
// stores (or another library using modernc.org/sqlite) never clash.
func newDriver() (*sqlite.Driver, error) {
	d := &sqlite.Driver{}
	err := d.RegisterDeterministicScalarFunction(lowerFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default: // NULL and numbers are their own lower case
			return v, nil
		}
	})
	return d, err
}

// connector opens dsn with d (sql.OpenDB needs a driver.Connector; sql.Open
// would need a process-global sql.Register).
type connector struct {
	d   *sqlite.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }
