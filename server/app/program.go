package app

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// seedPrograms stores the 2024 program on first start.
func (a *App) seedPrograms(ctx context.Context) error {
	return a.DB.Programs.Seed(ctx, domain.Program2024())
}

// program returns the program of year, or a program_not_found error.
func (a *App) program(ctx context.Context, year int) (domain.Program, error) {
	return a.DB.Programs.Get(ctx, year)
}

// currentProgram is the program new applications go into by default
// (domain.CurrentProgram); with every program closed, the latest one.
func (a *App) currentProgram(ctx context.Context, now time.Time) (domain.Program, error) {
	ps, err := a.DB.Programs.List(ctx)
	if err != nil {
		return domain.Program{}, err
	}
	if p, ok := domain.CurrentProgram(ps, domain.DateOf(now)); ok {
		return p, nil
	}
	if len(ps) == 0 {
		return domain.Program{}, domain.Errorf(domain.KindNotFound, "program_not_found", "尚未设置改造方案")
	}
	return ps[0], nil
}

// programRules are a program's rule values on the wire (docs/api.md "program").
type programRules struct {
	Year                  int         `json:"year"`
	StartsOn              domain.Date `json:"starts_on"`
	Deadline              domain.Date `json:"deadline"`
	RebuildSubsidyYuan    int64       `json:"rebuild_subsidy_yuan"`
	ReinforceSubsidyYuan  int64       `json:"reinforce_subsidy_yuan"`
	MinRebuildAreaM2      float64     `json:"min_rebuild_area_m2"`
	OldHouseYears         int         `json:"old_house_years"`
	VillagePublicityDays  int         `json:"village_publicity_days"`
	TownshipPublicityDays int         `json:"township_publicity_days"`
	PaymentDueDays        int         `json:"payment_due_days"`
	AtRiskDays            int         `json:"at_risk_days"`
	SupervisionPhone      string      `json:"supervision_phone"`
	// TownshipPhones are the townships' 监督电话 by township code, printed
	// on their 公示名单 beside the county's.
	TownshipPhones map[string]string `json:"township_phones"`
}

// programJSON is a program in answers: its rules, whether it takes new
// applications, whether it is the current one, how many cases it has.
type programJSON struct {
	programRules
	Closed          bool             `json:"closed"`
	ClosedAt        *time.Time       `json:"closed_at"`
	Current         bool             `json:"current"`
	Cases           int64            `json:"cases"`
	AmendmentsCount int              `json:"amendments_count"`
	Amendments      []amendmentJSON  `json:"amendments,omitempty"`
	Fields          []ruleFieldLabel `json:"fields,omitempty"`
}

// ruleFieldLabel names a rule value for the admin's screen.
type ruleFieldLabel struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

type changeJSON struct {
	Field string `json:"field"`
	Label string `json:"label"`
	Old   string `json:"old"`
	New   string `json:"new"`
	Text  string `json:"text"`
}

type amendmentJSON struct {
	No      int          `json:"no"`
	At      time.Time    `json:"at"`
	By      string       `json:"by"`
	ByName  string       `json:"by_name"`
	Reason  string       `json:"reason"`
	Changes []changeJSON `json:"changes"`
}

func toAmendmentJSON(a domain.Amendment) amendmentJSON {
	out := amendmentJSON{No: a.No, At: a.At.UTC(), By: a.By, ByName: a.ByName, Reason: a.Reason, Changes: []changeJSON{}}
	for _, ch := range a.Changes {
		out.Changes = append(out.Changes, changeJSON{Field: ch.Field, Label: domain.RuleLabel(ch.Field), Old: ch.Old, New: ch.New, Text: ch.Text()})
	}
	return out
}

func rulesOf(p domain.Program) programRules {
	from, _ := p.Season()
	return programRules{Year: p.Year, StartsOn: from, Deadline: p.Deadline,
		RebuildSubsidyYuan: p.RebuildSubsidyYuan, ReinforceSubsidyYuan: p.ReinforceSubsidyYuan,
		MinRebuildAreaM2: p.MinRebuildAreaM2, OldHouseYears: p.OldHouseYears,
		VillagePublicityDays: p.VillagePublicityDays, TownshipPublicityDays: p.TownshipPublicityDays,
		PaymentDueDays: p.PaymentDueDays, AtRiskDays: p.AtRiskDays, SupervisionPhone: p.SupervisionPhone,
		TownshipPhones: townshipPhones(p.TownshipPhones)}
}

func (r programRules) toDomain() domain.Program {
	return domain.Program{Year: r.Year, StartsOn: r.StartsOn, Deadline: r.Deadline,
		RebuildSubsidyYuan: r.RebuildSubsidyYuan, ReinforceSubsidyYuan: r.ReinforceSubsidyYuan,
		MinRebuildAreaM2: r.MinRebuildAreaM2, OldHouseYears: r.OldHouseYears,
		VillagePublicityDays: r.VillagePublicityDays, TownshipPublicityDays: r.TownshipPublicityDays,
		PaymentDueDays: r.PaymentDueDays, AtRiskDays: r.AtRiskDays, SupervisionPhone: r.SupervisionPhone,
		TownshipPhones: r.TownshipPhones}
}

