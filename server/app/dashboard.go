package app

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// dashRow is one area's progress (docs/api.md "Dashboard").
type dashRow struct {
	Code           string                 `json:"code,omitempty"`
	Name           string                 `json:"name,omitempty"`
	Total          int64                  `json:"total"`
	ByStage        map[domain.Stage]int64 `json:"by_stage"`
	Approved       int64                  `json:"approved"`
	Accepted       int64                  `json:"accepted"`
	Paid           int64                  `json:"paid"`
	PlannedYuan    int64                  `json:"planned_yuan"`
	PaidYuan       int64                  `json:"paid_yuan"`
	Overdue        int64                  `json:"overdue"`
	AtRisk         int64                  `json:"at_risk"`
	PaymentOverdue int64                  `json:"payment_overdue"`
	WithWarnings   int64                  `json:"with_warnings"`
}

type dashArea struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// dashboardResponse is GET /api/dashboard.
type dashboardResponse struct {
	ProgramYear int         `json:"program_year"`
	Area        dashArea    `json:"area"`
	Deadline    domain.Date `json:"deadline"`
	DaysLeft    int         `json:"days_left"`
	Totals      dashRow     `json:"totals"`
	Rows        []dashRow   `json:"rows"`
	// Earlier lists the earlier program years of the area that still have
	// households overdue, so this year's dashboard does not hide them.
	Earlier []earlierYear `json:"earlier"`
}

// earlierYear is an earlier program's unfinished households in the area.
type earlierYear struct {
	ProgramYear int         `json:"program_year"`
	Deadline    domain.Date `json:"deadline"`
	Overdue     int64       `json:"overdue"`
}

func newDashRow(code, name string) dashRow {
	r := dashRow{Code: code, Name: name, ByStage: map[domain.Stage]int64{}}
	for _, s := range domain.Stages {
		r.ByStage[s] = 0
	}
	return r
}

// standing evaluates the domain's deadline rule once per stage and once
// per acceptance day, so counts of cases become counts of overdue,
// at-risk and late-payment cases without reading a single case.
type standing struct {
	p       domain.Program
	now     time.Time
	byStage map[domain.Stage]domain.Deadline
	late    map[domain.Date]bool
}

func newStanding(p domain.Program, now time.Time) *standing {
	s := &standing{p: p, now: now, byStage: map[domain.Stage]domain.Deadline{}, late: map[domain.Date]bool{}}
	for _, st := range domain.Stages {
		s.byStage[st] = domain.DeadlineStatus(domain.Case{Stage: st, ProgramYear: p.Year}, p, now)
	}
	return s
}

// lateAfter reports whether a payable case accepted on day d and unpaid
// is a late payment today.
func (s *standing) lateAfter(d domain.Date) bool {
	v, ok := s.late[d]
	if !ok {
		c := domain.Case{Stage: domain.StageAccepted, ProgramYear: s.p.Year,
			Acceptances: []domain.Acceptance{{Passed: true, SubsidyYuan: 1, At: d.Time()}}}
		v = domain.DeadlineStatus(c, s.p, s.now).PaymentOverdue
		s.late[d] = v
	}
	return v
}

// add counts one village's counters into r.
func (r *dashRow) add(v mongodb.VillageCounts, s *standing) {
	r.Total += v.Total
	r.PlannedYuan += v.PlannedYuan
	r.PaidYuan += v.PaidYuan
	r.WithWarnings += v.WithWarnings
	for st, n := range v.ByStage {
		if n == 0 {
			continue
		}
		r.ByStage[st] += n
		if st.ReachedApproval() {
			r.Approved += n
		}
		if st.ReachedAcceptance() {
			r.Accepted += n
		}
		if st.ReachedPayment() {
			r.Paid += n
		}
		d := s.byStage[st]
		if d.Overdue {
			r.Overdue += n
		}
		if d.AtRisk {
			r.AtRisk += n
		}
	}
	for day, n := range v.AcceptedUnpaid {
		if n > 0 && s.lateAfter(day) {
			r.PaymentOverdue += n
		}
	}
}

