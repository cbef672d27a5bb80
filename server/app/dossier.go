package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/documents"
	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// dossierKinds are the photos of each part of the file, in the plan's order.
var dossierKinds = [][]domain.PhotoKind{
	{domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore},
	{domain.PhotoMeeting, domain.PhotoNoticeVillage, domain.PhotoNoticeTownship},
	{domain.PhotoAppraisal},
	{domain.PhotoAgreement, domain.PhotoProgress, domain.PhotoCompletion, domain.PhotoDemolition},
	{domain.PhotoAcceptance},
	{domain.PhotoVoucher},
	{domain.PhotoOther},
}

// userNamer names the users of one document, each looked up once.
func (a *App) userNamer(ctx context.Context) func(id string) string {
	seen := map[string]string{}
	return func(id string) string {
		n, ok := seen[id]
		if !ok {
			if u, err := a.DB.Users.ByID(ctx, id); err == nil {
				n = u.Name
			}
			seen[id] = n
		}
		return n
	}
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghaiTZ).Format("2006-01-02 15:04")
}

// dossierOf is the 一户一档 of cs, identifiers masked, with each photo's
// thumbnail read from the object store (a photo whose object is gone
// prints its caption and 照片文件缺失).
func (a *App) dossierOf(ctx context.Context, cs domain.Case, p domain.Program) documents.Dossier {
	area := a.namer(ctx)
	user := a.userNamer(ctx)
	hh, hs := cs.Household, cs.House
	d := documents.Dossier{Program: programTitle(cs.ProgramYear), ProgramYear: cs.ProgramYear, ArchiveNo: cs.ArchiveNo(),
		HeadName: hh.HeadName, Village: area(cs.VillageCode), Township: area(cs.TownshipCode()), Stage: cs.Stage.Label()}
	var members []string
	for _, m := range hh.Members {
		members = append(members, fmt.Sprintf("%s（%s）%s", m.Name, m.Relation, domain.MaskID(m.IDNumber)))
	}
	var flags []string
	for _, f := range []struct {
		on bool
		f  domain.Flag
	}{{cs.Flags.RelocationPlanned, domain.FlagRelocationPlanned}, {cs.Flags.VillageMergerPlanned, domain.FlagVillageMergerPlanned},
		{cs.Flags.DisasterRebuildSubsidy, domain.FlagDisasterRebuildSubsidy}, {cs.Flags.PreviouslyRenovated, domain.FlagPreviouslyRenovated},
		{cs.Flags.SmallDisasterDamage, domain.FlagSmallDisasterDamage}} {
		if f.on {
			flags = append(flags, f.f.Label())
		}
	}
	apply := [][2]string{{"户主姓名", hh.HeadName}, {"身份证号", domain.MaskID(hh.IDNumber)}, {"联系电话", hh.Phone},
		{"户口簿编号", hh.HukouNo}, {"农户类型", hh.Type.Label()}, {"家庭人口", fmt.Sprintf("%d 人", 1+len(hh.Members))},
		{"家庭成员", strings.Join(members, "；")}, {"房屋地址", hs.Address}, {"建成年份", strconv.Itoa(hs.BuiltYear)},
		{"房屋结构", hs.Structure.Label()}, {"建筑面积", strconv.FormatFloat(hs.FloorAreaM2, 'f', -1, 64) + " 平方米"},
		{"仅有一套住房", yesNo(hs.OnlyHouse)}, {"申请改造方式", cs.Method.Label()}, {"其他情况", strings.Join(flags, "、")},
		{"申请时间", stamp(cs.CreatedAt) + "　" + user(cs.CreatedBy)}}
	if cs.Reapplication != "" {
		apply = append(apply, [2]string{"再次纳入原因", cs.Reapplication})
	}
	var review [][2]string
	if v := cs.VillageReview; v != nil {
		r := "通过"
		if !v.Passed {
			r = "不通过：" + v.Reason
		}
		review = append(review, [2]string{"村委评议", fmt.Sprintf("%s（会议 %s，%s）", r, v.MeetingDate, user(v.By))})
	}
	pub := func(label string, x *domain.Publicity) {
		if x != nil {
			s := fmt.Sprintf("%s 起，%s 可结束", x.Start, x.EndsOn)
			if x.ClosedOn != "" {
				s = fmt.Sprintf("%s 起，%s 结束", x.Start, x.ClosedOn)
			}
			review = append(review, [2]string{label, s})
		}
	}
	pub("村级公示", cs.VillagePublicity)
	if !cs.TownshipReviewAt.IsZero() {
		review = append(review, [2]string{"乡镇初审", "通过（" + stamp(cs.TownshipReviewAt) + "）"})
	}
	pub("乡镇公示", cs.TownshipPublicity)
	for _, o := range cs.Objections {
		out := "待处理"
		switch o.Outcome {
		case domain.OutcomeDismissed:
			out = "不成立：" + o.Explanation
		case domain.OutcomeUpheld:
			out = "成立：" + o.Explanation
		}
		review = append(review, [2]string{"异议 " + string(o.ReceivedOn), o.Text + " → " + out})
	}
	if v := cs.Verification; v != nil {
		r := "属实"
		if !v.Passed {
			r = "退回"
		}
		review = append(review, [2]string{"农户类型认定", fmt.Sprintf("%s，%s，%s（%s）", r, v.Department.Label(), v.CertificateRef, stamp(v.At))})
	}
	if v := cs.Approval; v != nil {
		review = append(review, [2]string{"审批", fmt.Sprintf("%s，计划补助 %s，档案编号 %s（%s，%s）", v.Method.Label(),
			documents.Yuan(v.PlannedSubsidy), v.ArchiveNo, stamp(v.At), user(v.By))})
	}
	var appraisal [][2]string
	if v := cs.Appraisal; v != nil {
		var bases []string
		for _, b := range v.Bases {
			bases = append(bases, b.Label())
		}
		appraisal = [][2]string{{"鉴定等级", v.Grade.Label()}, {"结构", v.Structure.Label()}, {"建成年份", strconv.Itoa(v.BuiltYear)},
			{"认定依据", strings.Join(bases, "、")}, {"鉴定意见", v.Notes}, {"鉴定时间", stamp(v.At) + "　" + user(v.By)}}
	}
	var agreement [][2]string
	if v := cs.Agreement; v != nil {
		agreement = [][2]string{{"施工方", v.BuilderName}, {"证书编号", v.BuilderCertNo}, {"开工日期", string(v.StartDate)},
			{"计划竣工", string(v.PlannedFinish)}}
		if !cs.SelfCheckAt.IsZero() {
			agreement = append(agreement, [2]string{"乡镇自验", stamp(cs.SelfCheckAt)})
		}
	}
	var acceptance [][2]string
	for i, x := range cs.Acceptances {
		verdict := "合格"
		if !x.Passed {
			verdict = "需整改：" + x.ItemsToFix
		}
		var checks, sigs []string
		for k, v := range x.Checklist.Values() {
			checks = append(checks, domain.ChecklistLabel(k)+domain.CheckResultLabel(v))
		}
		for _, s := range x.Signatures {
			sigs = append(sigs, s.SignerRole.Label()+" "+s.SignerName)
		}
		sub := documents.Yuan(x.SubsidyYuan)
		if x.BlockReason != "" {
			sub += "（" + x.BlockReason + "）"
		}
		acceptance = append(acceptance, [2]string{fmt.Sprintf("第 %d 次验收", i+1), fmt.Sprintf("%s；实测 %s 平方米，%d 层；%s；补助 %s；签字：%s；表单摘要 %s（%s，%s）",
			verdict, strconv.FormatFloat(x.MeasuredAreaM2, 'f', -1, 64), x.Storeys, strings.Join(checks, "、"), sub,
			strings.Join(sigs, "、"), x.FormSHA256, stamp(x.At), user(x.By))})
	}
	var payment [][2]string
	if v := cs.Payment; v != nil {
		payment = [][2]string{{"拨付金额", documents.Yuan(v.AmountYuan) + "（" + documents.YuanInWords(v.AmountYuan) + "）"},
			{"一卡通", v.Bank + " " + domain.MaskAccount(v.AccountNo)}, {"收款人", v.PayeeName}, {"凭证号", v.VoucherNo},
			{"拨付日期", string(v.PaidOn) + "　" + user(v.By)}}
	}
	titles := []string{"一、农户申请", "二、审核审批（村委评议、公示、乡镇初审、公示、农户类型认定、审批）", "三、抗震鉴定", "四、施工协议及施工",
		"五、竣工验收", "六、资金拨付", "七、其他照片"}
	rows := [][][2]string{apply, review, appraisal, agreement, acceptance, payment, nil}
	for i, t := range titles {
		s := documents.DossierSection{Title: t, Rows: rows[i]}
		for _, ph := range cs.Photos {
			if !containsKind(dossierKinds[i], ph.Kind) {
				continue
			}
			cap := fmt.Sprintf("%s · %s", ph.Kind.Label(), stamp(ph.TakenAt))
			if ph.Lat != 0 || ph.Lng != 0 {
				cap += fmt.Sprintf(" · %.5f,%.5f", ph.Lat, ph.Lng)
			}
			cap += " · 上传：" + user(ph.UploadedBy)
			b, err := a.readObject(ctx, ph.ThumbKey, 2<<20)
			if err != nil {
				cap += " · 照片文件缺失"
			}
			s.Photos = append(s.Photos, documents.DossierPhoto{Caption: cap, JPEG: b})
		}
		if i == len(titles)-1 && len(s.Photos) == 0 {
			continue
		}
		d.Sections = append(d.Sections, s)
	}
	for _, h := range cs.History {
		st := ""
		if h.FromStage != h.ToStage && h.ToStage != "" {
			st = h.FromStage.Label() + " → " + h.ToStage.Label()
		}
		d.History = append(d.History, documents.HistoryLine{Seq: h.Seq, At: stamp(h.At), Action: domain.Action(h.Action).Label(),
			Actor: h.ActorName + "（" + h.ActorRole.Label() + "）", Stages: st})
	}
	ok, bad := domain.VerifyHistory(cs.History)
	d.ChainOK, d.ChainBadAt = ok, bad+1
	if n := len(cs.History); n > 0 {
		d.ChainHead = cs.History[n-1].Hash
	}
	return d
}

