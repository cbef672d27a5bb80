// Package dbtest gives each test its own database on one embedded FerretDB
// shared by the test process (or on ANJU_TEST_MONGO_URI when set, e.g. a
// real MongoDB), dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/server/mongodb"
)

var (
	once   sync.Once
	client *mongo.Client
	uri    string
	err    error
)

func start() {
	uri = os.Getenv("ANJU_TEST_MONGO_URI")
	if uri == "" {
		dir, derr := os.MkdirTemp("", "anju-dbtest-")
		if derr != nil {
			err = derr
			return
		}
		var e *mongodb.Embedded
		e, err = mongodb.StartEmbedded(dir)
		if err != nil {
			return
		}
		uri = e.URI
		// The process ends with the test binary; the temp dir is left for the OS
		// so a failing test's data can be inspected.
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err = mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err == nil {
		err = client.Ping(ctx, nil)
	}
}

// URI is the address of the shared test server (started on first use).
func URI(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	return uri
}

// New returns a fresh, empty database for this test, dropped at its end.
func New(t testing.TB) *mongo.Database {
	t.Helper()
	URI(t)
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	db := client.Database(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
	})
	return db
}