// dashboard answers the progress of an area (default: the caller's own):
// the county with a row per township, a township with a row per village,
// a village with its one row. It reads only the per-village counters.
func (a *App) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	area := c.QueryParam("area")
	if area == "" {
		area = act.AreaCode
	}
	if domain.LevelOf(area) == domain.LevelUnknown {
		return domain.InvalidFields(map[string]string{"area": "地区代码无效"})
	}
	if err := a.authorize(act, domain.PermReadDashboard, area); err != nil {
		return err
	}
	p, err := a.dashboardProgram(ctx, c.QueryParam("program_year"))
	if err != nil {
		return err
	}
	now := a.Now()
	res, err := a.dashboardOf(ctx, p, area, now)
	if err != nil {
		return err
	}
	if res.Earlier, err = a.earlierOverdue(ctx, p.Year, area, now); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, res)
}

// dashboardProgram is the program asked for, or the current one.
func (a *App) dashboardProgram(ctx context.Context, year string) (domain.Program, error) {
	if year == "" {
		return a.currentProgram(ctx, a.Now())
	}
	y, err := strconv.Atoi(year)
	if err != nil {
		return domain.Program{}, domain.InvalidFields(map[string]string{"program_year": "年度无效"})
	}
	p, err := a.program(ctx, y)
	if domain.ErrorKind(err) == domain.KindNotFound {
		return domain.Program{}, domain.InvalidFields(map[string]string{"program_year": "没有该年度的改造方案"})
	}
	return p, err
}

// dashboardOf computes the dashboard of area for program p at now.
func (a *App) dashboardOf(ctx context.Context, p domain.Program, area string, now time.Time) (dashboardResponse, error) {
	counts, err := a.DB.Cases.Counts(ctx, p.Year, area)
	if err != nil {
		return dashboardResponse{}, err
	}
	level := domain.LevelOf(area)
	rowOf := func(v mongodb.VillageCounts) string { return v.VillageCode }
	if level == domain.LevelCounty {
		rowOf = func(v mongodb.VillageCounts) string { return v.TownshipCode }
	}
	rows := map[string]*dashRow{}
	// Every township of the county, every village of a township, shows a
	// row even with no cases yet.
	a.areaMu.RLock()
	for code, name := range a.areaNames {
		child := domain.Contains(area, code) && domain.LevelOf(code) == level+1
		if child || (level == domain.LevelVillage && code == area) {
			r := newDashRow(code, name)
			rows[code] = &r
		}
	}
	a.areaMu.RUnlock()
	st := newStanding(p, now)
	d := st.byStage[domain.StageApplied]
	res := dashboardResponse{
		ProgramYear: p.Year,
		Area:        dashArea{Code: area, Name: a.areaName(ctx, area), Level: level.String()},
		Deadline:    d.Deadline, DaysLeft: d.DaysLeft,
		Totals: newDashRow("", ""), Rows: []dashRow{},
	}
	for _, v := range counts {
		code := rowOf(v)
		r := rows[code]
		if r == nil {
			nr := newDashRow(code, a.areaName(ctx, code))
			r = &nr
			rows[code] = r
		}
		r.add(v, st)
		res.Totals.add(v, st)
	}
	for _, r := range rows {
		res.Rows = append(res.Rows, *r)
	}
	sort.Slice(res.Rows, func(i, j int) bool { return res.Rows[i].Code < res.Rows[j].Code })
	return res, nil
}

// earlierOverdue counts, for each program year before year, the
// households of area still overdue (from the counters, as the dashboard).
func (a *App) earlierOverdue(ctx context.Context, year int, area string, now time.Time) ([]earlierYear, error) {
	ps, err := a.DB.Programs.List(ctx)
	if err != nil {
		return nil, err
	}
	out := []earlierYear{}
	for _, p := range ps {
		if p.Year >= year {
			continue
		}
		counts, err := a.DB.Cases.Counts(ctx, p.Year, area)
		if err != nil {
			return nil, err
		}
		st := newStanding(p, now)
		row := newDashRow("", "")
		for _, v := range counts {
			row.add(v, st)
		}
		if row.Overdue > 0 {
			out = append(out, earlierYear{ProgramYear: p.Year, Deadline: p.Deadline, Overdue: row.Overdue})
		}
	}
	return out, nil
}
