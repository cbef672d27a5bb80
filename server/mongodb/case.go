package mongodb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// Cases keeps case files: one document per case in "cases", the identity
// reservations that make one active application per person and 户口簿 per
// program ("case_keys"), and per-village dashboard counters ("case_counts").
//
// Every write is a single-document update filtered on {_id, version}; the
// other two collections are brought in line after it and can be rebuilt
// from the cases (Reconcile, and reservations are taken over when found
// stale), so a crash between steps leaves nothing that needs a hand.
// A write and the steps that follow it run as one unit detached from the
// caller (see detach), under the case's lock until the database answered.
type Cases struct {
	cases  *mongo.Collection
	keys   *mongo.Collection
	counts *mongo.Collection
	// numbers reserve each 档案编号 for its case; counters remember the
	// last one given per year (archive.go).
	numbers, counters *mongo.Collection
	// embedded is the FerretDB path: _id-only filters under this
	// process's locks, lists and counters from view.
	embedded bool
	// caseLocks, keyLocks and countLocks serialise writes of one case,
	// one identity reservation and one counter document; a case write
	// takes its counter's lock inside its own, never the other way.
	caseLocks, keyLocks, countLocks stripes
	// numberLocks serialise approvals of one program year (taken before
	// a case's lock, never inside one).
	numberLocks stripes
	view        *caseView // nil on MongoDB
	// Now is the clock used to age identity reservations; tests may set it.
	Now func() time.Time
	// ListFromDB makes List query the database even on FerretDB (tests
	// use it to cover the MongoDB path).
	ListFromDB bool

	healMu  sync.Mutex
	doubled []DoubledCase // found by Reconcile (healKeys)
}

// newCases returns the case store on db (one per DB: see Open).
func newCases(db *mongo.Database, embedded bool, now func() time.Time) *Cases {
	s := &Cases{
		cases:    db.Collection("cases"),
		keys:     db.Collection("case_keys"),
		counts:   db.Collection("case_counts"),
		numbers:  db.Collection("archive_numbers"),
		counters: db.Collection("archive_counters"),
		embedded: embedded,
		Now:      now,
	}
	if embedded {
		s.view = &caseView{byID: map[string]*viewEntry{}}
	}
	return s
}

// staleReservation is how old an identity reservation without its case
// must be before another application may take it over (the filing that
// made it crashed or gave up between reserving and inserting).
const staleReservation = 2 * time.Minute

// EnsureIndexes creates the indexes every list filter and lookup uses.
// (Embedded FerretDB keeps them but scans anyway; real MongoDB uses them.)
// One createIndexes call per index: FerretDB v1.24 drops the connection
// when a call with several indexes finds them all existing (every restart).
func (s *Cases) EnsureIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		c    *mongo.Collection
		keys bson.D
	}{
		{s.cases, bson.D{{Key: "updated_at", Value: -1}, {Key: "_id", Value: 1}}},
		{s.cases, bson.D{{Key: "program_year", Value: 1}, {Key: "village_code", Value: 1}, {Key: "updated_at", Value: -1}, {Key: "_id", Value: 1}}},
		{s.cases, bson.D{{Key: "program_year", Value: 1}, {Key: "township_code", Value: 1}, {Key: "updated_at", Value: -1}, {Key: "_id", Value: 1}}},
		{s.cases, bson.D{{Key: "program_year", Value: 1}, {Key: "stage", Value: 1}, {Key: "updated_at", Value: -1}}},
		{s.cases, bson.D{{Key: "id_hash", Value: 1}}},
		{s.cases, bson.D{{Key: "id_tail", Value: 1}}},
		{s.cases, bson.D{{Key: "household.hukou_no", Value: 1}}},
		{s.cases, bson.D{{Key: "has_warnings", Value: 1}, {Key: "updated_at", Value: -1}}},
		{s.keys, bson.D{{Key: "case_id", Value: 1}}},
		{s.counts, bson.D{{Key: "program_year", Value: 1}, {Key: "township_code", Value: 1}}},
	} {
		if _, err := ix.c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys}); err != nil {
			return fmt.Errorf("create index on %s: %w", ix.c.Name(), err)
		}
	}
	return nil
}

