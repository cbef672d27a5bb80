package uploads_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

func inspect(t *testing.T, data []byte, declared string) (uploads.ImageInfo, error) {
	t.Helper()
	return uploads.InspectImage(context.Background(), bytes.NewReader(data), declared)
}

func wantCode(t *testing.T, what string, err error, kind domain.Kind, code string) {
	t.Helper()
	e, ok := domain.AsError(err)
	if !ok {
		t.Errorf("%s: error = %v, want *domain.Error %s", what, err, code)
		return
	}
	if e.Code != code || e.Kind != kind {
		t.Errorf("%s: error %s/%s, want %s/%s", what, e.Kind, e.Code, kind, code)
	}
	if e.Message == "" || !strings.ContainsFunc(e.Message, func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }) {
		t.Errorf("%s: message %q is not Chinese text for the user", what, e.Message)
	}
}

func TestInspectRefusesBadFiles(t *testing.T) {
	tests := []struct {
		file, declared string
		kind           domain.Kind
		code           string
	}{
		{"truncated.jpg", "image/jpeg", domain.KindUnprocessable, "corrupt_image"},
		{"truncated-progressive.jpg", "image/jpeg", domain.KindUnprocessable, "corrupt_image"},
		{"huge-dimensions.png", "image/png", domain.KindUnprocessable, "image_too_large"},
		{"huge-dimensions.jpg", "image/jpeg", domain.KindUnprocessable, "image_too_large"},
		{"html-after-jpeg-magic.jpg", "image/jpeg", domain.KindUnprocessable, "corrupt_image"},
		{"script.svg", "image/svg+xml", domain.KindUnprocessable, "unsupported_type"},
		{"script.svg", "image/jpeg", domain.KindUnprocessable, "unsupported_type"},
		{"text-renamed.jpg", "image/jpeg", domain.KindUnprocessable, "unsupported_type"},
		{"empty.jpg", "image/jpeg", domain.KindInvalid, "empty_file"},
		{"gif.gif", "image/gif", domain.KindUnprocessable, "unsupported_type"},
		{"riff-garbage.webp", "image/webp", domain.KindUnprocessable, "corrupt_image"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", "bad", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = inspect(t, data, tt.declared)
		wantCode(t, tt.file+" as "+tt.declared, err, tt.kind, tt.code)
	}
}

func TestInspectTypeMismatch(t *testing.T) {
	jpg := encodeJPEG(t, scene(1, 200, 150), 85)
	pngData := encodePNG(t, scene(1, 200, 150))
	webpData, _ := os.ReadFile(filepath.Join("testdata", "good", "blue-purple-pink.lossy.webp"))
	tests := []struct {
		name, declared string
		data           []byte
		code           string
	}{
		{"png declared jpeg", "image/jpeg", pngData, "type_mismatch"},
		{"jpeg declared png", "image/png", jpg, "type_mismatch"},
		{"webp declared jpeg", "image/jpeg", webpData, "type_mismatch"},
		{"jpeg declared nothing", "", jpg, "unsupported_type"},
		{"jpeg declared octet-stream", "application/octet-stream", jpg, "unsupported_type"},
		{"jpeg declared svg", "image/svg+xml", jpg, "unsupported_type"},
	}
	for _, tt := range tests {
		_, err := inspect(t, tt.data, tt.declared)
		wantCode(t, tt.name, err, domain.KindUnprocessable, tt.code)
	}
	// Parameters and the spelling some phones use are fine.
	for _, declared := range []string{"image/jpeg; charset=binary", "image/jpg", "IMAGE/JPEG"} {
		if _, err := inspect(t, jpg, declared); err != nil {
			t.Errorf("jpeg declared %q: %v", declared, err)
		}
	}
}

// TestSpoolRefusesTooLarge streams a 16 MB file (made here, not committed)
// through Spool, directly and behind http.MaxBytesReader as the handler
// does.
func TestSpoolRefusesTooLarge(t *testing.T) {
	const size = 16 << 20
	big := io.LimitReader(zeros{}, size)
	_, err := uploads.Spool(big, t.TempDir(), uploads.MaxPhotoBytes)
	wantCode(t, "16 MB file", err, domain.KindTooLarge, "file_too_large")

	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(io.LimitReader(zeros{}, size)), uploads.MaxPhotoBytes-1000)
	_, err = uploads.Spool(body, t.TempDir(), uploads.MaxPhotoBytes)
	wantCode(t, "16 MB body past MaxBytesReader", err, domain.KindTooLarge, "file_too_large")

	_, err = uploads.Spool(strings.NewReader(""), t.TempDir(), uploads.MaxPhotoBytes)
	wantCode(t, "empty body", err, domain.KindInvalid, "empty_file")

	dir := t.TempDir()
	s, err := uploads.Spool(io.LimitReader(zeros{}, uploads.MaxPhotoBytes), dir, uploads.MaxPhotoBytes)
	if err != nil {
		t.Fatalf("exactly %d bytes: %v", uploads.MaxPhotoBytes, err)
	}
	if s.Size != uploads.MaxPhotoBytes || len(s.SHA256) != 64 {
		t.Errorf("spooled size %d sha %q", s.Size, s.SHA256)
	}
	s.Close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Close left %d temp files", len(left))
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestInspectGoodFiles(t *testing.T) {
	webpLossy, _ := os.ReadFile(filepath.Join("testdata", "good", "blue-purple-pink.lossy.webp"))
	webpLossless, _ := os.ReadFile(filepath.Join("testdata", "good", "gopher-doc.8bpp.lossless.webp"))
	tests := []struct {
		name, declared string
		data           []byte
		format         string
		w, h           int
	}{
		{"jpeg landscape", "image/jpeg", encodeJPEG(t, scene(2, 1600, 1200), 90), "jpeg", 1600, 1200},
		{"jpeg portrait by EXIF", "image/jpeg", withOrientation(t, encodeJPEG(t, scene(2, 1600, 1200), 90), 6), "jpeg", 1200, 1600},
		{"png with alpha", "image/png", encodePNG(t, withAlpha(scene(3, 640, 480))), "png", 640, 480},
		{"png small", "image/png", encodePNG(t, scene(4, 100, 40)), "png", 100, 40},
		{"webp lossy", "image/webp", webpLossy, "webp", 0, 0},
		{"webp lossless", "image/webp", webpLossless, "webp", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := inspect(t, tt.data, tt.declared)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if info.Format != tt.format {
				t.Errorf("format %s, want %s", info.Format, tt.format)
			}
			if tt.w != 0 && (info.Width != tt.w || info.Height != tt.h) {
				t.Errorf("size %d×%d, want %d×%d", info.Width, info.Height, tt.w, tt.h)
			}
			thumb, err := jpeg.Decode(bytes.NewReader(info.Thumb))
			if err != nil {
				t.Fatalf("thumbnail is not a JPEG: %v", err)
			}
			tb := thumb.Bounds()
			wantLong := min(uploads.ThumbSize, max(info.Width, info.Height))
			if max(tb.Dx(), tb.Dy()) != wantLong {
				t.Errorf("thumbnail %d×%d, want long side %d", tb.Dx(), tb.Dy(), wantLong)
			}
			if (tb.Dx() > tb.Dy()) != (info.Width > info.Height) && tb.Dx() != tb.Dy() {
				t.Errorf("thumbnail %d×%d does not stand like the photo %d×%d", tb.Dx(), tb.Dy(), info.Width, info.Height)
			}
			if info.PHash == 0 {
				t.Error("no perceptual hash")
			}
		})
	}
}

