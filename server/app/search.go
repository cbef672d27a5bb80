package app

import (
	"context"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// searchLimiter counts each person's searches of the case list in this
// process's memory, so a search costs no database round trip (the list
// answers from memory on the embedded database). With several instances
// each counts its own: one person may search SearchLimit times a minute
// per instance, which still keeps anyone from trying numbers in bulk.
type searchLimiter struct {
	mu     sync.Mutex
	recent map[string][]time.Time // user id → times of searches, oldest first
}

func newSearchLimiter() *searchLimiter { return &searchLimiter{recent: map[string][]time.Time{}} }

// take counts one search by user at now, or refuses it (429, with
// retry_after_seconds) when the user has searched SearchLimit times in the
// last SearchWindow. A refused search does not count.
func (l *searchLimiter) take(user string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.recent[user]
	for len(kept) > 0 && now.Sub(kept[0]) >= domain.SearchWindow {
		kept = kept[1:]
	}
	if wait, ok := domain.SearchAllowed(kept, now); !ok {
		l.recent[user] = kept
		return domain.TooManySearches(wait)
	}
	l.recent[user] = append(kept, now)
	return nil
}

// sweep forgets the people who have not searched within the window.
func (l *searchLimiter) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for user, times := range l.recent {
		if len(times) == 0 || now.Sub(times[len(times)-1]) >= domain.SearchWindow {
			delete(l.recent, user)
		}
	}
}

// sweepSearches runs the limiter's sweep every interval until the App closes.
func (a *App) sweepSearches(interval time.Duration) {
	a.every(interval, false, func(context.Context) { a.searches.sweep(a.Now()) })
}

// searchJSON says how the list understood q (the list's "search").
type searchJSON struct {
	By     domain.SearchBy `json:"by"`
	IDTail string          `json:"id_tail,omitempty"`
	Notice string          `json:"notice,omitempty"`
}

func toSearchJSON(s domain.Search) *searchJSON {
	if s.By == "" {
		return nil
	}
	return &searchJSON{By: s.By, IDTail: s.IDTail, Notice: s.Notice()}
}

// recordIDSearch records a search by a whole 身份证号 as a reveal is
// recorded: who, when, the number's hash, what the page found. The answer
// waits for it: an unrecorded search is not answered.
func (a *App) recordIDSearch(c echo.Context, act domain.Actor, s domain.Search, items []domain.Case, now time.Time) error {
	ids := make([]string, len(items))
	for i, cs := range items {
		ids[i] = cs.ID
	}
	err := a.DB.IDSearches.Record(c.Request().Context(), mongodb.IDSearch{
		ID: newID(), At: now, ActorID: act.UserID, ActorName: act.Name, ActorRole: act.Role, ActorArea: act.AreaCode,
		IDHash: mongodb.IDNumberHash(s.IDNumber), Results: len(ids), CaseIDs: ids,
	})
	if err != nil {
		return err
	}
	logOf(c).Info("identifier searched", "field", "id_number", "results", len(ids), "by", act.UserID)
	return nil
}
