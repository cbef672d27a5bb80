package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/documents"
	"github.com/yongjing/anju/domain"
)

// ledger is GET /api/ledger.xlsx: the 台账 (五(一) 台账管理) of the cases the
// case list would show with the same filters, every one of them — a row
// per household with masked identifiers, the date of every step, typed
// cells — and a 进度调度 sheet with a row per township (per village when
// the ledger covers one township or village). It is streamed: memory stays
// flat with the county's 20,000 households.
func (a *App) ledger(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	now := a.Now()
	progs := a.programCache(ctx)
	q, err := a.caseQuery(c, act, now, progs)
	if err != nil {
		return err
	}
	year := q.ProgramYear
	title := "永靖县农村危房改造及农房抗震改造台账"
	if year != 0 {
		title = programTitle(year) + "台账"
	}
	scope := a.areaName(ctx, act.AreaCode)
	switch {
	case q.Village != "":
		scope = a.areaName(ctx, domain.TownshipOf(q.Village)) + a.areaName(ctx, q.Village)
	case q.Township != "":
		scope = a.areaName(ctx, q.Township)
	}
	stamp := now.In(shanghaiTZ).Format("2006-01-02 15:04")
	// The progress rows are per township, or per village below it.
	byVillage := domain.LevelOf(act.AreaCode) != domain.LevelCounty || q.Township != "" || q.Village != ""
	progress := map[string]*documents.ProgressRow{}
	base := a.Cfg.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	// The rows go out as they are read: the answer starts before the walk.
	h := c.Response().Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(fmt.Sprintf("台账-%s-%s.xlsx", scope, now.In(shanghaiTZ).Format("20060102"))))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	l := documents.NewLedger(c.Response(), fmt.Sprintf("%s（%s，导出时间 %s，身份证号已脱敏）", title, scope, stamp))
	name := a.namer(ctx)
	var found []domain.Case // for a whole-number search's record
	err = a.eachCase(ctx, q, func(cs domain.Case) error {
		if q.Search.By == domain.SearchByIDNumber {
			found = append(found, cs)
		}
		p, err := progs.of(cs.ProgramYear)
		if err != nil {
			return err
		}
		if err := l.Add(ledgerRow(name, cs, p, base)); err != nil {
			return err
		}
		key := cs.TownshipCode()
		if byVillage {
			key = cs.VillageCode
		}
		pr := progress[key]
		if pr == nil {
			pr = &documents.ProgressRow{Area: name(key)}
			if byVillage {
				pr.Area = name(cs.TownshipCode()) + pr.Area
			}
			progress[key] = pr
		}
		countProgress(pr, cs, p, now)
		return nil
	})
	if err != nil {
		// The answer has begun: the download ends short (no valid
		// workbook), and the log says why.
		logOf(c).Error("ledger: read cases", "err", err.Error(), "rows", l.Rows())
		return nil
	}
	// A whole-number search is recorded as on the list; unrecorded, the
	// workbook is not finished.
	if q.Search.By == domain.SearchByIDNumber {
		if err := a.recordIDSearch(c, act, q.Search, found, now); err != nil {
			logOf(c).Error("ledger: record search", "err", err.Error(), "rows", l.Rows())
			return nil
		}
	}
	keys := make([]string, 0, len(progress))
	for k := range progress {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([]documents.ProgressRow, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, *progress[k])
	}
	if err := l.Finish(fmt.Sprintf("%s进度调度（%s，%s）", strings.TrimSuffix(title, "台账"), scope, stamp), rows); err != nil {
		logOf(c).Error("ledger: write", "err", err.Error(), "rows", l.Rows())
		return nil
	}
	logOf(c).Info("ledger exported", "rows", l.Rows(), "ms", time.Since(now).Milliseconds(), "by", act.UserID)
	return nil
}

var shanghaiTZ = time.FixedZone("CST", 8*3600)

