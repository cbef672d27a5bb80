package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Lockouts counts failed sign-ins per account in the "login_failures"
// collection, so every instance of the server sees the same count.
type Lockouts struct{ c *mongo.Collection }

// NewLockouts returns the failed sign-in store of db.
func NewLockouts(db *mongo.Database) *Lockouts { return &Lockouts{c: db.Collection("login_failures")} }

type failuresDoc struct {
	Key string      `bson:"_id"`
	At  []time.Time `bson:"at"`
}

// Failures returns the times of the last failures recorded for key, oldest first.
func (s *Lockouts) Failures(ctx context.Context, key string) ([]time.Time, error) {
	var d failuresDoc
	err := s.c.FindOne(ctx, bson.M{"_id": key}).Decode(&d)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	return d.At, nil
}

// Record adds a failure at now for key, keeping only the last keep ones,
// and returns them oldest first.
func (s *Lockouts) Record(ctx context.Context, key string, now time.Time, keep int) ([]time.Time, error) {
	var d failuresDoc
	err := s.c.FindOneAndUpdate(ctx, bson.M{"_id": key},
		bson.M{"$push": bson.M{"at": bson.M{"$each": bson.A{now.UTC()}, "$slice": -keep}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&d)
	if err != nil {
		return nil, fmt.Errorf("record sign-in failure: %w", err)
	}
	return d.At, nil
}

// Clear forgets the failures of key (after a successful sign-in).
func (s *Lockouts) Clear(ctx context.Context, key string) error {
	if _, err := s.c.DeleteOne(ctx, bson.M{"_id": key}); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}
