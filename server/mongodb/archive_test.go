package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

// inCountyReview files n cases and moves them to county review.
func inCountyReview(t *testing.T, s *Cases, prefix string, n int) []domain.Case {
	t.Helper()
	ctx := context.Background()
	var out []domain.Case
	for i := 1; i <= n; i++ {
		c := sampleCase(fmt.Sprintf("%s-%d", prefix, i), "622923100201", fmt.Sprintf("62292319800101%04d", i), fmt.Sprintf("%s-H%d", prefix, i))
		c.Stage = domain.StageCountyReview
		if _, _, err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// approved is what an approval with number seq makes of c (the domain's
// part, reduced to what the store looks at).
func approved(c domain.Case, seq int) domain.Case {
	n := c
	n.Stage = domain.StageApproved
	n.Version++
	n.UpdatedAt = c.UpdatedAt.Add(time.Second)
	n.Approval = &domain.Approval{Method: domain.MethodRebuild, PlannedSubsidy: 30000, At: n.UpdatedAt, By: "approver",
		ArchiveSeq: seq, ArchiveNo: domain.FormatArchiveNo(c.ProgramYear, seq)}
	return n
}

func approve(s *Cases, c domain.Case) (domain.Case, error) {
	return s.Approve(context.Background(), c, func(seq int) (domain.Case, error) { return approved(c, seq), nil })
}

// wantNumbers fails unless the stored cases hold exactly the numbers 1…n,
// one each.
func wantNumbers(t *testing.T, s *Cases, cs []domain.Case) {
	t.Helper()
	var seqs []int
	for _, c := range cs {
		got, err := s.Get(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Approval == nil {
			t.Fatalf("case %s was not approved", c.ID)
		}
		if got.ArchiveNo() != domain.FormatArchiveNo(2024, got.Approval.ArchiveSeq) {
			t.Fatalf("case %s: number %q for sequence %d", c.ID, got.ArchiveNo(), got.Approval.ArchiveSeq)
		}
		seqs = append(seqs, got.Approval.ArchiveSeq)
	}
	sort.Ints(seqs)
	for i, q := range seqs {
		if q != i+1 {
			t.Fatalf("archive numbers %v, want 1…%d, each once", seqs, len(cs))
		}
	}
}

func TestRacingApprovalsGetConsecutiveArchiveNumbers(t *testing.T) {
	s := newStore(t)
	cs := inCountyReview(t, s, "race", 12)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = approve(s, c)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("approve %s: %v", cs[i].ID, err)
		}
	}
	wantNumbers(t, s, cs)
}

// TestArchiveNumbersOfTwoServersOnOneDatabase approves from two stores
// on one database, as two server processes sharing a MongoDB would: each
// has its own locks, so only the reservations keep the numbers apart.
func TestArchiveNumbersOfTwoServersOnOneDatabase(t *testing.T) {
	db := dbtest.New(t)
	open := func() *Cases {
		d, err := Open(context.Background(), db, Options{MongoPaths: true})
		if err != nil {
			t.Fatal(err)
		}
		return d.Cases
	}
	a, b := open(), open()
	cs := inCountyReview(t, a, "two", 10)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(cs))
	for i, c := range cs {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = approve(s, c)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("approve %s: %v", cs[i].ID, err)
		}
	}
	wantNumbers(t, a, cs)
}

func TestARefusedOrFailedApprovalGivesItsNumberBack(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	cs := inCountyReview(t, s, "back", 3)
	// The rules refuse: nothing is reserved.
	refused := errors.New("refused")
	if _, err := s.Approve(ctx, cs[0], func(int) (domain.Case, error) { return domain.Case{}, refused }); !errors.Is(err, refused) {
		t.Fatalf("refused approval: %v", err)
	}
	// The write fails (someone changed the case since it was read): the
	// number goes back.
	stale := cs[1]
	changed := stale
	changed.Version++
	changed.UpdatedAt = changed.UpdatedAt.Add(time.Second)
	if err := s.Update(ctx, stale, changed); err != nil {
		t.Fatal(err)
	}
	if _, err := approve(s, stale); code(err) != "stale_version" {
		t.Fatalf("approval on a stale read: %v, want stale_version", err)
	}
	for i, c := range []domain.Case{cs[0], changed, cs[2]} {
		got, err := approve(s, c)
		if err != nil {
			t.Fatal(err)
		}
		if got.Approval.ArchiveSeq != i+1 {
			t.Fatalf("approval %d got number %d, want %d", i+1, got.Approval.ArchiveSeq, i+1)
		}
	}
	numbers, _ := s.ArchiveCollections()
	if n, err := numbers.CountDocuments(ctx, bson.M{}); err != nil || n != 3 {
		t.Fatalf("%d number reservations (%v), want 3", n, err)
	}
}

func TestAnAbandonedNumberIsTakenOverOnlyWhenStale(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		age  time.Duration
		want int
	}{
		{"fresh: another approval is writing its case", time.Second, 2},
		{"stale: that approval never wrote its case", StaleReservation + time.Minute, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			s.Now = func() time.Time { return t0 }
			c := inCountyReview(t, s, "stale", 1)[0]
			// That approval reserved number 1 and crashed or is still
			// writing: the counter has not moved.
			numbers, counters := s.ArchiveCollections()
			if _, err := numbers.InsertOne(ctx, bson.M{"_id": "622923/2024/000001", "case_id": "elsewhere", "at": t0.Add(-tc.age)}); err != nil {
				t.Fatal(err)
			}
			if _, err := counters.InsertOne(ctx, bson.M{"_id": "622923/2024", "last": 0}); err != nil {
				t.Fatal(err)
			}
			got, err := approve(s, c)
			if err != nil || got.Approval.ArchiveSeq != tc.want {
				t.Fatalf("approval next to a reservation %v old: %+v, %v; want number %d", tc.age, got.Approval, err, tc.want)
			}
		})
	}
}

func TestNumbersStartAgainFromTheReservationsWithoutACounter(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	cs := inCountyReview(t, s, "nocount", 2)
	if _, err := approve(s, cs[0]); err != nil {
		t.Fatal(err)
	}
	// The counter is lost; the highest number reserved is 7.
	numbers, counters := s.ArchiveCollections()
	if _, err := counters.DeleteMany(ctx, bson.M{}); err != nil {
		t.Fatal(err)
	}
	if _, err := numbers.InsertOne(ctx, bson.M{"_id": "622923/2024/000007", "case_id": "elsewhere", "at": t0}); err != nil {
		t.Fatal(err)
	}
	got, err := approve(s, cs[1])
	if err != nil || got.Approval.ArchiveSeq != 8 {
		t.Fatalf("approval without a counter: %+v, %v; want number 8", got.Approval, err)
	}
}