// TestThumbnailUpright checks the EXIF turn goes the right way: a photo
// whose top half is red, stored sideways with orientation 6 (turn
// clockwise to view), must show red on the right... of the stored pixels'
// top, i.e. the red top of the stored image ends on the viewer's right.
func TestThumbnailUpright(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if y < 150 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	data := withOrientation(t, encodeJPEG(t, img, 90), 6)
	info, err := inspect(t, data, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	thumb, _ := jpeg.Decode(bytes.NewReader(info.Thumb))
	b := thumb.Bounds()
	if b.Dx() != 240 || b.Dy() != 320 {
		t.Fatalf("thumbnail %d×%d, want 240×320", b.Dx(), b.Dy())
	}
	right, _, _, _ := thumb.At(b.Dx()-20, b.Dy()/2).RGBA()
	left, _, _, _ := thumb.At(20, b.Dy()/2).RGBA()
	if right>>8 < 200 || left>>8 > 50 {
		t.Errorf("red at left %d, right %d; want the stored top (red) on the right", left>>8, right>>8)
	}
}

func TestPHashNearDuplicates(t *testing.T) {
	orig := scene(7, 2000, 1500)
	hash := func(data []byte, ct string) uint64 {
		t.Helper()
		info, err := inspect(t, data, ct)
		if err != nil {
			t.Fatal(err)
		}
		return info.PHash
	}
	h := hash(encodeJPEG(t, orig, 92), "image/jpeg")
	copies := []struct {
		name string
		data []byte
		ct   string
	}{
		{"re-encoded at quality 60", encodeJPEG(t, orig, 60), "image/jpeg"},
		{"halved and re-encoded", encodeJPEG(t, halve(orig), 75), "image/jpeg"},
		{"quartered, as PNG", encodePNG(t, halve(halve(orig))), "image/png"},
		{"brightened", encodeJPEG(t, brighten(orig, 20), 85), "image/jpeg"},
	}
	for _, c := range copies {
		if d := uploads.Hamming(h, hash(c.data, c.ct)); d > uploads.NearDuplicateDistance {
			t.Errorf("%s: distance %d, want ≤ %d", c.name, d, uploads.NearDuplicateDistance)
		}
	}
	for seed := uint64(8); seed < 14; seed++ {
		other := hash(encodeJPEG(t, scene(seed, 2000, 1500), 92), "image/jpeg")
		if d := uploads.Hamming(h, other); d <= 10 {
			t.Errorf("a different photo (seed %d): distance %d, want > 10", seed, d)
		}
	}
}

func TestPHashOfAFlatPictureIsZero(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, base := range []uint8{0, 128, 250} {
		img := image.NewRGBA(image.Rect(0, 0, 300, 200))
		for i := range img.Pix {
			img.Pix[i] = base + uint8(r.IntN(3)) // sensor noise on a covered lens
			if i%4 == 3 {
				img.Pix[i] = 255
			}
		}
		if h := uploads.PHash(img); h != 0 {
			t.Errorf("flat picture at grey %d: hash %016x, want 0", base, h)
		}
	}
	if h := uploads.PHash(scene(1, 300, 200)); h == 0 {
		t.Error("a real scene got no hash")
	}
}

func TestHammingAndIndex(t *testing.T) {
	if got := uploads.Hamming(0, math.MaxUint64); got != 64 {
		t.Errorf("Hamming(0, ^0) = %d", got)
	}
	if got := uploads.Hamming(0b1011, 0b0001); got != 2 {
		t.Errorf("Hamming(1011, 0001) = %d", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := uploads.NewHashIndex[int]()
	stored := make([]uint64, 20000)
	for i := range stored {
		stored[i] = r.Uint64()
		if i%10 == 0 && i > 0 { // near neighbours of earlier hashes
			stored[i] = stored[i-1] ^ (1 << r.IntN(64)) ^ (1 << r.IntN(64)) ^ (1 << r.IntN(64))
		}
		x.Add(i, stored[i])
	}
	for q := 0; q < 500; q++ {
		query := stored[r.IntN(len(stored))] ^ (1 << r.IntN(64))
		if q%3 == 0 {
			query = r.Uint64()
		}
		for _, maxDist := range []int{0, 1, 3, 6} {
			want := map[int]bool{}
			for i, h := range stored {
				if uploads.Hamming(h, query) <= maxDist {
					want[i] = true
				}
			}
			got := x.Near(query, maxDist)
			if len(got) != len(want) {
				t.Fatalf("Near(%x, %d) found %d, brute force %d", query, maxDist, len(got), len(want))
			}
			for i, m := range got {
				if !want[m.Ref] || m.Distance != uploads.Hamming(stored[m.Ref], query) {
					t.Fatalf("Near(%x, %d): wrong match %+v", query, maxDist, m)
				}
				if i > 0 && got[i-1].Distance > m.Distance {
					t.Fatalf("Near(%x, %d): not nearest first", query, maxDist)
				}
			}
		}
	}
	// Replace and remove.
	x.Add(5, 42)
	if m := x.Near(42, 0); len(m) != 1 || m[0].Ref != 5 {
		t.Errorf("after re-adding ref 5: %v", m)
	}
	x.Remove(5)
	if m := x.Near(42, 0); len(m) != 0 || x.Len() != len(stored)-1 {
		t.Errorf("after removing ref 5: %v, len %d", m, x.Len())
	}
}

func BenchmarkHashIndexNear(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	x := uploads.NewHashIndex[int]()
	for i := 0; i < 100_000; i++ {
		x.Add(i, r.Uint64())
	}
	queries := make([]uint64, 1024)
	for i := range queries {
		queries[i] = r.Uint64()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.Near(queries[i%len(queries)], uploads.NearDuplicateDistance)
	}
}

func TestBudgetWaitsAndCancels(t *testing.T) {
	// A budget of 1 MiB holds one decode at a time; the second waits and
	// gives up with its request.
	in := uploads.NewInspector(1 << 20)
	data := encodeJPEG(t, scene(9, 1200, 900), 90)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := in.Inspect(ctx, bytes.NewReader(data), "image/jpeg"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}
	done := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := in.Inspect(context.Background(), bytes.NewReader(data), "image/jpeg")
			done <- err
		}()
	}
	for i := 0; i < 4; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("decodes deadlocked on the budget")
		}
	}
}