// dayOf is the calendar day d as a time Excel shows as that day.
func dayOf(d domain.Date) time.Time {
	if d == "" {
		return time.Time{}
	}
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dayAt is the Shanghai day of instant t.
func dayAt(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return dayOf(domain.DateOf(t))
}

// namer names areas for one export: each code is looked up once, even
// one that is not found (a village no longer listed), so a walk of 20,000
// cases asks the database at most once per area.
func (a *App) namer(ctx context.Context) func(code string) string {
	seen := map[string]string{}
	return func(code string) string {
		n, ok := seen[code]
		if !ok {
			n = a.areaName(ctx, code)
			seen[code] = n
		}
		return n
	}
}

// ledgerRow is case cs as one row of the 台账.
func ledgerRow(name func(string) string, cs domain.Case, p domain.Program, base string) documents.LedgerRow {
	r := documents.LedgerRow{
		Township: name(cs.TownshipCode()), Village: name(cs.VillageCode),
		HeadName: cs.Household.HeadName, IDNumber: domain.MaskID(cs.Household.IDNumber),
		HouseholdType: cs.Household.Type.Label(), Members: 1 + len(cs.Household.Members),
		Structure: cs.House.Structure.Label(), BuiltYear: cs.House.BuiltYear, Method: cs.Method.Label(),
		ArchiveNo: cs.ArchiveNo(), Stage: cs.Stage.Label(),
		Link: base + "/#/case/" + url.PathEscape(cs.ID),
	}
	as := cs.Assessment(p)
	r.PlannedYuan = as.SubsidyYuan
	var bases []string
	for _, b := range as.Bases {
		bases = append(bases, b.Label())
	}
	r.Bases = strings.Join(bases, "、")
	if ap := cs.Appraisal; ap != nil {
		r.Grade = string(ap.Grade) + "级"
		r.Structure = ap.Structure.Label()
		if ap.BuiltYear > 0 {
			r.BuiltYear = ap.BuiltYear
		}
	}
	if ap := cs.Approval; ap != nil {
		r.Method, r.PlannedYuan = ap.Method.Label(), ap.PlannedSubsidy
	}
	if pay := cs.Payment; pay != nil {
		r.PaidYuan = pay.AmountYuan
	}
	var ws []string
	for _, w := range cs.Warnings {
		ws = append(ws, w.Label())
	}
	r.Warnings = strings.Join(ws, "；")
	d := make([]time.Time, len(documents.LedgerSteps))
	d[0] = dayAt(cs.CreatedAt)
	if v := cs.VillageReview; v != nil && v.Passed {
		d[1] = dayOf(v.MeetingDate)
	}
	if v := cs.VillagePublicity; v != nil {
		d[2] = dayOf(v.Start)
	}
	d[3] = dayAt(cs.TownshipReviewAt)
	if v := cs.TownshipPublicity; v != nil {
		d[4] = dayOf(v.Start)
	}
	if v := cs.Verification; v != nil && v.Passed {
		d[5] = dayAt(v.At)
	}
	if v := cs.Appraisal; v != nil {
		d[6] = dayAt(v.At)
	}
	if v := cs.Approval; v != nil {
		d[7] = dayAt(v.At)
	}
	if v := cs.Agreement; v != nil {
		d[8] = dayOf(v.StartDate)
	}
	d[9] = dayAt(cs.SelfCheckAt)
	if v := cs.LastAcceptance(); v != nil {
		d[10] = dayAt(v.At)
	}
	if v := cs.Payment; v != nil {
		d[11] = dayOf(v.PaidOn)
	}
	d[12] = dayAt(cs.ArchivedAt)
	r.Dates = d
	return r
}

// countProgress adds case cs to its area's line of the 进度调度 sheet.
func countProgress(pr *documents.ProgressRow, cs domain.Case, p domain.Program, now time.Time) {
	if cs.Stage == domain.StageRejected || cs.Stage == domain.StageWithdrawn {
		return
	}
	pr.Total++
	if cs.Stage.ReachedApproval() {
		pr.Approved++
		if cs.Stage != domain.StageApproved {
			pr.Started++
		}
		if cs.Stage != domain.StageApproved && cs.Stage != domain.StageConstruction {
			pr.Finished++
		}
	}
	if cs.Stage.ReachedAcceptance() {
		pr.Accepted++
	}
	if cs.Stage.ReachedPayment() {
		pr.Paid++
		if cs.Payment != nil {
			pr.PaidYuan += cs.Payment.AmountYuan
		}
	}
	d := domain.DeadlineStatus(cs, p, now)
	if d.Overdue {
		pr.Overdue++
	}
	if d.AtRisk {
		pr.AtRisk++
	}
}
