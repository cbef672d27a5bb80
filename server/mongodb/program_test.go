package mongodb_test

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

func TestProgramRoundTripAndCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, dbtest.New(t)).Programs
	p := domain.Program2024()
	p.SupervisionPhone = "12345"
	p.TownshipPhones = map[string]string{"622923100": "0930-8812346"}
	p.CreatedAt, p.CreatedBy = t0, "admin"
	if err := s.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, p); code(err) != "program_exists" {
		t.Fatalf("second create: %v", err)
	}
	old, err := s.GetRev(ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	admin := domain.Actor{UserID: "admin", Name: "管理员", Role: domain.RoleAdmin, AreaCode: domain.CountyCode}
	amount := int64(32000)
	next, _, err := domain.Amend(old.Program, domain.ProgramPatch{RebuildSubsidyYuan: &amount}, "提标", admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	next.Closed, next.ClosedAt, next.ClosedBy = true, t0, "admin"
	if err := s.Update(ctx, old, next); err != nil {
		t.Fatal(err)
	}
	// A write on the revision read before it is refused, not lost.
	if err := s.Update(ctx, old, old.Program); code(err) != "program_changed" {
		t.Fatalf("stale update: %v", err)
	}
	got, err := s.Get(ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	next.ClosedAt, got.ClosedAt = next.ClosedAt.UTC(), got.ClosedAt.UTC()
	next.CreatedAt, got.CreatedAt = next.CreatedAt.UTC(), got.CreatedAt.UTC()
	for i := range got.Amendments {
		got.Amendments[i].At = got.Amendments[i].At.UTC()
		next.Amendments[i].At = next.Amendments[i].At.UTC()
	}
	if !reflect.DeepEqual(got, next) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, next)
	}
}

func TestScanAndCountOfAProgramYear(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for i, c := range []domain.Case{
		sampleCase("s1", "622923100201", "622923198001011234", "H1"),
		sampleCase("s2", "622923101201", "622923198001012018", "H2"),
		sampleCase("s3", "622923101201", "622923198001013015", "H3"),
	} {
		if i == 2 {
			c.ProgramYear = 2025
		}
		if _, _, err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	err := s.Scan(ctx, 2024, func(c domain.Case) error {
		if c.History != nil || c.Household.IDNumber != domain.MaskID(c.Household.IDNumber) {
			t.Errorf("scan gives a whole file: %+v", c)
		}
		ids = append(ids, c.ID)
		return nil
	})
	sort.Strings(ids)
	if err != nil || !reflect.DeepEqual(ids, []string{"s1", "s2"}) {
		t.Fatalf("scan 2024: %v %v", ids, err)
	}
	for year, want := range map[int]int64{2024: 2, 2025: 1, 2026: 0} {
		if n, err := s.CountOf(ctx, year); err != nil || n != want {
			t.Errorf("CountOf(%d) = %d, %v; want %d", year, n, err, want)
		}
	}
}
