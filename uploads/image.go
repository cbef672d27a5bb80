package uploads

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"strings"

	"golang.org/x/image/webp"

	"github.com/yongjing/anju/domain"
)

// Limits on photos.
const (
	// MaxPixels is the largest width × height accepted (40 megapixels, above
	// any phone camera's default); checked from the header before decoding,
	// since a 6 MB PNG can claim 50 gigapixels.
	MaxPixels = 40_000_000
	// ThumbSize is the long side of a thumbnail, in pixels.
	ThumbSize = 320
	// DefaultDecodeBudget is the decoded-pixel memory all requests together
	// may hold at once (see Inspector): two 12-megapixel phone photos (18 MB
	// each as 4:2:0 YCbCr). More would not finish sooner on a small server,
	// and with 96 MB, 32 concurrent 10 MB uploads peaked at 206 MB RSS
	// instead of 100 MB (scripts/uploadmem).
	DefaultDecodeBudget = 48 << 20
)

// Image formats accepted, as named by the decoders.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatWebP = "webp"
)

// ContentType is the media type served for a format.
func ContentType(format string) string {
	switch format {
	case FormatJPEG:
		return "image/jpeg"
	case FormatPNG:
		return "image/png"
	case FormatWebP:
		return "image/webp"
	}
	return "application/octet-stream"
}

// Ext is the file extension used in object keys for a format.
func Ext(format string) string {
	switch format {
	case FormatJPEG:
		return "jpg"
	case FormatPNG:
		return "png"
	case FormatWebP:
		return "webp"
	}
	return "bin"
}

// ImageInfo is what inspecting an uploaded photo found.
type ImageInfo struct {
	Format        string // FormatJPEG, FormatPNG or FormatWebP, sniffed from the bytes
	Width, Height int    // upright, after the EXIF orientation
	Orientation   int    // EXIF orientation 1–8 (1 when absent or not JPEG)
	PHash         uint64 // see PHash
	Thumb         []byte // JPEG, ThumbSize on the long side (smaller images keep their size)
}

// Inspector checks uploaded photos and makes their thumbnails. Decoding is
// where memory goes (a 24-megapixel progressive JPEG needs 180 MB inside
// image/jpeg), so each decode first reserves its estimated size from a
// budget shared by all requests; past the budget, uploads wait their turn
// instead of the server running out of memory. One request holds at most
// one decoded image, released before its thumbnail is encoded.
type Inspector struct {
	budget *budget
}

// NewInspector returns an Inspector whose concurrent decodes together
// reserve at most budgetBytes (an image estimated larger than the whole
// budget runs alone).
func NewInspector(budgetBytes int64) *Inspector {
	return &Inspector{budget: newBudget(budgetBytes)}
}

var defaultInspector = NewInspector(DefaultDecodeBudget)

// InspectImage inspects with a process-wide Inspector of
// DefaultDecodeBudget; see Inspector.Inspect.
func InspectImage(ctx context.Context, r io.ReadSeeker, declaredType string) (ImageInfo, error) {
	return defaultInspector.Inspect(ctx, r, declaredType)
}

// Inspect checks a photo read from r (a spooled upload, see Spool): it
// sniffs the format from the bytes and accepts only JPEG, PNG and WebP,
// requires the declared Content-Type to name the same format, reads the
// dimensions from the header and refuses more than MaxPixels before any
// pixel is decoded, then decodes, and returns the size, the perceptual hash
// and a JPEG thumbnail. Refusals are *domain.Error with codes empty_file,
// unsupported_type, type_mismatch, image_too_large and corrupt_image.
func (in *Inspector) Inspect(ctx context.Context, r io.ReadSeeker, declaredType string) (ImageInfo, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return ImageInfo{}, fmt.Errorf("read photo: %w", err)
	}
	head = head[:n]
	if n == 0 {
		return ImageInfo{}, errEmpty()
	}
	format := sniff(head)
	if format == "" {
		return ImageInfo{}, errUnsupported()
	}
	declared, ok := declaredFormat(declaredType)
	if !ok {
		return ImageInfo{}, errUnsupported()
	}
	if declared != format {
		return ImageInfo{}, domain.Errorf(domain.KindUnprocessable, "type_mismatch",
			"照片的实际格式（%s）与声明的类型（%s）不符", strings.ToUpper(format), strings.ToUpper(declared))
	}

	info := ImageInfo{Format: format, Orientation: 1}
	var meta jpegMeta
	if format == FormatJPEG {
		if err := rewind(r); err != nil {
			return ImageInfo{}, err
		}
		meta = readJPEGMeta(r)
		info.Orientation = meta.orientation
	}
	if err := rewind(r); err != nil {
		return ImageInfo{}, err
	}
	cfg, err := decodeConfig(format, bufio.NewReader(r))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, errCorrupt()
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return ImageInfo{}, domain.Errorf(domain.KindUnprocessable, "image_too_large",
			"照片像素过大（%d×%d），最多 %d 万像素", cfg.Width, cfg.Height, MaxPixels/10_000)
	}

	release, err := in.budget.acquire(ctx, decodeCost(format, cfg, meta, head))
	if err != nil {
		return ImageInfo{}, fmt.Errorf("wait to decode photo: %w", err)
	}
	thumb, err := func() (*image.RGBA, error) {
		defer release()
		if err := rewind(r); err != nil {
			return nil, err
		}
		img, err := decode(format, bufio.NewReaderSize(r, 64<<10))
		if err != nil {
			return nil, errCorrupt()
		}
		b := img.Bounds()
		if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
			return nil, errCorrupt()
		}
		tw, th := thumbSize(b.Dx(), b.Dy())
		return shrink(img, tw, th), nil
	}()
	if err != nil {
		return ImageInfo{}, err
	}
	thumb = orient(thumb, info.Orientation)
	info.Width, info.Height = cfg.Width, cfg.Height
	if info.Orientation >= 5 {
		info.Width, info.Height = cfg.Height, cfg.Width
	}
	info.PHash = PHash(thumb)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, thumb, &jpeg.Options{Quality: 80}); err != nil {
		return ImageInfo{}, fmt.Errorf("encode thumbnail: %w", err)
	}
	info.Thumb = buf.Bytes()
	return info, nil
}

