package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// readableCase loads case id for act. A case outside the actor's area is
// not found, so its existence is not leaked; a role that may not read
// cases at all (the admin) is forbidden.
func (a *App) readableCase(ctx context.Context, act domain.Actor, id string) (domain.Case, error) {
	if err := a.authorize(act, domain.PermReadCases, act.AreaCode); err != nil {
		return domain.Case{}, err
	}
	c, err := a.DB.Cases.Get(ctx, id)
	if err != nil {
		return domain.Case{}, err
	}
	if a.authorize(act, domain.PermReadCases, c.VillageCode) != nil {
		return domain.Case{}, domain.Errorf(domain.KindNotFound, "not_found", "未找到该户档案")
	}
	return c, nil
}

// changeCase reads case id, applies step and writes the result as one
// compare-and-swap, reading again when a photo or reveal slipped in
// between (step then decides again on the fresh case: a decision on an
// outdated version is still refused by the domain as stale). It returns
// the stored case and its program. Photo uploads use it too.
func (a *App) changeCase(ctx context.Context, act domain.Actor, id string,
	step func(c domain.Case, p domain.Program) (domain.Case, error)) (domain.Case, domain.Program, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return a.writeCase(ctx, act, id, func(c domain.Case, p domain.Program) (domain.Case, error) {
		n, err := step(c, p)
		if err != nil {
			return domain.Case{}, err
		}
		return n, a.DB.Cases.Update(ctx, c, n)
	})
}

// writeCase reads case id and lets write decide and store the change,
// reading again (up to 8 times) when write answers ErrChanged.
func (a *App) writeCase(ctx context.Context, act domain.Actor, id string,
	write func(c domain.Case, p domain.Program) (domain.Case, error)) (domain.Case, domain.Program, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		c, err := a.readableCase(ctx, act, id)
		if err != nil {
			return domain.Case{}, domain.Program{}, err
		}
		p, err := a.program(ctx, c.ProgramYear)
		if err != nil {
			return domain.Case{}, domain.Program{}, err
		}
		n, err := write(c, p)
		if errors.Is(err, mongodb.ErrChanged) && attempt < 8 {
			continue
		}
		if err != nil {
			return domain.Case{}, domain.Program{}, err
		}
		return n, p, nil
	}
}

// approveCase is changeCase for approve: the store hands the decision the
// next 档案编号 of the program year and writes both as one (Cases.Approve).
func (a *App) approveCase(ctx context.Context, act domain.Actor, id string, in domain.ActionInput, now time.Time) (domain.Case, domain.Program, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	return a.writeCase(ctx, act, id, func(c domain.Case, p domain.Program) (domain.Case, error) {
		return a.DB.Cases.Approve(ctx, c, func(seq int) (domain.Case, error) {
			in := in
			in.ArchiveSeq = seq
			return domain.Apply(c, p, act, domain.ActionApprove, in, now)
		})
	})
}

// caseRequest is the body of POST /api/cases.
type caseRequest struct {
	ID                  string        `json:"id"`
	ProgramYear         int           `json:"program_year"`
	VillageCode         string        `json:"village_code"`
	Household           householdJSON `json:"household"`
	House               houseJSON     `json:"house"`
	Method              domain.Method `json:"method"`
	Flags               flagsJSON     `json:"flags"`
	ReapplicationReason string        `json:"reapplication_reason"`
	// FiledAt is when the application was made on the phone (RFC 3339);
	// the domain bounds it by the time the server receives it.
	FiledAt *time.Time `json:"filed_at"`
}

func (r caseRequest) toDomain() domain.Case {
	c := domain.Case{
		ID: r.ID, ProgramYear: r.ProgramYear, VillageCode: r.VillageCode,
		Household: r.Household.toDomain(), House: domain.House(r.House), Method: r.Method,
		Flags: domain.Flags(r.Flags), Reapplication: r.ReapplicationReason,
	}
	if r.FiledAt != nil {
		c.FiledAt = r.FiledAt.UTC()
	}
	return c
}

