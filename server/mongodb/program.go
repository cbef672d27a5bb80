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

// programDoc is one program year in "programs" (_id = year). Rev counts
// its writes: every change is a compare-and-swap on it.
type programDoc struct {
	Year                  int               `bson:"_id"`
	StartsOn              domain.Date       `bson:"starts_on"`
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
	Closed                bool              `bson:"closed"`
	ClosedAt              time.Time         `bson:"closed_at"`
	ClosedBy              string            `bson:"closed_by"`
	CreatedAt             time.Time         `bson:"created_at"`
	CreatedBy             string            `bson:"created_by"`
	Amendments            []amendmentDoc    `bson:"amendments"`
	Rev                   int               `bson:"rev"`
}

type amendmentDoc struct {
	No      int         `bson:"no"`
	At      time.Time   `bson:"at"`
	By      string      `bson:"by"`
	ByName  string      `bson:"by_name"`
	Reason  string      `bson:"reason"`
	Changes []changeDoc `bson:"changes"`
}

type changeDoc struct {
	Field string `bson:"field"`
	Old   string `bson:"old"`
	New   string `bson:"new"`
}

func programToDoc(p domain.Program, rev int) programDoc {
	d := programDoc{
		Year: p.Year, StartsOn: p.StartsOn, Deadline: p.Deadline,
		RebuildSubsidyYuan: p.RebuildSubsidyYuan, ReinforceSubsidyYuan: p.ReinforceSubsidyYuan,
		MinRebuildAreaM2: p.MinRebuildAreaM2, OldHouseYears: p.OldHouseYears,
		VillagePublicityDays: p.VillagePublicityDays, TownshipPublicityDays: p.TownshipPublicityDays,
		PaymentDueDays: p.PaymentDueDays, AtRiskDays: p.AtRiskDays, SupervisionPhone: p.SupervisionPhone,
		TownshipPhones: p.TownshipPhones, Closed: p.Closed, ClosedAt: p.ClosedAt.UTC(), ClosedBy: p.ClosedBy,
		CreatedAt: p.CreatedAt.UTC(), CreatedBy: p.CreatedBy,
		Amendments: []amendmentDoc{}, Rev: rev,
	}
	for _, a := range p.Amendments {
		ad := amendmentDoc{No: a.No, At: a.At.UTC(), By: a.By, ByName: a.ByName, Reason: a.Reason, Changes: []changeDoc{}}
		for _, c := range a.Changes {
			ad.Changes = append(ad.Changes, changeDoc(c))
		}
		d.Amendments = append(d.Amendments, ad)
	}
	return d
}

func programToDomain(d programDoc) domain.Program {
	p := domain.Program{
		Year: d.Year, StartsOn: d.StartsOn, Deadline: d.Deadline,
		RebuildSubsidyYuan: d.RebuildSubsidyYuan, ReinforceSubsidyYuan: d.ReinforceSubsidyYuan,
		MinRebuildAreaM2: d.MinRebuildAreaM2, OldHouseYears: d.OldHouseYears,
		VillagePublicityDays: d.VillagePublicityDays, TownshipPublicityDays: d.TownshipPublicityDays,
		PaymentDueDays: d.PaymentDueDays, AtRiskDays: d.AtRiskDays, SupervisionPhone: d.SupervisionPhone,
		TownshipPhones: d.TownshipPhones, Closed: d.Closed, ClosedAt: d.ClosedAt, ClosedBy: d.ClosedBy, CreatedAt: d.CreatedAt, CreatedBy: d.CreatedBy,
	}
	for _, a := range d.Amendments {
		am := domain.Amendment{No: a.No, At: a.At, By: a.By, ByName: a.ByName, Reason: a.Reason}
		for _, c := range a.Changes {
			am.Changes = append(am.Changes, domain.Change(c))
		}
		p.Amendments = append(p.Amendments, am)
	}
	return p
}

// Programs keeps the yearly programs, whose rules are data. A program is
// written only by a compare-and-swap on the revision it was read at,
// under this process's lock of its year (FerretDB's updates are not
// atomic), so two admins amending at once never lose one amendment.
type Programs struct {
	c     *mongo.Collection
	locks *stripes
}

// NewPrograms returns the program store on db.
func NewPrograms(db *mongo.Database) *Programs {
	return &Programs{c: db.Collection("programs"), locks: &stripes{}}
}

func errProgramNotFound(year int) error {
	return domain.Errorf(domain.KindNotFound, "program_not_found", "未找到%d年度的改造方案", year)
}

// StoredProgram is a program with the revision it was read at, which a
// write of it must still find.
type StoredProgram struct {
	domain.Program
	Rev int
}

// Get returns the program of year, or a program_not_found error.
func (s *Programs) Get(ctx context.Context, year int) (domain.Program, error) {
	sp, err := s.GetRev(ctx, year)
	return sp.Program, err
}

// GetRev returns the program of year with its revision.
func (s *Programs) GetRev(ctx context.Context, year int) (StoredProgram, error) {
	var d programDoc
	err := s.c.FindOne(ctx, bson.M{"_id": year}).Decode(&d)
	if isNotFound(err) {
		return StoredProgram{}, errProgramNotFound(year)
	}
	if err != nil {
		return StoredProgram{}, fmt.Errorf("get program %d: %w", year, err)
	}
	return StoredProgram{programToDomain(d), d.Rev}, nil
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
		out = append(out, programToDomain(d))
	}
	return out, nil
}

// Create stores a new program year; a year that exists is a conflict
// "program_exists".
func (s *Programs) Create(ctx context.Context, p domain.Program) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	_, err := s.c.InsertOne(ctx, programToDoc(p, 1))
	if isDuplicate(err) {
		return domain.Errorf(domain.KindConflict, "program_exists", "%d年度方案已存在，请刷新后重试", p.Year)
	}
	if err != nil {
		return fmt.Errorf("create program %d: %w", p.Year, err)
	}
	return nil
}

// Update replaces the program read as old with next, if it is still at
// old's revision (else a conflict "program_changed": read it again).
func (s *Programs) Update(ctx context.Context, old StoredProgram, next domain.Program) error {
	if old.Year != next.Year {
		return fmt.Errorf("update program %d: year changed to %d", old.Year, next.Year)
	}
	ctx, cancel := detach(ctx)
	defer cancel()
	defer s.locks.lock(fmt.Sprint("program/", old.Year))()
	var cur programDoc
	err := s.c.FindOne(ctx, bson.M{"_id": old.Year}, options.FindOne().SetProjection(bson.M{"rev": 1})).Decode(&cur)
	if isNotFound(err) {
		return errProgramNotFound(old.Year)
	}
	if err != nil {
		return fmt.Errorf("read program %d: %w", old.Year, err)
	}
	changed := domain.Errorf(domain.KindConflict, "program_changed", "%d年度方案刚被他人修改，请刷新后重试", old.Year)
	if cur.Rev != old.Rev {
		return changed
	}
	res, err := s.c.ReplaceOne(ctx, bson.M{"_id": old.Year, "rev": old.Rev}, programToDoc(next, old.Rev+1))
	if err != nil {
		return fmt.Errorf("update program %d: %w", old.Year, err)
	}
	if res.MatchedCount == 0 {
		return changed
	}
	return nil
}

// Seed stores p unless a program of its year exists (an admin's later
// changes win over the built-in values).
func (s *Programs) Seed(ctx context.Context, p domain.Program) error {
	_, err := s.c.InsertOne(ctx, programToDoc(p, 1))
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("seed program %d: %w", p.Year, err)
	}
	return nil
}
