package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// programDoc is one program year in "programs" (_id = year).
type programDoc struct {
	Year                  int               `bson:"_id"`
	Deadline              domain.Date       `bson:"deadline"`
	RebuildSubsidyYuan    int64             `bson:"rebuild_subsidy_yuan"`
	ReinforceSubsidyYuan  int64             `bson:"reinforce_subsidy_yuan"`
	MinRebuildAreaM2      float64           `bson:"min_rebuild_area_m2"`
	OldHouseYears         int               `bson:"old_house_years"`
	VillagePublicityDays  int               `bson:"village_publicity_days"`
	TownshipPublicityDays int               `bson:"township_publicity_days"`
	PaymentDueDays        int               `bson:"payment_due_days"`
	AtRiskDays            int               `bson:"at_risk_days"`
	SupervisionPhone      string            `bson:"supervision_phone"`
	TownshipPhones        map[string]string `bson:"township_phones"`
}

// Programs keeps the yearly programs, whose rules are data.
type Programs struct{ c *mongo.Collection }

// NewPrograms returns the program store on db.
func NewPrograms(db *mongo.Database) *Programs { return &Programs{c: db.Collection("programs")} }

func errProgramNotFound(year int) error {
	return domain.Errorf(domain.KindNotFound, "program_not_found", "未找到%d年度的改造方案", year)
}

// Get returns the program of year, or a program_not_found error.
func (s *Programs) Get(ctx context.Context, year int) (domain.Program, error) {
	var d programDoc
	err := s.c.FindOne(ctx, bson.M{"_id": year}).Decode(&d)
	if isNotFound(err) {
		return domain.Program{}, errProgramNotFound(year)
	}
	if err != nil {
		return domain.Program{}, fmt.Errorf("get program %d: %w", year, err)
	}
	return domain.Program(d), nil
}

// List returns every program, latest year first.
func (s *Programs) List(ctx context.Context) ([]domain.Program, error) {
	cur, err := s.c.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("list programs: %w", err)
	}
	var ds []programDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, fmt.Errorf("list programs: %w", err)
	}
	out := make([]domain.Program, 0, len(ds))
	for _, d := range ds {
		out = append(out, domain.Program(d))
	}
	return out, nil
}

// Put stores p, replacing the program of the same year.
func (s *Programs) Put(ctx context.Context, p domain.Program) error {
	_, err := s.c.ReplaceOne(ctx, bson.M{"_id": p.Year}, programDoc(p), options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("put program %d: %w", p.Year, err)
	}
	return nil
}

// Seed stores p unless a program of its year exists (an admin's later
// changes win over the built-in values).
func (s *Programs) Seed(ctx context.Context, p domain.Program) error {
	_, err := s.c.InsertOne(ctx, programDoc(p))
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("seed program %d: %w", p.Year, err)
	}
	return nil
}
