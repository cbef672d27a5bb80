package mongodb

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/yongjing/anju/domain"
)

// caseView is this process's read model of every case, for lists on
// embedded FerretDB. FerretDB sorts and filters by decoding every stored
// document (5,000 cases: 11 s for one sorted page), so there the case
// list is answered from memory: each case without its history, its
// photos reduced to id, kind and time, identifiers masked (about 2 KB a
// case). It is built by the scan Reconcile makes at start (or on first
// use) and kept current after every case write of this process, which on
// FerretDB is the only writer (see stripes). On MongoDB lists are queries.
type caseView struct {
	mu     sync.RWMutex
	loaded bool
	byID   map[string]*viewEntry // entries are replaced, never changed in place
	// counts mirrors the counter documents once Reconcile has built them
	// (at start, before requests), so the dashboard reads memory: even
	// the 170 small counter documents took 25–37 ms to read on FerretDB,
	// more as the cases grow. Nil until then: Counts reads the database.
	counts map[string]*VillageCounts
}

type viewEntry struct {
	c      domain.Case
	idHash string // of the head's full 身份证号, for a search by the whole number
	idTail string // its last 6 characters
	rank   [3]int // version, history length, warning count: later writes rank higher
}

// entryOf is what the view keeps of c.
func entryOf(c domain.Case) viewEntry {
	e := viewEntry{rank: [3]int{c.Version, len(c.History), len(c.Warnings)}}
	if id := domain.NormalizeNumber(c.Household.IDNumber); id != "" {
		e.idHash, e.idTail = IDNumberHash(id), idTail(id)
	}
	n := c
	n.History = nil
	n.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Millisecond) // as stored, for the cursor
	n.Household.IDNumber = domain.MaskID(c.Household.IDNumber)
	n.Household.Members = make([]domain.Member, len(c.Household.Members))
	for i, m := range c.Household.Members {
		m.IDNumber = domain.MaskID(m.IDNumber)
		n.Household.Members[i] = m
	}
	if c.Payment != nil {
		p := *c.Payment
		p.AccountNo = domain.MaskAccount(p.AccountNo)
		n.Payment = &p
	}
	n.Photos = make([]domain.Photo, len(c.Photos))
	for i, p := range c.Photos {
		n.Photos[i] = domain.Photo{ID: p.ID, Kind: p.Kind, TakenAt: p.TakenAt}
	}
	e.c = n
	return e
}

// replace records c unless the view already holds it or a later write of
// it, and returns what it held before (nil if nothing) and whether it
// changed. Not loaded yet, it records nothing: the scan that loads it
// will see c.
func (v *caseView) replace(c domain.Case) (prev *domain.Case, changed bool) {
	e := entryOf(c)
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.loaded {
		return nil, false
	}
	old, ok := v.byID[c.ID]
	if ok && !ranksBefore(old.rank, e.rank) {
		return nil, false
	}
	v.byID[c.ID] = &e
	if ok {
		return &old.c, true
	}
	return nil, true
}

// isLoaded reports whether the view has been built.
func (v *caseView) isLoaded() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.loaded
}

