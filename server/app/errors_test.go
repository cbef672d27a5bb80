package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/server/mongodb/dbtest"
)

func TestBadRequestsGetTheErrorShapeNever500(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	big := `{"username":"` + strings.Repeat("a", 2<<20) + `","password":"x"}`
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		code, field               string
	}{
		{"malformed JSON", "POST", "/api/auth/login", "", `{"username":`, 400, "bad_json", ""},
		{"not JSON at all", "POST", "/api/auth/login", "", `username=admin`, 400, "bad_json", ""},
		{"empty body", "POST", "/api/auth/login", "", ``, 400, "bad_json", ""},
		{"trailing data", "POST", "/api/auth/login", "", `{"username":"a","password":"b"} {}`, 400, "bad_json", ""},
		{"unknown field", "POST", "/api/auth/login", "", `{"username":"a","password":"b","remember":true}`, 400, "unknown_field", "remember"},
		{"wrong type", "POST", "/api/auth/login", "", `{"username":1,"password":"b"}`, 400, "invalid_input", "username"},
		{"array instead of object", "POST", "/api/users", admin, `[]`, 400, "bad_json", ""},
		{"missing fields", "POST", "/api/auth/login", "", `{}`, 400, "invalid_input", "username"},
		{"oversize body", "POST", "/api/auth/login", "", big, 413, "too_large", ""},
		{"oversize CSV", "POST", "/api/areas/import", admin, "code,name,parent_code\n" + strings.Repeat("x", 2<<20), 413, "too_large", ""},
		{"unknown page", "GET", "/nowhere", "", nil, 404, "not_found", ""},
		{"unknown API route, signed in", "GET", "/api/nowhere", admin, nil, 404, "not_found", ""},
		{"unknown API route, anonymous", "GET", "/api/nowhere", "", nil, 404, "not_found", ""},
		{"wrong method on a signed-in route", "DELETE", "/api/me", admin, nil, 405, "method_not_allowed", ""},
		{"wrong method on a signed-in route, anonymous", "DELETE", "/api/me", "", nil, 405, "method_not_allowed", ""},
		{"wrong method", "DELETE", "/api/health", "", nil, 405, "method_not_allowed", ""},
		{"bad user id", "PATCH", "/api/users/none", admin, `{"name":"x"}`, 404, "user_not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.do(t, tc.method, tc.path, tc.token, tc.body)
			mustStatus(t, res, body, tc.status)
			var e errorBody
			mustJSON(t, body, &e)
			if e.Error.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", e.Error.Code, tc.code, body)
			}
			if !hasHan(e.Error.Message) {
				t.Errorf("message %q is not Chinese", e.Error.Message)
			}
			if tc.field != "" && e.Error.Fields[tc.field] == "" {
				t.Errorf("no message for field %q: %s", tc.field, body)
			}
		})
	}
}

