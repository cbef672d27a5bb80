// Command uploadmem measures the memory the server needs while phones
// upload photos at once: by default 32 concurrent uploads of a photo of
// about 9 MB (a 12-megapixel JPEG at high quality), then it prints the
// peak resident set size (VmHWM), whose target is ≤ 200 MB.
//
//	go run ./scripts/uploadmem         # the photo pipeline in this process
//	go run ./scripts/uploadmem -http   # a real server built from ./server, over HTTP
//
// The pipeline mode runs the product's own code of what POST
// /api/cases/{id}/photos runs per upload (uploads.Spool to a temp file
// while hashing, then uploads.StorePhoto: inspect, store photo and
// thumbnail) against a folder, or against S3 when ANJU_TEST_S3_ENDPOINT is
// set, and reads its own /proc/self/status.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yongjing/anju/uploads"
)

func main() {
	n := flag.Int("n", 32, "concurrent uploads")
	mb := flag.Float64("mb", 9, "approximate photo size in MB")
	useHTTP := flag.Bool("http", false, "upload over HTTP to a server built from ./server (or to ANJU_URL)")
	flag.Parse()

	photo := makePhoto(*mb)
	fmt.Printf("photo: %.1f MB JPEG, %d concurrent uploads\n", float64(len(photo))/(1<<20), *n)
	run := runPipeline
	if *useHTTP {
		run = runHTTP
	}
	if err := run(photo, *n); err != nil {
		fmt.Fprintln(os.Stderr, "uploadmem:", err)
		os.Exit(1)
	}
}

// runPipeline uploads n copies at once through the uploads package.
func runPipeline(photo []byte, n int) error {
	ctx := context.Background()
	var store uploads.Store
	if ep := os.Getenv("ANJU_TEST_S3_ENDPOINT"); ep != "" {
		s, err := uploads.NewS3(ctx, uploads.S3Config{
			Endpoint: ep, AccessKey: os.Getenv("ANJU_TEST_S3_ACCESS_KEY"),
			SecretKey: os.Getenv("ANJU_TEST_S3_SECRET_KEY"), Bucket: "anju-uploadmem",
		})
		if err != nil {
			return err
		}
		store = s
		fmt.Println("store: S3 at", ep)
	} else {
		dir, err := os.MkdirTemp("", "anju-uploadmem-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s, err := uploads.NewDisk(dir)
		if err != nil {
			return err
		}
		store = s
		fmt.Println("store: disk at", dir)
	}
	// Forget the memory used to make the test photo: return it to the OS
	// and reset the peak (writing 5 to clear_refs resets VmHWM).
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak RSS: %w", err)
	}
	fmt.Printf("before: RSS %d MB (includes the %.1f MB photo the client side holds)\n", vmRSS("self")>>20, float64(len(photo))/(1<<20))

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- uploadOne(ctx, store, photo, i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	took := time.Since(start)
	peak := vmHWM("self")
	fmt.Printf("%d uploads in %v (%.1f/s)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	fmt.Printf("peak RSS (VmHWM): %d MB (target ≤ 200 MB)\n", peak>>20)
	objs, err := store.List(ctx, uploads.CaseDir("uploadmem")+"/")
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := store.Delete(ctx, o.Key); err != nil {
			return err
		}
	}
	return nil
}

// uploadOne is the handler's work for one photo, minus HTTP and the case.
func uploadOne(ctx context.Context, store uploads.Store, photo []byte, i int) error {
	body, _ := withComment(photo, i)
	sp, err := uploads.Spool(body, "", uploads.MaxPhotoBytes)
	if err != nil {
		return err
	}
	defer sp.Close()
	_, err = uploads.StorePhoto(ctx, store, "uploadmem", "p"+strconv.Itoa(i), sp, "image/jpeg")
	return err
}

// withComment streams the photo with a JPEG comment naming copy i, so
// every upload has its own SHA-256 as distinct phone photos do, without a
// copy of the photo per upload on the client side.
func withComment(photo []byte, i int) (io.Reader, int64) {
	com := []byte("uploadmem copy " + strconv.Itoa(i))
	seg := make([]byte, 4, 4+len(com))
	seg[0], seg[1] = 0xFF, 0xFE
	binary.BigEndian.PutUint16(seg[2:], uint16(len(com)+2))
	seg = append(seg, com...)
	r := io.MultiReader(bytes.NewReader(photo[:2]), bytes.NewReader(seg), bytes.NewReader(photo[2:]))
	return r, int64(len(photo) + len(seg))
}

// makePhoto encodes a 4032×3024 noisy scene (a phone's 12 MP) at a quality
// chosen to land near mb megabytes.
func makePhoto(mb float64) []byte {
	const w, h = 4032, 3024
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 60 + 120*float64(y)/h + 40*float64((x/300+y/200)%3) + r.NormFloat64()*18
			img.Y[y*img.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(110 + r.IntN(30))
		img.Cr[i] = uint8(120 + r.IntN(30))
	}
	var best []byte
	for q := 80; q <= 100; q += 4 {
		var b bytes.Buffer
		jpeg.Encode(&b, img, &jpeg.Options{Quality: q})
		best = b.Bytes()
		if float64(len(best)) >= mb*(1<<20) {
			break
		}
	}
	return best
}

// vmHWM reads the peak resident set size of a process from /proc.
func vmHWM(pid string) int64 { return procStatus(pid, "VmHWM:") }

// vmRSS reads the current resident set size of a process from /proc.
func vmRSS(pid string) int64 { return procStatus(pid, "VmRSS:") }

func procStatus(pid, field string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}