func ranksBefore(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// fill replaces the view's content with entries.
func (v *caseView) fill(entries []viewEntry) {
	m := make(map[string]*viewEntry, len(entries))
	for i := range entries {
		m[entries[i].c.ID] = &entries[i]
	}
	v.mu.Lock()
	v.byID, v.loaded = m, true
	v.mu.Unlock()
}

// ensureView builds the view from the database if it is not built yet.
func (s *Cases) ensureView(ctx context.Context) (*caseView, error) {
	v := s.view
	v.mu.RLock()
	ok := v.loaded
	v.mu.RUnlock()
	if ok {
		return v, nil
	}
	var all []viewEntry
	if err := s.All(ctx, 0, func(c domain.Case) error { all = append(all, entryOf(c)); return nil }); err != nil {
		return nil, err
	}
	// Writes that land during the scan are put again by their writers once
	// loaded is set; put keeps the latest of each case.
	v.fill(all)
	return v, nil
}

// matcher is a ListQuery's filters (cursor aside) as the view applies them.
type matcher struct {
	q        ListQuery
	stages   map[domain.Stage]bool
	villages map[string]bool
	search   func(viewEntry) bool
}

func newMatcher(q ListQuery) matcher {
	m := matcher{q: q, stages: map[domain.Stage]bool{}, villages: map[string]bool{}, search: searchMatcher(q.Search)}
	for _, st := range q.Stages {
		m.stages[st] = true
	}
	for _, v := range q.QVillages {
		m.villages[v] = true
	}
	return m
}

// matches reports whether the view's entry e passes the filters.
func (m *matcher) matches(e *viewEntry) bool {
	c, q := &e.c, m.q
	switch {
	case !strings.HasPrefix(c.VillageCode, q.Area),
		q.ProgramYear != 0 && c.ProgramYear != q.ProgramYear,
		q.Township != "" && domain.TownshipOf(c.VillageCode) != q.Township,
		q.Village != "" && c.VillageCode != q.Village,
		q.Stages != nil && !m.stages[c.Stage],
		q.HasWarnings && len(c.Warnings) == 0:
		return false
	}
	if q.Search.By == "" {
		return true
	}
	return m.search(*e) || (q.HukouNo != "" && c.Household.HukouNo == q.HukouNo) || m.villages[c.VillageCode]
}

// listView answers q from the view.
func (s *Cases) listView(ctx context.Context, q ListQuery) (ListPage, error) {
	var cur *listCursor
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return ListPage{}, err
		}
		cur = &c
	}
	var page ListPage
	err := s.viewWalk(ctx, q, cur, func(c domain.Case) error {
		if q.Keep != nil && !q.Keep(c) {
			return nil
		}
		if len(page.Items) == q.Limit {
			page.NextCursor = cursorAfter(page.Items[len(page.Items)-1])
			return errPageFull
		}
		page.Items = append(page.Items, c)
		return nil
	})
	if err != nil && err != errPageFull {
		return ListPage{}, err
	}
	return page, nil
}

// errPageFull ends a walk of the view once a page is full.
var errPageFull = errors.New("page full")

// viewKey is where a case stands in the list's order.
type viewKey struct {
	u  int64 // updated_at, Unix milliseconds: later first
	id string
}

// viewWalk calls fn with each case of the view q selects (after cur, if
// set), in the list's order, before q.Keep; fn's error stops the walk.
// Only the order is taken at once (a few bytes a case): each case is read
// from the view as its turn comes, so walking every case of the county
// holds no copy of them all, and the view is not locked while fn runs.
func (s *Cases) viewWalk(ctx context.Context, q ListQuery, cur *listCursor, fn func(domain.Case) error) error {
	v, err := s.ensureView(ctx)
	if err != nil {
		return err
	}
	m := newMatcher(q)
	v.mu.RLock()
	var keys []viewKey
	for _, e := range v.byID {
		if !m.matches(e) {
			continue
		}
		c := &e.c
		u := c.UpdatedAt.UnixMilli()
		if cur != nil && (u > cur.U || (u == cur.U && c.ID <= cur.I)) {
			continue
		}
		keys = append(keys, viewKey{u, c.ID})
	}
	v.mu.RUnlock()
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].u != keys[j].u {
			return keys[i].u > keys[j].u
		}
		return keys[i].id < keys[j].id
	})
	for _, k := range keys {
		v.mu.RLock()
		e, ok := v.byID[k.id]
		v.mu.RUnlock()
		if !ok {
			continue // gone meanwhile
		}
		if err := fn(e.c); err != nil {
			return err
		}
	}
	return nil
}

// Scan calls fn with every case of program year as List returns them
// (no history, identifiers masked, photos reduced): from the view on
// FerretDB, where decoding every stored case would take a minute at
// 20,000, from the database on MongoDB. fn's error stops the walk.
func (s *Cases) Scan(ctx context.Context, year int, fn func(domain.Case) error) error {
	if s.view == nil || s.ListFromDB {
		return s.All(ctx, year, func(c domain.Case) error { return fn(entryOf(c).c) })
	}
	v, err := s.ensureView(ctx)
	if err != nil {
		return err
	}
	v.mu.RLock()
	var cs []domain.Case
	for _, e := range v.byID {
		if e.c.ProgramYear == year {
			cs = append(cs, e.c)
		}
	}
	v.mu.RUnlock()
	for _, c := range cs {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}
