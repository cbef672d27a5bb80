package uploads_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