func containsKind(ks []domain.PhotoKind, k domain.PhotoKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// readObject reads an object of at most limit bytes.
func (a *App) readObject(ctx context.Context, key string, limit int64) ([]byte, error) {
	if key == "" {
		return nil, fmt.Errorf("no object key")
	}
	rc, _, err := a.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("object %s larger than %d bytes", key, limit)
	}
	return b, err
}

// dossierPDF renders the dossier of cs and records its printing (the
// verification link compares the audit chain's last entry).
func (a *App) dossierPDF(c echo.Context, cs domain.Case) ([]byte, error) {
	ctx := c.Request().Context()
	act := actorOf(c)
	now := a.Now()
	p, err := a.program(ctx, cs.ProgramYear)
	if err != nil {
		return nil, err
	}
	d := a.dossierOf(ctx, cs, p)
	link, err := a.recordPrint(c, domain.PrintedForm{Kind: domain.PrintDossier, CaseID: cs.ID, ProgramYear: cs.ProgramYear,
		Digest: d.ChainHead, CaseVersion: cs.Version, PrintedAt: now, PrintedBy: act.UserID})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := documents.WriteDossier(&buf, d, documents.Print{At: now, By: act.Name, VerifyURL: link}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// getDossierPDF is GET /api/cases/{id}/dossier.pdf.
func (a *App) getDossierPDF(c echo.Context) error {
	cs, err := a.readableCase(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	b, err := a.dossierPDF(c, cs)
	if err != nil {
		return err
	}
	return sendPDF(c, fmt.Sprintf("一户一档-%s-%s.pdf", cs.Household.HeadName, cs.ArchiveNo()), b)
}

// chainEntry is one audit-chain entry as exported, every field the hash covers.
type chainEntry struct {
	Seq       int         `json:"seq"`
	Action    string      `json:"action"`
	ActorID   string      `json:"actor_id"`
	ActorName string      `json:"actor_name"`
	ActorRole domain.Role `json:"actor_role"`
	ActorArea string      `json:"actor_area"`
	At        string      `json:"at"` // RFC 3339 UTC with nanoseconds, as hashed
	FromStage string      `json:"from_stage"`
	ToStage   string      `json:"to_stage"`
	Input     string      `json:"input"`
	PrevHash  string      `json:"prev_hash"`
	Hash      string      `json:"hash"`
}

const dossierReadme = `一户一档电子档案（安居 Anju 导出）

本文件夹包含：
  一户一档.pdf        档案（封面、申请、审核审批、鉴定、施工、验收、拨付、照片缩略图、办理记录）
  photos/             原始照片（文件名：序号-类别-照片编号）
  signatures/         竣工验收合格表上的签名图片
  case.json           档案数据（身份证号、账号已脱敏）
  audit-chain.json    审计链：每次办理一条记录

如何核验审计链（任何人都可以独立核验，不需要本系统）：
  对第 i 条记录（从 1 开始），计算
      SHA-256( prev_hash + "\n" + JSON数组 )
  其中 JSON数组 = [seq, action, actor_id, actor_name, actor_role, actor_area, at, from_stage, to_stage, input]，
  按 audit-chain.json 中的原值、以紧凑的 JSON 编码（无空格，中文不转义，& < > 写作 \u0026 \u003c \u003e，与 Go 的 encoding/json 一致）。
  结果（十六进制小写）应等于该条的 hash；该条的 prev_hash 应等于上一条的 hash（第一条为空）；seq 应等于其序号。
  任何一条被改动、删除或插入，从该条起的 hash 都将对不上。

  Python 示例：
    import json, hashlib
    prev = ""
    for i, e in enumerate(json.load(open("audit-chain.json")), 1):
        f = [e["seq"], e["action"], e["actor_id"], e["actor_name"], e["actor_role"], e["actor_area"],
             e["at"], e["from_stage"], e["to_stage"], e["input"]]
        s = json.dumps(f, ensure_ascii=False, separators=(",", ":"))
        s = s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        h = hashlib.sha256((prev + "\n" + s).encode()).hexdigest()
        assert e["seq"] == i and e["prev_hash"] == prev and e["hash"] == h, "第 %d 条不符" % i
        prev = h
    print("审计链完整")

竣工验收合格表的表单摘要(form_sha256)见 case.json 的 acceptances；签名图片的 SHA-256 应等于其中各签名的 sha256。
`

// writeDossierFiles writes case cs's file under prefix into zw: the PDF,
// the original photos, the signature images, the case and its audit chain
// as JSON and the README. Objects are copied through, one at a time.
func (a *App) writeDossierFiles(c echo.Context, zw *zip.Writer, prefix string, cs domain.Case) error {
	ctx := c.Request().Context()
	pdf, err := a.dossierPDF(c, cs)
	if err != nil {
		return err
	}
	put := func(name string, r io.Reader) error {
		w, err := zw.Create(prefix + name)
		if err != nil {
			return fmt.Errorf("zip %s: %w", name, err)
		}
		if _, err := io.Copy(w, r); err != nil {
			return fmt.Errorf("zip %s: %w", name, err)
		}
		return nil
	}
	if err := put("一户一档.pdf", bytes.NewReader(pdf)); err != nil {
		return err
	}
	copyObject := func(name, key string) error {
		rc, _, err := a.Store.Get(ctx, key)
		if err != nil {
			return put(name+".缺失.txt", strings.NewReader("对象存储中找不到该文件："+key+"\n"))
		}
		defer rc.Close()
		return put(name, rc)
	}
	for i, ph := range cs.Photos {
		ext := ph.Format
		if ext == "jpeg" {
			ext = "jpg"
		}
		if err := copyObject(fmt.Sprintf("photos/%02d-%s-%s.%s", i+1, ph.Kind.Label(), safeName(ph.ID), ext), ph.ObjectKey); err != nil {
			return err
		}
	}
	for i, x := range cs.Acceptances {
		for _, s := range x.Signatures {
			if err := copyObject(fmt.Sprintf("signatures/验收%d-%s-%s.png", i+1, s.SignerRole.Label(), safeName(s.SignerName)), s.ObjectKey); err != nil {
				return err
			}
		}
	}
	p, err := a.program(ctx, cs.ProgramYear)
	if err != nil {
		return err
	}
	caseJSON, err := json.MarshalIndent(a.toResponse(ctx, cs, actorOf(c), a.Now(), p), "", "  ")
	if err != nil {
		return fmt.Errorf("case json: %w", err)
	}
	if err := put("case.json", bytes.NewReader(caseJSON)); err != nil {
		return err
	}
	chain := make([]chainEntry, 0, len(cs.History))
	for _, h := range cs.History {
		chain = append(chain, chainEntry{Seq: h.Seq, Action: h.Action, ActorID: h.ActorID, ActorName: h.ActorName, ActorRole: h.ActorRole,
			ActorArea: h.ActorArea, At: h.At.UTC().Format(time.RFC3339Nano), FromStage: string(h.FromStage), ToStage: string(h.ToStage),
			Input: h.Input, PrevHash: h.PrevHash, Hash: h.Hash})
	}
	chainJSON, err := json.MarshalIndent(chain, "", "  ")
	if err != nil {
		return fmt.Errorf("chain json: %w", err)
	}
	if err := put("audit-chain.json", bytes.NewReader(chainJSON)); err != nil {
		return err
	}
	return put("README.txt", strings.NewReader(dossierReadme))
}

// safeName keeps a name usable as a file name in a zip.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
}

func startZip(c echo.Context, name string) *zip.Writer {
	h := c.Response().Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return zip.NewWriter(c.Response())
}

// getDossierZip is GET /api/cases/{id}/dossier.zip.
func (a *App) getDossierZip(c echo.Context) error {
	cs, err := a.readableCase(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	// The PDF is made first, so a refusal is still an error answer.
	if _, err := a.program(c.Request().Context(), cs.ProgramYear); err != nil {
		return err
	}
	zw := startZip(c, fmt.Sprintf("一户一档-%s-%s.zip", cs.Household.HeadName, cs.ArchiveNo()))
	if err := a.writeDossierFiles(c, zw, "", cs); err != nil {
		logOf(c).Error("dossier zip", "case", cs.ID, "err", err.Error())
		return nil
	}
	if err := zw.Close(); err != nil {
		logOf(c).Error("dossier zip", "case", cs.ID, "err", err.Error())
	}
	return nil
}

// getDossiersZip is GET /api/dossiers.zip?program_year=&area=: the file of
// every household of a village or township, one folder each, streamed case
// after case (one case's PDF in memory at a time, photos copied through).
func (a *App) getDossiersZip(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	area := c.QueryParam("area")
	bad := map[string]string{}
	y, err := strconv.Atoi(c.QueryParam("program_year"))
	if err != nil || y < 2000 || y > 2100 {
		bad["program_year"] = "请选择年度"
	}
	lvl := domain.LevelOf(area)
	if lvl != domain.LevelVillage && lvl != domain.LevelTownship {
		bad["area"] = "请选择一个村或乡镇"
	}
	if len(bad) > 0 {
		return domain.InvalidFields(bad)
	}
	if err := a.authorize(act, domain.PermReadCases, area); err != nil {
		return err
	}
	q := mongodb.ListQuery{Area: act.AreaCode, ProgramYear: y}
	if lvl == domain.LevelVillage {
		q.Village = area
	} else {
		q.Township = area
	}
	var ids []string
	if err := a.eachCase(ctx, q, func(cs domain.Case) error { ids = append(ids, cs.ID); return nil }); err != nil {
		return err
	}
	name := a.namer(ctx)
	zw := startZip(c, fmt.Sprintf("一户一档-%s-%d.zip", name(area), y))
	n := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			logOf(c).Info("dossiers zip: the caller hung up", "written", n, "of", len(ids))
			return nil
		}
		cs, err := a.DB.Cases.Get(ctx, id)
		if err != nil {
			logOf(c).Error("dossiers zip: read case", "case", id, "err", err.Error())
			continue
		}
		folder := cs.ArchiveNo()
		if folder == "" {
			folder = "未审批-" + cs.ID
		}
		prefix := safeName(name(cs.VillageCode)) + "/" + safeName(folder+"-"+cs.Household.HeadName) + "/"
		if err := a.writeDossierFiles(c, zw, prefix, cs); err != nil {
			logOf(c).Error("dossiers zip", "case", cs.ID, "err", err.Error())
			return nil
		}
		n++
	}
	if err := zw.Close(); err != nil {
		logOf(c).Error("dossiers zip", "err", err.Error())
	}
	logOf(c).Info("dossiers exported", "cases", n, "area", area, "by", act.UserID)
	return nil
}