func (a *App) createCase(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	var req caseRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if err := a.authorize(act, domain.PermCreateCase, act.AreaCode); err != nil {
		return err
	}
	if domain.LevelOf(req.VillageCode) != domain.LevelVillage {
		return domain.InvalidFields(map[string]string{"village_code": "请选择村"})
	}
	if err := a.authorize(act, domain.PermCreateCase, req.VillageCode); err != nil {
		return err
	}
	if _, err := a.area(ctx, req.VillageCode); err != nil {
		return domain.InvalidFields(map[string]string{"village_code": "该村不存在"})
	}
	if msg := domain.ClientIDProblem("申请编号", req.ID); msg != "" {
		return domain.InvalidFields(map[string]string{"id": msg})
	}
	if req.ProgramYear == 0 {
		// No year named: the current program (docs/api.md).
		cur, err := a.currentProgram(ctx, a.Now())
		if err != nil {
			return err
		}
		req.ProgramYear = cur.Year
	}
	p, err := a.program(ctx, req.ProgramYear)
	if err != nil {
		if domain.ErrorKind(err) == domain.KindNotFound {
			return domain.InvalidFields(map[string]string{"program_year": "没有该年度的改造方案"})
		}
		return err
	}
	now := a.Now()
	n, err := domain.Create(req.toDomain(), p, act, now)
	if err != nil {
		return err
	}
	stored, created, err := a.DB.Cases.Create(ctx, n)
	if err != nil {
		return narrowDuplicate(err, act)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		logOf(c).Info("case filed", "case", stored.ID, "village", stored.VillageCode, "by", act.UserID)
	}
	return a.answerCase(c, status, stored, act, now, p)
}

// narrowDuplicate tells act what it may know of another application that
// holds a number of its filing (domain.Duplicate.For: the other file
// inside act's area, only whom to ask outside it); other errors pass as
// they are.
func narrowDuplicate(err error, act domain.Actor) error {
	var d *domain.Duplicate
	if errors.As(err, &d) {
		return d.For(act)
	}
	return err
}

// answerCase sends the file with its ETag.
func (a *App) answerCase(c echo.Context, status int, cs domain.Case, act domain.Actor, now time.Time, p domain.Program) error {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(cs.Version)+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, a.toResponse(c.Request().Context(), cs, act, now, p))
}

func (a *App) getCase(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	cs, err := a.readableCase(ctx, act, c.Param("id"))
	if err != nil {
		return err
	}
	p, err := a.program(ctx, cs.ProgramYear)
	if err != nil {
		return err
	}
	return a.answerCase(c, http.StatusOK, cs, act, a.Now(), p)
}

// listResponse is GET /api/cases.
type listResponse struct {
	Items      []caseItem  `json:"items"`
	NextCursor string      `json:"next_cursor"`
	Search     *searchJSON `json:"search,omitempty"` // how q was understood; absent without q
}

