package uploads_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// FuzzInspect feeds mangled files to the inspector: it must never panic,
// and must either refuse with a *domain.Error or return a real thumbnail.
func FuzzInspect(f *testing.F) {
	for _, dir := range []string{"bad", "good"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(withOrientation(f, encodeJPEG(f, scene(1, 64, 48), 80), 8))
	f.Add(encodePNG(f, scene(2, 40, 30)))
	in := uploads.NewInspector(64 << 20)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ct := range []string{"image/jpeg", "image/png", "image/webp"} {
			info, err := in.Inspect(context.Background(), bytes.NewReader(data), ct)
			if err != nil {
				if _, ok := domain.AsError(err); !ok {
					t.Fatalf("error %v is not a *domain.Error", err)
				}
				continue
			}
			if _, err := jpeg.Decode(bytes.NewReader(info.Thumb)); err != nil {
				t.Fatalf("accepted %s but its thumbnail does not decode: %v", info.Format, err)
			}
			if info.Width <= 0 || info.Height <= 0 || int64(info.Width)*int64(info.Height) > uploads.MaxPixels {
				t.Fatalf("accepted %d×%d", info.Width, info.Height)
			}
		}
	})
}
