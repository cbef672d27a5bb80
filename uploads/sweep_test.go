package uploads_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/uploads"
	"github.com/yongjing/anju/uploads/storetest"
)

func TestSweepOrphans(t *testing.T) {
	stores := map[string]func(t *testing.T) uploads.Store{
		"disk": func(t *testing.T) uploads.Store {
			s, err := uploads.NewDisk(filepath.Join(t.TempDir(), "objects"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"s3": func(t *testing.T) uploads.Store { return storetest.NewS3(t) },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testSweep(t, open(t))
		})
	}
}

func testSweep(t *testing.T, s uploads.Store) {
	ctx := context.Background()
	put := func(key string) {
		t.Helper()
		if err := s.Put(ctx, key, strings.NewReader("jpeg"), 4, "image/jpeg"); err != nil {
			t.Fatal(err)
		}
	}
	// Case a refers to p1 and its thumbnail; p2 was stored but its case
	// update never happened. Case b does not exist (refs names nothing).
	// Case c's lookup fails: nothing of it may go. p3 is re-uploaded while
	// the sweep runs; p4 is too young to judge.
	for _, k := range []string{
		"cases/a/p1.jpg", "cases/a/p1.thumb.jpg", "cases/a/p2.jpg", "cases/a/p2.thumb.jpg",
		"cases/a/p3.jpg", "cases/b/p9.png", "cases/c/p5.jpg", "other/keep.bin",
	} {
		put(k)
	}
	time.Sleep(2500 * time.Millisecond)
	put("cases/a/p4.jpg") // young: an upload in flight
	now := time.Now()

	var asked []string
	refs := func(ctx context.Context, dir string) (map[string]bool, error) {
		asked = append(asked, dir)
		switch dir {
		case "cases/a":
			put("cases/a/p3.jpg")
			return map[string]bool{"cases/a/p1.jpg": true, "cases/a/p1.thumb.jpg": true}, nil
		case "cases/c":
			return nil, errors.New("database unreachable")
		}
		return nil, nil
	}
	removed, err := uploads.SweepOrphans(ctx, s, "cases/", 1200*time.Millisecond, now, refs)
	if err == nil || !strings.Contains(err.Error(), "database unreachable") {
		t.Errorf("error = %v, want the failed lookup of cases/c reported", err)
	}
	want := []string{"cases/a/p2.jpg", "cases/a/p2.thumb.jpg", "cases/b/p9.png"}
	if !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	if !slices.Equal(asked, []string{"cases/a", "cases/b", "cases/c"}) {
		t.Errorf("asked about %v, want each folder once", asked)
	}
	objs, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, o := range objs {
		left = append(left, o.Key)
	}
	wantLeft := []string{"cases/a/p1.jpg", "cases/a/p1.thumb.jpg", "cases/a/p3.jpg", "cases/a/p4.jpg", "cases/c/p5.jpg", "other/keep.bin"}
	if !slices.Equal(left, wantLeft) {
		t.Errorf("left %v, want %v", left, wantLeft)
	}
}
