package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// IDSearches records every search of the case list by a whole 身份证号, in
// "id_searches", as a reveal is recorded in the case's history: such a
// search tells the searcher that a full number is right, so an auditor
// must be able to list who searched, when, for which number (its hash,
// the cases' id_hash, never the number) and what it found. A search that
// finds nothing is recorded too. One document per search, inserted and
// never changed (FerretDB may lose concurrent updates, never inserts).
type IDSearches struct{ c *mongo.Collection }

// NewIDSearches returns the ID-search record of db.
func NewIDSearches(db *mongo.Database) *IDSearches {
	return &IDSearches{c: db.Collection("id_searches")}
}

// IDSearch is one recorded search by a whole 身份证号.
type IDSearch struct {
	ID        string
	At        time.Time // UTC, milliseconds
	ActorID   string
	ActorName string
	ActorRole domain.Role
	ActorArea string
	IDHash    string   // IDNumberHash of the number searched
	Results   int      // cases on the answered page
	CaseIDs   []string // their ids
}

type idSearchDoc struct {
	ID        string      `bson:"_id"`
	At        time.Time   `bson:"at"`
	ActorID   string      `bson:"actor_id"`
	ActorName string      `bson:"actor_name"`
	ActorRole domain.Role `bson:"actor_role"`
	ActorArea string      `bson:"actor_area"`
	IDHash    string      `bson:"id_hash"`
	Results   int         `bson:"results"`
	CaseIDs   []string    `bson:"case_ids"`
}

// EnsureIndexes creates the indexes an auditor's listing uses.
func (s *IDSearches) EnsureIndexes(ctx context.Context) error {
	for _, keys := range []bson.D{
		{{Key: "at", Value: -1}},
		{{Key: "actor_id", Value: 1}, {Key: "at", Value: -1}},
		{{Key: "id_hash", Value: 1}, {Key: "at", Value: -1}},
	} {
		if _, err := s.c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			return fmt.Errorf("create index on id_searches: %w", err)
		}
	}
	return nil
}

// Record stores r. It runs detached from the request: a phone that hangs
// up once the list was read must not leave the search unrecorded.
func (s *IDSearches) Record(ctx context.Context, r IDSearch) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	if r.CaseIDs == nil {
		r.CaseIDs = []string{}
	}
	d := idSearchDoc{ID: r.ID, At: r.At.UTC().Truncate(time.Millisecond), ActorID: r.ActorID, ActorName: r.ActorName,
		ActorRole: r.ActorRole, ActorArea: r.ActorArea, IDHash: r.IDHash, Results: r.Results, CaseIDs: r.CaseIDs}
	if _, err := s.c.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("record search by 身份证号: %w", err)
	}
	return nil
}

// IDSearchQuery selects recorded searches; zero fields select all.
type IDSearchQuery struct {
	ActorID string
	IDHash  string
	Since   time.Time // at or after
	Before  time.Time // strictly before
	Limit   int       // at most (default and cap 1,000)
}

// List returns the recorded searches q selects, newest first.
func (s *IDSearches) List(ctx context.Context, q IDSearchQuery) ([]IDSearch, error) {
	f := bson.M{}
	if q.ActorID != "" {
		f["actor_id"] = q.ActorID
	}
	if q.IDHash != "" {
		f["id_hash"] = q.IDHash
	}
	at := bson.M{}
	if !q.Since.IsZero() {
		at["$gte"] = q.Since.UTC()
	}
	if !q.Before.IsZero() {
		at["$lt"] = q.Before.UTC()
	}
	if len(at) > 0 {
		f["at"] = at
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	cur, err := s.c.Find(ctx, f, options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("list searches by 身份证号: %w", err)
	}
	var docs []idSearchDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list searches by 身份证号: %w", err)
	}
	out := make([]IDSearch, len(docs))
	for i, d := range docs {
		out[i] = IDSearch(d)
	}
	return out, nil
}