// toProgramJSON is p as answers show it; current is the year of the
// current program.
func (a *App) toProgramJSON(ctx context.Context, p domain.Program, current int, withAmendments bool) (programJSON, error) {
	n, err := a.DB.Cases.CountOf(ctx, p.Year)
	if err != nil {
		return programJSON{}, err
	}
	out := programJSON{programRules: rulesOf(p), Closed: p.Closed, Current: p.Year == current, Cases: n,
		AmendmentsCount: len(p.Amendments)}
	if p.Closed && !p.ClosedAt.IsZero() {
		t := p.ClosedAt.UTC()
		out.ClosedAt = &t
	}
	if withAmendments {
		out.Amendments = []amendmentJSON{}
		for _, am := range p.Amendments {
			out.Amendments = append(out.Amendments, toAmendmentJSON(am))
		}
		out.Fields = ruleFieldLabels()
	}
	return out, nil
}

func ruleFieldLabels() []ruleFieldLabel {
	var out []ruleFieldLabel
	for _, name := range []string{"starts_on", "deadline", "rebuild_subsidy_yuan", "reinforce_subsidy_yuan",
		"min_rebuild_area_m2", "old_house_years", "village_publicity_days", "township_publicity_days",
		"payment_due_days", "at_risk_days", "supervision_phone"} {
		out = append(out, ruleFieldLabel{Name: name, Label: domain.RuleLabel(name)})
	}
	return out
}

// currentYear is the year of the current program among ps at now (0: none).
func currentYear(ps []domain.Program, now time.Time) int {
	if p, ok := domain.CurrentProgram(ps, domain.DateOf(now)); ok {
		return p.Year
	}
	return 0
}

// townshipPhones is never null on the wire.
func townshipPhones(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (a *App) listPrograms(c echo.Context) error {
	ctx := c.Request().Context()
	ps, err := a.DB.Programs.List(ctx)
	if err != nil {
		return err
	}
	cur := currentYear(ps, a.Now())
	out := make([]programJSON, 0, len(ps))
	for _, p := range ps {
		pj, err := a.toProgramJSON(ctx, p, cur, false)
		if err != nil {
			return err
		}
		out = append(out, pj)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// yearParam reads the {year} of the path.
func yearParam(c echo.Context) (int, error) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, domain.Errorf(domain.KindNotFound, "program_not_found", "未找到该年度的改造方案")
	}
	return y, nil
}

// getProgram answers one program with its record of amendments.
func (a *App) getProgram(c echo.Context) error {
	ctx := c.Request().Context()
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	p, err := a.program(ctx, y)
	if err != nil {
		return err
	}
	ps, err := a.DB.Programs.List(ctx)
	if err != nil {
		return err
	}
	out, err := a.toProgramJSON(ctx, p, currentYear(ps, a.Now()), true)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// programPatchJSON is a set of rule values, each optional: the values of a
// year opened from another's rules, or an amendment's changes.
type programPatchJSON struct {
	StartsOn              *domain.Date `json:"starts_on"`
	Deadline              *domain.Date `json:"deadline"`
	RebuildSubsidyYuan    *int64       `json:"rebuild_subsidy_yuan"`
	ReinforceSubsidyYuan  *int64       `json:"reinforce_subsidy_yuan"`
	MinRebuildAreaM2      *float64     `json:"min_rebuild_area_m2"`
	OldHouseYears         *int         `json:"old_house_years"`
	VillagePublicityDays  *int         `json:"village_publicity_days"`
	TownshipPublicityDays *int         `json:"township_publicity_days"`
	PaymentDueDays        *int         `json:"payment_due_days"`
	AtRiskDays            *int         `json:"at_risk_days"`
	SupervisionPhone      *string      `json:"supervision_phone"`
}

func (r programPatchJSON) toDomain() domain.ProgramPatch { return domain.ProgramPatch(r) }

// createProgramRequest is POST /api/programs: a year and its rules, or a
// year opened from_year's rules with the values given changed.
type createProgramRequest struct {
	Year     int  `json:"year"`
	FromYear *int `json:"from_year"`
	programPatchJSON
	// TownshipPhones, when given, replaces the townships' phones (from_year's otherwise).
	TownshipPhones map[string]string `json:"township_phones"`
}

// createProgram sets a program year (admin): a new year, from another
// year's rules or from every value given, or new values for a year that
// has no case yet (409 program_in_use once it has one: then it is amended).
func (a *App) createProgram(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManagePrograms, domain.CountyCode); err != nil {
		return err
	}
	var req createProgramRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	next := domain.Program{Year: req.Year}.With(req.toDomain())
	if req.FromYear != nil {
		from, err := a.program(ctx, *req.FromYear)
		if domain.ErrorKind(err) == domain.KindNotFound {
			return domain.InvalidFields(map[string]string{"from_year": "没有该年度的改造方案可以沿用"})
		}
		if err != nil {
			return err
		}
		next = domain.NextProgram(from, req.Year).With(req.toDomain())
	}
	if req.TownshipPhones != nil {
		next.TownshipPhones = req.TownshipPhones
	}
	old, err := a.DB.Programs.GetRev(ctx, req.Year)
	exists := err == nil
	if err != nil && domain.ErrorKind(err) != domain.KindNotFound {
		return err
	}
	var cases int64
	var oldP *domain.Program
	if exists {
		oldP = &old.Program
		if cases, err = a.DB.Cases.CountOf(ctx, req.Year); err != nil {
			return err
		}
	}
	p, err := domain.SetProgram(next, oldP, cases, act, a.Now())
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
		err = a.DB.Programs.Update(ctx, old, p)
	} else {
		err = a.DB.Programs.Create(ctx, p)
	}
	if err != nil {
		return err
	}
	logOf(c).Info("program saved", "year", p.Year, "by", act.UserID, "replaced", exists)
	return a.answerProgram(c, status, p)
}

