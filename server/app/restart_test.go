package app

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

// startOn runs the App the way main does (embedded database, photos on
// disk, everything under dir) and serves it over HTTP.
func startOn(t *testing.T, dir string, out *bytes.Buffer) (*testServer, func()) {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0", DataDir: dir, MongoDB: DefaultMongoDB, S3Bucket: DefaultS3Bucket, BcryptCost: bcrypt.MinCost}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := newApp(context.Background(), cfg, deps{Log: testLogger(t), Out: out})
	if err != nil {
		t.Fatalf("start on %s: %v", dir, err)
	}
	ts := &testServer{App: app, Server: httptest.NewServer(app.Handler())}
	return ts, func() { ts.Server.Close(); app.Close() }
}

func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	ts, stop := startOn(t, dir, &out)
	m := regexp.MustCompile(`密码:\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("first start printed no admin password:\n%s", out.String())
	}
	password := m[1]
	admin := ts.login(t, "admin", password)
	ts.admin, ts.adminAt = admin.AccessToken, time.Now()
	ts.village(t, "622923105201", "示例村")
	_, u := ts.user(t, domain.RoleVillageCadre, "622923105201")
	stop()

	st, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("jwt-secret mode %v, want 0600", st.Mode().Perm())
	}
	for _, sub := range []string{"db", "objects"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err != nil {
			t.Errorf("data dir lacks %s: %v", sub, err)
		}
	}

	out.Reset()
	ts, stop = startOn(t, dir, &out)
	defer stop()
	if bytes.Contains(out.Bytes(), []byte("密码")) {
		t.Errorf("second start printed a password again:\n%s", out.String())
	}
	// The refresh token of the first run is still good: same secret, same database.
	res, body := ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": admin.RefreshToken})
	mustStatus(t, res, body, http.StatusOK)
	// So is the access token, signed with the kept secret.
	res, body = ts.do(t, "GET", "/api/me", admin.AccessToken, nil)
	mustStatus(t, res, body, http.StatusOK)

	if ts.App.areaName(context.Background(), "622923105201") != "示例村" {
		t.Error("village lost in restart")
	}
	cadre := ts.login(t, u.Username, testPassword)
	if cadre.User.AreaName != "示例村" || cadre.User.Role != domain.RoleVillageCadre {
		t.Errorf("user after restart: %+v", cadre.User)
	}
	res, body = ts.do(t, "GET", "/api/ready", "", nil)
	mustStatus(t, res, body, http.StatusOK)
}

func TestAdminPasswordFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.AdminPassword = "from-the-environment"
	var out bytes.Buffer
	app, err := newApp(context.Background(), cfg, deps{Log: testLogger(t), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{App: app, Server: httptest.NewServer(app.Handler())}
	defer func() { ts.Server.Close(); app.Close() }()
	if bytes.Contains(out.Bytes(), []byte("from-the-environment")) {
		t.Error("the configured password was printed")
	}
	ts.login(t, "admin", "from-the-environment")
}

func TestReadyFailsWhenTheDatabaseIsGone(t *testing.T) {
	dir := t.TempDir()
	ts, stop := startOn(t, dir, &bytes.Buffer{})
	defer stop()
	// Close the database underneath the running server.
	for i := len(ts.App.closers) - 1; i >= 0; i-- {
		ts.App.closers[i]()
	}
	ts.App.closers = nil
	res, body := ts.do(t, "GET", "/api/ready", "", nil)
	mustStatus(t, res, body, http.StatusServiceUnavailable)
	res, body = ts.do(t, "GET", "/api/health", "", nil)
	mustStatus(t, res, body, http.StatusOK)
}

func TestTwoInstancesStartTogetherOnOneDatabase(t *testing.T) {
	db := dbtest.New(t)
	errs := make(chan error, 2)
	apps := make(chan *App, 2)
	for i := 0; i < 2; i++ {
		go func() {
			app, err := newApp(context.Background(), testConfig(t.TempDir()), deps{DB: db, Store: nil, Log: testLogger(t), Out: &bytes.Buffer{}})
			errs <- err
			apps <- app
		}()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Errorf("instance start: %v", err)
		}
		if app := <-apps; app != nil {
			defer app.Close()
		}
	}
	users, err := mongodb.NewUsers(db).List(context.Background(), mongodb.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Username != "admin" {
		t.Errorf("users after two starts: %+v", users)
	}
	areas, err := mongodb.NewAreas(db).All(context.Background())
	if err != nil || len(areas) != 18 {
		t.Errorf("%d areas after two starts (%v), want the county and 17 townships", len(areas), err)
	}
}
