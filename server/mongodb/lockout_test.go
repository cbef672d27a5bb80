package mongodb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

func TestLockoutCountsEveryFailure(t *testing.T) {
	ctx := context.Background()
	s := NewLockouts(dbtest.New(t))
	var wg sync.WaitGroup
	for i := 0; i < 15; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := s.Record(ctx, "id"+string(rune('a'+i)), "admin", signIn0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	_ = s.Record(ctx, "other", "someone", signIn0.Add(time.Hour))
	got, err := s.Recent(ctx, "admin", signIn0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || !got[0].Equal(signIn0.Add(14*time.Second)) || !got[9].Equal(signIn0.Add(5*time.Second)) {
		t.Errorf("recent = %v, want the 10 newest, newest first", got)
	}
	if got, _ := s.Recent(ctx, "admin", signIn0.Add(12*time.Second), 10); len(got) != 3 {
		t.Errorf("since +12s: %d failures, want 3", len(got))
	}
	if err := s.DeleteBefore(ctx, signIn0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recent(ctx, "admin", signIn0.Add(-time.Hour), 100); len(got) != 5 {
		t.Errorf("after DeleteBefore: %d, want 5", len(got))
	}
	if err := s.Clear(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recent(ctx, "admin", signIn0.Add(-time.Hour), 100); len(got) != 0 {
		t.Errorf("after Clear: %d", len(got))
	}
	if got, _ := s.Recent(ctx, "someone", signIn0.Add(-time.Hour), 100); len(got) != 1 {
		t.Errorf("Clear touched another account: %d", len(got))
	}
}