func rewind(r io.Seeker) error {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind photo: %w", err)
	}
	return nil
}

// thumbSize fits w×h into ThumbSize on the long side, never enlarging.
func thumbSize(w, h int) (int, int) {
	if w <= ThumbSize && h <= ThumbSize {
		return w, h
	}
	if w >= h {
		return ThumbSize, max(1, (h*ThumbSize+w/2)/w)
	}
	return max(1, (w*ThumbSize+h/2)/h), ThumbSize
}

// sniff names the format from the file's first bytes, whatever the client
// declared or the file was called.
func sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case len(head) >= 16 && string(head[:4]) == "RIFF" && string(head[8:15]) == "WEBPVP8":
		return FormatWebP
	}
	return ""
}

// declaredFormat maps the part's Content-Type to a format; "image/jpg" and
// "image/pjpeg" are what some phone browsers send for JPEG.
func declaredFormat(contentType string) (string, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch mt {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return FormatJPEG, true
	case "image/png":
		return FormatPNG, true
	case "image/webp":
		return FormatWebP, true
	}
	return "", false
}

func decodeConfig(format string, r io.Reader) (image.Config, error) {
	switch format {
	case FormatJPEG:
		return jpeg.DecodeConfig(r)
	case FormatPNG:
		return png.DecodeConfig(r)
	case FormatWebP:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("unknown format %q", format)
}

func decode(format string, r io.Reader) (image.Image, error) {
	switch format {
	case FormatJPEG:
		return jpeg.Decode(r)
	case FormatPNG:
		return png.Decode(r)
	case FormatWebP:
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// decodeCost estimates the bytes the decoder allocates for the pixels.
func decodeCost(format string, cfg image.Config, meta jpegMeta, head []byte) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch format {
	case FormatJPEG:
		planes := int64(float64(px) * meta.planeFraction)
		cost := planes
		if meta.progressive { // image/jpeg keeps every coefficient: 4 bytes a sample
			cost += 4 * planes
		}
		if meta.components == 4 { // CMYK is converted into a new image
			cost += 4 * px
		}
		return cost
	case FormatPNG:
		bpp := int64(8)
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			bpp = 1
		}
		switch cfg.ColorModel {
		case color.GrayModel:
			bpp = 1
		case color.Gray16Model:
			bpp = 2
		case color.RGBAModel, color.NRGBAModel:
			bpp = 4
		}
		if len(head) > 28 && head[28] == 1 { // Adam7 interlaced: passes, then the image
			bpp *= 2
		}
		return bpp * px
	case FormatWebP:
		if len(head) >= 16 && head[15] == ' ' { // simple lossy: YCbCr 4:2:0
			return 3 * px / 2
		}
		return 8 * px // lossless (NRGBA plus an ARGB working copy) or extended
	}
	return 8 * px
}

func errUnsupported() *domain.Error {
	return domain.Errorf(domain.KindUnprocessable, "unsupported_type", "只能上传 JPEG、PNG 或 WebP 格式的照片")
}

func errCorrupt() *domain.Error {
	return domain.Errorf(domain.KindUnprocessable, "corrupt_image", "照片文件已损坏或不完整，请重新拍照上传")
}

// budget is a counting semaphore over bytes. Acquirers queue on a one-slot
// channel so a large request is not starved by a stream of small ones, and
// every wait gives up when the request is cancelled.
type budget struct {
	queue  chan struct{}
	tokens chan struct{} // one token per unit
	unit   int64
}

const budgetUnit = 1 << 20

func newBudget(bytes int64) *budget {
	n := max(1, bytes/budgetUnit)
	return &budget{queue: make(chan struct{}, 1), tokens: make(chan struct{}, n), unit: budgetUnit}
}

func (b *budget) acquire(ctx context.Context, bytes int64) (release func(), err error) {
	n := int((bytes + b.unit - 1) / b.unit)
	n = max(1, min(n, cap(b.tokens)))
	if err := ctx.Err(); err != nil { // select picks at random among ready cases
		return nil, err
	}
	select {
	case b.queue <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.queue }()
	for got := 0; got < n; got++ {
		select {
		case b.tokens <- struct{}{}:
		case <-ctx.Done():
			for ; got > 0; got-- {
				<-b.tokens
			}
			return nil, ctx.Err()
		}
	}
	return func() {
		for i := 0; i < n; i++ {
			<-b.tokens
		}
	}, nil
}
