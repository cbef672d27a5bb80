package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
	"github.com/yongjing/anju/uploads"
)

// testAdminPassword is the password of `admin` in every test server.
const testAdminPassword = "county-test-secret"

// testServer is the whole product on its own database and photo folder,
// served over real HTTP.
type testServer struct {
	*httptest.Server
	App *App

	clock    atomic.Pointer[time.Time] // nil: real time
	mu       sync.Mutex
	admin    string    // cached admin access token …
	adminAt  time.Time // … issued at this server time
	nextUser int
}

// newTestServer starts an App on a fresh database (dbtest) and a disk store
// in a temporary folder. Its clock is real until SetNow is called. Logs are
// printed only when the test fails.
func newTestServer(t testing.TB) *testServer {
	t.Helper()
	store, err := uploads.NewDisk(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatalf("disk store: %v", err)
	}
	return newTestServerOn(t, store)
}

// newTestServerOn is newTestServer with the photos in store.
func newTestServerOn(t testing.TB, store uploads.Store) *testServer {
	t.Helper()
	return newTestServerOnDB(t, store, dbtest.New(t))
}

// newTestServerOnDB is newTestServerOn with the database db.
func newTestServerOnDB(t testing.TB, store uploads.Store, db *mongo.Database) *testServer {
	t.Helper()
	return newTestServerWith(t, store, db, nil)
}

// newTestServerConfig is newTestServer with its configuration changed by mod.
func newTestServerConfig(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	store, err := uploads.NewDisk(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatalf("disk store: %v", err)
	}
	return newTestServerWith(t, store, dbtest.New(t), mod)
}

func newTestServerWith(t testing.TB, store uploads.Store, db *mongo.Database, mod func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{}
	cfg := testConfig(t.TempDir())
	if mod != nil {
		mod(&cfg)
	}
	app, err := newApp(context.Background(), cfg, deps{
		DB: db, Store: store, Log: testLogger(t), Out: io.Discard, Now: ts.now,
	})
	if err != nil {
		t.Fatalf("new app: %v", err)
	}
	app.refusalDelay = 0 // tests meet many refusals; holding them would only slow the tests
	ts.App = app
	ts.Server = httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		ts.Server.Close()
		app.Close()
	})
	return ts
}

// testConfig is a valid configuration on dir with a known admin password
// and a cheap password hash.
func testConfig(dir string) Config {
	return Config{
		Addr: "127.0.0.1:0", DataDir: dir, MongoDB: DefaultMongoDB, S3Bucket: DefaultS3Bucket,
		AdminPassword: testAdminPassword, BcryptCost: bcrypt.MinCost,
	}
}

// testLogger collects the App's log and prints it if the test fails.
func testLogger(t testing.TB) *slog.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			t.Logf("server log:\n%s", buf.String())
			mu.Unlock()
		}
	})
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (ts *testServer) now() time.Time {
	if p := ts.clock.Load(); p != nil {
		return *p
	}
	return time.Now()
}

// SetNow fixes the server's clock at t (time travel).
func (ts *testServer) SetNow(t time.Time) { ts.clock.Store(&t) }

// Advance moves the server's clock forward by d (fixing it if it was real).
func (ts *testServer) Advance(d time.Duration) { ts.SetNow(ts.now().Add(d)) }

// do sends a request and returns the response with its body read. body may
// be nil, a string or []byte (sent as is) or any value (sent as JSON).
func (ts *testServer) do(t testing.TB, method, path, token string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ctype = strings.NewReader(b), "application/json"
	case []byte:
		r, ctype = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		r, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, ts.URL+path, r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.send(t, req)
}

// send performs req and reads the whole answer.
func (ts *testServer) send(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return res, b
}

// mustStatus fails the test unless res has status want.
func mustStatus(t testing.TB, res *http.Response, body []byte, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, body)
	}
}

// mustJSON decodes body into v or fails the test.
func mustJSON(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// errorCode is the code of an error answer ("" if body is not one).
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// login signs in and returns the token answer, failing the test unless 200.
func (ts *testServer) login(t testing.TB, username, password string) tokenResponse {
	t.Helper()
	res, body := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": username, "password": password})
	mustStatus(t, res, body, http.StatusOK)
	var tr tokenResponse
	mustJSON(t, body, &tr)
	return tr
}

// adminToken is an access token of `admin`, cached per server and renewed
// when the server's clock has travelled out of its validity.
func (ts *testServer) adminToken(t testing.TB) string {
	t.Helper()
	now := ts.now()
	ts.mu.Lock()
	tok, at := ts.admin, ts.adminAt
	ts.mu.Unlock()
	if tok != "" && !now.Before(at) && now.Before(at.Add(accessTTL-time.Minute)) {
		return tok
	}
	tok = ts.login(t, "admin", testAdminPassword).AccessToken
	ts.mu.Lock()
	ts.admin, ts.adminAt = tok, now
	ts.mu.Unlock()
	return tok
}

// testPassword is the password of users made by ts.user.
const testPassword = "test-password"

// user creates a user with role and area through the API (adding the
// village first when area is an unknown village) and signs in as it.
func (ts *testServer) user(t testing.TB, role domain.Role, area string) (token string, u userResponse) {
	t.Helper()
	if domain.LevelOf(area) == domain.LevelVillage {
		if _, err := ts.App.DB.Areas.Get(context.Background(), area); err != nil {
			ts.village(t, area, "测试村"+area[9:])
		}
	}
	ts.mu.Lock()
	ts.nextUser++
	username := fmt.Sprintf("%s-%d", strings.ReplaceAll(string(role), "_", "-"), ts.nextUser)
	ts.mu.Unlock()
	res, body := ts.do(t, "POST", "/api/users", ts.adminToken(t), map[string]any{
		"username": username, "password": testPassword, "name": "测试" + role.Label(), "role": role, "area_code": area,
	})
	mustStatus(t, res, body, http.StatusCreated)
	mustJSON(t, body, &u)
	return ts.login(t, username, testPassword).AccessToken, u
}

// userToken creates a user with role and area and returns its access token.
func (ts *testServer) userToken(t testing.TB, role domain.Role, area string) string {
	t.Helper()
	tok, _ := ts.user(t, role, area)
	return tok
}

// village adds a village (code: 12 digits under one of the 17 townships).
func (ts *testServer) village(t testing.TB, code, name string) {
	t.Helper()
	res, body := ts.do(t, "POST", "/api/areas", ts.adminToken(t), map[string]string{
		"code": code, "name": name, "parent_code": domain.TownshipOf(code),
	})
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		t.Fatalf("add village %s: status %d: %s", code, res.StatusCode, body)
	}
}

// newHTTPServer serves app over real HTTP until the test ends.
func newHTTPServer(t testing.TB, app *App) *httptest.Server {
	s := httptest.NewServer(app.Handler())
	t.Cleanup(s.Close)
	return s
}
