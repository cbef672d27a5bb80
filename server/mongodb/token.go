package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// RefreshToken is the stored record of an opaque refresh token. Only the
// SHA-256 of the token is kept, so a copy of the database cannot sign in.
// Tokens issued one from another by rotation share a Family (the session
// begun by one sign-in) and its SignedInAt.
type RefreshToken struct {
	Hash      string    `bson:"_id"`
	Family    string    `bson:"family"`
	UserID    string    `bson:"user_id"`
	IssuedAt  time.Time `bson:"issued_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	// SignedInAt is when the session's sign-in happened (zero on tokens
	// stored before it was recorded: their IssuedAt stands in).
	SignedInAt time.Time `bson:"signed_in_at,omitempty"`
	// SessionGen is the user's session generation at sign-in; a token of
	// an older generation is refused.
	SessionGen int `bson:"session_gen"`
}

// Claim is the outcome of using a refresh token.
type Claim struct {
	Token     RefreshToken // zero when the token is unknown
	Won       bool         // this use rotated the token; issue the next one
	Revoked   bool         // its family was revoked
	RotatedAt time.Time    // when an earlier use rotated it (Won false)
}

// Tokens keeps refresh tokens. Every decision is an insert under a unique
// key, never an update: FerretDB applies concurrent updates of one
// document without isolation, but a duplicate key always has one winner.
// "refresh_tokens" holds the tokens, "refresh_rotations" one record per
// used token, "revoked_families" one record per revoked family.
type Tokens struct{ tokens, rotations, revoked *mongo.Collection }

// NewTokens returns the refresh token store of db.
func NewTokens(db *mongo.Database) *Tokens {
	return &Tokens{tokens: db.Collection("refresh_tokens"), rotations: db.Collection("refresh_rotations"),
		revoked: db.Collection("revoked_families")}
}

// Insert stores a new refresh token.
func (s *Tokens) Insert(ctx context.Context, t RefreshToken) error {
	t.IssuedAt, t.ExpiresAt, t.SignedInAt = t.IssuedAt.UTC(), t.ExpiresAt.UTC(), t.SignedInAt.UTC()
	if _, err := s.tokens.InsertOne(ctx, t); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// Get returns the token stored under hash (ok false when unknown).
func (s *Tokens) Get(ctx context.Context, hash string) (t RefreshToken, ok bool, err error) {
	err = s.tokens.FindOne(ctx, bson.M{"_id": hash}).Decode(&t)
	if isNotFound(err) {
		return RefreshToken{}, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("find refresh token: %w", err)
	}
	return t, true, nil
}

// Use marks the token hash as used at now. Of several concurrent uses
// exactly one wins; the others learn when it was used before.
func (s *Tokens) Use(ctx context.Context, hash string, now time.Time) (Claim, error) {
	t, ok, err := s.Get(ctx, hash)
	if err != nil || !ok {
		return Claim{}, err
	}
	c := Claim{Token: t}
	if c.Revoked, err = s.FamilyRevoked(ctx, t.Family); err != nil || c.Revoked {
		return c, err
	}
	_, err = s.rotations.InsertOne(ctx, bson.M{"_id": hash, "family": t.Family, "at": now.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		var r struct {
			At time.Time `bson:"at"`
		}
		if err := s.rotations.FindOne(ctx, bson.M{"_id": hash}).Decode(&r); err != nil {
			return c, fmt.Errorf("find refresh rotation: %w", err)
		}
		c.RotatedAt = r.At
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("record refresh rotation: %w", err)
	}
	// A revocation may have landed between the check and the insert.
	if c.Revoked, err = s.FamilyRevoked(ctx, t.Family); err != nil || c.Revoked {
		return c, err
	}
	c.Won = true
	return c, nil
}

// FamilyRevoked reports whether the session family has ended (signed out,
// reuse detected, password changed). Access tokens carry their family and
// this is asked on every signed-in request, so it is a find by _id alone
// (the one filter FerretDB answers without reading every document).
func (s *Tokens) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	err := s.revoked.FindOne(ctx, bson.M{"_id": family}, options.FindOne().SetProjection(bson.M{"_id": 1})).Err()
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check token family: %w", err)
	}
	return true, nil
}

// RevokeFamily revokes every token of a family, present and future
// (reuse detected, logout). Revoking twice is fine.
func (s *Tokens) RevokeFamily(ctx context.Context, family, reason string, now time.Time) error {
	_, err := s.revoked.InsertOne(ctx, bson.M{"_id": family, "reason": reason, "at": now.UTC()})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}

// RevokeUser revokes every family of a user (disabled, or password reset).
func (s *Tokens) RevokeUser(ctx context.Context, userID, reason string, now time.Time) error {
	fams, err := s.tokens.Distinct(ctx, "family", bson.M{"user_id": userID})
	if err != nil {
		return fmt.Errorf("list token families of user %s: %w", userID, err)
	}
	for _, f := range fams {
		if fam, ok := f.(string); ok {
			if err := s.RevokeFamily(ctx, fam, reason, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteExpired removes what can no longer matter at now: tokens past
// their expiry, and rotation and revocation records older than ttl (every
// token they concern has expired by then).
func (s *Tokens) DeleteExpired(ctx context.Context, now time.Time, ttl time.Duration) error {
	if _, err := s.tokens.DeleteMany(ctx, bson.M{"expires_at": bson.M{"$lt": now.UTC()}}); err != nil {
		return fmt.Errorf("delete expired refresh tokens: %w", err)
	}
	old := bson.M{"at": bson.M{"$lt": now.Add(-ttl).UTC()}}
	if _, err := s.rotations.DeleteMany(ctx, old); err != nil {
		return fmt.Errorf("delete old refresh rotations: %w", err)
	}
	if _, err := s.revoked.DeleteMany(ctx, old); err != nil {
		return fmt.Errorf("delete old revoked families: %w", err)
	}
	return nil
}