func (a *App) listCases(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	now := a.Now()
	progs := a.programCache(ctx)
	q, err := a.caseQuery(c, act, now, progs)
	if err != nil {
		return err
	}
	page, err := a.DB.Cases.List(ctx, q)
	if err != nil {
		return err
	}
	if q.Search.By == domain.SearchByIDNumber {
		if err := a.recordIDSearch(c, act, q.Search, page.Items, now); err != nil {
			return err
		}
	}
	out := listResponse{Items: []caseItem{}, NextCursor: page.NextCursor, Search: toSearchJSON(q.Search)}
	for _, cs := range page.Items {
		p, err := progs.of(cs.ProgramYear)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, a.toCaseItem(ctx, cs, act, now, p))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// programCache reads each program year once for one request.
func (a *App) programCache(ctx context.Context) *programs {
	return &programs{a: a, ctx: ctx, m: map[int]domain.Program{}}
}

// programs are the program years one request has read.
type programs struct {
	a   *App
	ctx context.Context
	m   map[int]domain.Program
}

// of returns the program of year.
func (ps *programs) of(year int) (domain.Program, error) {
	if p, ok := ps.m[year]; ok {
		return p, nil
	}
	p, err := ps.a.program(ps.ctx, year)
	if err != nil {
		return p, err
	}
	ps.m[year] = p
	return p, nil
}

// caseQuery reads the filters of the case list (GET /api/cases, and the
// 台账 GET /api/ledger.xlsx) for act, who must be allowed to read cases:
// those of listQuery (its search planned and counted as there), and
// overdue, at_risk, mine. A whole-number search is the caller's to record
// (recordIDSearch) with the cases it found.
func (a *App) caseQuery(c echo.Context, act domain.Actor, now time.Time, progs *programs) (mongodb.ListQuery, error) {
	if err := a.authorize(act, domain.PermReadCases, act.AreaCode); err != nil {
		return mongodb.ListQuery{}, err
	}
	q, err := a.listQuery(c, act)
	if err != nil {
		return q, err
	}
	qp := c.QueryParams()
	overdue, atRisk, mine := flag(qp.Get("overdue")), flag(qp.Get("at_risk")), flag(qp.Get("mine"))
	if overdue || atRisk || mine {
		q.Keep = func(cs domain.Case) bool {
			p, err := progs.of(cs.ProgramYear)
			if err != nil {
				logOf(c).Error("list cases: program", "year", cs.ProgramYear, "err", err.Error())
				return false
			}
			d := domain.DeadlineStatus(cs, p, now)
			if (overdue && !d.Overdue) || (atRisk && !d.AtRisk) {
				return false
			}
			return !mine || len(domain.AwaitingActions(cs, act, now, p)) > 0
		}
	}
	return q, nil
}

// listQuery reads the filters every case list shares: program_year,
// township, village, stage (comma-separated), q, has_warnings, limit and
// cursor; the list is always inside the caller's area. q is planned by
// domain.PlanSearch (a head's name, the end of a 身份证号 or the whole
// number, as the caller's role allows) and matches a 户口簿 number or a
// village's name too; every search counts against the caller's
// SearchLimit.
func (a *App) listQuery(c echo.Context, act domain.Actor) (mongodb.ListQuery, error) {
	qp := c.QueryParams()
	bad := map[string]string{}
	q := mongodb.ListQuery{Area: act.AreaCode, Cursor: qp.Get("cursor"),
		Township: qp.Get("township"), Village: qp.Get("village"), HasWarnings: flag(qp.Get("has_warnings"))}
	text := domain.CleanSearch(qp.Get("q"))
	search, err := domain.PlanSearch(act, text)
	if e, ok := domain.AsError(err); ok {
		for k, v := range e.Fields {
			bad[k] = v
		}
	}
	q.Search = search
	if v := qp.Get("program_year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			bad["program_year"] = "年度无效"
		}
		q.ProgramYear = y
	}
	if v := qp.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			bad["limit"] = "每页条数应在1至200之间"
		}
		q.Limit = n
	}
	if q.Township != "" && domain.LevelOf(q.Township) != domain.LevelTownship {
		bad["township"] = "乡镇代码无效"
	}
	if q.Village != "" && domain.LevelOf(q.Village) != domain.LevelVillage {
		bad["village"] = "村代码无效"
	}
	if v := qp.Get("stage"); v != "" {
		for _, s := range strings.Split(v, ",") {
			if !domain.Stage(s).Valid() {
				bad["stage"] = "阶段无效"
			}
			q.Stages = append(q.Stages, domain.Stage(s))
		}
	}
	if len(bad) > 0 {
		return q, domain.InvalidFields(bad)
	}
	if search.By != "" {
		if err := a.searches.take(act.UserID, a.Now()); err != nil {
			logOf(c).Warn("searches refused", "by", act.UserID)
			return q, err
		}
		q.HukouNo = domain.NormalizeNumber(strings.TrimSpace(text))
		if search.By == domain.SearchByName {
			q.QVillages = a.villagesNamed(search.Name, act.AreaCode)
		}
	}
	return q, nil
}

// villagesNamed lists the villages in area whose name holds text.
func (a *App) villagesNamed(text, area string) []string {
	a.areaMu.RLock()
	defer a.areaMu.RUnlock()
	var out []string
	for code, name := range a.areaNames {
		if domain.LevelOf(code) == domain.LevelVillage && domain.Contains(area, code) && strings.Contains(name, text) {
			out = append(out, code)
		}
	}
	return out
}

// flag reads a boolean query parameter ("1" or "true").
func flag(v string) bool { return v == "1" || v == "true" }

// editRequest is the body of PATCH /api/cases/{id}: the sections to replace.
type editRequest struct {
	Household           *householdJSON `json:"household"`
	House               *houseJSON     `json:"house"`
	Method              *domain.Method `json:"method"`
	Flags               *flagsJSON     `json:"flags"`
	ReapplicationReason *string        `json:"reapplication_reason"`
}