// scene draws a deterministic stand-in for a photo: a sky gradient, ground,
// a few coloured blocks and ellipses placed by seed, and sensor noise.
func scene(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type shape struct {
		x0, y0, x1, y1 float64
		c              [3]float64
		ellipse        bool
	}
	var shapes []shape
	for i := 0; i < 6; i++ {
		x0, y0 := r.Float64()*0.8, r.Float64()*0.8
		shapes = append(shapes, shape{x0, y0, x0 + 0.1 + r.Float64()*0.3, y0 + 0.1 + r.Float64()*0.3,
			[3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}, r.IntN(2) == 0})
	}
	horizon := 0.3 + r.Float64()*0.4
	sky := [3]float64{80 + r.Float64()*100, 120 + r.Float64()*100, 200 + r.Float64()*55}
	ground := [3]float64{60 + r.Float64()*100, 50 + r.Float64()*80, 20 + r.Float64()*60}
	noise := rand.New(rand.NewPCG(seed, 99))
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			c := ground
			if fy < horizon {
				for i := range c {
					c[i] = sky[i] * (0.7 + 0.3*fy/horizon)
				}
			}
			for _, s := range shapes {
				in := fx >= s.x0 && fx < s.x1 && fy >= s.y0 && fy < s.y1
				if in && s.ellipse {
					cx, cy := (s.x0+s.x1)/2, (s.y0+s.y1)/2
					rx, ry := (s.x1-s.x0)/2, (s.y1-s.y0)/2
					in = (fx-cx)*(fx-cx)/(rx*rx)+(fy-cy)*(fy-cy)/(ry*ry) <= 1
				}
				if in {
					c = s.c
				}
			}
			n := noise.NormFloat64() * 6
			i := img.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				img.Pix[i+k] = uint8(max(0, min(255, c[k]+n)))
			}
			img.Pix[i+3] = 255
		}
	}
	return img
}

