package app

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

type specDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

var (
	echoParam = regexp.MustCompile(`:[A-Za-z0-9_]+`)
	specParam = regexp.MustCompile(`\{[A-Za-z0-9_]+\}`)
)

// normRoute writes a route with its parameters unnamed, so /api/users/:id
// and /api/users/{id} (or {user_id}) compare equal.
func normRoute(method, path string) string {
	path = echoParam.ReplaceAllString(path, "{}")
	path = specParam.ReplaceAllString(path, "{}")
	return strings.ToUpper(method) + " " + path
}

func loadSpec(t *testing.T) specDoc {
	t.Helper()
	var doc specDoc
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("server/openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	return doc
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func TestEveryRouteIsInTheOpenAPISpec(t *testing.T) {
	doc := loadSpec(t)
	spec := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			if httpMethods[m] {
				spec[normRoute(m, p)] = true
			}
		}
	}
	ts := newTestServer(t)
	routes := map[string]bool{}
	var missing []string
	for _, r := range ts.App.Handler().(*echo.Echo).Routes() {
		if r.Method == echo.RouteNotFound || !(strings.HasPrefix(r.Path, "/api/") || strings.HasPrefix(r.Path, "/v/")) {
			continue // the field app's files and catch-alls are not API
		}
		k := normRoute(r.Method, r.Path)
		routes[k] = true
		if !spec[k] {
			missing = append(missing, k+"  (registered as "+r.Path+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("route missing from server/openapi.json: %s", m)
	}
	var stale []string
	for k := range spec {
		if !routes[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, s := range stale {
		t.Errorf("server/openapi.json describes a route the server does not have: %s", s)
	}
}

func TestOpenAPISpecIsWellFormed(t *testing.T) {
	doc := loadSpec(t)
	ids := map[string]string{}
	for p, ops := range doc.Paths {
		if !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/v/") {
			t.Errorf("path %s is outside /api/ (and is not the verification link /v/)", p)
		}
		for m, raw := range ops {
			if !httpMethods[m] {
				continue
			}
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Errorf("%s %s: %v", m, p, err)
				continue
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s has no responses", m, p)
			}
			if op.OperationID != "" {
				if other, dup := ids[op.OperationID]; dup {
					t.Errorf("operationId %s used by %s and %s %s", op.OperationID, other, m, p)
				}
				ids[op.OperationID] = m + " " + p
			}
		}
	}
	// Every $ref points at a schema that exists.
	for _, m := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([^"]+)"`).FindAllSubmatch(openapiJSON, -1) {
		if _, ok := doc.Components.Schemas[string(m[1])]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	ts := newTestServer(t)
	res, body := ts.do(t, "GET", "/api/openapi.json", "", nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || string(body) != string(openapiJSON) {
		t.Errorf("served %s, %d bytes", res.Header.Get("Content-Type"), len(body))
	}
}
