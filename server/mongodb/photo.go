package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/domain"
)

// sameWarning reports whether a and b are the same finding (the time and
// wording may differ between the upload and a start-up reconciliation, or
// between two runs of an amendment's warnings).
func sameWarning(a, b domain.Warning) bool {
	return a.Code == b.Code && a.PhotoID == b.PhotoID && a.OtherCaseID == b.OtherCaseID && a.OtherPhoto == b.OtherPhoto &&
		a.Ref == b.Ref
}

// AddWarnings adds to case id those of ws it does not list yet, and
// returns how many it added. A warning is a finding of the system (the
// same photo filed in another household's case), not a decision: the
// case gets no new version and no history entry. The write is a
// compare-and-swap on version, history length and warning count under the
// case's write lock (see swap), read again and retried when the case moved.
func (s *Cases) AddWarnings(ctx context.Context, id string, ws []domain.Warning) (int, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	for attempt := 0; attempt < 8; attempt++ {
		added, err := s.addWarnings(ctx, id, ws)
		var de *domain.Error
		if errors.Is(err, ErrChanged) || (errors.As(err, &de) && de.Code == "stale_version") {
			continue // another process wrote in between (MongoDB): read again
		}
		return added, err
	}
	return 0, fmt.Errorf("add warnings to case %s: %w", id, ErrChanged)
}

// addWarnings reads and writes under the case's lock, so concurrent
// uploads in this process never race.
func (s *Cases) addWarnings(ctx context.Context, id string, ws []domain.Warning) (int, error) {
	defer s.caseLocks.lock("case/" + id)()
	old, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	next := old
	next.Warnings = slices.Clone(old.Warnings)
	for _, w := range ws {
		if !slices.ContainsFunc(next.Warnings, func(x domain.Warning) bool { return sameWarning(x, w) }) {
			next.Warnings = append(next.Warnings, w)
		}
	}
	added := len(next.Warnings) - len(old.Warnings)
	if added == 0 {
		return 0, nil
	}
	d := toDoc(next, "")
	err = s.swapLocked(ctx, old, next, bson.M{"$set": bson.M{
		"warnings": d.Warnings, "has_warnings": d.HasWarnings, "warnings_count": d.WarningsCount}})
	if err != nil {
		return 0, err
	}
	return added, nil
}
