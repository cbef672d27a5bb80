package domain

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoIOImports keeps domain pure: its non-test files import no I/O,
// no storage or transport package and nothing else of ours. The one
// exception is a blank import of embed, which compiles a file of domain/
// into a string (the common passwords): data fixed at build time, read by
// nobody at run time. embed.FS (a file system) stays banned.
func TestNoIOImports(t *testing.T) {
	banned := []string{"os", "net", "database", "io/fs", "io/ioutil", "log", "syscall", "path/filepath",
		"embed", "runtime/cgo", "plugin", "unsafe"}
	bannedParts := []string{"mongo", "minio", "echo", "ferretdb", "chromedp", "sqlite", "github.com/yongjing/anju/"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "embed" && imp.Name != nil && imp.Name.Name == "_" {
				continue
			}
			for _, b := range banned {
				if path == b || strings.HasPrefix(path, b+"/") {
					t.Errorf("%s imports %s: domain must do no I/O", name, path)
				}
			}
			for _, b := range bannedParts {
				if strings.Contains(path, b) {
					t.Errorf("%s imports %s: domain depends on no adapter", name, path)
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked only %d files", checked)
	}
}
