package sqlite_test

import (
	"testing"

	"github.com/ovia-hq/ovia/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.OpenSQLite)
}

func BenchmarkUpsertIdentities(b *testing.B) {
	storagetest.BenchUpsertIdentities(b, storagetest.OpenSQLite, 1000)
}

func BenchmarkWritePage(b *testing.B) { storagetest.BenchWritePage(b, storagetest.OpenSQLite) }
