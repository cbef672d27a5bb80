package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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
// the HTTP handler built on them. New builds it and runs the start-up
// steps in order (see start); routes.go lists every route.
type App struct {
	Cfg   Config
	DB    *mongodb.DB
	Store uploads.Store
	Log   *slog.Logger
	// Now is the clock; tests hand in another through deps to travel in time.
	Now func() time.Time
	// Out receives what an operator must read once (the first admin password).
	Out io.Writer

	jwtKey []byte
	// dummyHash is compared against when a username is unknown, so a wrong
	// username costs the same time as a wrong password (made on first use).
	dummyOnce sync.Once
	dummyHash []byte
	// hasher runs password hashes, a few at a time (lockout.go).
	hasher *hasher
	// inHashSlot, when a test sets it, runs inside each hashing slot.
	inHashSlot func()
	// refusalDelay holds a refused sign-in's answer (tests set 0);
	// heldRefusals counts the answers held.
	refusalDelay time.Duration
	heldRefusals chan struct{}
	// trustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (ANJU_TRUSTED_PROXIES).
	trustedProxies []*net.IPNet

	areaMu    sync.RWMutex
	areaNames map[string]string

	handlerOnce sync.Once
	handler     *echo.Echo
	signedIn    signedIn // registers /api routes that need a signed-in user

	closers []func()

	photos      *evidence      // photos of every case, for duplicate warnings (evidence.go)
	searches    *searchLimiter // searches of the case list per person (search.go)
	verifyLimit *limiter       // requests of GET /v/{token} per client (verify.go)
	// afterPhotoStored, when a test sets it, runs between storing a
	// photo's objects and recording the photo in its case; its error ends
	// the upload there, as a crash or a lost database would.
	afterPhotoStored func(caseID, photoID string) error
}

// deps are what New would otherwise open from the configuration; tests
// hand in their own database and store.
type deps struct {
	DB    *mongo.Database
	Store uploads.Store
	Log   *slog.Logger
	Out   io.Writer
	Now   func() time.Time
	// MongoPaths takes MongoDB's code paths on FerretDB (see mongodb.Options).
	MongoPaths bool
}

// New opens the database (starting the embedded one when ANJU_MONGO_URI
// is unset) and the object store, then runs the start-up steps.
func New(ctx context.Context, cfg Config) (*App, error) {
	return newApp(ctx, cfg, deps{})
}

func newApp(ctx context.Context, cfg Config, d deps) (_ *App, err error) {
	a := &App{Cfg: cfg, Store: d.Store, Log: d.Log, Now: d.Now, Out: d.Out, searches: newSearchLimiter(),
		verifyLimit: newLimiter(30, 2*time.Second)}
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
	if a.Cfg.HashSlots == 0 {
		a.Cfg.HashSlots = defaultHashSlots()
	}
	a.hasher = newHasher(a.Cfg.HashSlots)
	a.onClose(a.hasher.close)
	a.refusalDelay, a.heldRefusals = refusalDelay, make(chan struct{}, maxHeldRefusals)
	if a.trustedProxies, err = parseTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("ANJU_DATA_DIR=%s: 无法创建数据目录: %w", cfg.DataDir, err)
	}
	if a.jwtKey, err = loadJWTKey(cfg); err != nil {
		return nil, err
	}
	db := d.DB
	if db == nil {
		if db, err = a.openDB(ctx); err != nil {
			return nil, err
		}
	}
	if a.DB, err = mongodb.Open(ctx, db, mongodb.Options{MongoPaths: d.MongoPaths, Now: a.Now}); err != nil {
		return nil, err
	}
	if a.Store == nil {
		if a.Store, err = openStore(ctx, cfg); err != nil {
			return nil, err
		}
	}
	a.photos = newEvidence(a.maxPhotoDistanceM())
	if err := a.start(ctx); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	return a, nil
}

// start runs the start-up steps, in this order; each needs those before it.
func (a *App) start(ctx context.Context) error {
	for _, step := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"indexes", a.ensureIndexes},      // every store's indexes
		{"areas", a.seedAreas},            // the county and its townships
		{"admin", a.seedAdmin},            // the first administrator
		{"programs", a.seedPrograms},      // the program years
		{"counters", a.reconcile},         // dashboard counters, the list view and identities, from the cases
		{"demo", a.loadDemo},              // sample data, when ANJU_DEMO asks for it
		{"photo index", a.loadPhotoIndex}, // duplicate-photo index and missing warning halves
		{"sweeps", a.startSweeps},         // expired sign-ins, orphaned photo objects, idle search counts
	} {
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return nil
}

// reconcile rebuilds what the store derives from the cases, and logs the
// double applications it found hidden behind numbers typed in another
// form (full width, lower case …) for the county to look at.
func (a *App) reconcile(ctx context.Context) error {
	if err := a.DB.Cases.Reconcile(ctx); err != nil {
		return err
	}
	for _, d := range a.DB.Cases.Doubled() {
		a.Log.Warn("double application: a number of this case is held by another active case", "case", d.CaseID, "others", d.Others)
	}
	return nil
}

// ensureIndexes creates every store's indexes (each call is a no-op when
// they exist).
func (a *App) ensureIndexes(ctx context.Context) error {
	if err := a.DB.Users.EnsureIndexes(ctx); err != nil {
		return err
	}
	if err := a.DB.IDSearches.EnsureIndexes(ctx); err != nil {
		return err
	}
	if err := a.DB.Lockouts.EnsureIndexes(ctx); err != nil {
		return err
	}
	return a.DB.Cases.EnsureIndexes(ctx)
}

// startSweeps starts the hourly clean-ups; Close stops them.
func (a *App) startSweeps(context.Context) error {
	a.sweepSignIns(time.Hour)
	a.sweepPhotoObjects()
	a.sweepSearches(10 * time.Minute)
	return nil
}

func (a *App) openDB(ctx context.Context) (*mongo.Database, error) {
	uri := a.Cfg.MongoURI
	if uri == "" {
		dir := filepath.Join(a.Cfg.DataDir, "db")
		emb, err := mongodb.StartEmbedded(dir)
		if err != nil {
			return nil, fmt.Errorf("内置数据库无法启动 (embedded database in %s): %w", dir, err)
		}
		a.onClose(emb.Close)
		uri = emb.URI
	}
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		if a.Cfg.MongoURI != "" {
			return nil, fmt.Errorf("ANJU_MONGO_URI: 无法连接数据库: %w", err)
		}
		return nil, err
	}
	a.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	return client.Database(a.Cfg.MongoDB), nil
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

// every runs fn every interval (and once at once when now is set) in the
// background until the App closes; fn's context ends at Close.
func (a *App) every(interval time.Duration, now bool, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.onClose(func() { cancel(); <-done })
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		if now {
			fn(ctx)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			fn(ctx)
		}
	}()
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
		e.IPExtractor = a.ipExtractor()
		e.Use(a.requestID, a.accessLog, a.recoverPanic, a.securityHeaders, a.limitBody(defaultBodyLimit))
		a.routes(e)
		a.handler = e
	})
	return a.handler
}

// authorize returns nil when act may do p in area, and a forbidden error
// otherwise. Every permission check of the product goes through here.
func (a *App) authorize(act domain.Actor, p domain.Permission, area string) error {
	if domain.Can(act, p, area) {
		return nil
	}
	return &domain.Error{Kind: domain.KindForbidden, Code: "forbidden", Message: "您没有权限进行此操作"}
}
