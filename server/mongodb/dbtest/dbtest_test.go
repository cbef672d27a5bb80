package dbtest

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

func TestNewGivesIsolatedDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := New(t), New(t)
	if a.Name() == b.Name() {
		t.Fatalf("both tests got database %s", a.Name())
	}
	if _, err := a.Collection("c").InsertOne(ctx, bson.M{"_id": "x"}); err != nil {
		t.Fatal(err)
	}
	n, err := b.Collection("c").CountDocuments(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s sees %d documents of %s", b.Name(), n, a.Name())
	}
}
