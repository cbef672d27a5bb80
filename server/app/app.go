package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/uploads"
)

// App is the running product: configuration, database, object store and
// the HTTP handler built on them. Other files of this package add routes
// and start-up work through routeHooks, rootHooks and startHooks.
type App struct {
	Cfg   Config
	DB    *mongo.Database
	Store uploads.Store
	Log   *slog.Logger
	// Now is the clock; tests replace it to travel in time.
	Now func() time.Time
	// Out receives what an operator must read once (the first admin password).
	Out io.Writer

	users    *mongodb.Users
	areas    *mongodb.Areas
	tokens   *mongodb.Tokens
	lockouts *mongodb.Lockouts
	jwtKey   []byte
	// dummyHash is compared against when a username is unknown, so a wrong
	// username costs the same time as a wrong password (made on first use).
	dummyOnce sync.Once
	dummyHash []byte

	areaMu    sync.RWMutex
	areaNames map[string]string

	handlerOnce sync.Once
	handler     *echo.Echo
	public      map[string]bool // "METHOD /path" of routes open without signing in

	closers []func()

	evidenceMu sync.Mutex
	photoIndex *evidence // photos of every case, for duplicate warnings (evidence.go)
}

// routeHooks register routes on the /api group, where every route requires
// a signed-in user (actorOf); files owned by other parts of the product
// append to it in init.
var routeHooks []func(a *App, g *echo.Group)

// rootHooks register routes that need no sign-in (the field app's files,
// links signed by the server); such handlers check whatever they need themselves.
var rootHooks []func(a *App, e *echo.Echo)

// startHooks run at the end of NewApp, after areas and the admin are seeded
// (indexes, programs, counter reconciliation, demo data, sweeps). A hook
// that starts background work stops it when ctx is done or in a closer it
// registers with a.onClose.
var startHooks []func(ctx context.Context, a *App) error

// deps are what NewApp would otherwise open from the configuration; tests
// hand in their own database and store.
type deps struct {
	DB    *mongo.Database
	Store uploads.Store
	Log   *slog.Logger
	Out   io.Writer
	Now   func() time.Time
}

// NewApp opens the database (starting the embedded one when ANJU_MONGO_URI
// is unset) and the object store, prepares indexes, loads the county's
// areas and creates `admin` on first start, then runs the start hooks.
func NewApp(ctx context.Context, cfg Config) (*App, error) {
	return newApp(ctx, cfg, deps{})
}

func newApp(ctx context.Context, cfg Config, d deps) (_ *App, err error) {
	a := &App{Cfg: cfg, DB: d.DB, Store: d.Store, Log: d.Log, Now: d.Now, Out: d.Out}
	if a.Log == nil {
		a.Log = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Out == nil {
		a.Out = os.Stdout
	}
	if a.Cfg.BcryptCost == 0 {
		a.Cfg.BcryptCost = defaultBcryptCost
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("ANJU_DATA_DIR=%s: 无法创建数据目录: %w", cfg.DataDir, err)
	}
	if a.jwtKey, err = loadJWTKey(cfg); err != nil {
		return nil, err
	}
	if a.DB == nil {
		if err := a.openDB(ctx); err != nil {
			return nil, err
		}
	}
	if a.Store == nil {
		if a.Store, err = openStore(ctx, cfg); err != nil {
			return nil, err
		}
	}
	a.users = mongodb.NewUsers(a.DB)
	a.areas = mongodb.NewAreas(a.DB)
	a.tokens = mongodb.NewTokens(a.DB)
	a.lockouts = mongodb.NewLockouts(a.DB)
	if err := a.users.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	if err := a.seedAreas(ctx); err != nil {
		return nil, err
	}
	if err := a.seedAdmin(ctx); err != nil {
		return nil, err
	}
	a.sweepSignIns(time.Hour)
	for _, h := range startHooks {
		if err := h(ctx, a); err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
	}
	return a, nil
}

func (a *App) openDB(ctx context.Context) error {
	uri := a.Cfg.MongoURI
	if uri == "" {
		dir := filepath.Join(a.Cfg.DataDir, "db")
		emb, err := mongodb.StartEmbedded(dir)
		if err != nil {
			return fmt.Errorf("内置数据库无法启动 (embedded database in %s): %w", dir, err)
		}
		a.onClose(emb.Close)
		uri = emb.URI
	}
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		if a.Cfg.MongoURI != "" {
			return fmt.Errorf("ANJU_MONGO_URI: 无法连接数据库: %w", err)
		}
		return err
	}
	a.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	a.DB = client.Database(a.Cfg.MongoDB)
	return nil
}

