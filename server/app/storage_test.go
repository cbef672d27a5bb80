package app

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/uploads"
)

// s3Config is the S3 server scripts/test starts (versitygw). Without it the
// test skips on a laptop and fails under CI.
func s3Config(t *testing.T) (endpoint, access, secret string) {
	t.Helper()
	endpoint = os.Getenv("ANJU_TEST_S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ANJU_TEST_S3_ENDPOINT is not set (scripts/test starts versitygw)")
		}
		t.Skip("no S3 server: set ANJU_TEST_S3_ENDPOINT (scripts/test does)")
	}
	return endpoint, os.Getenv("ANJU_TEST_S3_ACCESS_KEY"), os.Getenv("ANJU_TEST_S3_SECRET_KEY")
}

func TestAppKeepsPhotosOnS3WhenConfigured(t *testing.T) {
	endpoint, access, secret := s3Config(t)
	cfg := testConfig(t.TempDir())
	cfg.S3Endpoint, cfg.S3AccessKey, cfg.S3SecretKey = endpoint, access, secret
	cfg.S3Bucket = "anju-app-" + strings.ToLower(newID()[:12])
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := newApp(context.Background(), cfg, deps{Log: testLogger(t), Out: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, ok := app.Store.(*uploads.S3); !ok {
		t.Fatalf("store is %T, want *uploads.S3", app.Store)
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/ready")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("ready on S3: %d", res.StatusCode)
	}
	ctx := context.Background()
	if err := app.Store.Put(ctx, "probe/x.txt", strings.NewReader("安居"), int64(len("安居")), "text/plain"); err != nil {
		t.Fatal(err)
	}
	objs, err := app.Store.List(ctx, "probe/")
	if err != nil || len(objs) != 1 {
		t.Errorf("list: %v, %v", objs, err)
	}
	_ = app.Store.Delete(ctx, "probe/x.txt")
}

func TestStartStopsWhenTheObjectStoreIsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	cfg := testConfig(t.TempDir())
	cfg.S3Endpoint, cfg.S3AccessKey, cfg.S3SecretKey = addr, "a", "b"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = newApp(ctx, cfg, deps{Log: testLogger(t), Out: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "ANJU_S3_ENDPOINT") {
		t.Errorf("start with an unreachable S3: %v, want an error naming ANJU_S3_ENDPOINT", err)
	}
}