func (a *App) editCase(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	im := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if im == "" {
		return c.JSON(http.StatusPreconditionRequired, errorBody{errorJSON{Code: "precondition_required",
			Message: "修改档案需要带上所依据的版本（If-Match），请刷新后重试"}})
	}
	version, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(im, "W/"), `"`))
	if err != nil {
		return domain.InvalidFields(map[string]string{"If-Match": "版本号无效"})
	}
	var req editRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	upd := domain.CaseUpdate{Method: req.Method, Reapplication: req.ReapplicationReason}
	if req.Household != nil {
		h := req.Household.toDomain()
		upd.Household = &h
	}
	if req.House != nil {
		h := domain.House(*req.House)
		upd.House = &h
	}
	if req.Flags != nil {
		f := domain.Flags(*req.Flags)
		upd.Flags = &f
	}
	now := a.Now()
	n, p, err := a.changeCase(ctx, act, c.Param("id"), func(cs domain.Case, p domain.Program) (domain.Case, error) {
		return domain.Edit(cs, p, act, version, upd, now)
	})
	err = narrowDuplicate(err, act)
	if e, ok := domain.AsError(err); ok && e.Code == "stale_version" {
		return c.JSON(http.StatusPreconditionFailed, errorBody{errorJSON{Code: e.Code, Message: e.Message, Details: e.Details}})
	}
	if err != nil {
		return err
	}
	return a.answerCase(c, http.StatusOK, n, act, now, p)
}

// actionRequest is the body of POST /api/cases/{id}/actions/{action}: the
// version decided on and the union of every action's fields.
type actionRequest struct {
	Version        *int              `json:"version"`
	Result         string            `json:"result"`
	Reason         string            `json:"reason"`
	MeetingDate    string            `json:"meeting_date"`
	PublicityStart string            `json:"publicity_start"`
	Text           string            `json:"text"`
	ReceivedOn     string            `json:"received_on"`
	ObjectionID    string            `json:"objection_id"`
	Outcome        string            `json:"outcome"`
	Explanation    string            `json:"explanation"`
	CertificateRef string            `json:"certificate_ref"`
	Grade          domain.Grade      `json:"grade"`
	Structure      domain.Structure  `json:"structure"`
	BuiltYear      int               `json:"built_year"`
	Notes          string            `json:"notes"`
	Method         domain.Method     `json:"method"`
	BuilderName    string            `json:"builder_name"`
	BuilderCertNo  string            `json:"builder_cert_no"`
	StartDate      string            `json:"start_date"`
	PlannedFinish  string            `json:"planned_finish"`
	MeasuredAreaM2 float64           `json:"measured_area_m2"`
	Storeys        int               `json:"storeys"`
	Checklist      checklistJSON     `json:"checklist"`
	ItemsToFix     string            `json:"items_to_fix"`
	Signatures     []signatureUpload `json:"signatures"`
	Bank           string            `json:"bank"`
	AccountNo      string            `json:"account_no"`
	PayeeName      string            `json:"payee_name"`
	VoucherNo      string            `json:"voucher_no"`
	PaidOn         string            `json:"paid_on"`
}

// input converts the request; dates that do not parse are field errors.
func (r actionRequest) input(bad map[string]string) domain.ActionInput {
	date := func(field, v string) domain.Date {
		if v == "" {
			return ""
		}
		d, ok := domain.ParseDate(v)
		if !ok {
			bad[field] = "日期格式应为YYYY-MM-DD"
		}
		return d
	}
	in := domain.ActionInput{
		Result: r.Result, Reason: r.Reason,
		MeetingDate: date("meeting_date", r.MeetingDate), PublicityStart: date("publicity_start", r.PublicityStart),
		Text: r.Text, ReceivedOn: date("received_on", r.ReceivedOn),
		ObjectionID: r.ObjectionID, Outcome: r.Outcome, Explanation: r.Explanation,
		CertificateRef: r.CertificateRef,
		Grade:          r.Grade, Structure: r.Structure, BuiltYear: r.BuiltYear, Notes: r.Notes,
		Method:      r.Method,
		BuilderName: r.BuilderName, BuilderCertNo: r.BuilderCertNo,
		StartDate: date("start_date", r.StartDate), PlannedFinish: date("planned_finish", r.PlannedFinish),
		MeasuredAreaM2: r.MeasuredAreaM2, Storeys: r.Storeys, Checklist: domain.Checklist(r.Checklist), ItemsToFix: r.ItemsToFix,
		Bank: r.Bank, AccountNo: r.AccountNo, PayeeName: r.PayeeName, VoucherNo: r.VoucherNo,
		PaidOn: date("paid_on", r.PaidOn),
	}
	if r.Version == nil {
		bad["version"] = "缺少档案版本号，请刷新后重试"
	} else {
		in.Version = *r.Version
	}
	return in
}

