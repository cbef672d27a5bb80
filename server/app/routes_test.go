package app

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// publicRoutes are the /api routes that answer without a sign-in, on
// purpose (see routes). Every other /api route must refuse.
var publicRoutes = map[string]bool{
	"GET /api/health":        true,
	"GET /api/ready":         true,
	"GET /api/openapi.json":  true,
	"POST /api/auth/login":   true,
	"POST /api/auth/refresh": true,
	"POST /api/auth/logout":  true,
}

// TestEveryRouteOutsideThePublicListNeedsSignIn sends every registered
// /api route a request without a token: all but the public list answer
// 401, and the public ones are all registered.
func TestEveryRouteOutsideThePublicListNeedsSignIn(t *testing.T) {
	ts := newTestServer(t)
	e := ts.App.Handler().(*echo.Echo)
	seen := map[string]bool{}
	var private []string
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue // the field app's files
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		if publicRoutes[key] {
			continue
		}
		private = append(private, key)
		path := r.Path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				path = strings.Replace(path, seg, "x", 1)
			}
		}
		res, body := ts.do(t, r.Method, path, "", nil)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without sign-in: %d %s, want 401", key, res.StatusCode, body)
		}
	}
	for key := range publicRoutes {
		if !seen[key] {
			t.Errorf("public route %s is not registered", key)
		}
	}
	sort.Strings(private)
	if len(private) < 20 {
		t.Errorf("only %d signed-in routes found: %v", len(private), private)
	}
}
