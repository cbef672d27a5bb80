package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Lockouts records failed sign-ins in the "login_failures" collection, one
// document per failure, so every instance of the server counts the same
// and concurrent failures are never lost (FerretDB may lose concurrent
// updates of one document, never inserts).
type Lockouts struct{ c *mongo.Collection }

// NewLockouts returns the failed sign-in store of db.
func NewLockouts(db *mongo.Database) *Lockouts { return &Lockouts{c: db.Collection("login_failures")} }

// Recent returns the times of at most n failures of key since since, newest first.
func (s *Lockouts) Recent(ctx context.Context, key string, since time.Time, n int) ([]time.Time, error) {
	cur, err := s.c.Find(ctx, bson.M{"key": key, "at": bson.M{"$gte": since.UTC()}},
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(n)))
	if err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	var docs []struct {
		At time.Time `bson:"at"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	out := make([]time.Time, len(docs))
	for i, d := range docs {
		out[i] = d.At
	}
	return out, nil
}

// Record adds a failure of key at now.
func (s *Lockouts) Record(ctx context.Context, id, key string, now time.Time) error {
	if _, err := s.c.InsertOne(ctx, bson.M{"_id": id, "key": key, "at": now.UTC()}); err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

// Clear forgets the failures of key (after a successful sign-in).
func (s *Lockouts) Clear(ctx context.Context, key string) error {
	if _, err := s.c.DeleteMany(ctx, bson.M{"key": key}); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}

// DeleteBefore removes failures older than cutoff; they no longer count.
func (s *Lockouts) DeleteBefore(ctx context.Context, cutoff time.Time) error {
	if _, err := s.c.DeleteMany(ctx, bson.M{"at": bson.M{"$lt": cutoff.UTC()}}); err != nil {
		return fmt.Errorf("delete old sign-in failures: %w", err)
	}
	return nil
}
