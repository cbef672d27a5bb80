package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// What reviewers are warned about when a photo arrives (DOMAIN.md
// "Evidence and what auditors catch"): the same or a near-identical photo
// in another household's case of the program (listed on both cases), a
// photo of the house taken far from the house, and a stage photo taken
// before the step it proves could have happened.

// DefaultMaxPhotoDistanceM is how far from the recorded house location a
// photo of the house may be taken before it is flagged; phone GPS in a
// village is good to 10–50 m. ANJU_PHOTO_MAX_DISTANCE_M overrides it.
const DefaultMaxPhotoDistanceM = 300

// photoSweepAge is how old an object must be before the sweep may judge it
// an orphan: an upload's case update follows its put within seconds.
const photoSweepAge = time.Hour

// photoRef names one photo of one case.
type photoRef struct {
	CaseID, PhotoID string
}

// photoMatch is a photo of another case that looks like a new one.
type photoMatch struct {
	Ref      photoRef
	Exact    bool // same bytes (SHA-256)
	Distance int  // perceptual-hash distance (0 when exact)
}

// evidence indexes every stored photo by program year, by SHA-256 and by
// perceptual hash, so an upload finds its duplicates without reading the
// cases. It is loaded from the cases at start and kept up to date by
// uploads; safe for concurrent use.
type evidence struct {
	maxDistanceM float64

	mu    sync.Mutex
	sha   map[int]map[string][]photoRef
	phash map[int]*uploads.HashIndex[photoRef]
	// owner maps the object folder of a case whose id is not itself a key
	// segment (uploads.Segment hashed it) back to the case id.
	owner map[string]string
}

func newEvidence(maxDistanceM float64) *evidence {
	return &evidence{
		maxDistanceM: maxDistanceM,
		sha:          map[int]map[string][]photoRef{},
		phash:        map[int]*uploads.HashIndex[photoRef]{},
		owner:        map[string]string{},
	}
}

// maxPhotoDistanceM is the configured distance, or the default for an App
// whose Config was built by hand.
func (a *App) maxPhotoDistanceM() float64 {
	if a.Cfg.PhotoMaxDistanceM > 0 {
		return a.Cfg.PhotoMaxDistanceM
	}
	return DefaultMaxPhotoDistanceM
}

// claim finds the photos of other cases of the program that are the same
// as or look like this one, and adds this one to the index, in one step:
// of two households uploading the same photo at the same moment, the
// second always sees the first.
func (e *evidence) claim(year int, ref photoRef, sha string, ph uint64) []photoMatch {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []photoMatch
	seen := map[photoRef]bool{}
	for _, r := range e.sha[year][sha] {
		if r.CaseID != ref.CaseID && !seen[r] {
			seen[r] = true
			out = append(out, photoMatch{Ref: r, Exact: true})
		}
	}
	idx := e.phash[year]
	if ph != 0 && idx != nil {
		for _, m := range idx.Near(ph, uploads.NearDuplicateDistance) {
			if m.Ref.CaseID != ref.CaseID && !seen[m.Ref] {
				seen[m.Ref] = true
				out = append(out, photoMatch{Ref: m.Ref, Distance: m.Distance})
			}
		}
	}
	e.addLocked(year, ref, sha, ph)
	return out
}

// fill replaces the index's content with from's.
func (e *evidence) fill(from *evidence) {
	from.mu.Lock()
	sha, phash, owner := from.sha, from.phash, from.owner
	from.mu.Unlock()
	e.mu.Lock()
	e.sha, e.phash, e.owner = sha, phash, owner
	e.mu.Unlock()
}

// add puts a stored photo in the index (again: adding twice is harmless).
func (e *evidence) add(year int, ref photoRef, sha string, ph uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addLocked(year, ref, sha, ph)
}

func (e *evidence) addLocked(year int, ref photoRef, sha string, ph uint64) {
	if dir := uploads.CaseDir(ref.CaseID); dir != "cases/"+ref.CaseID {
		e.owner[dir] = ref.CaseID
	}
	if e.sha[year] == nil {
		e.sha[year] = map[string][]photoRef{}
	}
	list := e.sha[year][sha]
	for _, r := range list {
		if r == ref {
			goto phash
		}
	}
	e.sha[year][sha] = append(list, ref)
phash:
	if ph == 0 {
		return
	}
	if e.phash[year] == nil {
		e.phash[year] = uploads.NewHashIndex[photoRef]()
	}
	e.phash[year].Add(ref, ph)
}

