package sqlite_test

import (
	"testing"

	"github.com/ovia-hq/ovia/storage/storagetest"
)

func TestKPIConformance(t *testing.T) {
	storagetest.RunKPI(t, storagetest.OpenSQLite)
}

func BenchmarkKPISnapshot(b *testing.B) {
	storagetest.BenchKPISnapshot(b, storagetest.OpenSQLite)
}

func TestKPIQueriesUseIndexes(t *testing.T) {
	storagetest.RunKPIQueriesUseIndexes(t, storagetest.OpenSQLite)
}