func TestChunkedOversizeBodyIs413(t *testing.T) {
	ts := newTestServer(t)
	// No Content-Length: the cap must hold while reading.
	r := io.MultiReader(strings.NewReader(`{"username":"`), bytes.NewReader(bytes.Repeat([]byte("a"), 3<<20)), strings.NewReader(`"}`))
	req, _ := http.NewRequest("POST", ts.URL+"/api/auth/login", r)
	req.ContentLength = -1
	res, body := ts.send(t, req)
	mustStatus(t, res, body, http.StatusRequestEntityTooLarge)
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestUnexpectedErrorsAndPanicsAreInternal(t *testing.T) {
	ts := newTestServer(t)
	e := ts.App.Handler().(*echo.Echo)
	e.GET("/test/panic", func(echo.Context) error { panic("secret detail 1") })
	e.GET("/test/fail", func(echo.Context) error { return errors.New("secret detail 2") })
	e.GET("/test/echo500", func(echo.Context) error { return echo.NewHTTPError(502, "secret detail 3") })
	srv := httptest.NewServer(e)
	defer srv.Close()
	for _, path := range []string{"/test/panic", "/test/fail", "/test/echo500"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 500 {
			t.Errorf("%s: status %d, want 500", path, res.StatusCode)
		}
		if strings.TrimSpace(string(body)) != `{"error":{"code":"internal","message":"系统内部错误"}}` {
			t.Errorf("%s: body %s", path, body)
		}
		if res.Header.Get("X-Request-ID") == "" || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: headers missing on error: %v", path, res.Header)
		}
	}
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	ts := newTestServer(t)
	check := func(t *testing.T, res *http.Response, hsts bool) {
		t.Helper()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "img-src 'self' blob: data:",
			"connect-src 'self'", "worker-src 'self'", "manifest-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("CSP allows unsafe code: %q", csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("headers: %v", h)
		}
		if got := h.Get("Strict-Transport-Security") != ""; got != hsts {
			t.Errorf("HSTS present = %v, want %v", got, hsts)
		}
	}
	for _, path := range []string{"/api/health", "/api/me", "/nowhere"} {
		res, _ := ts.do(t, "GET", path, "", nil)
		check(t, res, false)
	}
	res, _ := ts.do(t, "GET", "/api/health", "", nil)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("API answer Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}

	tls := httptest.NewTLSServer(ts.App.Handler())
	defer tls.Close()
	tres, err := tls.Client().Get(tls.URL + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	tres.Body.Close()
	check(t, tres, true)

	req, _ := http.NewRequest("GET", ts.URL+"/api/health", nil)
	req.Header.Set("X-Request-ID", "phone-42.abc")
	res, _ = ts.send(t, req)
	if got := res.Header.Get("X-Request-ID"); got != "phone-42.abc" {
		t.Errorf("request id %q, want the caller's", got)
	}
	req.Header.Set("X-Request-ID", "bad id "+strings.Repeat("x", 80))
	res, _ = ts.send(t, req)
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") || len(got) > 64 {
		t.Errorf("insane request id kept: %q", got)
	}
}

func TestRouteCanRaiseItsBodyLimit(t *testing.T) {
	ts := newTestServer(t)
	e := ts.App.Handler().(*echo.Echo)
	read := func(c echo.Context) error {
		n, err := io.Copy(io.Discard, c.Request().Body)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int64{"read": n})
	}
	e.POST("/test/default", read)
	e.POST("/test/big", read, bodyLimit(4<<20))
	srv := httptest.NewServer(e)
	defer srv.Close()
	post := func(path string, n int) int {
		res, err := http.Post(srv.URL+path, "application/octet-stream", bytes.NewReader(make([]byte, n)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tc := range []struct {
		path string
		size int
		want int
	}{
		{"/test/default", defaultBodyLimit, 200},
		{"/test/default", defaultBodyLimit + 1, 413},
		{"/test/big", 3 << 20, 200},
		{"/test/big", 4<<20 + 1, 413},
	} {
		if got := post(tc.path, tc.size); got != tc.want {
			t.Errorf("POST %s with %d bytes: status %d, want %d", tc.path, tc.size, got, tc.want)
		}
	}
}

func TestPublicIsPerMethod(t *testing.T) {
	ts := newTestServer(t)
	e := ts.App.Handler().(*echo.Echo)
	// Same path as the public GET /api/health, another method, put among
	// the signed-in routes: not public.
	ts.App.signedIn.DELETE("/health", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	srv := httptest.NewServer(e)
	defer srv.Close()
	req, _ := http.NewRequest("DELETE", srv.URL+"/api/health", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("DELETE next to a public GET: status %d, want 401", res.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer "+ts.adminToken(t))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("signed in: status %d, want 204", res.StatusCode)
	}
}

func TestLogLinesCarryTheRequestID(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	app, err := newApp(context.Background(), testConfig(t.TempDir()), deps{DB: dbtest.New(t), Log: logger, Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/auth/login", strings.NewReader(`{"username":"admin","password":"wrong-password"}`))
	req.Header.Set("X-Request-ID", "trace-me-42")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	var lines int
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["request_id"] == "trace-me-42" {
			lines++
		}
	}
	// The handler's own line ("sign-in failed") and the access line.
	if lines < 2 || !strings.Contains(buf.String(), `"msg":"sign-in failed"`) || !strings.Contains(buf.String(), `"status":401`) {
		t.Errorf("%d lines with the request id; log:\n%s", lines, buf.String())
	}
}
