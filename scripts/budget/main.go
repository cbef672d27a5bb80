// Command budget prints what the field app costs a phone to load: the
// gzipped HTML, CSS and JavaScript of the first visit (budget 100 KB), and
// what a repeat visit without signal takes from the network (0: the
// service worker serves the whole shell from its cache). It exits 1 when
// the first load is over budget or a file the page loads is not precached.
//
//	go run ./scripts/budget
//
// It reads the files compiled into the server (package pwa) and follows
// what the page loads: the stylesheet and module script of index.html and
// every static import of the modules, as a browser does.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/yongjing/anju/pwa"
)

var (
	htmlRefs   = regexp.MustCompile(`(?:href|src)="(/[^"]+)"`)
	importRefs = regexp.MustCompile(`(?m)(?:^|\s|;)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\s|;)import\s*['"]([^'"]+)['"]`)
	swRegister = regexp.MustCompile(`serviceWorker\.register\(\s*['"]([^'"]+)['"]`)
)

func main() {
	budgetKB := flag.Float64("budget", 100, "first-load budget in KB (gzipped HTML, CSS, JS)")
	verbose := flag.Bool("v", false, "list every file")
	flag.Parse()
	if err := run(pwa.Files, *budgetKB, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "budget:", err)
		os.Exit(1)
	}
}

type file struct {
	path       string
	raw, gzLen int
}

func run(fsys fs.FS, budgetKB float64, verbose bool) error {
	read := func(p string) ([]byte, error) { return fs.ReadFile(fsys, strings.TrimPrefix(p, "/")) }

	// What the page loads, in the order a browser finds it.
	loaded := map[string]bool{}
	var order []string
	var visit func(p string) error
	visit = func(p string) error {
		if loaded[p] {
			return nil
		}
		b, err := read(p)
		if err != nil {
			return fmt.Errorf("the page loads %s, which is not shipped: %w", p, err)
		}
		loaded[p] = true
		order = append(order, p)
		var refs []string
		switch path.Ext(p) {
		case ".html":
			for _, m := range htmlRefs.FindAllSubmatch(b, -1) {
				refs = append(refs, string(m[1]))
			}
		case ".js":
			for _, m := range importRefs.FindAllSubmatch(b, -1) {
				ref := string(m[1]) + string(m[2])
				refs = append(refs, path.Join(path.Dir(p), ref))
			}
			for _, m := range swRegister.FindAllSubmatch(b, -1) {
				refs = append(refs, string(m[1]))
			}
		}
		for _, r := range refs {
			if err := visit(r); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit("/index.html"); err != nil {
		return err
	}

	// The service worker precaches every shipped file but itself (the
	// server's rule in server/app/static.go), fetched with revalidation, so
	// a file the page already loaded costs a 304, not its bytes again.
	var all []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			all = append(all, "/"+p)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(all)
	precached := map[string]bool{}
	for _, p := range all {
		if p != "/sw.js" {
			precached[p] = true
		}
	}

	var code, other []file
	var codeGz, otherGz int
	for _, p := range all {
		if !loaded[p] && !precached[p] {
			continue
		}
		b, err := read(p)
		if err != nil {
			return err
		}
		f := file{path: p, raw: len(b), gzLen: gzLen(b)}
		switch path.Ext(p) {
		case ".html", ".css", ".js":
			code = append(code, f)
			codeGz += f.gzLen
		default:
			other = append(other, f)
			otherGz += len(b) // images are already compressed; the manifest is tiny
		}
	}
	// Offline repeat visit: the page and worker come from the cache; only a
	// file the page loads that the worker does not keep would need the network.
	offline := 0
	var missing []string
	for _, p := range order {
		if p == "/index.html" || p == "/sw.js" {
			continue // served as "/" from the cache; the worker script is checked for updates only online
		}
		if !precached[p] {
			b, _ := read(p)
			offline += gzLen(b)
			missing = append(missing, p)
		}
	}

	kb := func(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
	fmt.Printf("first load: %s gzipped HTML, CSS and JS (%d files; budget %.0f KB)\n", kb(codeGz), len(code), budgetKB)
	fmt.Printf("            + %s manifest and icons the service worker keeps\n", kb(otherGz))
	fmt.Printf("repeat load offline: %d bytes from the network (%d of %d files the page loads are precached by the service worker)\n",
		offline, len(order)-len(missing), len(order))
	if verbose {
		for _, f := range append(code, other...) {
			mark := " "
			if loaded[f.path] {
				mark = "*"
			}
			fmt.Printf("  %s %-32s %7d B  gzip %6d B\n", mark, f.path, f.raw, f.gzLen)
		}
		fmt.Println("  (* loaded by the page at start)")
	}
	var problems []string
	if float64(codeGz)/1024 > budgetKB {
		problems = append(problems, fmt.Sprintf("first load %s is over the %.0f KB budget", kb(codeGz), budgetKB))
	}
	if len(missing) > 0 {
		problems = append(problems, "not precached, so not available offline: "+strings.Join(missing, ", "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

func gzLen(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}