func knownAction(s string) bool {
	for _, x := range domain.Actions {
		if string(x) == s {
			return true
		}
	}
	return false
}

func (a *App) caseAction(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	action := c.Param("action")
	if !knownAction(action) {
		return domain.Errorf(domain.KindNotFound, "unknown_action", "没有“%s”这项操作", action)
	}
	var req actionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	bad := map[string]string{}
	in := req.input(bad)
	id := c.Param("id")
	sigs := decodeSignatures(id, req.Signatures, bad)
	if len(bad) > 0 {
		return domain.InvalidFields(bad)
	}
	in.Signatures = make([]domain.Signature, len(sigs))
	for i, s := range sigs {
		in.Signatures[i] = s.Signature
	}
	ctx, cancel := detach(ctx) // received: from here the step runs to its end
	defer cancel()
	now := a.Now()
	if domain.Action(action) == domain.ActionApprove {
		n, p, err := a.approveCase(ctx, act, id, in, now)
		if err != nil {
			return err
		}
		logOf(c).Info("case action", "case", n.ID, "action", action, "stage", string(n.Stage), "version", n.Version,
			"archive_no", n.ArchiveNo(), "by", act.UserID)
		return a.answerCase(c, http.StatusOK, n, act, now, p)
	}
	stored := false
	n, p, err := a.changeCase(ctx, act, id, func(cs domain.Case, p domain.Program) (domain.Case, error) {
		n, err := domain.Apply(cs, p, act, domain.Action(action), in, now)
		if err != nil {
			return n, err
		}
		// The signatures go to the object store only once the form is
		// accepted by the rules, and before the case refers to them.
		if !stored && len(sigs) > 0 && domain.Action(action) == domain.ActionAccept {
			if err := a.putSignatures(ctx, sigs); err != nil {
				return n, err
			}
			stored = true
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	logOf(c).Info("case action", "case", n.ID, "action", action, "stage", string(n.Stage), "version", n.Version, "by", act.UserID)
	return a.answerCase(c, http.StatusOK, n, act, now, p)
}

// revealResponse is GET /api/cases/{id}/reveal.
type revealResponse struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

func (a *App) revealCase(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	field := c.QueryParam("field")
	now := a.Now()
	n, _, err := a.changeCase(ctx, act, c.Param("id"), func(cs domain.Case, _ domain.Program) (domain.Case, error) {
		return domain.Reveal(cs, field, act, now)
	})
	if err != nil {
		return err
	}
	v := n.Household.IDNumber
	if field == domain.RevealAccountNo {
		v = n.Payment.AccountNo
	}
	logOf(c).Info("identifier revealed", "case", n.ID, "field", field, "by", act.UserID)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, revealResponse{Field: field, Value: v})
}

// auditResponse is GET /api/cases/{id}/audit: the chain and whether it holds.
type auditResponse struct {
	Entries  []historyJSON `json:"entries"`
	Verified bool          `json:"verified"`
	FirstBad int           `json:"first_bad,omitempty"` // position (1-based) of the first entry that does not verify
}

func (a *App) auditCase(c echo.Context) error {
	cs, err := a.readableCase(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := auditResponse{Entries: []historyJSON{}}
	for _, h := range cs.History {
		out.Entries = append(out.Entries, toHistoryJSON(h, true))
	}
	ok, bad := domain.VerifyHistory(cs.History)
	out.Verified = ok
	if !ok {
		out.FirstBad = bad + 1
	}
	return c.JSON(http.StatusOK, out)
}
