package uploads

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"
)

// RefsFunc returns the keys in folder dir (e.g. "cases/<id>") that the
// product still refers to. The sweep asks once per folder.
type RefsFunc func(ctx context.Context, dir string) (map[string]bool, error)

// SweepOrphans deletes the objects under prefix that are older than
// olderThan and that refs does not name: objects stored by an upload whose
// case update never happened (a crash, a lost database connection). The
// age keeps uploads in flight safe, as their case update follows their put
// within seconds; each object is stated again just before it is deleted, so
// one re-uploaded meanwhile is kept. It returns the keys removed; an error
// for one folder does not stop the others.
func SweepOrphans(ctx context.Context, s Store, prefix string, olderThan time.Duration, now time.Time, refs RefsFunc) ([]string, error) {
	objs, err := s.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", prefix, err)
	}
	cutoff := now.Add(-olderThan)
	old := map[string][]string{} // folder → old keys, in key order
	var dirs []string
	for _, o := range objs {
		if !o.ModTime.Before(cutoff) {
			continue
		}
		dir := path.Dir(o.Key)
		if _, ok := old[dir]; !ok {
			dirs = append(dirs, dir)
		}
		old[dir] = append(old[dir], o.Key)
	}
	var removed []string
	var errs []error
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		keep, err := refs(ctx, dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep %s: %w", dir, err))
			continue
		}
		for _, key := range old[dir] {
			if keep[key] {
				continue
			}
			o, err := s.Stat(ctx, key)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("sweep: %w", err))
				continue
			}
			if !o.ModTime.Before(cutoff) {
				continue // written again since the listing
			}
			if err := s.Delete(ctx, key); err != nil {
				errs = append(errs, fmt.Errorf("sweep: %w", err))
				continue
			}
			removed = append(removed, key)
		}
	}
	return removed, errors.Join(errs...)
}