// openStore opens the object store the configuration names: S3 when an
// endpoint is set, otherwise a folder under the data directory.
func openStore(ctx context.Context, cfg Config) (uploads.Store, error) {
	if cfg.S3Endpoint == "" {
		dir := filepath.Join(cfg.DataDir, "objects")
		s, err := uploads.NewDisk(dir)
		if err != nil {
			return nil, fmt.Errorf("ANJU_DATA_DIR: 无法打开照片目录 %s: %w", dir, err)
		}
		return s, nil
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := uploads.NewS3(sctx, uploads.S3Config{
		Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Bucket: cfg.S3Bucket, UseSSL: cfg.S3UseSSL,
	})
	if err != nil {
		return nil, fmt.Errorf("ANJU_S3_ENDPOINT=%s: 无法连接对象存储: %w", cfg.S3Endpoint, err)
	}
	return s, nil
}

// loadJWTKey returns ANJU_JWT_SECRET, or the secret kept in
// <data>/jwt-secret, generating it (mode 0600) on first start so sign-ins
// survive restarts.
func loadJWTKey(cfg Config) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	p := filepath.Join(cfg.DataDir, "jwt-secret")
	b, err := os.ReadFile(p)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("%s: 密钥文件内容过短，请删除后重启 (secret shorter than 32 characters)", p)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("generate jwt secret: %w", err)
	}
	s := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another instance on the same folder won the race
		return loadJWTKey(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	return []byte(s), nil
}

// onClose registers f to run when the App closes, last registered first.
func (a *App) onClose(f func()) { a.closers = append(a.closers, f) }

// Close releases what NewApp opened: the database client, then the
// embedded database (which flushes its files).
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// Handler is the HTTP handler of the whole product (built once).
func (a *App) Handler() http.Handler {
	a.handlerOnce.Do(func() {
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.HTTPErrorHandler = a.handleError
		e.Use(a.requestID, a.accessLog, a.recoverPanic, a.securityHeaders, a.limitBody(defaultBodyLimit), a.authenticate)
		a.routes(e)
		a.handler = e
	})
	return a.handler
}

// routes registers the foundation's routes, then those of the hooks.
// Every /api route requires a signed-in user except the public ones
// registered here and those added by rootHooks (see authenticate).
func (a *App) routes(e *echo.Echo) {
	a.public = map[string]bool{}
	pub := func(r *echo.Route) { a.public[r.Method+" "+r.Path] = true }
	pub(e.GET("/api/health", a.health))
	pub(e.GET("/api/ready", a.ready))
	pub(e.GET("/api/openapi.json", a.openapi))
	pub(e.POST("/api/auth/login", a.login))
	pub(e.POST("/api/auth/refresh", a.refresh))
	pub(e.POST("/api/auth/logout", a.logout))

	api := e.Group("/api")
	api.GET("/me", a.me)
	api.POST("/me/password", a.changePassword)
	api.GET("/areas", a.listAreas)
	api.POST("/areas", a.createArea)
	api.POST("/areas/import", a.importAreas)
	api.GET("/users", a.listUsers)
	api.POST("/users", a.createUser)
	api.PATCH("/users/:id", a.updateUser)
	for _, h := range routeHooks {
		h(a, api)
	}

	before := map[string]bool{}
	for _, r := range e.Routes() {
		before[r.Method+" "+r.Path] = true
	}
	for _, h := range rootHooks {
		h(a, e)
	}
	for _, r := range e.Routes() {
		if !before[r.Method+" "+r.Path] {
			a.public[r.Method+" "+r.Path] = true
		}
	}
}

// authorize returns nil when act may do p in area, and a forbidden error
// otherwise. Every permission check of the product goes through here.
func (a *App) authorize(act domain.Actor, p domain.Permission, area string) error {
	if domain.Can(act, p, area) {
		return nil
	}
	return &domain.Error{Kind: domain.KindForbidden, Code: "forbidden", Message: "您没有权限进行此操作"}
}
