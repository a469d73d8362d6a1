package postgres_test

import (
	"testing"

	"github.com/ovia-hq/ovia/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.PostgresDSN(t) // skips with a message when not configured
	storagetest.Run(t, storagetest.OpenPostgres)
}

func BenchmarkUpsertIdentities(b *testing.B) {
	storagetest.BenchUpsertIdentities(b, storagetest.OpenPostgres, 1000)
}

func BenchmarkWritePage(b *testing.B) { storagetest.BenchWritePage(b, storagetest.OpenPostgres) }
