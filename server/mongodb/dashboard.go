package mongodb

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// VillageCounts is the dashboard's running tally for one village and
// program year, kept in "case_counts" (_id "<year>/<village>") so the
// dashboard reads a few hundred small documents however many cases there
// are. Overdue and at-risk figures are not stored: they follow from the
// stage counts and today's date by the domain's deadline rule.
type VillageCounts struct {
	ID           string                 `bson:"_id"`
	ProgramYear  int                    `bson:"program_year"`
	VillageCode  string                 `bson:"village_code"`
	TownshipCode string                 `bson:"township_code"`
	Total        int64                  `bson:"total"`
	ByStage      map[domain.Stage]int64 `bson:"stage"`
	PlannedYuan  int64                  `bson:"planned_yuan"`  // approval's planned subsidy of approved-or-later cases
	PaidYuan     int64                  `bson:"paid_yuan"`     // amounts paid
	WithWarnings int64                  `bson:"with_warnings"` // cases with at least one warning
	// AcceptedUnpaid counts payable, unpaid cases in stage accepted by the
	// Shanghai day of their last passed acceptance (late-payment figure).
	AcceptedUnpaid map[domain.Date]int64 `bson:"accepted_unpaid"`
}

// counterID names the counter document of a case.
func counterID(year int, village string) string { return strconv.Itoa(year) + "/" + village }

// contribution is what one case adds to its village's counters, as
// dotted field paths of the counter document.
func contribution(c domain.Case) map[string]int64 {
	m := map[string]int64{"total": 1, "stage." + string(c.Stage): 1}
	if c.Stage.ReachedApproval() && c.Approval != nil {
		m["planned_yuan"] = c.Approval.PlannedSubsidy
	}
	if c.Payment != nil {
		m["paid_yuan"] = c.Payment.AmountYuan
	}
	if len(c.Warnings) > 0 {
		m["with_warnings"] = 1
	}
	if a := lastPassed(c); c.Stage == domain.StageAccepted && c.Payment == nil && a != nil && a.SubsidyYuan > 0 {
		m["accepted_unpaid."+string(domain.DateOf(a.At))] = 1
	}
	return m
}

// lastPassed is the case's last passed acceptance (nil if none). Only a
// payable one (subsidy above 0) can become a late payment.
func lastPassed(c domain.Case) *domain.Acceptance {
	for i := len(c.Acceptances) - 1; i >= 0; i-- {
		if c.Acceptances[i].Passed {
			return &c.Acceptances[i]
		}
	}
	return nil
}

// settle follows every case write, and every retry that finds its write
// already done, under the case's lock: stored is what the database holds
// after it. On FerretDB it puts stored in the list view and moves the
// counters from what the view held to stored, so settling a write twice
// counts it once. On MongoDB (or before the view is loaded) it moves the
// counters from old's contribution to next's, the change this writer
// made (old nil: a new case; next nil: a retry, which changes nothing).
// A failure is not returned: the case write has happened, and Reconcile
// at the next start puts the counters right.
func (s *Cases) settle(ctx context.Context, old, next *domain.Case, stored domain.Case) {
	if s.view != nil {
		if prev, changed := s.view.replace(stored); changed {
			s.count(ctx, prev, &stored)
			return
		}
		if s.view.isLoaded() {
			return
		}
	}
	if next != nil {
		s.count(ctx, old, next)
	}
}

// count moves the counters from old's contribution to next's (either may
// be nil), in the database and, on FerretDB, in the in-memory mirror.
func (s *Cases) count(ctx context.Context, old, next *domain.Case) {
	diffs := map[string]map[string]int64{}
	add := func(c *domain.Case, sign int64) {
		if c == nil {
			return
		}
		id := counterID(c.ProgramYear, c.VillageCode)
		if diffs[id] == nil {
			diffs[id] = map[string]int64{}
		}
		for k, v := range contribution(*c) {
			diffs[id][k] += sign * v
		}
	}
	add(old, -1)
	add(next, +1)
	if s.view != nil {
		s.view.addCounts(diffs, old, next)
	}
	for id, d := range diffs {
		inc := bson.M{}
		for k, v := range d {
			if v != 0 {
				inc[k] = v
			}
		}
		if len(inc) == 0 {
			continue
		}
		c := next
		if c == nil {
			c = old
		}
		if old != nil && counterID(old.ProgramYear, old.VillageCode) == id {
			c = old
		}
		if next != nil && counterID(next.ProgramYear, next.VillageCode) == id {
			c = next
		}
		_ = s.inc(ctx, id, c.ProgramYear, c.VillageCode, inc)
	}
}

