package app

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
)

// shellAsset is one file of the field app, ready to serve.
type shellAsset struct {
	body  []byte
	gz    []byte // nil when compressing does not pay (images)
	etag  string
	ctype string
}

// shell is the field app as served: its files by URL path and the build
// version (a hash of every file) that names the service worker's cache.
type shell struct {
	files   map[string]*shellAsset
	version string
}

// loadShell reads the embedded files, computes the build version and fills
// it, with the list of files to precache, into the service worker.
func loadShell(fsys fs.FS) (*shell, error) {
	s := &shell{files: map[string]*shellAsset{}}
	raw := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		raw["/"+p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if raw["/index.html"] == nil || raw["/sw.js"] == nil {
		return nil, fmt.Errorf("index.html or sw.js missing")
	}
	paths := make([]string, 0, len(raw))
	for p := range raw {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(raw[p]))
		h.Write(raw[p])
	}
	s.version = hex.EncodeToString(h.Sum(nil))[:16]

	// The shell the worker keeps: "/" for the page, then every other file.
	precache := []string{"/"}
	for _, p := range paths {
		if p != "/index.html" && p != "/sw.js" {
			precache = append(precache, p)
		}
	}
	list, err := json.Marshal(precache)
	if err != nil {
		return nil, err
	}
	sw := raw["/sw.js"]
	if !bytes.Contains(sw, []byte("__ANJU_VERSION__")) || !bytes.Contains(sw, []byte("__ANJU_SHELL__")) {
		return nil, fmt.Errorf("sw.js lacks its placeholders")
	}
	sw = bytes.Replace(sw, []byte("__ANJU_VERSION__"), []byte(s.version), 1)
	raw["/sw.js"] = bytes.Replace(sw, []byte("__ANJU_SHELL__"), list, 1)

	for p, b := range raw {
		a := &shellAsset{body: b, ctype: contentType(p)}
		sum := sha256.Sum256(b)
		a.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
		if compressible(a.ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			if buf.Len() < len(b) {
				a.gz = buf.Bytes()
			}
		}
		s.files[p] = a
	}
	return s, nil
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// register serves the page at "/" and the worker at "/sw.js" from the root
// (so its scope covers the app), both no-cache so a deploy is seen at once;
// the other files carry an ETag and are revalidated (the worker serves
// them from its versioned cache in between). Each file gets its own route,
// so unknown paths keep the product's 404 and 405 answers.
func (s *shell) register(e *echo.Echo) {
	// HEAD too, for uptime probes and `curl -I`: net/http drops the body.
	page := func(c echo.Context) error { return s.serve(c, "/index.html") }
	e.GET("/", page)
	e.HEAD("/", page)
	for p := range s.files {
		file := func(c echo.Context) error { return s.serve(c, p) }
		e.GET(p, file)
		e.HEAD(p, file)
	}
}

func (s *shell) serve(c echo.Context, p string) error {
	a := s.files[p]
	if a == nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if p == "/sw.js" {
		h.Set("Service-Worker-Allowed", "/")
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if a.gz != nil && acceptsGzip(c.Request()) {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, a.ctype, a.gz)
	}
	return c.Blob(http.StatusOK, a.ctype, a.body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		if strings.TrimSpace(strings.SplitN(part, ";", 2)[0]) == "gzip" {
			return true
		}
	}
	return false
}
