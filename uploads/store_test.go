package uploads_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/uploads"
	"github.com/yongjing/anju/uploads/storetest"
)

func TestDiskContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) uploads.Store {
		s, err := uploads.NewDisk(filepath.Join(t.TempDir(), "objects"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestS3Contract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) uploads.Store {
		return storetest.NewS3(t)
	})
}

// TestDiskStaysInside checks that nothing a refused key names is touched
// outside the store's directory, and that failed puts leave no temp files.
func TestDiskStaysInside(t *testing.T) {
	parent := t.TempDir()
	s, err := uploads.NewDisk(filepath.Join(parent, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(parent, "victim.jpg")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, key := range []string{"../victim.jpg", "a/../../victim.jpg"} {
		if err := s.Delete(ctx, key); err == nil {
			t.Errorf("Delete(%q) accepted", key)
		}
		if err := s.Put(ctx, key, strings.NewReader("evil"), 4, "image/jpeg"); err == nil {
			t.Errorf("Put(%q) accepted", key)
		}
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep" {
		t.Errorf("file outside the store changed: %q, %v", b, err)
	}
	if err := s.Put(ctx, "a/b.jpg", strings.NewReader("short"), 10, "image/jpeg"); err == nil {
		t.Fatal("short put accepted")
	}
	entries, _ := os.ReadDir(filepath.Join(parent, "objects", "a"))
	for _, e := range entries {
		t.Errorf("left behind after a failed put: %s", e.Name())
	}
}

func TestDiskSweepTemp(t *testing.T) {
	root := filepath.Join(t.TempDir(), "objects")
	s, err := uploads.NewDisk(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := s.Put(ctx, "cases/c1/p.jpg", strings.NewReader("photo"), 5, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "cases", "c1")
	old := time.Now().Add(-2 * time.Hour)
	files := map[string]bool{ // name → should survive
		".put-111":       false, // old temp file of a crashed put
		".put-222":       true,  // a put in progress
		".gone.jpg.type": false, // sidecar of an object that is gone
		".new.jpg.type":  true,  // fresh sidecar, its object is being renamed in
	}
	for name, keep := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if !keep {
			os.Chtimes(p, old, old)
		}
	}
	n, err := s.SweepTemp(ctx, time.Hour, time.Now())
	if err != nil || n != 2 {
		t.Errorf("SweepTemp = %d, %v; want 2 removed", n, err)
	}
	for name, keep := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if got := err == nil; got != keep {
			t.Errorf("%s present = %v, want %v", name, got, keep)
		}
	}
	if !storetest.Equal(t, s, "cases/c1/p.jpg", []byte("photo")) {
		t.Error("the photo itself was touched")
	}
	if o, err := s.Stat(ctx, "cases/c1/p.jpg"); err != nil || o.ContentType != "image/jpeg" {
		t.Errorf("the photo's content type was lost: %+v, %v", o, err)
	}
}
