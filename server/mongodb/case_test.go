package mongodb_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

var t0 = time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)

// sampleCase is a filed case of head idn in village v.
func sampleCase(id, v, idn, hukou string) domain.Case {
	return domain.Case{
		ID: id, ProgramYear: 2024, VillageCode: v,
		Household: domain.Household{HeadName: "马" + id, IDNumber: idn, Phone: "13800000000", HukouNo: hukou,
			Type: domain.TypeSubsistenceAllowance},
		House:  domain.House{Address: "一社", BuiltYear: 1980, Structure: domain.StructureEarth, FloorAreaM2: 60, OnlyHouse: true, Lat: 35.9, Lng: 103.3},
		Method: domain.MethodRebuild, Stage: domain.StageApplied, Version: 1,
		CreatedAt: t0, CreatedBy: "u1", UpdatedAt: t0,
		History: []domain.HistoryEntry{{Seq: 1, Action: "create", ActorID: "u1", At: t0, ToStage: domain.StageApplied, Hash: "h1"}},
	}
}

// fullCase has every part of the file filled, to prove the converters
// keep all of it.
func fullCase() domain.Case {
	c := sampleCase("full", "622923100201", "622923198001011234", "H1")
	c.Household.Members = []domain.Member{{Name: "妻", IDNumber: "622923198101011235", Relation: "配偶"}}
	c.Flags = domain.Flags{PreviouslyRenovated: true, SmallDisasterDamage: true}
	c.Reapplication = "小震受损"
	c.Stage = domain.StageArchived
	c.Version = 9
	c.ReturnReason, c.ReturnedBy, c.CloseReason = "补材料", domain.RoleTownshipOfficer, ""
	c.VillageReview = &domain.VillageReview{Passed: true, MeetingDate: "2024-03-02", At: t0, By: "u1"}
	c.VillagePublicity = &domain.Publicity{Start: "2024-03-02", EndsOn: "2024-03-09", ClosedOn: "2024-03-10"}
	c.TownshipReviewAt = t0.Add(time.Hour)
	c.TownshipPublicity = &domain.Publicity{Start: "2024-03-11", EndsOn: "2024-03-18", ClosedOn: "2024-03-18"}
	c.Objections = []domain.Objection{{ID: "o1", Level: domain.StageVillagePublicity, Text: "有异议", ReceivedOn: "2024-03-03",
		RecordedBy: "u1", Outcome: "dismissed", Explanation: "不实", ResolvedBy: "u1", ResolvedAt: t0}}
	c.Verification = &domain.Verification{Passed: true, Department: domain.RoleCivilAffairs, CertificateRef: "民-1", At: t0, By: "u5"}
	c.Appraisal = &domain.Appraisal{Grade: domain.GradeD, Structure: domain.StructureEarth, BuiltYear: 1980, Notes: "n",
		Bases: []domain.Basis{domain.BasisAppraisedDangerous, domain.BasisEarth}, At: t0, By: "u3"}
	c.Approval = &domain.Approval{Method: domain.MethodRebuild, PlannedSubsidy: 30000, Amendments: 2, At: t0, By: "u4",
		ArchiveSeq: 7, ArchiveNo: domain.FormatArchiveNo(2024, 7)}
	c.Agreement = &domain.Agreement{BuilderName: "张", BuilderCertNo: "C1", StartDate: "2024-04-01", PlannedFinish: "2024-07-01", At: t0, By: "u1"}
	c.SelfCheckAt = t0.Add(2 * time.Hour)
	c.Acceptances = []domain.Acceptance{{Passed: true, MeasuredAreaM2: 60.5, Storeys: 1,
		Checklist:  domain.Checklist{RingBeams: "pass", TieColumns: "pass", TieBars: "pass", Foundation: "pass", Walls: "pass", Roof: "na"},
		Signatures: []domain.Signature{{SignerRole: domain.SignerInspector, SignerName: "李", ObjectKey: "cases/full/sig-inspector.png", SHA256: "ab", Size: 99}},
		FormSHA256: "ff", SubsidyYuan: 30000, Version: 7, At: t0, By: "u3"}}
	c.Payment = &domain.Payment{AmountYuan: 30000, Bank: "农信", AccountNo: "6230000000000001234", PayeeName: c.Household.HeadName,
		VoucherNo: "V1", PaidOn: "2024-08-01", At: t0, By: "u6"}
	c.ArchivedAt = t0.Add(3 * time.Hour)
	c.DecidedAt = t0.Add(3 * time.Hour)
	c.Photos = []domain.Photo{{ID: "p1", Kind: domain.PhotoHukou, TakenAt: t0, Lat: 35.9, Lng: 103.3, Accuracy: 5, ReceivedAt: t0,
		UploadedBy: "u1", SHA256: "cd", PHash: 1<<63 + 5, Size: 1000, Width: 10, Height: 20, Format: "jpeg", ObjectKey: "k", ThumbKey: "t"}}
	c.Warnings = []domain.Warning{{Code: domain.WarnFarFromHouse, PhotoID: "p1", OtherCaseID: "x", OtherPhoto: "y", Ref: "r", Message: "远", At: t0}}
	c.History = append(c.History, domain.HistoryEntry{Seq: 2, Action: "archive", ActorID: "u2", ActorName: "王",
		ActorRole: domain.RoleTownshipOfficer, ActorArea: "622923100", At: t0, FromStage: domain.StagePaid,
		ToStage: domain.StageArchived, Input: "{}", PrevHash: "h1", Hash: "h2"})
	return c
}

