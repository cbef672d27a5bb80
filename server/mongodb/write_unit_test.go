package mongodb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

// proxied opens the store of a fresh database through a proxy that can
// hold back or lose the database's traffic, with the list view and
// counters built as at start.
func proxied(t *testing.T) (*Cases, *dbtest.Proxy) {
	t.Helper()
	p := dbtest.NewProxy(t)
	s := mustOpen(t, p.Database(t, dbtest.New(t).Name())).Cases
	if err := s.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, p
}

// withEntry is c after a history-only write (a photo, a reveal) by name.
func withEntry(c domain.Case, name string) domain.Case {
	n := c
	n.History = append(slices.Clone(c.History), domain.HistoryEntry{Seq: len(c.History) + 1, Action: name,
		ActorID: "u", At: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC), FromStage: c.Stage, ToStage: c.Stage})
	return n
}

func hasEntry(c domain.Case, name string) bool {
	return slices.ContainsFunc(c.History, func(e domain.HistoryEntry) bool { return e.Action == name })
}

// TestAWriteWhoseCallerHungUpCannotReplaceALaterOne: the phone hangs up
// while its write is on its way to the database. The write still lands,
// late; the next write must not be lost under it.
func TestAWriteWhoseCallerHungUpCannotReplaceALaterOne(t *testing.T) {
	s, p := proxied(t)
	ctx := context.Background()
	c := sampleCase("late-1", "622923100201", "622923198001011234", "H1")
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	released := p.Hold("update", "cases", 400*time.Millisecond)
	hung, hangUp := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, hangUp)
	errA := s.Update(hung, c, withEntry(c, "photo-a"))
	p.Hold("", "", 0)
	// The phone's retry, or another phone, reads the case and writes.
	cur, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, cur, withEntry(cur, "photo-b")); err != nil {
		t.Fatalf("the write after: %v", err)
	}
	<-released
	time.Sleep(200 * time.Millisecond) // whatever was on its way has landed
	got, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !hasEntry(got, "photo-b") {
		t.Errorf("the acknowledged write was lost under a late one: history %+v", got.History)
	}
	if errA == nil && !hasEntry(got, "photo-a") {
		t.Errorf("the hung-up write was answered as done but is missing: history %+v", got.History)
	}
	page, err := s.List(ctx, ListQuery{Area: "622923"})
	if err != nil || len(page.Items) != 1 || len(page.Items[0].History) != 0 {
		t.Fatalf("list: %+v %v", page.Items, err)
	}
}

// TestALostAnswerStillCountsOnce: the database applies a filing but its
// answer is lost. Whether the store says so at once or the phone's retry
// finds it, the list and the dashboard show the case once.
func TestALostAnswerStillCountsOnce(t *testing.T) {
	s, p := proxied(t)
	ctx := context.Background()
	c := sampleCase("lost-1", "622923100201", "622923198001011234", "H1")
	p.DropAnswer("insert", "cases")
	_, _, err := s.Create(ctx, c)
	if p.Dropped() != 1 {
		t.Fatalf("the proxy cut %d answers, want 1", p.Dropped())
	}
	t.Logf("first attempt: %v", err)
	if _, _, err := s.Create(ctx, c); err != nil { // the phone retries
		t.Fatalf("retry: %v", err)
	}
	page, err := s.List(ctx, ListQuery{Area: "622923"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != c.ID {
		t.Errorf("list after a lost answer: %d rows, want the case once", len(page.Items))
	}
	counts, err := s.Counts(ctx, 2024, "622923")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, vc := range counts {
		total += vc.Total
	}
	if total != 1 {
		t.Errorf("dashboard counts %d cases, want 1", total)
	}
}

// TestALostAnswerOfAnUpdateMovesTheCountersOnce: a decision whose answer
// is lost still moves the case's stage on the list and the dashboard.
func TestALostAnswerOfAnUpdateMovesTheCountersOnce(t *testing.T) {
	s, p := proxied(t)
	ctx := context.Background()
	c := sampleCase("lost-2", "622923100201", "622923198001011234", "H1")
	if _, _, err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	n := c
	n.Version, n.Stage = 2, domain.StageVillagePublicity
	p.DropAnswer("update", "cases")
	err := s.Update(ctx, c, n)
	t.Logf("first attempt: %v", err)
	page, _ := s.List(ctx, ListQuery{Area: "622923"})
	if err == nil && (len(page.Items) != 1 || page.Items[0].Stage != domain.StageVillagePublicity) {
		t.Errorf("answered done, but the list shows %+v", page.Items)
	}
	got, _ := s.Get(ctx, c.ID)
	if got.Stage != domain.StageVillagePublicity {
		t.Fatalf("the decision did not land: %s", got.Stage)
	}
	counts, _ := s.Counts(ctx, 2024, "622923")
	var pub, applied int64
	for _, vc := range counts {
		pub += vc.ByStage[domain.StageVillagePublicity]
		applied += vc.ByStage[domain.StageApplied]
	}
	if err == nil && (pub != 1 || applied != 0) {
		t.Errorf("dashboard: %d in publicity, %d applied; want 1 and 0", pub, applied)
	}
}