func errCaseNotFound() error {
	return domain.Errorf(domain.KindNotFound, "not_found", "未找到该户档案")
}

// Get returns the case with id, or a not_found error.
func (s *Cases) Get(ctx context.Context, id string) (domain.Case, error) {
	var d caseDoc
	err := s.cases.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if isNotFound(err) {
		return domain.Case{}, errCaseNotFound()
	}
	if err != nil {
		return domain.Case{}, fmt.Errorf("get case %s: %w", id, err)
	}
	return toDomain(d), nil
}

// Create stores a newly filed case. Filing is idempotent on the case id:
// when a case with c.ID exists and was filed with the same content, it is
// returned with created false; with other content the answer is a conflict
// "id_conflict". Another active application of the same person or 户口簿
// in the program is a *domain.Duplicate naming that case, for the caller
// to narrow by who files (domain.Duplicate.For).
func (s *Cases) Create(ctx context.Context, c domain.Case) (stored domain.Case, created bool, err error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	filing := FilingHash(c)
	if got, ok, err := s.existing(ctx, c.ID, filing); err != nil || ok {
		if err == nil {
			// A retry: its first attempt may have stored the case and
			// lost its answer before the view and counters followed.
			s.settle(ctx, nil, nil, got)
		}
		return got, false, err
	}
	mine, err := s.reserve(ctx, c, keysOf(c))
	if err != nil {
		return domain.Case{}, false, err
	}
	_, err = s.cases.InsertOne(ctx, toDoc(c, filing))
	if ambiguous(err) {
		// The insert may have landed: what the database holds decides.
		got, ok, gerr := s.existing(ctx, c.ID, filing)
		if gerr == nil && ok {
			s.settle(ctx, nil, &got, got)
			return got, true, nil
		}
		// Unknown: the reservations stay (taken over as stale if the case
		// never appears), so a late insert still holds them.
		return domain.Case{}, false, errUnknownWrite(c.ID, err)
	}
	if mongo.IsDuplicateKeyError(err) {
		// A concurrent retry of the same filing (or a reused id) won.
		got, ok, gerr := s.existing(ctx, c.ID, filing)
		if !ok || gerr != nil {
			s.release(ctx, c.ID, mine)
		}
		if gerr != nil {
			return domain.Case{}, false, gerr
		}
		if !ok {
			return domain.Case{}, false, fmt.Errorf("create case %s: duplicate id but no case found", c.ID)
		}
		s.settle(ctx, nil, nil, got)
		return got, false, nil
	}
	if err != nil {
		s.release(ctx, c.ID, mine)
		return domain.Case{}, false, fmt.Errorf("insert case %s: %w", c.ID, err)
	}
	s.settle(ctx, nil, &c, c)
	return c, true, nil
}

// errUnknownWrite is the answer when the database did not say whether a
// write of case id landed: the phone retries with the same ids, and the
// retry finds out.
func errUnknownWrite(id string, err error) error {
	return &domain.Error{Kind: domain.KindUnavailable, Code: "write_unknown",
		Message: "数据库暂未确认本次保存，请稍后重试（重试不会重复保存）",
		Details: map[string]string{"case_id": id}, Cause: err}
}

// existing returns the stored case with id when its filing matches, an
// id_conflict error when it does not, and ok false when there is none.
// A mismatch releases nothing: the stored case keeps its reservations.
func (s *Cases) existing(ctx context.Context, id, filing string) (domain.Case, bool, error) {
	var d caseDoc
	err := s.cases.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if isNotFound(err) {
		return domain.Case{}, false, nil
	}
	if err != nil {
		return domain.Case{}, false, fmt.Errorf("get case %s: %w", id, err)
	}
	if d.FilingHash != filing {
		return domain.Case{}, true, domain.Errorf(domain.KindConflict, "id_conflict",
			"该编号已用于另一份申请，请重新新建申请")
	}
	return toDomain(d), true, nil
}