func cases(s *Cases) *mongo.Collection  { c, _, _ := s.Collections(); return c }
func keys(s *Cases) *mongo.Collection   { _, k, _ := s.Collections(); return k }
func counts(s *Cases) *mongo.Collection { _, _, n := s.Collections(); return n }

// newStore opens a fresh database; under TestMongoDBPaths it takes the
// MongoDB code paths.
func newStore(t *testing.T) *Cases {
	t.Helper()
	return mustOpen(t, dbtest.New(t)).Cases
}

func mustOpen(t *testing.T, db *mongo.Database) *DB {
	t.Helper()
	d, err := Open(context.Background(), db, Options{MongoPaths: strings.HasPrefix(t.Name(), "TestMongoDBPaths/")})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Cases
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

func code(err error) string {
	if e, ok := domain.AsError(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestCaseRoundTripKeepsTheWholeFile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	want := fullCase()
	if _, created, err := s.Create(ctx, want); err != nil || !created {
		t.Fatalf("create: created %v, %v", created, err)
	}
	got, err := s.Get(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored case differs:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.Get(ctx, "nope"); code(err) != "not_found" {
		t.Fatalf("missing case: got %v, want not_found", err)
	}
}

func TestCreateIsIdempotentOnTheCaseID(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c := sampleCase("c1", "622923100201", "622923198001011234", "H1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, errs := 0, []error{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, ok, err := s.Create(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if ok {
				created++
			}
			if got.ID != c.ID || got.Version != 1 {
				errs = append(errs, fmt.Errorf("got case %s v%d", got.ID, got.Version))
			}
		}()
	}
	wg.Wait()
	if created != 1 || len(errs) > 0 {
		t.Fatalf("20 concurrent creates: %d created, errors %v; want 1 and none", created, errs)
	}
	n, _ := cases(s).CountDocuments(ctx, bson.M{})
	if n != 1 {
		t.Fatalf("%d cases stored, want 1", n)
	}
	other := c
	other.Household.Phone = "13900000000"
	if _, _, err := s.Create(ctx, other); code(err) != "id_conflict" {
		t.Fatalf("same id, other body: got %v, want id_conflict", err)
	}
	counts, _ := s.Counts(ctx, 2024, "622923")
	if len(counts) != 1 || counts[0].Total != 1 {
		t.Fatalf("counters after retries: %+v, want one case", counts)
	}
}

func TestOneActiveApplicationPerPersonAndHukou(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := sampleCase("a", "622923100201", "622923198001011234", "H1")
	a.Household.Members = []domain.Member{{Name: "子", IDNumber: "622923200501011236", Relation: "子"}}
	if _, _, err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		idn, hukou string
		members    []domain.Member
		wantField  string
	}{
		{"same head", "622923198001011234", "H2", nil, "household.id_number"},
		{"head lower-case x", "622923198001011234", "H2", nil, "household.id_number"},
		{"head is a member of the other", "622923200501011236", "H3", nil, "household.id_number"},
		{"member is the other's head", "622923199901011111", "H4", []domain.Member{{Name: "父", IDNumber: "622923198001011234"}}, "household.id_number"},
		{"same hukou", "622923199901012222", "H1", nil, "household.hukou_no"},
		{"head typed full-width", "６２２９２３１９８００１０１１２３４", "H5", nil, "household.id_number"},
		{"head with zero-width and spaces", "\u200b622923 19800101 1234\ufeff", "H6", nil, "household.id_number"},
		{"hukou lower-case, full-width, spaced", "622923199901013333", "\u3000ｈ1 ", nil, "household.hukou_no"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := sampleCase(fmt.Sprintf("b%d", i), "622923100202", tt.idn, tt.hukou)
			b.Household.Members = tt.members
			_, _, err := s.Create(ctx, b)
			var d *domain.Duplicate
			if !errors.As(err, &d) {
				t.Fatalf("got %v, want a duplicate", err)
			}
			if d.OwnerID != "a" || d.HeadName != "马a" || d.VillageCode != "622923100201" || d.Stage != domain.StageApplied ||
				d.Field != tt.wantField || d.Pending {
				t.Fatalf("duplicate %+v", d)
			}
			// Unnarrowed, it is the outsider's refusal: nothing of a.
			if e, ok := domain.AsError(err); !ok || e.Code != "duplicate_application" || e.Details["case_id"] != "" {
				t.Fatalf("unnarrowed %+v", e)
			}
			if strings.Contains(err.Error(), "622923198001011234") || strings.Contains(err.Error(), "马a") {
				t.Fatalf("error text shows the household: %v", err)
			}
		})
	}
	// Nothing of the refused filings stays reserved: a different person files fine.
	if _, _, err := s.Create(ctx, sampleCase("c", "622923100202", "622923199901012222", "H9")); err != nil {
		t.Fatalf("unrelated filing: %v", err)
	}
	// Withdrawn, a has no hold on the household any more.
	w := a
	w.Stage, w.Version = domain.StageWithdrawn, 2
	if err := s.Update(ctx, a, w); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create(ctx, sampleCase("d", "622923100201", "622923198001011234", "H1")); err != nil {
		t.Fatalf("after withdrawal: %v", err)
	}
	// And a cannot come back from the dead by a stale write.
	if err := s.Update(ctx, a, w); code(err) != "stale_version" {
		t.Fatalf("stale write: got %v", err)
	}
}

