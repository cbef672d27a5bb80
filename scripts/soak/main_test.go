package main

import (
	"context"
	"os"
	"testing"
)

// TestSoakShort runs the CI version of the soak (about 40 cases, one
// crash) and fails on any non-zero figure. It is opt-in for now: it runs
// only with ANJU_SOAK=1, and then skips under -short unless CI is set.
func TestSoakShort(t *testing.T) {
	if os.Getenv("ANJU_SOAK") != "1" {
		t.Skip("set ANJU_SOAK=1 to run the fault soak")
	}
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("fault soak skipped in -short mode (it runs when CI is set)")
	}
	cfg := shortConfig()
	res, err := run(context.Background(), cfg, testWriter{t})
	if err != nil {
		t.Fatalf("soak: %v", err)
	}
	sum := res.summary()
	for _, name := range figureNames {
		if got := *sum.field(name); got != 0 {
			t.Errorf("%s %d, want 0", name, got)
		}
	}
	if res.Totals.GaveUp != 0 {
		t.Errorf("gave_up %d, want 0", res.Totals.GaveUp)
	}
	if len(res.Crashes) != cfg.Crashes {
		t.Errorf("crashes %d, want %d", len(res.Crashes), cfg.Crashes)
	}
	if res.failed() {
		t.Errorf("soak failed; server log %s, report %s", res.LogPath, res.Report)
	}
}

// testWriter sends the soak's output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
