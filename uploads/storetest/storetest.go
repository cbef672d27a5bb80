// Package storetest holds the contract every uploads.Store must keep, run
// against each implementation over its real medium (a directory, a real S3
// server), and gives tests elsewhere a fresh S3 bucket.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/yongjing/anju/uploads"
)

// Run checks the Store contract. open returns an empty store for one
// subtest (each subtest calls it once).
func Run(t *testing.T, open func(t *testing.T) uploads.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s uploads.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Empty", testEmpty},
		{"Missing", testMissing},
		{"Delete", testDelete},
		{"List", testList},
		{"FailingReader", testFailingReader},
		{"ShortReader", testShortReader},
		{"InvalidKeys", testInvalidKeys},
		{"Concurrent", testConcurrent},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// body is a deterministic pseudo-random stream, so a test can stream
// megabytes without holding them and still check every byte read back.
func body(seed uint64, size int64) io.Reader {
	return io.LimitReader(&prng{r: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, size)
}

type prng struct{ r *mrand.Rand }

func (p *prng) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.r.Uint32())
	}
	return len(b), nil
}

func digest(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func mustPut(t *testing.T, s uploads.Store, key string, seed uint64, size int64, ct string) string {
	t.Helper()
	want, _, _ := digest(body(seed, size))
	if err := s.Put(ctx(t), key, body(seed, size), size, ct); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
	return want
}

func mustRead(t *testing.T, s uploads.Store, key string) (string, int64, uploads.Object) {
	t.Helper()
	rc, obj, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	sum, n, err := digest(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return sum, n, obj
}

func testRoundTrip(t *testing.T, s uploads.Store) {
	const key, size, ct = "cases/0b6f/p-1.jpg", 5<<20 + 123, "image/jpeg"
	before := time.Now().Add(-2 * time.Minute) // tolerate clock skew with the server
	want := mustPut(t, s, key, 1, size, ct)
	got, n, obj := mustRead(t, s, key)
	if n != size || got != want {
		t.Fatalf("read back %d bytes sha256 %s, want %d bytes %s", n, got, size, want)
	}
	if obj.Key != key || obj.Size != size || obj.ContentType != ct {
		t.Errorf("Get object = %+v, want key %s size %d type %s", obj, key, size, ct)
	}
	if obj.ModTime.Before(before) || obj.ModTime.After(time.Now().Add(2*time.Minute)) {
		t.Errorf("Get ModTime = %v, want about now", obj.ModTime)
	}
	st, err := s.Stat(ctx(t), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if st.Key != key || st.Size != size || st.ContentType != ct || st.ModTime.IsZero() {
		t.Errorf("Stat = %+v, want key %s size %d type %s", st, key, size, ct)
	}
}

func testOverwrite(t *testing.T, s uploads.Store) {
	const key = "cases/c/thumb.jpg"
	mustPut(t, s, key, 1, 1000, "image/jpeg")
	want := mustPut(t, s, key, 2, 2000, "image/png")
	got, n, obj := mustRead(t, s, key)
	if got != want || n != 2000 || obj.ContentType != "image/png" {
		t.Errorf("after overwrite: %d bytes, type %s, sum match %v; want the second object", n, obj.ContentType, got == want)
	}
}

func testEmpty(t *testing.T, s uploads.Store) {
	const key = "empty/zero.bin"
	if err := s.Put(ctx(t), key, strings.NewReader(""), 0, "application/octet-stream"); err != nil {
		t.Fatalf("Put empty: %v", err)
	}
	_, n, obj := mustRead(t, s, key)
	if n != 0 || obj.Size != 0 {
		t.Errorf("empty object read %d bytes, size %d; want 0", n, obj.Size)
	}
}

func testMissing(t *testing.T, s uploads.Store) {
	mustPut(t, s, "cases/x/a.jpg", 1, 10, "image/jpeg")
	for _, key := range []string{"cases/x/b.jpg", "cases/y/a.jpg", "cases/x"} {
		if _, _, err := s.Get(ctx(t), key); !errors.Is(err, uploads.ErrNotFound) {
			t.Errorf("Get(%s) error = %v, want ErrNotFound", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, uploads.ErrNotFound) {
			t.Errorf("Stat(%s) error = %v, want ErrNotFound", key, err)
		}
	}
}

func testDelete(t *testing.T, s uploads.Store) {
	const key = "cases/d/p.webp"
	mustPut(t, s, key, 3, 4096, "image/webp")
	mustPut(t, s, "cases/d/keep.webp", 4, 10, "image/webp")
	for i := 0; i < 2; i++ { // the second delete finds nothing: still no error
		if err := s.Delete(ctx(t), key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, uploads.ErrNotFound) {
			t.Fatalf("Stat after Delete #%d: %v, want ErrNotFound", i+1, err)
		}
	}
	if err := s.Delete(ctx(t), "never/was.jpg"); err != nil {
		t.Errorf("Delete of a key never written: %v", err)
	}
	if _, err := s.Stat(ctx(t), "cases/d/keep.webp"); err != nil {
		t.Errorf("Delete removed a neighbour: %v", err)
	}
	objs, err := s.List(ctx(t), "cases/d/")
	if err != nil || len(objs) != 1 || objs[0].Key != "cases/d/keep.webp" {
		t.Errorf("List after Delete = %v, %v; want only cases/d/keep.webp", keys(objs), err)
	}
}

func keys(objs []uploads.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

func testList(t *testing.T, s uploads.Store) {
	// Written out of order; "a-b" sorts before "a/" ('-' < '/') although a
	// directory walk visits "a" first.
	all := []string{"other/q.jpg", "cases/b/z.jpg", "cases/a/2.png", "cases/ab/y.jpg", "cases/a-b/x.jpg", "cases/a/1.jpg", "cases/a/sub/3.jpg"}
	for i, k := range all {
		mustPut(t, s, k, uint64(i), int64(100+i), "image/jpeg")
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"cases/a/", []string{"cases/a/1.jpg", "cases/a/2.png", "cases/a/sub/3.jpg"}},
		{"cases/a", []string{"cases/a-b/x.jpg", "cases/a/1.jpg", "cases/a/2.png", "cases/a/sub/3.jpg", "cases/ab/y.jpg"}},
		{"cases/a/1", []string{"cases/a/1.jpg"}},
		{"", []string{"cases/a-b/x.jpg", "cases/a/1.jpg", "cases/a/2.png", "cases/a/sub/3.jpg", "cases/ab/y.jpg", "cases/b/z.jpg", "other/q.jpg"}},
		{"nothing/", nil},
		{"cases/zz", nil},
	}
	for _, tt := range tests {
		objs, err := s.List(ctx(t), tt.prefix)
		if err != nil {
			t.Errorf("List(%q): %v", tt.prefix, err)
			continue
		}
		if got := keys(objs); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("List(%q) = %v, want %v", tt.prefix, got, tt.want)
		}
		for _, o := range objs {
			i := indexOf(all, o.Key)
			if o.Size != int64(100+i) || o.ModTime.IsZero() {
				t.Errorf("List(%q): %s size %d modtime %v, want size %d and a time", tt.prefix, o.Key, o.Size, o.ModTime, 100+i)
			}
		}
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// failingReader yields n good bytes, then fails as a dropped phone
// connection does.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func testFailingReader(t *testing.T, s uploads.Store) {
	const key, size = "cases/f/p.jpg", 3 << 20
	broken := errors.New("connection reset by phone")
	err := s.Put(ctx(t), key, &failingReader{r: body(5, 1<<20), err: broken}, size, "image/jpeg")
	if err == nil {
		t.Fatal("Put with a reader failing midway succeeded")
	}
	if _, err := s.Stat(ctx(t), key); !errors.Is(err, uploads.ErrNotFound) {
		t.Errorf("after a failed Put, Stat = %v, want ErrNotFound", err)
	}
	if objs, err := s.List(ctx(t), ""); err != nil || len(objs) != 0 {
		t.Errorf("after a failed Put, List = %v, %v; want nothing", keys(objs), err)
	}
	// A failed overwrite keeps the old object whole.
	want := mustPut(t, s, key, 6, 2<<20, "image/jpeg")
	if err := s.Put(ctx(t), key, &failingReader{r: body(7, 1<<20), err: broken}, size, "image/png"); err == nil {
		t.Fatal("overwrite with a failing reader succeeded")
	}
	got, n, obj := mustRead(t, s, key)
	if got != want || n != 2<<20 || obj.ContentType != "image/jpeg" {
		t.Errorf("after a failed overwrite: %d bytes, type %s, same content %v; want the old object", n, obj.ContentType, got == want)
	}
}

func testShortReader(t *testing.T, s uploads.Store) {
	const key = "cases/s/p.jpg"
	err := s.Put(ctx(t), key, body(8, 1000), 5000, "image/jpeg")
	if err == nil {
		t.Fatal("Put of 1000 bytes declared as 5000 succeeded")
	}
	if _, err := s.Stat(ctx(t), key); !errors.Is(err, uploads.ErrNotFound) {
		t.Errorf("after a short Put, Stat = %v, want ErrNotFound", err)
	}
}

// BadKeys are keys every Store refuses with uploads.ErrInvalidKey.
var BadKeys = []string{
	"", "/abs.jpg", "trailing/", "a//b.jpg", "../escape.jpg", "cases/../../etc/passwd",
	"a/./b.jpg", ".hidden", "cases/.put-123", "Upper.jpg", "sp ace.jpg", `back\slash.jpg`,
	"照片.jpg", "tab\t.jpg", "nul\x00.jpg", "q?.jpg", "pct%2e%2e", strings.Repeat("a", 600),
}

func testInvalidKeys(t *testing.T, s uploads.Store) {
	for _, key := range BadKeys {
		if err := s.Put(ctx(t), key, strings.NewReader("x"), 1, "text/plain"); !errors.Is(err, uploads.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if _, _, err := s.Get(ctx(t), key); !errors.Is(err, uploads.ErrInvalidKey) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, uploads.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx(t), key); !errors.Is(err, uploads.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
	for _, prefix := range []string{"../", "/", "a//", "A/", "x y"} {
		if _, err := s.List(ctx(t), prefix); !errors.Is(err, uploads.ErrInvalidKey) {
			t.Errorf("List(%q) error = %v, want ErrInvalidKey", prefix, err)
		}
	}
	if objs, err := s.List(ctx(t), ""); err != nil || len(objs) != 0 {
		t.Errorf("after refused puts, List = %v, %v; want nothing", keys(objs), err)
	}
}

func testConcurrent(t *testing.T, s uploads.Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("cases/conc/%d.jpg", i)
			size := int64(200_000 + i)
			want, _, _ := digest(body(uint64(i), size))
			if err := s.Put(ctx(t), key, body(uint64(i), size), size, "image/jpeg"); err != nil {
				errs <- err
				return
			}
			rc, _, err := s.Get(ctx(t), key)
			if err != nil {
				errs <- err
				return
			}
			defer rc.Close()
			got, _, err := digest(rc)
			if err == nil && got != want {
				err = fmt.Errorf("%s: content differs", key)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if objs, err := s.List(ctx(t), "cases/conc/"); err != nil || len(objs) != n {
		t.Errorf("List = %d objects, %v; want %d", len(objs), err, n)
	}
}

func testPing(t *testing.T, s uploads.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// S3Env reads the test S3 server's address and keys from
// ANJU_TEST_S3_ENDPOINT, ANJU_TEST_S3_ACCESS_KEY and ANJU_TEST_S3_SECRET_KEY
// (set by scripts/test). Without them the test is skipped on a laptop and
// fails when CI is set.
func S3Env(t testing.TB) uploads.S3Config {
	t.Helper()
	cfg := uploads.S3Config{
		Endpoint:  os.Getenv("ANJU_TEST_S3_ENDPOINT"),
		AccessKey: os.Getenv("ANJU_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("ANJU_TEST_S3_SECRET_KEY"),
	}
	if cfg.Endpoint == "" || cfg.AccessKey == "" || cfg.SecretKey == "" {
		msg := "no S3 server: set ANJU_TEST_S3_ENDPOINT, ANJU_TEST_S3_ACCESS_KEY and ANJU_TEST_S3_SECRET_KEY (scripts/test does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return cfg
}

// NewS3 returns a store on a fresh bucket of the test S3 server; the bucket
// is emptied and removed when the test ends.
func NewS3(t testing.TB) *uploads.S3 {
	t.Helper()
	cfg := S3Env(t)
	var b [6]byte
	rand.Read(b[:])
	cfg.Bucket = "anju-test-" + hex.EncodeToString(b[:])
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := uploads.NewS3(c, cfg)
	if err != nil {
		t.Fatalf("test bucket: %v", err)
	}
	t.Cleanup(func() {
		if err := removeBucket(cfg); err != nil {
			t.Errorf("remove test bucket %s: %v", cfg.Bucket, err)
		}
	})
	return s
}

func removeBucket(cfg uploads.S3Config) error {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
	})
	if err != nil {
		return err
	}
	for obj := range client.ListObjects(c, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return obj.Err
		}
		if err := client.RemoveObject(c, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			return err
		}
	}
	return client.RemoveBucket(c, cfg.Bucket)
}

// Equal reports whether the object under key holds exactly data.
func Equal(t testing.TB, s uploads.Store, key string, data []byte) bool {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, _, err := s.Get(c, key)
	if err != nil {
		t.Errorf("Get(%s): %v", key, err)
		return false
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Errorf("read %s: %v", key, err)
		return false
	}
	return bytes.Equal(got, data)
}