// Update replaces old with next, old after one domain step (a decision,
// with next.Version = old.Version+1, or a photo or reveal, which adds
// history only). It is a compare-and-swap on old's version, history
// length and warning count. When the stored case has a newer version the answer is a
// conflict "stale_version" with the current version in Details; when it
// only gained history, ErrChanged; when next names a person or 户口簿 of
// another active application, a *domain.Duplicate.
func (s *Cases) Update(ctx context.Context, old, next domain.Case) error {
	if old.ID != next.ID {
		return fmt.Errorf("update case %s: id changed to %s", old.ID, next.ID)
	}
	ctx, cancel := detach(ctx)
	defer cancel()
	before, after := keysOf(old), keysOf(next)
	mine, err := s.reserve(ctx, next, minus(after, before))
	if err != nil {
		return err
	}
	set, err := setOf(toDoc(next, ""))
	if err != nil {
		s.release(ctx, old.ID, mine)
		return err
	}
	err = s.swap(ctx, old, next, bson.M{"$set": set})
	if err != nil {
		if domain.ErrorKind(err) != domain.KindUnavailable { // unknown: a late write still needs them
			s.release(ctx, old.ID, mine)
		}
		if isNotFound(err) {
			return errCaseNotFound()
		}
		return err
	}
	// Left behind on failure, they are taken over as stale by the next filing.
	s.drop(ctx, old.ID, minus(before, after))
	return nil
}

// swap writes update to case old.ID if it is still at old's version,
// history length and warning count, under the case's lock, then reads the
// case back and settles the view and counters from it before the lock is
// released. next is what the update makes of old.
func (s *Cases) swap(ctx context.Context, old, next domain.Case, update bson.M) error {
	defer s.caseLocks.lock("case/" + old.ID)()
	return s.swapLocked(ctx, old, next, update)
}

// swapLocked is swap for a caller that holds the case's lock.
func (s *Cases) swapLocked(ctx context.Context, old, next domain.Case, update bson.M) error {
	cur, err := s.head(ctx, old.ID)
	if err != nil {
		return err
	}
	if !cur.is(old) {
		return staleAnswer(old, cur)
	}
	expect := bson.M{"version": old.Version, "history_len": len(old.History), "warnings_count": len(old.Warnings)}
	res, err := s.cases.UpdateOne(ctx, s.cas(old.ID, expect), update)
	switch {
	case ambiguous(err):
		// Did it land? Ask again, with a fresh time limit.
		rctx, cancel := detach(ctx)
		defer cancel()
		if cur, herr := s.head(rctx, old.ID); herr != nil || !cur.is(next) {
			return errUnknownWrite(old.ID, err)
		}
	case err != nil:
		return fmt.Errorf("update case %s: %w", old.ID, err)
	case res.MatchedCount == 0: // MongoDB: changed since head
		if cur, err = s.head(ctx, old.ID); err != nil {
			return err
		}
		return staleAnswer(old, cur)
	}
	stored, err := s.Get(ctx, old.ID)
	if err != nil {
		// The write is done; the view and counters catch up at the next start.
		stored = next
	}
	s.settle(ctx, &old, &next, stored)
	return nil
}

// setOf turns a case document into a $set of every field but the id and
// the filing fingerprint, which stay what they were at create.
func setOf(d caseDoc) (bson.M, error) {
	b, err := bson.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode case %s: %w", d.ID, err)
	}
	var m bson.M
	if err := bson.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode case %s: %w", d.ID, err)
	}
	delete(m, "_id")
	delete(m, "filing_hash")
	return m, nil
}

// ErrChanged is returned by Update when the case gained history (a photo,
// a reveal) or a warning without a new version since old was read:
// nothing was decided in between, so the caller reads it again and retries.
var ErrChanged = errors.New("case changed since it was read; read it again")

