package sqlite_test

import (
	"testing"

	"github.com/ovia-hq/ovia/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.OpenSQLite)
}