// inc adds inc to counter document id, creating it first if need be. (An
// upserting $inc raced by another would fail on FerretDB with a duplicate
// key; inserting an empty document and ignoring the duplicate does not.)
func (s *Cases) inc(ctx context.Context, id string, year int, village string, inc bson.M) error {
	defer s.countLocks.lock("counts/" + id)()
	for attempt := 0; attempt < 2; attempt++ {
		res, err := s.counts.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$inc": inc})
		if err != nil {
			return fmt.Errorf("count case in %s: %w", id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		_, err = s.counts.InsertOne(ctx, emptyCounts(id, year, village))
		if err != nil && !isDuplicate(err) {
			return fmt.Errorf("create counters %s: %w", id, err)
		}
	}
	return fmt.Errorf("count case in %s: counters missing", id)
}

func emptyCounts(id string, year int, village string) VillageCounts {
	return VillageCounts{
		ID: id, ProgramYear: year, VillageCode: village, TownshipCode: domain.TownshipOf(village),
		ByStage: map[domain.Stage]int64{}, AcceptedUnpaid: map[domain.Date]int64{},
	}
}

// Counts returns the counters of every village in area (a county,
// township or village code) for a program year.
func (s *Cases) Counts(ctx context.Context, year int, area string) ([]VillageCounts, error) {
	if s.view != nil {
		if out, ok := s.view.countsOf(year, area); ok {
			return out, nil
		}
	}
	filter := bson.M{"program_year": year}
	switch domain.LevelOf(area) {
	case domain.LevelVillage:
		filter["village_code"] = area
	case domain.LevelTownship:
		filter["township_code"] = area
	default:
		filter["village_code"] = bson.M{"$regex": "^" + regexp.QuoteMeta(area)}
	}
	cur, err := s.counts.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read dashboard counters: %w", err)
	}
	var out []VillageCounts
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read dashboard counters: %w", err)
	}
	return out, nil
}

// Reconcile recomputes every counter document from the cases and
// replaces what is stored (run at start, before requests are served, so
// a crash between a case write and its counter update heals). The same
// walk finds active cases stored with a number not in its normal form
// (filed before numbers were normalised) and reserves their identities
// in that form (healKeys).
func (s *Cases) Reconcile(ctx context.Context) error {
	want := map[string]*VillageCounts{}
	ferret := s.view != nil
	var all []viewEntry
	var unnormal []domain.Case
	err := s.All(ctx, 0, func(c domain.Case) error {
		if ferret {
			all = append(all, entryOf(c))
		}
		if len(keysOf(c)) > 0 && !numbersNormal(c.Household) {
			unnormal = append(unnormal, c)
		}
		id := counterID(c.ProgramYear, c.VillageCode)
		v := want[id]
		if v == nil {
			e := emptyCounts(id, c.ProgramYear, c.VillageCode)
			v = &e
			want[id] = v
		}
		v.add(contribution(c))
		return nil
	})
	if err != nil {
		return fmt.Errorf("reconcile dashboard counters: %w", err)
	}
	if ferret {
		s.view.fill(all) // the same scan builds the list view
		defer s.view.setCounts(want)
	}
	for id, v := range want {
		_, err := s.counts.ReplaceOne(ctx, bson.M{"_id": id}, v, options.Replace().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("reconcile counters %s: %w", id, err)
		}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	if _, err := s.counts.DeleteMany(ctx, bson.M{"_id": bson.M{"$nin": ids}}); err != nil {
		return fmt.Errorf("reconcile counters: %w", err)
	}
	for _, c := range unnormal {
		if err := s.healKeys(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// add applies a contribution (dotted paths) to v.
func (v *VillageCounts) add(m map[string]int64) {
	for k, n := range m {
		switch {
		case k == "total":
			v.Total += n
		case k == "planned_yuan":
			v.PlannedYuan += n
		case k == "paid_yuan":
			v.PaidYuan += n
		case k == "with_warnings":
			v.WithWarnings += n
		case len(k) > 6 && k[:6] == "stage.":
			v.ByStage[domain.Stage(k[6:])] += n
		case len(k) > 16 && k[:16] == "accepted_unpaid.":
			v.AcceptedUnpaid[domain.Date(k[16:])] += n
		}
	}
}

// addCounts applies counter diffs (by counter id, as count makes them)
// to the in-memory mirror, if it is built.
func (v *caseView) addCounts(diffs map[string]map[string]int64, old, next *domain.Case) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.counts == nil {
		return
	}
	for id, d := range diffs {
		vc := v.counts[id]
		if vc == nil {
			c := next
			if c == nil || counterID(c.ProgramYear, c.VillageCode) != id {
				c = old
			}
			e := emptyCounts(id, c.ProgramYear, c.VillageCode)
			vc = &e
			v.counts[id] = vc
		}
		vc.add(d)
	}
}

// setCounts replaces the in-memory mirror with the reconciled counters.
func (v *caseView) setCounts(want map[string]*VillageCounts) {
	m := make(map[string]*VillageCounts, len(want))
	for id, vc := range want {
		c := cloneCounts(*vc)
		m[id] = &c
	}
	v.mu.Lock()
	v.counts = m
	v.mu.Unlock()
}

// countsOf answers Counts from the mirror; ok is false when it is not built.
func (v *caseView) countsOf(year int, area string) (out []VillageCounts, ok bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.counts == nil {
		return nil, false
	}
	for _, vc := range v.counts {
		if vc.ProgramYear == year && strings.HasPrefix(vc.VillageCode, area) {
			out = append(out, cloneCounts(*vc))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, true
}

func cloneCounts(vc VillageCounts) VillageCounts {
	vc.ByStage = maps.Clone(vc.ByStage)
	vc.AcceptedUnpaid = maps.Clone(vc.AcceptedUnpaid)
	if vc.ByStage == nil {
		vc.ByStage = map[domain.Stage]int64{}
	}
	if vc.AcceptedUnpaid == nil {
		vc.AcceptedUnpaid = map[domain.Date]int64{}
	}
	return vc
}

// CountOf is how many cases program year has, from the counters (memory
// on FerretDB, a few small documents on MongoDB).
func (s *Cases) CountOf(ctx context.Context, year int) (int64, error) {
	vs, err := s.Counts(ctx, year, domain.CountyCode)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, v := range vs {
		n += v.Total
	}
	return n, nil
}