// caseHead is what a compare-and-swap of a case looks at.
type caseHead struct {
	Version       int `bson:"version"`
	HistoryLen    int `bson:"history_len"`
	WarningsCount int `bson:"warnings_count"`
}

// is reports whether the stored head is at c's version, history length
// and warning count.
func (h caseHead) is(c domain.Case) bool {
	return h.Version == c.Version && h.HistoryLen == len(c.History) && h.WarningsCount == len(c.Warnings)
}

// head reads the version and history length of case id.
func (s *Cases) head(ctx context.Context, id string) (caseHead, error) {
	var h caseHead
	err := s.cases.FindOne(ctx, bson.M{"_id": id},
		options.FindOne().SetProjection(bson.M{"version": 1, "history_len": 1, "warnings_count": 1})).Decode(&h)
	if err != nil && !isNotFound(err) {
		return h, fmt.Errorf("read version of case %s: %w", id, err)
	}
	return h, err
}

// staleAnswer is the answer to a write on old when the case is at cur.
func staleAnswer(old domain.Case, cur caseHead) error {
	if cur.Version == old.Version {
		return ErrChanged
	}
	return &domain.Error{
		Kind: domain.KindConflict, Code: "stale_version",
		Message: "该户档案已被他人更新，请刷新后重试",
		Details: map[string]string{"current_version": strconv.Itoa(cur.Version)},
	}
}

// ListQuery selects cases for GET /api/cases. Area is the caller's area
// (every result lies in it); the other fields are optional filters.
type ListQuery struct {
	Area        string
	ProgramYear int
	Township    string
	Village     string
	Stages      []domain.Stage // any of these; nil means all, empty non-nil means none
	// Search, when its By is set, keeps the cases it matches: the head's
	// name containing Name, the head's 身份证号 ending in IDTail or being
	// IDNumber, as domain.PlanSearch decided for the searcher.
	Search domain.Search
	// HukouNo and QVillages widen a Search: a case whose 户口簿 number is
	// HukouNo, or whose village is one of QVillages (named like the
	// searched text), matches too.
	HukouNo     string
	QVillages   []string
	HasWarnings bool
	// Keep, when set, is applied to each case after the database filter
	// (for "awaiting my action", which only the domain can decide).
	Keep   func(domain.Case) bool
	Limit  int
	Cursor string
}

// ListPage is one page of cases and the cursor of the next ("" at the end).
type ListPage struct {
	Items      []domain.Case
	NextCursor string
}

type listCursor struct {
	U int64  `json:"u"` // updated_at, Unix milliseconds
	I string `json:"i"`
}