func (a *App) answerProgram(c echo.Context, status int, p domain.Program) error {
	ctx := c.Request().Context()
	ps, err := a.DB.Programs.List(ctx)
	if err != nil {
		return err
	}
	out, err := a.toProgramJSON(ctx, p, currentYear(ps, a.Now()), true)
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

// amendRequest is POST /api/programs/{year}/amendments.
type amendRequest struct {
	Changes programPatchJSON `json:"changes"`
	Reason  string           `json:"reason"`
}

// amendResponse is the amended program, the amendment, and the cases it
// warned (their computed subsidy or eligibility changed).
type amendResponse struct {
	Program     programJSON   `json:"program"`
	Amendment   amendmentJSON `json:"amendment"`
	WarnedCases []string      `json:"warned_cases"`
}

// amendProgram records an amendment of a program's rules by the admin and
// warns every case whose computed amount it changes.
func (a *App) amendProgram(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManagePrograms, domain.CountyCode); err != nil {
		return err
	}
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	var req amendRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	old, err := a.DB.Programs.GetRev(ctx, y)
	if err != nil {
		return err
	}
	now := a.Now()
	p, am, err := domain.Amend(old.Program, req.Changes.toDomain(), req.Reason, act, now)
	if err != nil {
		return err
	}
	if err := a.DB.Programs.Update(ctx, old, p); err != nil {
		return err
	}
	logOf(c).Info("program amended", "year", y, "amendment", am.No, "by", act.UserID)
	warned, err := a.warnAmended(ctx, old.Program, p, am, now)
	if err != nil {
		// The amendment stands; the answer lists the cases warned so far
		// and the log says which step failed.
		logOf(c).Error("amendment warnings", "year", y, "amendment", am.No, "err", err.Error())
	}
	pj, err := a.toProgramJSON(ctx, p, 0, true)
	if err != nil {
		return err
	}
	ps, err := a.DB.Programs.List(ctx)
	if err == nil {
		pj.Current = currentYear(ps, now) == p.Year
	}
	return c.JSON(http.StatusCreated, amendResponse{Program: pj, Amendment: toAmendmentJSON(am), WarnedCases: warned})
}

// warnAmended adds the amendment's warning to every case of the program
// whose computed subsidy or eligibility it changes (domain.AmendmentWarning),
// detached from the request: an admin whose phone hangs up does not leave
// half the county unwarned.
func (a *App) warnAmended(ctx context.Context, before, after domain.Program, am domain.Amendment, now time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	type hit struct {
		id string
		w  domain.Warning
	}
	var hits []hit
	err := a.DB.Cases.Scan(ctx, after.Year, func(cs domain.Case) error {
		if w, ok := domain.AmendmentWarning(cs, before, after, am, now); ok {
			hits = append(hits, hit{cs.ID, w})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	warned := []string{}
	for _, h := range hits {
		if _, err := a.DB.Cases.AddWarnings(ctx, h.id, []domain.Warning{h.w}); err != nil {
			if domain.ErrorKind(err) == domain.KindNotFound {
				continue
			}
			return warned, err
		}
		warned = append(warned, h.id)
	}
	return warned, nil
}

// closeProgram closes a program to new applications (admin).
func (a *App) closeProgram(c echo.Context) error { return a.setProgramClosed(c, true) }

// openProgram opens a closed program to new applications again (admin).
func (a *App) openProgram(c echo.Context) error { return a.setProgramClosed(c, false) }

func (a *App) setProgramClosed(c echo.Context, closed bool) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManagePrograms, domain.CountyCode); err != nil {
		return err
	}
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	old, err := a.DB.Programs.GetRev(ctx, y)
	if err != nil {
		return err
	}
	p, err := domain.SetClosed(old.Program, closed, act, a.Now())
	if err != nil {
		return err
	}
	if err := a.DB.Programs.Update(ctx, old, p); err != nil {
		return err
	}
	logOf(c).Info("program closed to applications", "year", y, "closed", closed, "by", act.UserID)
	return a.answerProgram(c, http.StatusOK, p)
}
