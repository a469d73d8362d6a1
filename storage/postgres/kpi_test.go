package postgres_test

import (
	"testing"

	"github.com/ovia-hq/ovia/storage/storagetest"
)

func TestKPIConformance(t *testing.T) {
	storagetest.PostgresDSN(t) // skips with a message when not configured
	storagetest.RunKPI(t, storagetest.OpenPostgres)
}

func BenchmarkKPISnapshot(b *testing.B) {
	storagetest.PostgresDSN(b)
	storagetest.BenchKPISnapshot(b, storagetest.OpenPostgres)
}

func TestKPIQueriesUseIndexes(t *testing.T) {
	storagetest.PostgresDSN(t)
	storagetest.RunKPIQueriesUseIndexes(t, storagetest.OpenPostgres)
}
