package mongodb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// DB is the product's database, opened once per process: the driver's
// handle, the stores built on it, and what this process keeps per
// database — whether it is the embedded FerretDB (decided once, at Open),
// the per-document write locks, and on FerretDB the in-memory list view
// and dashboard counters. Every store of the product comes from here, so
// two stores of one database always share that state.
type DB struct {
	Cases    *Cases
	Users    *Users
	Areas    *Areas
	Programs *Programs
	Tokens   *Tokens
	Lockouts *Lockouts
	// IDSearches records searches of the case list by a whole 身份证号.
	IDSearches *IDSearches
	Prints     *Prints

	db       *mongo.Database
	embedded bool
}

// Options are the choices Open does not make from the database itself.
type Options struct {
	// MongoPaths takes MongoDB's code paths (compare-and-swap filters,
	// list and dashboard queries) even on FerretDB, so tests cover them.
	MongoPaths bool
	// Now is the clock that ages identity reservations (time.Now if nil).
	Now func() time.Time
}

// Open asks db which server it is and builds the stores on it. On FerretDB
// (the embedded default) writes are serialised by this process's locks and
// lists are answered from memory; on MongoDB the server does both (see
// docs/embedded-database.md).
func Open(ctx context.Context, db *mongo.Database, opt Options) (*DB, error) {
	embedded := false
	if !opt.MongoPaths {
		var err error
		if embedded, err = servedByFerret(ctx, db); err != nil {
			return nil, err
		}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	d := &DB{db: db, embedded: embedded}
	d.Cases = newCases(db, embedded, opt.Now)
	d.Users = NewUsers(db)
	d.Areas = NewAreas(db)
	d.Programs = NewPrograms(db)
	d.Tokens = NewTokens(db)
	var err error
	if d.Lockouts, err = newLockouts(ctx, db, embedded); err != nil {
		return nil, err
	}
	d.IDSearches = NewIDSearches(db)
	d.Prints = NewPrints(db)
	return d, nil
}

// Database is the driver's handle (for health checks and collections no
// store owns).
func (d *DB) Database() *mongo.Database { return d.db }

// Embedded reports whether the database is the embedded FerretDB.
func (d *DB) Embedded() bool { return d.embedded }

// servedByFerret reports whether db is served by FerretDB (its buildInfo says so).
func servedByFerret(ctx context.Context, db *mongo.Database) (bool, error) {
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("ask the database which server it is: %w", err)
	}
	_, ok := info["ferretdbVersion"]
	return ok, nil
}

// writeTimeout bounds a write and the steps that must follow it. They run
// detached from the caller: a phone that hangs up mid-request must not cut
// a write short after the database has received it, or release the
// document's lock while the database may still apply it.
const writeTimeout = 30 * time.Second

// detach returns a context for a write unit: the caller's values, none of
// its cancellation, and its own time limit.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
}

// ambiguous reports whether err leaves open whether the database applied
// the write (a time-out, a connection cut after the command was sent): the
// caller must read the document again before it answers.
func ambiguous(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.As(err, &ne)
}
