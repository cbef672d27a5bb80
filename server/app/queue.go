package app

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// workJSON is a case's place in the caller's work (domain.Work).
type workJSON struct {
	Queue       domain.Queue `json:"queue"`
	Label       string       `json:"label"`
	Since       time.Time    `json:"since"`
	WaitingDays int          `json:"waiting_days"`
	Late        bool         `json:"late"`
}

func toWorkJSON(w domain.Work) *workJSON {
	return &workJSON{Queue: w.Queue, Label: w.Queue.Label(), Since: w.Since.UTC(), WaitingDays: w.WaitingDays, Late: w.Late}
}

// queueGroup is one queue of GET /api/queue: its count and its first items.
type queueGroup struct {
	Queue domain.Queue `json:"queue"`
	Label string       `json:"label"`
	Count int          `json:"count"`
	Late  int          `json:"late"`
	Items []caseItem   `json:"items"`
	More  bool         `json:"more"`
}

type signalJSON struct {
	Code    string       `json:"code"`
	Queue   domain.Queue `json:"queue"`
	Count   int          `json:"count"`
	Message string       `json:"message"`
}

// queueResponse is GET /api/queue.
type queueResponse struct {
	ProgramYear int          `json:"program_year"`
	Total       int          `json:"total"`
	Groups      []queueGroup `json:"groups"`
	Signals     []signalJSON `json:"signals"`
}

// workQueue answers the caller's work (待办) of a program year, grouped by
// what is to be done (domain.WorkFor), late and longest-waiting first in
// each group, with the counts of every group and the home-screen signals.
// It takes the list's filters and search (listQuery); limit is the items
// per group (default 50), group one queue only, offset where in it to
// start.
func (a *App) workQueue(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	if err := a.authorize(act, domain.PermReadCases, act.AreaCode); err != nil {
		return err
	}
	q, err := a.listQuery(c, act)
	if err != nil {
		return err
	}
	now := a.Now()
	var p domain.Program
	if q.ProgramYear == 0 {
		p, err = a.currentProgram(ctx, now)
	} else {
		p, err = a.program(ctx, q.ProgramYear)
	}
	if domain.ErrorKind(err) == domain.KindNotFound {
		return domain.InvalidFields(map[string]string{"program_year": "没有该年度的改造方案"})
	}
	if err != nil {
		return err
	}
	q.ProgramYear = p.Year
	// Only the stages where this role can have work: the store narrows by them.
	stages := domain.QueueStages(act.Role)
	if q.Stages != nil {
		stages = slices.DeleteFunc(slices.Clone(stages), func(s domain.Stage) bool { return !slices.Contains(q.Stages, s) })
	}
	q.Stages = stages
	if q.Stages == nil {
		q.Stages = []domain.Stage{}
	}
	qp := c.QueryParams()
	limit, offset := q.Limit, 0
	if limit == 0 {
		limit = 50
	}
	if v := qp.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return domain.InvalidFields(map[string]string{"offset": "起始位置无效"})
		}
	}
	only := domain.Queue(qp.Get("group"))
	if only != "" && !slices.Contains(domain.Queues, only) {
		return domain.InvalidFields(map[string]string{"group": "没有这个待办分组"})
	}

	// Pointers: a queue of thousands is sorted, and a case is large.
	type work struct {
		c *domain.Case
		w domain.Work
	}
	byQueue := map[domain.Queue][]work{}
	var all []domain.Work
	var found []domain.Case
	err = a.DB.Cases.Each(ctx, q, func(cs domain.Case) error {
		if w, ok := domain.WorkFor(cs, act, now, p); ok {
			byQueue[w.Queue] = append(byQueue[w.Queue], work{&cs, w})
			all = append(all, w)
			found = append(found, cs)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Search.By == domain.SearchByIDNumber {
		if err := a.recordIDSearch(c, act, q.Search, found, now); err != nil {
			return err
		}
	}
	out := queueResponse{ProgramYear: p.Year, Total: len(all), Groups: []queueGroup{}, Signals: []signalJSON{}}
	for _, s := range domain.Signals(all) {
		out.Signals = append(out.Signals, signalJSON(s))
	}
	for _, queue := range domain.Queues {
		ws := byQueue[queue]
		if len(ws) == 0 || (only != "" && queue != only) {
			continue
		}
		slices.SortFunc(ws, func(x, y work) int {
			if x.c.ID == y.c.ID {
				return 0
			}
			if x.w.Before(y.w, x.c.ID, y.c.ID) {
				return -1
			}
			return 1
		})
		g := queueGroup{Queue: queue, Label: queue.Label(), Count: len(ws), Items: []caseItem{}}
		for _, x := range ws {
			if x.w.Late {
				g.Late++
			}
		}
		from := min(offset, len(ws))
		to := min(from+limit, len(ws))
		for _, x := range ws[from:to] {
			item := a.toCaseItem(ctx, *x.c, act, now, p)
			item.Work = toWorkJSON(x.w)
			g.Items = append(g.Items, item)
		}
		g.More = to < len(ws)
		out.Groups = append(out.Groups, g)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
