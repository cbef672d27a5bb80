package app

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/yongjing/anju/pwa"
)

func TestShellVersionRollsOverWithTheFiles(t *testing.T) {
	files := fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html>")},
		"sw.js":      {Data: []byte("const VERSION = '__ANJU_VERSION__'; const SHELL = __ANJU_SHELL__;")},
		"js/app.js":  {Data: []byte("console.log(1)")},
	}
	a, err := loadShell(files)
	if err != nil {
		t.Fatal(err)
	}
	files["js/app.js"] = &fstest.MapFile{Data: []byte("console.log(2)")}
	b, err := loadShell(files)
	if err != nil {
		t.Fatal(err)
	}
	if a.version == b.version {
		t.Fatalf("version %s did not change when a file changed", a.version)
	}
	sw := string(b.files["/sw.js"].body)
	if want := "const VERSION = '" + b.version + "'; const SHELL = [\"/\",\"/js/app.js\"];"; sw != want {
		t.Errorf("sw.js = %s, want %s", sw, want)
	}
	delete(files, "sw.js")
	if _, err := loadShell(files); err == nil {
		t.Error("a build without sw.js loaded")
	}
}

func TestShellServing(t *testing.T) {
	ts := newTestServer(t)
	shell, err := loadShell(pwa.Files)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, hdr map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		// The default transport would ask for gzip and undo it silently.
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	tests := []struct {
		name, path, wantType, wantCache, wantBody string
	}{
		{"page at the root", "/", "text/html", "no-cache", "<script type=\"module\" src=\"/js/app.js\">"},
		{"worker from the root with its version", "/sw.js", "text/javascript", "no-cache", "const VERSION = '" + shell.version + "'"},
		{"module", "/js/outbox.js", "text/javascript", "no-cache", "export class Outbox"},
		{"manifest", "/manifest.webmanifest", "application/manifest+json", "no-cache", "\"start_url\": \"/\""},
		{"icon", "/icons/icon-512.png", "image/png", "no-cache", "\x89PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(tt.path, nil)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tt.wantCache)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body lacks %q", tt.wantBody)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			res, _ = get(tt.path, map[string]string{"If-None-Match": etag})
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: status %d, want 304", res.StatusCode)
			}
		})
	}

	res, body := get("/js/app.js", map[string]string{"Accept-Encoding": "gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("app.js not gzipped for a browser that accepts it")
	}
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.Contains(string(plain), "serviceWorker.register('/sw.js')") {
		t.Errorf("gzipped app.js does not decode to the module")
	}

	for _, p := range []string{"/nothing.js", "/api/not-a-route"} {
		res, body := get(p, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
		if strings.HasPrefix(p, "/api/") && errorCode(body) == "" {
			t.Errorf("GET %s: %s, want the API's JSON error", p, body)
		}
	}
	// The app's files take no other method, and leave unknown API routes alone.
	res, body = ts.do(t, "POST", "/api/not-a-route", "", "{}")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /api/not-a-route: status %d, want 404 (%s)", res.StatusCode, body)
	}
}
