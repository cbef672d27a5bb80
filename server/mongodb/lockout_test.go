package mongodb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

// TestLockoutCountsEveryFailure runs on both ways of counting: queries
// (MongoDB) and the embedded database's copy in memory.
func TestLockoutCountsEveryFailure(t *testing.T) {
	for _, mongoPaths := range []bool{true, false} {
		name := "embedded"
		if mongoPaths {
			name = "MongoDB paths"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, dbtest.New(t), Options{MongoPaths: mongoPaths})
			if err != nil {
				t.Fatal(err)
			}
			s := db.Lockouts
			if err := s.EnsureIndexes(ctx); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := 0; i < 15; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					addr := "203.0.113.7"
					if i%3 == 0 {
						addr = "198.51.100.1"
					}
					f := Failure{ID: "id" + string(rune('a'+i)), Account: "admin", Addr: addr, At: signIn0.Add(time.Duration(i) * time.Second)}
					if err := s.Record(ctx, f); err != nil {
						t.Error(err)
					}
				}(i)
			}
			wg.Wait()
			_ = s.Record(ctx, Failure{ID: "other", Account: "someone", Addr: "203.0.113.7", At: signIn0.Add(time.Hour)})
			admin := FailureFilter{Account: "admin"}
			got, err := s.Recent(ctx, admin, signIn0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 10 || !got[0].Equal(signIn0.Add(14*time.Second)) || !got[9].Equal(signIn0.Add(5*time.Second)) {
				t.Errorf("recent = %v, want the 10 newest, newest first", got)
			}
			if got, _ := s.Recent(ctx, admin, signIn0.Add(12*time.Second), 10); len(got) != 3 {
				t.Errorf("since +12s: %d failures, want 3", len(got))
			}
			count := func(f FailureFilter) int {
				got, err := s.Recent(ctx, f, signIn0.Add(-time.Hour), 100)
				if err != nil {
					t.Fatal(err)
				}
				return len(got)
			}
			for _, tc := range []struct {
				f    FailureFilter
				want int
			}{
				{FailureFilter{Addr: "203.0.113.7"}, 11},
				{FailureFilter{Account: "admin", Addr: "203.0.113.7"}, 10},
				{FailureFilter{Account: "admin", Addr: "198.51.100.1"}, 5},
				{FailureFilter{Account: "someone"}, 1},
			} {
				if got := count(tc.f); got != tc.want {
					t.Errorf("%+v: %d failures, want %d", tc.f, got, tc.want)
				}
			}
			if err := s.DeleteBefore(ctx, signIn0.Add(10*time.Second)); err != nil {
				t.Fatal(err)
			}
			if got := count(admin); got != 5 {
				t.Errorf("after DeleteBefore: %d, want 5", got)
			}
			// Signing in from one address forgets that address's failures only.
			if err := s.Clear(ctx, FailureFilter{Account: "admin", Addr: "198.51.100.1"}); err != nil {
				t.Fatal(err)
			}
			if got := count(admin); got != 4 { // of 10..14 s, 12 s came from there
				t.Errorf("after clearing one address: %d, want 4", got)
			}
			// An admin's unlock forgets them all.
			if err := s.Clear(ctx, admin); err != nil {
				t.Fatal(err)
			}
			if got := count(admin); got != 0 {
				t.Errorf("after Clear: %d", got)
			}
			if got := count(FailureFilter{Account: "someone"}); got != 1 {
				t.Errorf("Clear touched another account: %d", got)
			}
			if err := s.Clear(ctx, FailureFilter{Addr: "203.0.113.7"}); err == nil {
				t.Error("Clear without an account was accepted")
			}
		})
	}
}

// TestLockoutsReloadOnEmbedded: a restart on the embedded database counts
// the failures recorded before it.
func TestLockoutsReloadOnEmbedded(t *testing.T) {
	ctx := context.Background()
	mdb := dbtest.New(t)
	first, err := Open(ctx, mdb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		_ = first.Lockouts.Record(ctx, Failure{ID: string(rune('a' + i)), Account: "admin", Addr: "203.0.113.7", At: signIn0})
	}
	again, err := Open(ctx, mdb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Lockouts.Recent(ctx, FailureFilter{Addr: "203.0.113.7"}, signIn0, 10)
	if err != nil || len(got) != 3 {
		t.Errorf("after reopening: %v %v, want 3 failures", got, err)
	}
}
