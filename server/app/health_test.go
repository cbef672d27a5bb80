package app

import (
	"net/http"
	"testing"
)

func TestHealthAndReady(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/health", "/api/ready"} {
		res, body := ts.do(t, "GET", path, "", nil)
		mustStatus(t, res, body, http.StatusOK)
		var got map[string]string
		mustJSON(t, body, &got)
		if got["status"] != "ok" {
			t.Errorf("%s: status %q, want ok", path, got["status"])
		}
		if path == "/api/health" && got["version"] == "" {
			t.Errorf("health answer has no version: %s", body)
		}
	}
}
