package mongodb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
)

func dupWarning(photo, other string) domain.Warning {
	return domain.Warning{Code: domain.WarnDuplicatePhoto, PhotoID: photo, OtherCaseID: "other", OtherPhoto: other,
		Message: "另一户档案上传了相同的照片", At: t0}
}

func TestAddWarningsKeepsEachFindingOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	c := sampleCase("w1", "622923100201", "622923198001011234", "H1")
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	n, err := s.AddWarnings(ctx, "w1", []domain.Warning{dupWarning("p1", "q1"), dupWarning("p1", "q1"), dupWarning("p2", "q2")})
	if err != nil || n != 2 {
		t.Fatalf("AddWarnings = %d, %v; want 2 added", n, err)
	}
	again := dupWarning("p1", "q1")
	again.Message, again.At = "措辞不同", t0.Add(1)
	if n, err := s.AddWarnings(ctx, "w1", []domain.Warning{again}); err != nil || n != 0 {
		t.Errorf("the same finding again: %d added, %v; want 0", n, err)
	}
	got, err := s.Get(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 2 || got.Version != c.Version || len(got.History) != len(c.History) {
		t.Errorf("case has %d warnings, version %d, %d history entries; want 2, %d, %d",
			len(got.Warnings), got.Version, len(got.History), c.Version, len(c.History))
	}
	if got.Warnings[0] != dupWarning("p1", "q1") {
		t.Errorf("stored warning %+v, want %+v", got.Warnings[0], dupWarning("p1", "q1"))
	}
	page, err := s.List(ctx, ListQuery{Area: "622923", HasWarnings: true})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("list with warnings = %d cases, %v; want 1", len(page.Items), err)
	}
	if _, err := s.AddWarnings(ctx, "missing", []domain.Warning{again}); code(err) != "not_found" {
		t.Errorf("warning on a missing case: %v, want not_found", err)
	}
}

// TestConcurrentWarningsAreAllKept adds warnings from many uploads at once
// (embedded FerretDB does not make updates atomic by itself).
func TestConcurrentWarningsAreAllKept(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, _, err := s.Create(ctx, sampleCase("w2", "622923100201", "622923198001011234", "H1")); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.AddWarnings(ctx, "w2", []domain.Warning{dupWarning(fmt.Sprint("p", i), "q")}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(ctx, "w2")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != n {
		t.Errorf("%d warnings kept of %d added concurrently", len(got.Warnings), n)
	}
}

// TestDecisionOnAnOlderReadKeepsWarnings: a warning added to a case after
// someone read it must survive that person's write (their write is
// refused as changed, and they decide again on the fresh case).
func TestDecisionOnAnOlderReadKeepsWarnings(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, _, err := s.Create(ctx, sampleCase("w3", "622923100201", "622923198001011234", "H1")); err != nil {
		t.Fatal(err)
	}
	read, err := s.Get(ctx, "w3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddWarnings(ctx, "w3", []domain.Warning{dupWarning("p1", "q1")}); err != nil {
		t.Fatal(err)
	}
	next := read
	next.Version++
	next.Stage = domain.StageVillagePublicity
	next.History = append(append([]domain.HistoryEntry(nil), read.History...), domain.HistoryEntry{Seq: 2, Action: "village_review", At: t0, Hash: "h2", PrevHash: "h1"})
	err = s.Update(ctx, read, next)
	got, gerr := s.Get(ctx, "w3")
	if gerr != nil {
		t.Fatal(gerr)
	}
	if len(got.Warnings) != 1 {
		t.Errorf("Update on a read older than a warning: %v, and the case now has %d warnings; want the write refused (ErrChanged) and the warning kept", err, len(got.Warnings))
	}
}
