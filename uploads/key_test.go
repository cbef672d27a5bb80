package uploads_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yongjing/anju/uploads"
)

func TestPhotoKeys(t *testing.T) {
	const uuid = "6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f"
	const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	tests := []struct{ caseID, photoID, format, want string }{
		{uuid, "0b9e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4", "jpeg", "cases/" + uuid + "/0b9e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4-9f86d081884c7d65.jpg"},
		{uuid, "p1", "png", "cases/" + uuid + "/p1-9f86d081884c7d65.png"},
		{uuid, "p1", "webp", "cases/" + uuid + "/p1-9f86d081884c7d65.webp"},
	}
	for _, tt := range tests {
		if got := uploads.PhotoKey(tt.caseID, tt.photoID, sum, tt.format); got != tt.want {
			t.Errorf("PhotoKey(%s, %s, %s) = %s, want %s", tt.caseID, tt.photoID, tt.format, got, tt.want)
		}
	}
	if got := uploads.ThumbKey(uuid, "p1", sum); got != "cases/"+uuid+"/p1-9f86d081884c7d65.thumb.jpg" {
		t.Errorf("ThumbKey = %s", got)
	}
	if got := uploads.CaseDir(uuid); got != filepath.Dir(uploads.PhotoKey(uuid, "p", sum, "jpeg")) {
		t.Errorf("CaseDir = %s, not the photos' folder", got)
	}
	if uploads.PhotoKey(uuid, "p1", sum, "jpeg") == uploads.PhotoKey(uuid, "p1", strings.Repeat("0", 64), "jpeg") {
		t.Error("other bytes under the same photo id share a key")
	}
	// Identifiers outside the key alphabet still give valid keys, distinct
	// from each other and from any identifier kept as is.
	odd := []string{"6F1C2A4E-UPPER", "../../etc", "照片一", "", "a/b", ".hidden", strings.Repeat("z", 80), "x0123"}
	seen := map[string]string{}
	for _, id := range append(odd, "6f1c2a4e-upper", "x") {
		key := uploads.PhotoKey(id, id, sum, "jpeg")
		if err := uploads.CheckKey(key); err != nil {
			t.Errorf("PhotoKey(%q) = %q: %v", id, key, err)
		}
		if other, dup := seen[key]; dup {
			t.Errorf("ids %q and %q share key %s", other, id, key)
		}
		seen[key] = id
	}
}

func FuzzCheckKey(f *testing.F) {
	for _, k := range []string{"cases/a/b.jpg", "../x", "a/./b", "a//b", ".x", "a/..", "a-b_c.d/e"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := uploads.CheckKey(key)
		if err != nil {
			if !errors.Is(err, uploads.ErrInvalidKey) {
				t.Fatalf("CheckKey(%q) = %v, not ErrInvalidKey", key, err)
			}
			return
		}
		root := "/srv/objects"
		p := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(p, root+"/") || filepath.Clean(p) != p || p == root+"/" {
			t.Fatalf("valid key %q resolves to %q, outside or not clean", key, p)
		}
		for _, seg := range strings.Split(key, "/") {
			if strings.HasPrefix(seg, ".") {
				t.Fatalf("valid key %q has a hidden segment", key)
			}
		}
	})
}

func FuzzSegment(f *testing.F) {
	for _, id := range []string{"6f1c2a4e-8b3d", "UPPER", "../..", "", "x1"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if err := uploads.CheckKey(uploads.PhotoKey(id, id, id, "jpeg")); err != nil {
			t.Fatalf("PhotoKey(%q): %v", id, err)
		}
	})
}