// forget removes a photo claimed by an upload that then failed.
func (e *evidence) forget(year int, ref photoRef, sha string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := e.sha[year][sha]
	for i, r := range list {
		if r == ref {
			e.sha[year][sha] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if idx := e.phash[year]; idx != nil {
		idx.Remove(ref)
	}
}

// duplicateWarnings are the warnings for the new photo's case (one per
// match) and, keyed by the other case, those for each other case.
func duplicateWarnings(caseID string, ph domain.Photo, matches []photoMatch, now time.Time) (mine []domain.Warning, theirs map[string][]domain.Warning) {
	theirs = map[string][]domain.Warning{}
	for _, m := range matches {
		how := domain.LikenessNear
		if m.Exact {
			how = domain.LikenessSame
		}
		w := domain.DuplicatePhoto(ph, m.Ref.CaseID, m.Ref.PhotoID, how, now)
		mine = append(mine, w)
		theirs[m.Ref.CaseID] = append(theirs[m.Ref.CaseID], domain.DuplicatePhotoBack(caseID, w, how, now))
	}
	return mine, theirs
}

// caseWarnings are the warnings a new photo raises on its own case.
func caseWarnings(c domain.Case, ph domain.Photo, dups []domain.Warning, maxM float64, now time.Time) []domain.Warning {
	return append(append([]domain.Warning(nil), dups...), domain.PhotoWarnings(c, ph, maxM, now)...)
}

// loadPhotoIndex loads the photo index from every case and completes
// duplicate warnings whose other half a crash kept from being written.
func (a *App) loadPhotoIndex(ctx context.Context) error {
	e := newEvidence(a.maxPhotoDistanceM())

	type half struct {
		caseID string
		w      domain.Warning
	}
	var missing []half
	have := map[string]bool{} // caseID/photo/otherCase/otherPhoto of every duplicate warning
	key := func(caseID string, w domain.Warning) string {
		return caseID + "/" + w.PhotoID + "/" + w.OtherCaseID + "/" + w.OtherPhoto
	}
	var pairs []half
	err := a.DB.Cases.All(ctx, 0, func(c domain.Case) error {
		for _, ph := range c.Photos {
			e.addLocked(c.ProgramYear, photoRef{c.ID, ph.ID}, ph.SHA256, ph.PHash)
		}
		for _, w := range c.Warnings {
			if w.Code == domain.WarnDuplicatePhoto {
				have[key(c.ID, w)] = true
				pairs = append(pairs, half{c.ID, w})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load photo index: %w", err)
	}
	a.photos.fill(e)
	now := a.Now()
	for _, p := range pairs {
		back := domain.DuplicatePhotoBack(p.caseID, p.w, domain.LikenessUnknown, now)
		if !have[key(p.w.OtherCaseID, back)] {
			missing = append(missing, half{p.w.OtherCaseID, back})
		}
	}
	for _, m := range missing {
		if _, err := a.DB.Cases.AddWarnings(ctx, m.caseID, []domain.Warning{m.w}); err != nil && domain.ErrorKind(err) != domain.KindNotFound {
			return fmt.Errorf("complete duplicate warnings: %w", err)
		}
	}
	if len(missing) > 0 {
		a.Log.Info("duplicate photo warnings completed", "count", len(missing))
	}

	return nil
}

// sweepPhotoObjects sweeps orphaned photo objects now and every hour
// until the App closes.
func (a *App) sweepPhotoObjects() {
	a.every(photoSweepAge, true, func(ctx context.Context) { a.sweepPhotos(ctx) })
}

// sweepPhotos removes photo, thumbnail and signature objects older than an
// hour that no case refers to (stored by an upload or an acceptance whose
// case update never happened), and, on the disk store, left-over temporary
// files. It logs what it did and returns the keys removed.
func (a *App) sweepPhotos(ctx context.Context) []string {
	now := a.Now()
	removed, err := uploads.SweepOrphans(ctx, a.Store, "cases/", photoSweepAge, now, a.caseObjectRefs)
	if err != nil && !errors.Is(err, context.Canceled) {
		a.Log.Error("photo sweep", "err", err.Error())
	}
	if len(removed) > 0 {
		a.Log.Warn("removed photo objects no case refers to", "count", len(removed), "keys", removed)
	}
	if d, ok := a.Store.(interface {
		SweepTemp(context.Context, time.Duration, time.Time) (int, error)
	}); ok {
		if _, err := d.SweepTemp(ctx, photoSweepAge, now); err != nil && !errors.Is(err, context.Canceled) {
			a.Log.Error("photo sweep: temporary files", "err", err.Error())
		}
	}
	return removed
}

// caseObjectRefs is the sweep's RefsFunc: the objects case folder dir
// ("cases/<segment>") must keep. A folder whose case cannot be told keeps
// everything (the error is logged).
func (a *App) caseObjectRefs(ctx context.Context, dir string) (map[string]bool, error) {
	id := strings.TrimPrefix(dir, "cases/")
	if strings.HasPrefix(id, "x") { // a hashed id: ask the index
		e := a.photos
		e.mu.Lock()
		owner, ok := e.owner[dir]
		e.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("sweep %s: cannot tell which case owns it", dir)
		}
		id = owner
	}
	if id == dir || id == "" || strings.Contains(id, "/") {
		return nil, fmt.Errorf("sweep %s: not a case folder", dir)
	}
	c, err := a.DB.Cases.Get(ctx, id)
	if domain.ErrorKind(err) == domain.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, ph := range c.Photos {
		keep[ph.ObjectKey] = true
		keep[ph.ThumbKey] = true
	}
	for _, acc := range c.Acceptances {
		for _, s := range acc.Signatures {
			keep[s.ObjectKey] = true
		}
	}
	return keep, nil
}