func halve(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := 0; y < b.Dy()/2; y++ {
		for x := 0; x < b.Dx()/2; x++ {
			for k := 0; k < 4; k++ {
				s := int(src.Pix[src.PixOffset(2*x, 2*y)+k]) + int(src.Pix[src.PixOffset(2*x+1, 2*y)+k]) +
					int(src.Pix[src.PixOffset(2*x, 2*y+1)+k]) + int(src.Pix[src.PixOffset(2*x+1, 2*y+1)+k])
				dst.Pix[dst.PixOffset(x, y)+k] = uint8(s / 4)
			}
		}
	}
	return dst
}

func brighten(src *image.RGBA, d int) *image.RGBA {
	dst := image.NewRGBA(src.Bounds())
	for i, v := range src.Pix {
		if i%4 == 3 {
			dst.Pix[i] = v
			continue
		}
		dst.Pix[i] = uint8(min(255, int(v)+d))
	}
	return dst
}

func withAlpha(src *image.RGBA) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(b)
	copy(dst.Pix, src.Pix)
	for y := 0; y < b.Dy()/4; y++ {
		for x := 0; x < b.Dx(); x++ {
			dst.Pix[dst.PixOffset(x, y)+3] = 0
		}
	}
	return dst
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an APP1 EXIF segment carrying only the
// orientation tag after the JPEG's SOI, as a phone camera writes it.
func withOrientation(t testing.TB, jpg []byte, o uint16) []byte {
	t.Helper()
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2a")
	binary.Write(&tiff, binary.BigEndian, uint32(8))
	binary.Write(&tiff, binary.BigEndian, uint16(1))
	binary.Write(&tiff, binary.BigEndian, []uint16{0x0112, 3})
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, []uint16{o, 0})
	binary.Write(&tiff, binary.BigEndian, uint32(0))
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(payload)+2))
	out.Write(payload)
	out.Write(jpg[2:])
	return out.Bytes()
}