func TestAbandonedReservationIsTakenOverOnlyWhenOld(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := t0
	s.Now = func() time.Time { return now }
	c := sampleCase("new", "622923100201", "622923198001011234", "H1")
	k := KeysOf(c)[0]
	if _, err := keys(s).InsertOne(ctx, KeyDoc{ID: k, CaseID: "crashed", At: now.Add(-10 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Create(ctx, c)
	var d *domain.Duplicate
	if code(err) != "duplicate_application" || !errors.As(err, &d) || !d.Pending || d.HeadName != "" {
		t.Fatalf("fresh reservation of another filing: got %v, want a pending duplicate", err)
	}
	now = now.Add(StaleReservation)
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatalf("after the reservation went stale: %v", err)
	}
	var held KeyDoc
	if err := keys(s).FindOne(ctx, bson.M{"_id": k}).Decode(&held); err != nil || held.CaseID != "new" {
		t.Fatalf("reservation: %+v %v", held, err)
	}
}

func TestUpdateRefusesAStaleVersion(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c := sampleCase("c1", "622923100201", "622923198001011234", "H1")
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, stale := 0, 0
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n := c
			n.Version = 2
			n.Stage = domain.StageVillagePublicity
			n.ReturnReason = fmt.Sprint(i)
			err := s.Update(ctx, c, n)
			mu.Lock()
			defer mu.Unlock()
			switch e, _ := domain.AsError(err); {
			case err == nil:
				ok++
			case e != nil && e.Code == "stale_version" && e.Details["current_version"] == "2":
				stale++
			default:
				t.Errorf("update: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if ok != 1 || stale != 29 {
		t.Fatalf("30 concurrent updates of v1: %d succeeded, %d stale; want 1 and 29", ok, stale)
	}
	got, _ := s.Get(ctx, "c1")
	var fh struct {
		F string `bson:"filing_hash"`
	}
	_ = cases(s).FindOne(ctx, bson.M{"_id": "c1"}).Decode(&fh)
	if got.Version != 2 || fh.F != FilingHash(c) {
		t.Fatalf("after update: version %d, filing %q", got.Version, fh.F)
	}
	counts, _ := s.Counts(ctx, 2024, "622923100")
	if len(counts) != 1 || counts[0].ByStage[domain.StageVillagePublicity] != 1 || counts[0].ByStage[domain.StageApplied] != 0 {
		t.Fatalf("counters: %+v", counts)
	}
	// A retry of the original filing still finds its case.
	if _, created, err := s.Create(ctx, c); err != nil || created {
		t.Fatalf("retry of filing after an update: created %v, %v", created, err)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	villages := []string{"622923100201", "622923100202", "622923101201"}
	for i := 0; i < 30; i++ {
		c := sampleCase(fmt.Sprintf("c%02d", i), villages[i%3], fmt.Sprintf("6229231980010%05d", i), fmt.Sprintf("H%d", i))
		c.UpdatedAt = t0.Add(time.Duration(i/4) * time.Minute) // ties on updated_at
		if i%5 == 0 {
			c.Stage = domain.StageConstruction
		}
		if i%7 == 0 {
			c.Warnings = []domain.Warning{{Code: domain.WarnOutOfOrder}}
		}
		if _, _, err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q ListQuery) []string {
		t.Helper()
		var out []string
		for {
			p, err := s.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				out = append(out, c.ID)
			}
			if p.NextCursor == "" {
				return out
			}
			q.Cursor = p.NextCursor
		}
	}
	all := ids(ListQuery{Area: "622923", Limit: 7})
	if len(all) != 30 {
		t.Fatalf("paged through %d cases, want 30: %v", len(all), all)
	}
	sorted := append([]string(nil), all...)
	sort.SliceStable(sorted, func(i, j int) bool {
		var a, b int
		fmt.Sscanf(sorted[i], "c%d", &a)
		fmt.Sscanf(sorted[j], "c%d", &b)
		if a/4 != b/4 {
			return a/4 > b/4
		}
		return sorted[i] < sorted[j]
	})
	if !reflect.DeepEqual(all, sorted) {
		t.Fatalf("order %v, want %v", all, sorted)
	}
	tests := []struct {
		name string
		q    ListQuery
		want int
	}{
		{"township area", ListQuery{Area: "622923100"}, 20},
		{"village area", ListQuery{Area: "622923101201"}, 10},
		{"township filter", ListQuery{Area: "622923", Township: "622923101"}, 10},
		{"village filter", ListQuery{Area: "622923", Village: "622923100202"}, 10},
		{"village outside area", ListQuery{Area: "622923101", Village: "622923100202"}, 0},
		{"stage", ListQuery{Area: "622923", Stages: []domain.Stage{domain.StageConstruction}}, 6},
		{"no stage", ListQuery{Area: "622923", Stages: []domain.Stage{}}, 0},
		{"warnings", ListQuery{Area: "622923", HasWarnings: true}, 5},
		{"name", ListQuery{Area: "622923", Search: byName("马c1")}, 10},
		{"name is not a number", ListQuery{Area: "622923", Search: byName("00012")}, 0},
		{"id tail", ListQuery{Area: "622923", Search: byTail("00012")}, 1},
		{"id tail 4", ListQuery{Area: "622923", Search: byTail("0001")}, 1},
		{"id tail 6", ListQuery{Area: "622923", Search: byTail("000012")}, 1},
		{"id tail 4 in a township", ListQuery{Area: "622923101", Search: byTail("0011")}, 1},
		{"id tail 4 outside the area", ListQuery{Area: "622923101", Search: byTail("0012")}, 0},
		{"id tail 1", ListQuery{Area: "622923", Search: byTail("7")}, 3},
		{"full id", ListQuery{Area: "622923", Search: byNumber("622923198001000017")}, 1},
		{"full id, another birth date", ListQuery{Area: "622923", Search: byNumber("622923197001000017")}, 0},
		{"a tail longer than kept finds nothing", ListQuery{Area: "622923", Search: byTail("1000017")}, 0},
		{"an empty tail finds nothing", ListQuery{Area: "622923", Search: byTail("")}, 0},
		{"an empty name finds nothing", ListQuery{Area: "622923", Search: byName("")}, 0},
		{"year", ListQuery{Area: "622923", ProgramYear: 2025}, 0},
		{"keep", ListQuery{Area: "622923", Keep: func(c domain.Case) bool { return c.ID < "c05" }, Limit: 2}, 5},
	}
	for _, fromDB := range []bool{false, true} {
		s.ListFromDB = fromDB // FerretDB answers from the list view; MongoDB from queries
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/db=%v", tt.name, fromDB), func(t *testing.T) {
				got := ids(tt.q)
				if len(got) != tt.want {
					t.Fatalf("got %d cases %v, want %d", len(got), got, tt.want)
				}
				// Each walks the same cases in the same order in one pass, masked as a list.
				var each []string
				if err := s.Each(ctx, tt.q, func(c domain.Case) error {
					if c.History != nil || strings.Contains(c.Household.IDNumber, "19800") {
						t.Fatalf("Each gave case %s unreduced", c.ID)
					}
					each = append(each, c.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(each, got) && !(len(each) == 0 && len(got) == 0) {
					t.Fatalf("Each walked %v, List paged %v", each, got)
				}
			})
		}
		if got := ids(ListQuery{Area: "622923", Limit: 4}); !reflect.DeepEqual(got, sorted) {
			t.Fatalf("db=%v: order %v, want %v", fromDB, got, sorted)
		}
	}
	s.ListFromDB = false
	if _, err := s.List(ctx, ListQuery{Area: "622923", Cursor: "!!"}); code(err) != "invalid_input" {
		t.Fatalf("bad cursor: %v", err)
	}
}

func byName(s string) domain.Search   { return domain.Search{By: domain.SearchByName, Name: s} }
func byTail(s string) domain.Search   { return domain.Search{By: domain.SearchByIDTail, IDTail: s} }
func byNumber(s string) domain.Search { return domain.Search{By: domain.SearchByIDNumber, IDNumber: s} }

func TestCountersFollowWritesAndReconcile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a := sampleCase("a", "622923100201", "622923198001011234", "H1")
	b := sampleCase("b", "622923100202", "622923198001015678", "H2")
	for _, c := range []domain.Case{a, b} {
		if _, _, err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	a2 := a
	a2.Version, a2.Stage = 2, domain.StageAccepted
	a2.Approval = &domain.Approval{PlannedSubsidy: 30000}
	a2.Acceptances = []domain.Acceptance{{Passed: true, SubsidyYuan: 30000, At: time.Date(2024, 7, 31, 17, 0, 0, 0, time.UTC)}}
	a2.Warnings = []domain.Warning{{Code: "x"}}
	if err := s.Update(ctx, a, a2); err != nil {
		t.Fatal(err)
	}
	a3 := a2
	a3.Version, a3.Stage = 3, domain.StagePaid
	a3.Payment = &domain.Payment{AmountYuan: 30000}
	if err := s.Update(ctx, a2, a3); err != nil {
		t.Fatal(err)
	}
	live, err := s.Counts(ctx, 2024, "622923")
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 2 {
		t.Fatalf("counters: %+v", live)
	}
	v := live[0]
	if v.Total != 1 || v.ByStage[domain.StagePaid] != 1 || v.ByStage[domain.StageAccepted] != 0 || v.PlannedYuan != 30000 ||
		v.PaidYuan != 30000 || v.WithWarnings != 1 || v.AcceptedUnpaid["2024-08-01"] != 0 {
		t.Fatalf("village counters: %+v", v)
	}
	// Break the counters as a crash between the case and counter writes
	// would; Reconcile puts them back.
	if _, err := counts(s).UpdateOne(ctx, bson.M{"_id": "2024/622923100201"}, bson.M{"$inc": bson.M{"total": 5, "stage.applied": 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := counts(s).InsertOne(ctx, EmptyCounts("2024/622923999999", 2024, "622923999999")); err != nil {
		t.Fatal(err)
	}
	if err := s.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	fixed, _ := s.Counts(ctx, 2024, "622923")
	for i := range live {
		for st, n := range live[i].ByStage {
			if n == 0 {
				delete(live[i].ByStage, st)
			}
		}
		for d, n := range live[i].AcceptedUnpaid {
			if n == 0 {
				delete(live[i].AcceptedUnpaid, d)
			}
		}
	}
	if !reflect.DeepEqual(fixed, live) {
		t.Fatalf("reconciled %+v\nwant %+v", fixed, live)
	}
	// After Reconcile the dashboard reads the in-memory mirror, which
	// follows later writes exactly as the documents do.
	b2 := b
	b2.Version, b2.Stage = 2, domain.StageWithdrawn
	if err := s.Update(ctx, b, b2); err != nil {
		t.Fatal(err)
	}
	mem, _ := s.Counts(ctx, 2024, "622923")
	cur, err := counts(s).Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []VillageCounts
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		for st, n := range docs[i].ByStage {
			if n == 0 {
				delete(docs[i].ByStage, st)
			}
		}
		for st, n := range mem[i].ByStage {
			if n == 0 {
				delete(mem[i].ByStage, st)
			}
		}
	}
	if !reflect.DeepEqual(mem, docs) || mem[1].ByStage[domain.StageWithdrawn] != 1 {
		t.Fatalf("in memory %+v\nstored %+v", mem, docs)
	}
}

func TestHistoryOnlyWritesCompareAndSwapToo(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c := sampleCase("c1", "622923100201", "622923198001011234", "H1")
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	withPhoto := func(id string) domain.Case {
		n := c
		n.Photos = []domain.Photo{{ID: id}}
		n.History = append(append([]domain.HistoryEntry(nil), c.History...), domain.HistoryEntry{Seq: 2, Action: "add_photo"})
		return n
	}
	if err := s.Update(ctx, c, withPhoto("p1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, c, withPhoto("p2")); err != ErrChanged {
		t.Fatalf("second photo on the same read: got %v, want ErrChanged", err)
	}
	got, _ := s.Get(ctx, "c1")
	if len(got.Photos) != 1 || got.Photos[0].ID != "p1" || got.Version != 1 {
		t.Fatalf("stored %+v", got.Photos)
	}
}

func TestIndexesSurviveARestart(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	for i := 0; i < 2; i++ { // every start ensures them again
		if err := mustOpen(t, db).Cases.EnsureIndexes(ctx); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
	}
}

func TestAWarningAddedMeanwhileIsNotOverwritten(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c := sampleCase("c1", "622923100201", "622923198001011234", "H1")
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddWarnings(ctx, "c1", []domain.Warning{{Code: domain.WarnDuplicatePhoto, PhotoID: "p"}}); err != nil {
		t.Fatal(err)
	}
	n := c
	n.Version, n.Stage = 2, domain.StageWithdrawn
	if err := s.Update(ctx, c, n); err != ErrChanged {
		t.Fatalf("decision on a read from before the warning: got %v, want ErrChanged", err)
	}
	got, _ := s.Get(ctx, "c1")
	if len(got.Warnings) != 1 || got.Version != 1 {
		t.Fatalf("stored %+v", got)
	}
}

// TestMongoDBPaths runs the store's tests again through the code paths
// taken on MongoDB: compare-and-swap filters on version, history length
// and warning count, list queries and counter documents.
func TestMongoDBPaths(t *testing.T) {
	for name, f := range map[string]func(*testing.T){
		"create":     TestCreateIsIdempotentOnTheCaseID,
		"duplicates": TestOneActiveApplicationPerPersonAndHukou,
		"takeover":   TestAbandonedReservationIsTakenOverOnlyWhenOld,
		"stale":      TestUpdateRefusesAStaleVersion,
		"history":    TestHistoryOnlyWritesCompareAndSwapToo,
		"warnings":   TestAWarningAddedMeanwhileIsNotOverwritten,
		"list":       TestListFiltersAndPages,
		"counters":   TestCountersFollowWritesAndReconcile,
		"round trip": TestCaseRoundTripKeepsTheWholeFile,
		"scan":       TestScanAndCountOfAProgramYear,
		"heal keys":  TestReconcileReservesNumbersFiledInAnotherForm,
		"numbers":    TestRacingApprovalsGetConsecutiveArchiveNumbers,
		"give back":  TestARefusedOrFailedApprovalGivesItsNumberBack,
		"abandoned":  TestAnAbandonedNumberIsTakenOverOnlyWhenStale,
		"no counter": TestNumbersStartAgainFromTheReservationsWithoutACounter,
	} {
		t.Run(name, f)
	}
}

// TestReconcileReservesNumbersFiledInAnotherForm: cases stored before
// numbers were normalised hold their 户口簿 reservation under the form it
// was typed in; after Reconcile they hold it in the normal form, so the
// same number filed again is refused, and two cases that only the form
// of the number kept apart are reported.
func TestReconcileReservesNumbersFiledInAnotherForm(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	oldForm := func(c domain.Case) {
		t.Helper()
		if err := s.Load(ctx, []domain.Case{c}); err != nil {
			t.Fatal(err)
		}
		if _, err := keys(s).DeleteMany(ctx, bson.M{"case_id": c.ID}); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(c.Household.HukouNo)))
		for _, k := range []string{"2024/id/" + IDNumberHash(c.Household.IDNumber), "2024/hukou/" + hex.EncodeToString(sum[:])} {
			if _, err := keys(s).InsertOne(ctx, KeyDoc{ID: k, CaseID: c.ID, At: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	oldForm(sampleCase("old-1", "622923100201", "622923198001011234", "hk 0０1"))
	oldForm(sampleCase("old-2", "622923101201", "622923198001015678", "Hk001"))
	if err := s.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Create(ctx, sampleCase("new", "622923100202", "622923199901012222", "HK001"))
	var d *domain.Duplicate
	if !errors.As(err, &d) || d.Field != "household.hukou_no" || (d.OwnerID != "old-1" && d.OwnerID != "old-2") {
		t.Fatalf("the same 户口簿 filed again: got %v, want a duplicate of old-1 or old-2", err)
	}
	var held []KeyDoc
	cur, err := keys(s).Find(ctx, bson.M{"case_id": bson.M{"$in": []string{"old-1", "old-2"}}})
	if err != nil || cur.All(ctx, &held) != nil {
		t.Fatal(err)
	}
	for _, k := range held {
		c, _ := s.Get(ctx, k.CaseID)
		if !contains(KeysOf(c), k.ID) {
			t.Errorf("case %s still holds %s, a key of the old form", k.CaseID, k.ID)
		}
	}
	doubled := s.Doubled()
	if len(doubled) != 1 || len(doubled[0].Others) != 1 ||
		!reflect.DeepEqual([]string{doubled[0].CaseID, doubled[0].Others[0]}, []string{"old-2", "old-1"}) &&
			!reflect.DeepEqual([]string{doubled[0].CaseID, doubled[0].Others[0]}, []string{"old-1", "old-2"}) {
		t.Errorf("doubled %+v, want old-1 and old-2 reported", doubled)
	}
	// A second start finds nothing new to heal and keeps things as they are.
	if err := s.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
