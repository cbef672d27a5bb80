package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// Areas keeps the county, its townships and villages in the "areas"
// collection, keyed by their official code.
type Areas struct{ c *mongo.Collection }

// NewAreas returns the area store of db.
func NewAreas(db *mongo.Database) *Areas { return &Areas{c: db.Collection("areas")} }

type areaDoc struct {
	Code       string `bson:"_id"`
	Name       string `bson:"name"`
	ParentCode string `bson:"parent_code"`
	Level      string `bson:"level"`
}

func areaToDoc(a domain.Area) areaDoc {
	return areaDoc{Code: a.Code, Name: a.Name, ParentCode: a.ParentCode, Level: a.Level().String()}
}

func (d areaDoc) toDomain() domain.Area {
	return domain.Area{Code: d.Code, Name: d.Name, ParentCode: d.ParentCode}
}

func errAreaNotFound() error {
	return &domain.Error{Kind: domain.KindNotFound, Code: "area_not_found", Message: "区域不存在"}
}

// Seed adds the areas that are missing and leaves existing ones untouched,
// so it can run on every start, by several instances at once: each area is
// an insert whose duplicate key means "already there" (an upsert could race
// on FerretDB, which does not isolate concurrent updates).
func (s *Areas) Seed(ctx context.Context, areas []domain.Area) error {
	for _, a := range areas {
		_, err := s.c.InsertOne(ctx, areaToDoc(a))
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("seed area %s: %w", a.Code, err)
		}
	}
	return nil
}

// Insert adds an area; an existing code is a conflict.
func (s *Areas) Insert(ctx context.Context, a domain.Area) error {
	if _, err := s.c.InsertOne(ctx, areaToDoc(a)); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return &domain.Error{Kind: domain.KindConflict, Code: "area_exists", Message: "该区域编码已存在",
				Fields: map[string]string{"code": "该区域编码已存在"}}
		}
		return fmt.Errorf("insert area %s: %w", a.Code, err)
	}
	return nil
}

// Get returns the area with code, or a not_found error.
func (s *Areas) Get(ctx context.Context, code string) (domain.Area, error) {
	var d areaDoc
	if err := s.c.FindOne(ctx, bson.M{"_id": code}).Decode(&d); err != nil {
		if isNotFound(err) {
			return domain.Area{}, errAreaNotFound()
		}
		return domain.Area{}, fmt.Errorf("find area %s: %w", code, err)
	}
	return d.toDomain(), nil
}

// All returns every area ordered by code (a parent before its children).
func (s *Areas) All(ctx context.Context) ([]domain.Area, error) {
	cur, err := s.c.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list areas: %w", err)
	}
	var docs []areaDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read areas: %w", err)
	}
	out := make([]domain.Area, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.toDomain())
	}
	return out, nil
}