// TestRealFramesNearDuplicates uses real encoder output (Go's image test
// frames): every encoding of one frame must count as the same picture,
// a different frame must not.
func TestRealFramesNearDuplicates(t *testing.T) {
	dir := filepath.Join("testdata", "good", "go")
	hashOf := func(name string) uint64 {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		ct := "image/jpeg"
		if strings.HasSuffix(name, ".png") {
			ct = "image/png"
		}
		info, err := inspect(t, data, ct)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Width != 150 || info.Height != 103 {
			t.Errorf("%s: %d×%d, want 150×103", name, info.Width, info.Height)
		}
		return info.PHash
	}
	ref := hashOf("video-001.png")
	for _, name := range []string{"video-001.jpeg", "video-001.q50.420.progressive.jpeg", "video-001.cmyk.jpeg",
		"video-001.q50.410.jpeg", "video-001.rgb.jpeg"} {
		if d := uploads.Hamming(ref, hashOf(name)); d > uploads.NearDuplicateDistance {
			t.Errorf("%s: distance %d from the PNG, want ≤ %d", name, d, uploads.NearDuplicateDistance)
		}
	}
	for _, name := range []string{"video-005.gray.jpeg", "video-005.gray.q50.jpeg"} {
		if d := uploads.Hamming(ref, hashOf(name)); d <= 10 {
			t.Errorf("%s (another frame): distance %d, want > 10", name, d)
		}
	}
}

// BenchmarkInspect12MP is one phone photo (4032×3024 JPEG) through the
// checks: header, decode, thumbnail, perceptual hash.
func BenchmarkInspect12MP(b *testing.B) {
	data := encodeJPEG(b, scene(3, 4032, 3024), 90)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := uploads.InspectImage(context.Background(), bytes.NewReader(data), "image/jpeg"); err != nil {
			b.Fatal(err)
		}
	}
}
