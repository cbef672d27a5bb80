package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/documents"
	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// programTitle is the plan's name for a program year, printed atop forms.
func programTitle(year int) string {
	return fmt.Sprintf("永靖县%d年农村危房改造及农房抗震改造", year)
}

// programBasis is the plan a notice cites.
func programBasis(year int) string {
	if year == 2024 {
		return "《永靖县2024年农村危房改造及农房抗震改造实施方案》（永政办发〔2024〕19号）"
	}
	return "《" + programTitle(year) + "实施方案》"
}

// printToken is the token of a printed form's verification link: an HMAC
// of what identifies the printing under a key derived from the server's
// secret, so it cannot be guessed from the case and the same printing
// gets the same token again. 128 bits, base64url.
func (a *App) printToken(f domain.PrintedForm) string {
	m := hmac.New(sha256.New, a.jwtKey)
	fmt.Fprintf(m, "anju-verify/1\x00%s\x00%s\x00%d\x00%d\x00%s\x00%s\x00%s\x00%s\x00%d",
		f.Kind, f.CaseID, f.Attempt, f.ProgramYear, f.Level, f.Area, f.Start, f.Digest, f.CaseVersion)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// recordPrint stores f under its token and returns the verification link.
func (a *App) recordPrint(c echo.Context, f domain.PrintedForm) (string, error) {
	f.Token = a.printToken(f)
	if err := a.DB.Prints.Put(c.Request().Context(), f); err != nil {
		return "", err
	}
	base := a.Cfg.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + "/v/" + f.Token, nil
}

// sendPDF answers a document inline, named for the download.
func sendPDF(c echo.Context, name string, b []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// acceptanceForm is what attempt n (1-based) of case cs prints, with
// identifiers masked; the caller reads the signature images.
func (a *App) acceptanceForm(ctx context.Context, cs domain.Case, n int) documents.AcceptanceForm {
	x := cs.Acceptances[n-1]
	f := documents.AcceptanceForm{
		Program: programTitle(cs.ProgramYear), ProgramYear: cs.ProgramYear, ArchiveNo: cs.ArchiveNo(), Attempt: n,
		HeadName: cs.Household.HeadName, IDNumber: domain.MaskID(cs.Household.IDNumber), IDMasked: domain.MaskID(cs.Household.IDNumber),
		Phone: cs.Household.Phone, HouseholdType: cs.Household.Type.Label(), Members: 1 + len(cs.Household.Members),
		Township: a.areaName(ctx, cs.TownshipCode()), Village: a.areaName(ctx, cs.VillageCode), Address: cs.House.Address,
		AcceptedOn: string(domain.DateOf(x.At)), FinishedOn: dateOf(cs.SelfCheckAt),
		MeasuredAreaM2: x.MeasuredAreaM2, Storeys: x.Storeys, Passed: x.Passed, ItemsToFix: x.ItemsToFix,
		SubsidyYuan: x.SubsidyYuan, BlockReason: x.BlockReason, FormSHA256: x.FormSHA256,
	}
	method := cs.Method
	if ap := cs.Approval; ap != nil {
		method = ap.Method
		f.ApprovedOn = dateOf(ap.At)
	}
	f.Method = method.Label()
	if ag := cs.Agreement; ag != nil {
		f.StartedOn, f.BuilderName, f.BuilderCertNo = string(ag.StartDate), ag.BuilderName, ag.BuilderCertNo
	}
	for i, v := range x.Checklist.Values() {
		f.Checklist = append(f.Checklist, documents.CheckItem{Item: domain.ChecklistLabel(i), Result: domain.CheckResultLabel(v)})
	}
	for _, s := range x.Signatures {
		f.Signatures = append(f.Signatures, documents.Signer{Role: s.SignerRole.Label(), Name: s.SignerName, SHA256: s.SHA256})
	}
	return f
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return string(domain.DateOf(t))
}

// acceptanceAttempt reads the n of ".../acceptances/{n}.pdf".
func acceptanceAttempt(c echo.Context, cs domain.Case) (int, error) {
	v, ok := strings.CutSuffix(c.Param("n.pdf"), ".pdf")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n < 1 || n > len(cs.Acceptances) {
		return 0, domain.Errorf(domain.KindNotFound, "not_found", "未找到该次验收")
	}
	return n, nil
}

// acceptancePDF is GET /api/cases/{id}/acceptances/{n}.pdf: the
// 竣工验收合格表 of acceptance attempt n, for anyone who may read the case.
// With reveal=id_number a role allowed to see the full 身份证号 prints it,
// recorded in the history as a reveal.
func (a *App) acceptancePDF(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	now := a.Now()
	cs, err := a.readableCase(ctx, act, c.Param("id"))
	if err != nil {
		return err
	}
	n, err := acceptanceAttempt(c, cs)
	if err != nil {
		return err
	}
	reveal := false
	switch c.QueryParam("reveal") {
	case "":
	case domain.RevealIDNumber:
		if cs, _, err = a.changeCase(ctx, act, cs.ID, func(cs domain.Case, _ domain.Program) (domain.Case, error) {
			return domain.Reveal(cs, domain.RevealIDNumber, act, now)
		}); err != nil {
			return err
		}
		reveal = true
		logOf(c).Info("identifier revealed", "case", cs.ID, "field", domain.RevealIDNumber, "on", "acceptance form", "by", act.UserID)
	default:
		return domain.InvalidFields(map[string]string{"reveal": "只能显示完整身份证号(id_number)"})
	}
	f := a.acceptanceForm(ctx, cs, n)
	for i, s := range cs.Acceptances[n-1].Signatures {
		b, err := a.signatureBytes(c, cs, n, s)
		if err != nil {
			return err
		}
		f.Signatures[i].PNG = b
	}
	link, err := a.recordPrint(c, domain.PrintedForm{Kind: domain.PrintAcceptance, CaseID: cs.ID, Attempt: n,
		ProgramYear: cs.ProgramYear, Digest: f.Digest(), CaseVersion: cs.Version, PrintedAt: now, PrintedBy: act.UserID})
	if err != nil {
		return err
	}
	if reveal {
		f.IDNumber = cs.Household.IDNumber
	}
	var buf bytes.Buffer
	if err := documents.WriteAcceptance(&buf, f, documents.Print{At: now, By: act.Name, VerifyURL: link}); err != nil {
		return err
	}
	return sendPDF(c, fmt.Sprintf("竣工验收合格表-%s-第%d次.pdf", cs.Household.HeadName, n), buf.Bytes())
}

// noticeQuery is what a 公示名单 is of.
type noticeQuery struct {
	Level domain.Stage // StageVillagePublicity or StageTownshipPublicity
	Year  int
	Area  string // the village (village level) or township (township level)
	Start domain.Date
}

// parseNoticeQuery reads the parameters of a 公示名单 of level (village or
// township): program_year, area, start.
func parseNoticeQuery(c echo.Context, level string) (noticeQuery, error) {
	var q noticeQuery
	bad := map[string]string{}
	switch level {
	case "village":
		q.Level = domain.StageVillagePublicity
	case "township":
		q.Level = domain.StageTownshipPublicity
	default:
		return q, domain.Errorf(domain.KindNotFound, "not_found", "公示级别应为村级(village)或乡镇(township)")
	}
	y, err := strconv.Atoi(c.QueryParam("program_year"))
	if err != nil || y < 2000 || y > 2100 {
		bad["program_year"] = "请选择年度"
	}
	q.Year = y
	q.Area = c.QueryParam("area")
	want := domain.LevelVillage
	if q.Level == domain.StageTownshipPublicity {
		want = domain.LevelTownship
	}
	if domain.LevelOf(q.Area) != want {
		bad["area"] = "村级公示请选择村，乡镇公示请选择乡镇"
	}
	d, ok := domain.ParseDate(c.QueryParam("start"))
	if !ok {
		bad["start"] = "公示开始日期格式应为YYYY-MM-DD"
	}
	q.Start = d
	if len(bad) > 0 {
		return q, domain.InvalidFields(bad)
	}
	return q, nil
}

// publicityOf is the case's 公示 at level.
func publicityOf(cs domain.Case, level domain.Stage) *domain.Publicity {
	if level == domain.StageTownshipPublicity {
		return cs.TownshipPublicity
	}
	return cs.VillagePublicity
}

// notice gathers the list q names, as act may see it (act's area bounds
// the cases read): the households whose 公示 at that level started that
// day, still in the program, in filing order.
func (a *App) notice(ctx context.Context, act domain.Actor, q noticeQuery) (documents.Notice, error) {
	p, err := a.program(ctx, q.Year)
	if err != nil {
		return documents.Notice{}, err
	}
	lq := mongodb.ListQuery{Area: act.AreaCode, ProgramYear: q.Year, Limit: 200,
		Keep: func(cs domain.Case) bool {
			pub := publicityOf(cs, q.Level)
			return pub != nil && pub.Start == q.Start && cs.Stage != domain.StageRejected && cs.Stage != domain.StageWithdrawn
		}}
	if q.Level == domain.StageVillagePublicity {
		lq.Village = q.Area
	} else {
		lq.Township = q.Area
	}
	var cases []domain.Case
	if err := a.eachCase(ctx, lq, func(cs domain.Case) error { cases = append(cases, cs); return nil }); err != nil {
		return documents.Notice{}, err
	}
	slices.SortFunc(cases, func(x, y domain.Case) int {
		if c := strings.Compare(x.VillageCode, y.VillageCode); c != 0 {
			return c
		}
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	days := p.VillagePublicityDays
	n := documents.Notice{Program: programTitle(q.Year), Basis: programBasis(q.Year), ProgramYear: q.Year,
		Start: string(q.Start)}
	name := a.namer(ctx)
	township := domain.TownshipOf(q.Area)
	tname := name(township)
	if q.Level == domain.StageVillagePublicity {
		vname := name(q.Area)
		n.Level, n.Stage, n.Area, n.Publisher = "村级", "村民代表会议评议", tname+vname, vname+"村民委员会"
	} else {
		days = p.TownshipPublicityDays
		n.Level, n.Stage, n.Area, n.Publisher = "乡镇", "村级评议公示、乡镇初审", tname, tname+"人民政府"
	}
	n.Days = days
	n.End = string(q.Start.AddDays(days - 1))
	n.Phones = []documents.Phone{
		{Who: "县住房和城乡建设局监督电话", Number: p.SupervisionPhone},
		{Who: tname + "人民政府", Number: p.TownshipPhones[township]},
	}
	for _, cs := range cases {
		house := cs.House.Structure.Label()
		if cs.House.BuiltYear > 0 {
			house += fmt.Sprintf("，%d年建", cs.House.BuiltYear)
		}
		method := cs.Method
		planned := cs.Assessment(p).SubsidyYuan
		if ap := cs.Appraisal; ap != nil {
			house = ap.Structure.Label() + "，鉴定" + string(ap.Grade) + "级"
		}
		if ap := cs.Approval; ap != nil {
			method, planned = ap.Method, ap.PlannedSubsidy
		}
		place := cs.House.Address
		if q.Level == domain.StageTownshipPublicity {
			place = name(cs.VillageCode) + place
		}
		n.Rows = append(n.Rows, documents.NoticeRow{HeadName: cs.Household.HeadName, Place: place,
			Members: 1 + len(cs.Household.Members), HouseholdType: cs.Household.Type.Label(), House: house,
			Method: method.Label(), PlannedYuan: planned})
	}
	return n, nil
}

// eachCase calls fn with every case q selects, in one pass.
func (a *App) eachCase(ctx context.Context, q mongodb.ListQuery, fn func(domain.Case) error) error {
	return a.DB.Cases.Each(ctx, q, fn)
}

// noticePDF is GET /api/notices/{level}.pdf?program_year=&area=&start=:
// the 公示名单 a cadre (village) or township officer (township) posts, for
// anyone who may read the cases of that area.
func (a *App) noticePDF(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	level, ok := strings.CutSuffix(c.Param("level.pdf"), ".pdf")
	if !ok {
		return domain.Errorf(domain.KindNotFound, "not_found", "未找到该文档")
	}
	q, err := parseNoticeQuery(c, level)
	if err != nil {
		return err
	}
	if err := a.authorize(act, domain.PermReadCases, q.Area); err != nil {
		return err
	}
	n, err := a.notice(ctx, act, q)
	if err != nil {
		return err
	}
	now := a.Now()
	link, err := a.recordPrint(c, domain.PrintedForm{Kind: domain.PrintNotice, ProgramYear: q.Year, Level: q.Level,
		Area: q.Area, Start: q.Start, Digest: n.Digest(), PrintedAt: now, PrintedBy: act.UserID})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := documents.WriteNotice(&buf, n, documents.Print{At: now, By: act.Name, VerifyURL: link}); err != nil {
		return err
	}
	return sendPDF(c, fmt.Sprintf("%s公示名单-%s-%s.pdf", n.Level, n.Area, q.Start), buf.Bytes())
}

// noticeJSON is GET /api/publicity/{level}: the 公示名单 as data, for the
// field app's printable page.
type noticeJSON struct {
	Title       string          `json:"title"`
	Program     string          `json:"program"`
	Basis       string          `json:"basis"`
	ProgramYear int             `json:"program_year"`
	Level       string          `json:"level"`
	Stage       string          `json:"stage"`
	Area        string          `json:"area"`
	Publisher   string          `json:"publisher"`
	Start       string          `json:"start"`
	End         string          `json:"end"`
	Days        int             `json:"days"`
	Phones      []phoneJSON     `json:"phones"`
	Rows        []noticeRowJSON `json:"rows"`
	TotalYuan   int64           `json:"total_yuan"`
}

type phoneJSON struct {
	Who    string `json:"who"`
	Number string `json:"number"`
}

type noticeRowJSON struct {
	HeadName      string `json:"head_name"`
	Place         string `json:"place"`
	Members       int    `json:"members"`
	HouseholdType string `json:"household_type"`
	House         string `json:"house"`
	Method        string `json:"method"`
	PlannedYuan   int64  `json:"planned_yuan"`
}

// noticeData is GET /api/publicity/{level}?program_year=&area=&start=: the
// same list as the PDF, for a page the cadre prints from the phone.
func (a *App) noticeData(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	q, err := parseNoticeQuery(c, c.Param("level"))
	if err != nil {
		return err
	}
	if err := a.authorize(act, domain.PermReadCases, q.Area); err != nil {
		return err
	}
	n, err := a.notice(ctx, act, q)
	if err != nil {
		return err
	}
	out := noticeJSON{Title: n.Level + "公示名单", Program: n.Program, Basis: n.Basis, ProgramYear: n.ProgramYear, Level: n.Level,
		Stage: n.Stage, Area: n.Area, Publisher: n.Publisher, Start: n.Start, End: n.End, Days: n.Days,
		Phones: []phoneJSON{}, Rows: []noticeRowJSON{}}
	for _, p := range n.Phones {
		out.Phones = append(out.Phones, phoneJSON(p))
	}
	for _, r := range n.Rows {
		out.Rows = append(out.Rows, noticeRowJSON(r))
		out.TotalYuan += r.PlannedYuan
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