// List returns cases sorted by updated_at descending, then id, one page
// at a time. The cases come without their history, with identifiers
// masked and photos reduced to id, kind and time: enough for a list row,
// its deadline and next steps, never a whole file.
func (s *Cases) List(ctx context.Context, q ListQuery) (ListPage, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	if q.Stages != nil && len(q.Stages) == 0 || !searchable(q.Search) {
		return ListPage{}, nil
	}
	if s.view != nil && !s.ListFromDB {
		return s.listView(ctx, q)
	}
	and := filterOf(q)
	if q.Cursor != "" {
		cur, err := decodeCursor(q.Cursor)
		if err != nil {
			return ListPage{}, err
		}
		at := time.UnixMilli(cur.U).UTC()
		and = append(and, bson.M{"$or": bson.A{
			bson.M{"updated_at": bson.M{"$lt": at}},
			bson.M{"updated_at": at, "_id": bson.M{"$gt": cur.I}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "updated_at", Value: -1}, {Key: "_id", Value: 1}})
	if q.Keep == nil {
		opts.SetLimit(int64(q.Limit + 1))
	} else {
		opts.SetBatchSize(200)
	}
	cur, err := s.cases.Find(ctx, bson.M{"$and": and}, opts)
	if err != nil {
		return ListPage{}, fmt.Errorf("list cases: %w", err)
	}
	defer cur.Close(ctx)
	var page ListPage
	more := false
	for cur.Next(ctx) {
		var d caseDoc
		if err := cur.Decode(&d); err != nil {
			return ListPage{}, fmt.Errorf("decode case: %w", err)
		}
		c := entryOf(toDomain(d)).c
		if q.Keep != nil && !q.Keep(c) {
			continue
		}
		if len(page.Items) == q.Limit {
			more = true
			break
		}
		page.Items = append(page.Items, c)
	}
	if err := cur.Err(); err != nil {
		return ListPage{}, fmt.Errorf("list cases: %w", err)
	}
	if more {
		page.NextCursor = cursorAfter(page.Items[len(page.Items)-1])
	}
	return page, nil
}

// filterOf is the database filter of q's area, year and filters (the
// cursor and Keep aside), for the indexes EnsureIndexes makes.
func filterOf(q ListQuery) bson.A {
	and := bson.A{bson.M{"village_code": bson.M{"$regex": "^" + regexp.QuoteMeta(q.Area)}}}
	if q.ProgramYear != 0 {
		and = append(and, bson.M{"program_year": q.ProgramYear})
	}
	if q.Township != "" {
		and = append(and, bson.M{"township_code": q.Township})
	}
	if q.Village != "" {
		and = append(and, bson.M{"village_code": q.Village})
	}
	if q.Stages != nil {
		and = append(and, bson.M{"stage": bson.M{"$in": q.Stages}})
	}
	if q.HasWarnings {
		and = append(and, bson.M{"has_warnings": true})
	}
	if q.Search.By != "" {
		var or bson.A
		switch q.Search.By {
		case domain.SearchByName:
			or = append(or, bson.M{"head_name": bson.M{"$regex": regexp.QuoteMeta(q.Search.Name)}})
		case domain.SearchByIDTail:
			or = append(or, bson.M{"id_tail": bson.M{"$regex": regexp.QuoteMeta(q.Search.IDTail) + "$"}})
		case domain.SearchByIDNumber:
			or = append(or, bson.M{"id_hash": IDNumberHash(q.Search.IDNumber)})
		}
		if q.HukouNo != "" {
			or = append(or, bson.M{"household.hukou_no": q.HukouNo})
		}
		if len(q.QVillages) > 0 {
			or = append(or, bson.M{"village_code": bson.M{"$in": q.QVillages}})
		}
		and = append(and, bson.M{"$or": or})
	}
	return and
}

// Each calls fn with every case q selects (its Limit and Cursor aside), in
// the list's order and reduced as List reduces them (Keep applied), in one
// pass: for work queues, batch steps and exports, which want every case
// and no pages. From the view on FerretDB, from an indexed query on
// MongoDB. fn's error stops the walk.
func (s *Cases) Each(ctx context.Context, q ListQuery, fn func(domain.Case) error) error {
	if q.Stages != nil && len(q.Stages) == 0 || !searchable(q.Search) {
		return nil
	}
	keep := func(c domain.Case) error {
		if q.Keep != nil && !q.Keep(c) {
			return nil
		}
		return fn(c)
	}
	if s.view != nil && !s.ListFromDB {
		return s.viewWalk(ctx, q, nil, keep)
	}
	opts := options.Find().SetProjection(bson.M{"history": 0}).
		SetSort(bson.D{{Key: "updated_at", Value: -1}, {Key: "_id", Value: 1}}).SetBatchSize(200)
	cur, err := s.cases.Find(ctx, bson.M{"$and": filterOf(q)}, opts)
	if err != nil {
		return fmt.Errorf("walk cases: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d caseDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("decode case: %w", err)
		}
		if err := keep(entryOf(toDomain(d)).c); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("walk cases: %w", err)
	}
	return nil
}

// searchable reports whether s can match anything: no search, or one
// with the value its By names.
func searchable(s domain.Search) bool {
	switch s.By {
	case "":
		return true
	case domain.SearchByName:
		return s.Name != ""
	case domain.SearchByIDTail:
		return s.IDTail != "" && len(s.IDTail) <= 6
	case domain.SearchByIDNumber:
		return s.IDNumber != ""
	}
	return false
}

// searchMatcher is s (searchable) as a test of the list view's entries,
// as the database query of List applies it (HukouNo and QVillages aside).
func searchMatcher(s domain.Search) func(viewEntry) bool {
	switch s.By {
	case domain.SearchByName:
		return func(e viewEntry) bool { return strings.Contains(e.c.Household.HeadName, s.Name) }
	case domain.SearchByIDTail:
		return func(e viewEntry) bool { return strings.HasSuffix(e.idTail, s.IDTail) }
	case domain.SearchByIDNumber:
		h := IDNumberHash(s.IDNumber)
		return func(e viewEntry) bool { return e.idHash == h }
	}
	return func(viewEntry) bool { return true }
}

// cursorAfter is the opaque cursor of the page that follows case last.
func cursorAfter(last domain.Case) string {
	b, _ := json.Marshal(listCursor{U: last.UpdatedAt.UnixMilli(), I: last.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (listCursor, error) {
	var c listCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.I == "" {
		return c, &domain.Error{Kind: domain.KindInvalid, Code: "invalid_input", Message: "翻页参数无效，请从第一页重新加载",
			Fields: map[string]string{"cursor": "翻页参数无效"}}
	}
	return c, nil
}

// All calls fn with every case of a program year (0: all years), in no
// particular order; fn's error stops the walk.
func (s *Cases) All(ctx context.Context, year int, fn func(domain.Case) error) error {
	filter := bson.M{}
	if year != 0 {
		filter["program_year"] = year
	}
	cur, err := s.cases.Find(ctx, filter, options.Find().SetBatchSize(500))
	if err != nil {
		return fmt.Errorf("walk cases: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d caseDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("decode case: %w", err)
		}
		if err := fn(toDomain(d)); err != nil {
			return err
		}
	}
	return cur.Err()
}

// isDuplicate reports a unique-index violation, including FerretDB's way
// of reporting one caused by an update (InternalError, code 1).
func isDuplicate(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Code == 1 && strings.Contains(strings.ToLower(ce.Message), "duplicate") {
		return true
	}
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			if e.Code == 1 && strings.Contains(strings.ToLower(e.Message), "duplicate") {
				return true
			}
		}
	}
	return false
}

// Load inserts many cases at once, with their identity reservations and
// the reservations of their 档案编号, for bulk imports and benchmarks: no
// filing checks, and the dashboard counters are left to Reconcile (run
// it, or restart the server, after).
func (s *Cases) Load(ctx context.Context, cs []domain.Case) error {
	const batch = 1000
	last := map[int]int{}
	for i := 0; i < len(cs); i += batch {
		part := cs[i:min(i+batch, len(cs))]
		docs := make([]any, 0, len(part))
		var keys, numbers []any
		for _, c := range part {
			docs = append(docs, toDoc(c, FilingHash(c)))
			for _, k := range keysOf(c) {
				keys = append(keys, keyDoc{ID: k, CaseID: c.ID, At: s.Now().UTC()})
			}
			if a := c.Approval; a != nil && a.ArchiveSeq > 0 {
				numbers = append(numbers, numberDoc{ID: numberKey(c.ProgramYear, a.ArchiveSeq), CaseID: c.ID, At: s.Now().UTC()})
				last[c.ProgramYear] = max(last[c.ProgramYear], a.ArchiveSeq)
			}
		}
		if len(numbers) > 0 {
			if _, err := s.numbers.InsertMany(ctx, numbers); err != nil {
				return fmt.Errorf("load archive numbers: %w", err)
			}
		}
		if _, err := s.cases.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("load cases: %w", err)
		}
		if len(keys) > 0 {
			if _, err := s.keys.InsertMany(ctx, keys, options.InsertMany().SetOrdered(false)); err != nil {
				return fmt.Errorf("load identity reservations: %w", err)
			}
		}
	}
	for year, seq := range last {
		s.advanceCounter(ctx, year, seq)
	}
	return nil
}
