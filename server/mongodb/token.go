package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// RefreshToken is the stored record of an opaque refresh token. Only the
// SHA-256 of the token is kept, so a copy of the database cannot sign in.
// Tokens issued one from another by rotation share a Family.
type RefreshToken struct {
	Hash      string    `bson:"_id"`
	Family    string    `bson:"family"`
	UserID    string    `bson:"user_id"`
	IssuedAt  time.Time `bson:"issued_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Rotated   bool      `bson:"rotated"`
	RotatedAt time.Time `bson:"rotated_at,omitempty"`
	Revoked   bool      `bson:"revoked"`
}

// Tokens keeps refresh tokens in the "refresh_tokens" collection.
type Tokens struct{ c *mongo.Collection }

// NewTokens returns the refresh token store of db.
func NewTokens(db *mongo.Database) *Tokens { return &Tokens{c: db.Collection("refresh_tokens")} }

// Insert stores a new refresh token.
func (s *Tokens) Insert(ctx context.Context, t RefreshToken) error {
	t.IssuedAt, t.ExpiresAt = t.IssuedAt.UTC(), t.ExpiresAt.UTC()
	if _, err := s.c.InsertOne(ctx, t); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// Claim marks the live token hash as rotated at now and returns it. Exactly
// one of several concurrent claims wins; the others (and any claim of an
// unknown, rotated or revoked token) get ok false together with the stored
// record when there is one.
func (s *Tokens) Claim(ctx context.Context, hash string, now time.Time) (t RefreshToken, ok bool, err error) {
	err = s.c.FindOneAndUpdate(ctx,
		bson.M{"_id": hash, "rotated": false, "revoked": false},
		bson.M{"$set": bson.M{"rotated": true, "rotated_at": now.UTC()}},
	).Decode(&t)
	if err == nil {
		return t, true, nil
	}
	if !isNotFound(err) {
		return t, false, fmt.Errorf("claim refresh token: %w", err)
	}
	err = s.c.FindOne(ctx, bson.M{"_id": hash}).Decode(&t)
	if isNotFound(err) {
		return RefreshToken{}, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("find refresh token: %w", err)
	}
	return t, false, nil
}

// RevokeFamily revokes every token of a family (reuse detected, or logout).
func (s *Tokens) RevokeFamily(ctx context.Context, family string) error {
	if _, err := s.c.UpdateMany(ctx, bson.M{"family": family}, bson.M{"$set": bson.M{"revoked": true}}); err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}

// RevokeUser revokes every token of a user (disabled, or password reset).
func (s *Tokens) RevokeUser(ctx context.Context, userID string) error {
	if _, err := s.c.UpdateMany(ctx, bson.M{"user_id": userID}, bson.M{"$set": bson.M{"revoked": true}}); err != nil {
		return fmt.Errorf("revoke tokens of user %s: %w", userID, err)
	}
	return nil
}

// DeleteExpired removes tokens that expired before cutoff; they can no
// longer be used, and keeping them would only grow the collection.
func (s *Tokens) DeleteExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.c.DeleteMany(ctx, bson.M{"expires_at": bson.M{"$lt": cutoff.UTC()}})
	if err != nil {
		return 0, fmt.Errorf("delete expired refresh tokens: %w", err)
	}
	return res.DeletedCount, nil
}

// EnsureIndexes is a no-op kept for symmetry: tokens are looked up by _id,
// and FerretDB supports no TTL index (expired tokens go by DeleteExpired).
func (s *Tokens) EnsureIndexes(ctx context.Context) error { return nil }
