package main

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/yongjing/anju/pwa"
)

// The shipped app keeps its budget: go test fails before a phone pays.
func TestShippedAppWithinBudget(t *testing.T) {
	if err := run(pwa.Files, 100, false); err != nil {
		t.Fatal(err)
	}
}

func TestBudgetCatchesWhatItMeasures(t *testing.T) {
	app := fstest.MapFS{
		"index.html": {Data: []byte(`<link rel="stylesheet" href="/css/a.css"><script type="module" src="/js/app.js"></script>`)},
		"sw.js":      {Data: []byte("self")},
		"css/a.css":  {Data: []byte("body{}")},
		"js/app.js":  {Data: []byte("import { x } from './lib.js';\nnavigator.serviceWorker.register('/sw.js');")},
		"js/lib.js":  {Data: []byte("export const x = 1;")},
	}
	if err := run(app, 100, false); err != nil {
		t.Fatalf("a small app: %v", err)
	}
	if err := run(app, 0.01, false); err == nil || !strings.Contains(err.Error(), "over the") {
		t.Errorf("over budget not reported: %v", err)
	}
	app["js/app.js"] = &fstest.MapFile{Data: []byte("import './missing.js';")}
	if err := run(app, 100, false); err == nil || !strings.Contains(err.Error(), "missing.js") {
		t.Errorf("a module the page loads but the build lacks not reported: %v", err)
	}
}
