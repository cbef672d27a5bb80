package mongodb

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Failure is one failed sign-in: the account tried (a normalized
// username, known or not) and the client address it came from.
type Failure struct {
	ID      string
	Account string
	Addr    string
	At      time.Time
}

// FailureFilter selects failures of one account, from one address, or of
// one account from one address; an empty field matches everything.
type FailureFilter struct {
	Account string
	Addr    string
}

func (f FailureFilter) matches(x Failure) bool {
	return (f.Account == "" || x.Account == f.Account) && (f.Addr == "" || x.Addr == f.Addr)
}

func (f FailureFilter) query() bson.M {
	q := bson.M{}
	if f.Account != "" {
		q["key"] = f.Account
	}
	if f.Addr != "" {
		q["ip"] = f.Addr
	}
	return q
}

// Lockouts records failed sign-ins in the "login_failures" collection, one
// document per failure, so every instance of the server counts the same
// and concurrent failures are never lost (FerretDB may lose concurrent
// updates of one document, never inserts). On MongoDB the counts are
// index-backed queries. On the embedded FerretDB, where any filter but
// _id reads every document (10,000 failures: half a second a query — a
// flood of sign-ins would make each one slower), the store also keeps
// the failures in memory, loaded at Open, and counts there; the embedded
// database has one server process, so that copy is the whole truth.
type Lockouts struct {
	c *mongo.Collection

	mem *failureLog // nil: count in the database
}

// NewLockouts returns the failed sign-in store of db, counting in the database.
func NewLockouts(db *mongo.Database) *Lockouts { return &Lockouts{c: db.Collection("login_failures")} }

// newLockouts is the store Open builds: on the embedded database it loads
// the failures into memory and counts there.
func newLockouts(ctx context.Context, db *mongo.Database, embedded bool) (*Lockouts, error) {
	s := NewLockouts(db)
	if !embedded {
		return s, nil
	}
	cur, err := s.c.Find(ctx, bson.M{})
	if err != nil {
		return nil, fmt.Errorf("load sign-in failures: %w", err)
	}
	var docs []failureDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("load sign-in failures: %w", err)
	}
	s.mem = &failureLog{byAccount: map[string][]Failure{}, byAddr: map[string][]Failure{}}
	for _, d := range docs {
		s.mem.add(Failure{ID: d.ID, Account: d.Key, Addr: d.IP, At: d.At})
	}
	return s, nil
}

type failureDoc struct {
	ID  string    `bson:"_id"`
	Key string    `bson:"key"`
	IP  string    `bson:"ip,omitempty"` // absent on failures recorded before addresses were
	At  time.Time `bson:"at"`
}

// EnsureIndexes makes the counts by account and by address index-backed
// (on MongoDB; the embedded database counts in memory).
func (s *Lockouts) EnsureIndexes(ctx context.Context) error {
	for _, keys := range []bson.D{
		{{Key: "key", Value: 1}, {Key: "at", Value: -1}},
		{{Key: "ip", Value: 1}, {Key: "at", Value: -1}},
	} {
		if _, err := s.c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			return fmt.Errorf("create index on login_failures: %w", err)
		}
	}
	return nil
}

// Recent returns the times of at most n failures matching f (which names
// an account, an address or both) since since, newest first.
func (s *Lockouts) Recent(ctx context.Context, f FailureFilter, since time.Time, n int) ([]time.Time, error) {
	if s.mem != nil {
		return s.mem.recent(f, since, n), nil
	}
	q := f.query()
	q["at"] = bson.M{"$gte": since.UTC()}
	cur, err := s.c.Find(ctx, q, options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(n)))
	if err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	var docs []failureDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read sign-in failures: %w", err)
	}
	out := make([]time.Time, len(docs))
	for i, d := range docs {
		out[i] = d.At
	}
	return out, nil
}

// Record adds a failure.
func (s *Lockouts) Record(ctx context.Context, x Failure) error {
	x.At = x.At.UTC()
	if _, err := s.c.InsertOne(ctx, failureDoc{ID: x.ID, Key: x.Account, IP: x.Addr, At: x.At}); err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	if s.mem != nil {
		s.mem.add(x)
	}
	return nil
}

// Clear forgets the failures f matches: of one account from one address
// after that address signed in, of one account from everywhere when an
// admin unlocks it. f.Account is required.
func (s *Lockouts) Clear(ctx context.Context, f FailureFilter) error {
	if f.Account == "" {
		return fmt.Errorf("clear sign-in failures: no account given")
	}
	if _, err := s.c.DeleteMany(ctx, f.query()); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	if s.mem != nil {
		s.mem.remove(func(x Failure) bool { return f.matches(x) })
	}
	return nil
}

// DeleteBefore removes failures older than cutoff; they no longer count.
func (s *Lockouts) DeleteBefore(ctx context.Context, cutoff time.Time) error {
	if _, err := s.c.DeleteMany(ctx, bson.M{"at": bson.M{"$lt": cutoff.UTC()}}); err != nil {
		return fmt.Errorf("delete old sign-in failures: %w", err)
	}
	if s.mem != nil {
		s.mem.remove(func(x Failure) bool { return x.At.Before(cutoff) })
	}
	return nil
}

// failureLog is the embedded database's failures in memory, by account
// and by address, each list oldest first.
type failureLog struct {
	mu        sync.Mutex
	byAccount map[string][]Failure
	byAddr    map[string][]Failure
}

func (l *failureLog) add(x Failure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byAccount[x.Account] = insertByTime(l.byAccount[x.Account], x)
	if x.Addr != "" {
		l.byAddr[x.Addr] = insertByTime(l.byAddr[x.Addr], x)
	}
}

// insertByTime keeps xs ordered by time; failures arrive almost in order.
func insertByTime(xs []Failure, x Failure) []Failure {
	i := len(xs)
	for i > 0 && xs[i-1].At.After(x.At) {
		i--
	}
	xs = append(xs, Failure{})
	copy(xs[i+1:], xs[i:])
	xs[i] = x
	return xs
}

func (l *failureLog) recent(f FailureFilter, since time.Time, n int) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	xs := l.byAddr[f.Addr]
	if f.Account != "" {
		xs = l.byAccount[f.Account]
	}
	var out []time.Time
	for i := len(xs) - 1; i >= 0 && len(out) < n && !xs[i].At.Before(since); i-- {
		if f.matches(xs[i]) {
			out = append(out, xs[i].At)
		}
	}
	return out
}

func (l *failureLog) remove(drop func(Failure) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range []map[string][]Failure{l.byAccount, l.byAddr} {
		for k, xs := range m {
			kept := xs[:0]
			for _, x := range xs {
				if !drop(x) {
					kept = append(kept, x)
				}
			}
			if len(kept) == 0 {
				delete(m, k)
			} else {
				m[k] = kept
			}
		}
	}
}
