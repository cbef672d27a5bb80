package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/yongjing/anju/domain"
)

// Prints keeps the forms the server printed, one document per
// verification token ("prints", _id = token). The token is derived from
// what was printed, so printing the same form again finds its record.
type Prints struct{ c *mongo.Collection }

// NewPrints returns the store of printed forms on db.
func NewPrints(db *mongo.Database) *Prints { return &Prints{c: db.Collection("prints")} }

type printDoc struct {
	Token       string       `bson:"_id"`
	Kind        string       `bson:"kind"`
	CaseID      string       `bson:"case_id"`
	Attempt     int          `bson:"attempt"`
	ProgramYear int          `bson:"program_year"`
	Level       domain.Stage `bson:"level"`
	Area        string       `bson:"area"`
	Start       domain.Date  `bson:"start"`
	Digest      string       `bson:"digest"`
	CaseVersion int          `bson:"case_version"`
	PrintedAt   time.Time    `bson:"printed_at"`
	PrintedBy   string       `bson:"printed_by"`
}

// Put records f; a form printed before under the same token keeps its
// first record.
func (s *Prints) Put(ctx context.Context, f domain.PrintedForm) error {
	_, err := s.c.InsertOne(ctx, printDoc(f))
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("record printed form: %w", err)
	}
	return nil
}

// Get returns the printed form of token, or not_found.
func (s *Prints) Get(ctx context.Context, token string) (domain.PrintedForm, error) {
	var d printDoc
	err := s.c.FindOne(ctx, bson.M{"_id": token}).Decode(&d)
	if isNotFound(err) {
		return domain.PrintedForm{}, domain.Errorf(domain.KindNotFound, "not_found", "未找到该核验码")
	}
	if err != nil {
		return domain.PrintedForm{}, fmt.Errorf("get printed form: %w", err)
	}
	f := domain.PrintedForm(d)
	f.PrintedAt = utc(f.PrintedAt)
	return f, nil
}
