package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// actionStages says at which stages each action may be taken (DOMAIN.md's
// lifecycle table).
var actionStages = map[Action][]Stage{
	ActionVillageReview:          {StageApplied},
	ActionRecordObjection:        {StageVillagePublicity, StageTownshipPublicity},
	ActionResolveObjection:       {StageVillagePublicity, StageTownshipPublicity},
	ActionCloseVillagePublicity:  {StageVillagePublicity},
	ActionTownshipReview:         {StageTownshipReview},
	ActionCloseTownshipPublicity: {StageTownshipPublicity},
	ActionVerifyHousehold:        {StageCountyReview},
	ActionAppraise:               {StageCountyReview},
	ActionApprove:                {StageCountyReview},
	ActionCountyReturn:           {StageCountyReview},
	ActionStartConstruction:      {StageApproved},
	ActionRequestAcceptance:      {StageConstruction},
	ActionAccept:                 {StageAcceptance},
	ActionDisburse:               {StageAccepted},
	ActionArchive:                {StagePaid},
	ActionWithdraw: {StageApplied, StageVillagePublicity, StageTownshipReview,
		StageTownshipPublicity, StageCountyReview},
}

// RolesFor lists the roles that may take action on c at its current stage.
// Objections belong to the level of the running 公示 (the village cadre
// during village publicity, the township officer during township
// publicity; both otherwise, so that either gets wrong_stage rather than
// forbidden); verify_household belongs to the department certifying the
// case's household type (none for hazardous_selfbuilt). Leader and admin
// take no case action.
func RolesFor(c Case, action Action) []Role { return rolesFor(&c, action) }

// rolesFor is RolesFor without copying the case (lists call it for every
// action of thousands of cases).
func rolesFor(c *Case, action Action) []Role {
	switch action {
	case ActionVillageReview, ActionCloseVillagePublicity, ActionWithdraw:
		return []Role{RoleVillageCadre}
	case ActionRecordObjection, ActionResolveObjection:
		switch c.Stage {
		case StageVillagePublicity:
			return []Role{RoleVillageCadre}
		case StageTownshipPublicity:
			return []Role{RoleTownshipOfficer}
		}
		return []Role{RoleVillageCadre, RoleTownshipOfficer}
	case ActionTownshipReview, ActionCloseTownshipPublicity, ActionRequestAcceptance, ActionArchive:
		return []Role{RoleTownshipOfficer}
	case ActionVerifyHousehold:
		if r := c.Household.Type.Certifier(); r != "" {
			return []Role{r}
		}
		return nil
	case ActionAppraise, ActionAccept:
		return []Role{RoleCountyInspector}
	case ActionApprove, ActionCountyReturn:
		return []Role{RoleCountyApprover}
	case ActionStartConstruction:
		return []Role{RoleVillageCadre, RoleTownshipOfficer}
	case ActionDisburse:
		return []Role{RoleDisburser}
	}
	return nil
}

// StageAllows reports whether action may be taken at stage s.
func StageAllows(s Stage, action Action) bool {
	return slices.Contains(actionStages[action], s)
}

// permits reports whether may would let actor take action on c at
// version, without building the refusal: the stage first, the cheapest
// check and the one most actions fail (lists ask it of every action of
// thousands of cases).
func permits(c *Case, actor Actor, action Action, version int) bool {
	return StageAllows(c.Stage, action) && version == c.Version &&
		slices.Contains(rolesFor(c, action), actor.Role) && actorCovers(actor, c.VillageCode)
}

// may runs the first checks of Apply: role, area, version, stage.
func may(c *Case, actor Actor, action Action, version int) *Error {
	if !slices.Contains(rolesFor(c, action), actor.Role) {
		if action == ActionVerifyHousehold && c.Household.Type == TypeHazardousSelfbuilt &&
			(actor.Role == RoleCivilAffairs || actor.Role == RoleRuralRevitalization) {
			return Errorf(KindForbidden, "forbidden", "经鉴定存在安全隐患的自建房无需认定农户类型，以住建部门鉴定为准")
		}
		return Errorf(KindForbidden, "forbidden", "%s无权进行“%s”", actor.Role.Label(), action.Label())
	}
	if !actorCovers(actor, c.VillageCode) {
		return Errorf(KindForbidden, "forbidden", "该农户不在您的管辖范围内")
	}
	if version != c.Version {
		e := Errorf(KindConflict, "stale_version", "该档案已被他人更新，请刷新后重试")
		e.Details = map[string]string{"current_version": strconv.Itoa(c.Version)}
		return e
	}
	if !StageAllows(c.Stage, action) {
		return Errorf(KindConflict, "wrong_stage", "当前阶段为“%s”，不能进行“%s”", c.Stage.Label(), action.Label())
	}
	return nil
}

// step is one action's input validation, guards and effects on n (a private
// copy of the case). It returns the decided input for the history.
type step func(n *Case, x ctx) (map[string]any, error)

// ctx carries the parameters of one Apply call.
type ctx struct {
	p     Program
	actor Actor
	in    ActionInput
	now   time.Time
	today Date
}

var steps = map[Action]step{
	ActionVillageReview:          villageReview,
	ActionRecordObjection:        recordObjection,
	ActionResolveObjection:       resolveObjection,
	ActionCloseVillagePublicity:  closePublicity,
	ActionTownshipReview:         townshipReview,
	ActionCloseTownshipPublicity: closePublicity,
	ActionVerifyHousehold:        verifyHousehold,
	ActionAppraise:               appraise,
	ActionApprove:                approve,
	ActionCountyReturn:           countyReturn,
	ActionStartConstruction:      startConstruction,
	ActionRequestAcceptance:      requestAcceptance,
	ActionAccept:                 accept,
	ActionDisburse:               disburse,
	ActionArchive:                archive,
	ActionWithdraw:               withdraw,
}

// Apply applies action, taken by actor at now, to a copy of c and returns
// it with the stage moved, the records set, Version+1, UpdatedAt=now and a
// history entry appended; c itself is not changed. It checks, in order:
// the actor's role may take the action (forbidden); the case's village is
// in the actor's area (forbidden); in.Version is the case's version
// (conflict stale_version); the stage allows it (conflict wrong_stage);
// the input (invalid invalid_input, fields keyed by wire name); then the
// action's guards (separation_of_duties is forbidden, the others
// unprocessable: missing_evidence, publicity_not_over, open_objection,
// not_verified, no_appraisal, not_inadequate, excluded, signatures_missing,
// payee_mismatch, subsidy_blocked, already_paid, file_incomplete, …).
func Apply(c Case, p Program, actor Actor, action Action, in ActionInput, now time.Time) (Case, error) {
	st, ok := steps[action]
	if !ok {
		return Case{}, Errorf(KindNotFound, "unknown_action", "没有“%s”这项操作", string(action))
	}
	if err := may(&c, actor, action, in.Version); err != nil {
		return Case{}, err
	}
	n := clone(c)
	from := c.Stage
	rec, err := st(&n, ctx{p: p, actor: actor, in: in, now: now, today: DateOf(now)})
	if err != nil {
		return Case{}, err
	}
	n.Version++
	n.UpdatedAt = now
	appendHistory(&n, action, actor, from, rec, now)
	return n, nil
}

// clone copies c deeply enough that changing the copy's records and
// slices never changes c.
func clone(c Case) Case {
	n := c
	n.Household.Members = slices.Clone(c.Household.Members)
	n.Objections = slices.Clone(c.Objections)
	n.Acceptances = slices.Clone(c.Acceptances)
	for i := range n.Acceptances {
		n.Acceptances[i].Signatures = slices.Clone(n.Acceptances[i].Signatures)
	}
	n.Photos = slices.Clone(c.Photos)
	n.Warnings = slices.Clone(c.Warnings)
	n.History = slices.Clone(c.History)
	n.VillageReview = clonePtr(c.VillageReview)
	n.VillagePublicity = clonePtr(c.VillagePublicity)
	n.TownshipPublicity = clonePtr(c.TownshipPublicity)
	n.Verification = clonePtr(c.Verification)
	n.Appraisal = clonePtr(c.Appraisal)
	if n.Appraisal != nil {
		n.Appraisal.Bases = slices.Clone(n.Appraisal.Bases)
	}
	n.Approval = clonePtr(c.Approval)
	n.Agreement = clonePtr(c.Agreement)
	n.Payment = clonePtr(c.Payment)
	return n
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func unprocessable(code, format string, args ...any) *Error {
	return Errorf(KindUnprocessable, code, format, args...)
}

// MissingPhotos lists the kinds among kinds of which c has no photo.
func (c Case) MissingPhotos(kinds ...PhotoKind) []PhotoKind {
	var missing []PhotoKind
	for _, k := range kinds {
		if !slices.ContainsFunc(c.Photos, func(ph Photo) bool { return ph.Kind == k }) {
			missing = append(missing, k)
		}
	}
	return missing
}

// evidenceError is the missing_evidence error naming the missing kinds in
// the message and in Details["missing"] (comma-separated wire names).
func evidenceError(missing []PhotoKind) *Error {
	labels := make([]string, len(missing))
	codes := make([]string, len(missing))
	for i, k := range missing {
		labels[i], codes[i] = k.Label(), string(k)
	}
	e := unprocessable("missing_evidence", "缺少证明材料：%s", strings.Join(labels, "、"))
	e.Details = map[string]string{"missing": strings.Join(codes, ",")}
	return e
}

func requirePhotos(c *Case, kinds ...PhotoKind) error {
	if m := c.MissingPhotos(kinds...); len(m) > 0 {
		return evidenceError(m)
	}
	return nil
}

func separation(what string) *Error {
	return Errorf(KindForbidden, "separation_of_duties", "同一人不能对同一户既%s", what)
}

// returnToApplied sends the case back to the cadre with a reason. The
// village and township rounds are cleared because they must be done again
// (the history keeps them); the appraisal, verification, objections and
// photos stay.
func returnToApplied(n *Case, x ctx, reason string) {
	n.Stage = StageApplied
	n.ReturnReason = strings.TrimSpace(reason)
	n.ReturnedBy = x.actor.Role
	n.VillageReview = nil
	n.VillagePublicity = nil
	n.TownshipReviewAt = time.Time{}
	n.TownshipPublicity = nil
}

func villageReview(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	switch in.Result {
	case ResultPass:
		okM := f.date("meeting_date", in.MeetingDate, x.today, true, "评议会议日期")
		okP := f.date("publicity_start", in.PublicityStart, x.today, true, "公示张贴日期")
		earliest, why := n.EarliestVillageDate()
		if okM && in.MeetingDate < earliest {
			f.add("meeting_date", fmt.Sprintf("评议会议日期不能早于%s（%s）", earliest, why))
			f.earliest(earliest)
		}
		if okP && in.PublicityStart < earliest {
			f.add("publicity_start", fmt.Sprintf("公示张贴日期不能早于%s（%s）", earliest, why))
			f.earliest(earliest)
		} else if okM && okP && in.PublicityStart < in.MeetingDate {
			f.add("publicity_start", "公示张贴日期不能早于评议会议日期")
		}
	case ResultFail:
		f.text("reason", &in.Reason, ruleFailReason, true)
	default:
		f.add("result", "请选择评议结果：通过(pass)或不通过(fail)")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	if in.Result == ResultFail {
		n.VillageReview = &VillageReview{Passed: false, Reason: strings.TrimSpace(in.Reason), At: x.now, By: x.actor.UserID}
		n.Stage = StageRejected
		n.CloseReason = "村委评议未通过：" + strings.TrimSpace(in.Reason)
		n.ReturnReason = ""
		return map[string]any{"result": in.Result, "reason": strings.TrimSpace(in.Reason)}, nil
	}
	if err := requirePhotos(n, PhotoHukou, PhotoApplication, PhotoHouseBefore); err != nil {
		return nil, err
	}
	n.VillageReview = &VillageReview{Passed: true, MeetingDate: in.MeetingDate, At: x.now, By: x.actor.UserID}
	ends := in.PublicityStart.AddDays(x.p.VillagePublicityDays)
	n.VillagePublicity = &Publicity{Start: in.PublicityStart, EndsOn: ends}
	n.Stage = StageVillagePublicity
	n.ReturnReason = ""
	n.ReturnedBy = ""
	return map[string]any{"result": in.Result, "meeting_date": string(in.MeetingDate),
		"publicity_start": string(in.PublicityStart), "ends_on": string(ends)}, nil
}

// EarliestVillageDate is the earliest meeting and posting date a village
// review may record, with why (Chinese): the day the application was made
// on the phone (FilingDate), or, when later, the day the case last came
// back to applied (a returned case is reviewed and posted again). So a
// 公示 cannot be shortened by dating it before the case existed.
func (c Case) EarliestVillageDate() (Date, string) {
	d, why := c.FilingDate(), "申请提交日期"
	if r := c.lastReturnDate(); r > d {
		d, why = r, "退回重新评议的日期"
	}
	return d, why
}

// EarliestTownshipDate is the earliest posting date of the township 公示,
// with why: the day the village 公示 was closed, and never before the
// application was made.
func (c Case) EarliestTownshipDate() (Date, string) {
	d, why := c.FilingDate(), "申请提交日期"
	if v := c.VillagePublicity; v != nil && v.ClosedOn > d {
		d, why = v.ClosedOn, "村级公示结束日期"
	}
	return d, why
}

// lastReturnDate is the day the case last came back to applied from a
// later stage ("" if never).
func (c Case) lastReturnDate() Date {
	for i := len(c.History) - 1; i >= 0; i-- {
		h := c.History[i]
		if h.ToStage == StageApplied && h.FromStage != "" && h.FromStage != StageApplied {
			return DateOf(h.At)
		}
	}
	return ""
}

// requireNoticePhoto refuses closing a 公示 without a photo of its notice
// taken on or after the posting date start (missing_evidence, with
// Details missing and earliest_date): a photo from before the posting
// does not show the notice posted.
func requireNoticePhoto(c *Case, kind PhotoKind, start Date) error {
	if slices.ContainsFunc(c.Photos, func(ph Photo) bool { return ph.Kind == kind && DateOf(ph.TakenAt) >= start }) {
		return nil
	}
	if len(c.MissingPhotos(kind)) > 0 {
		e := evidenceError([]PhotoKind{kind})
		e.Details["earliest_date"] = string(start)
		return e
	}
	e := unprocessable("missing_evidence", "缺少证明材料：%s须在张贴后拍摄（%s或之后），已有的照片拍摄于张贴之前", kind.Label(), start)
	e.Details = map[string]string{"missing": string(kind), "earliest_date": string(start)}
	return e
}

// publicityOf returns the publicity running at the case's stage.
func publicityOf(n *Case) *Publicity {
	if n.Stage == StageTownshipPublicity {
		return n.TownshipPublicity
	}
	return n.VillagePublicity
}

func recordObjection(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	f.text("text", &in.Text, ruleObjection, true)
	if f.date("received_on", in.ReceivedOn, x.today, true, "收到日期") {
		if pub := publicityOf(n); pub != nil && in.ReceivedOn < pub.Start {
			f.add("received_on", fmt.Sprintf("收到日期不能早于%s（公示张贴日期）", pub.Start))
			f.earliest(pub.Start)
		}
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	o := Objection{
		ID:         "obj-" + strconv.Itoa(len(n.Objections)+1),
		Level:      n.Stage,
		Text:       strings.TrimSpace(in.Text),
		ReceivedOn: in.ReceivedOn,
		RecordedBy: x.actor.UserID,
	}
	n.Objections = append(n.Objections, o)
	return map[string]any{"objection_id": o.ID, "level": string(o.Level), "text": o.Text,
		"received_on": string(o.ReceivedOn)}, nil
}

func resolveObjection(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	idx := slices.IndexFunc(n.Objections, func(o Objection) bool {
		return o.ID == in.ObjectionID && o.Level == n.Stage
	})
	if idx < 0 {
		f.add("objection_id", "未找到本级公示中的这条异议")
	}
	switch in.Outcome {
	case OutcomeDismissed:
		f.text("explanation", &in.Explanation, ruleDismissal, true)
	case OutcomeUpheld:
		f.text("explanation", &in.Explanation, ruleResolution, false)
	default:
		f.add("outcome", "请选择处理结果：不予采纳(dismissed)或异议成立(upheld)")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	o := &n.Objections[idx]
	if !o.Open() {
		return nil, unprocessable("objection_resolved", "这条异议已处理")
	}
	o.Outcome = in.Outcome
	o.Explanation = strings.TrimSpace(in.Explanation)
	o.ResolvedBy = x.actor.UserID
	o.ResolvedAt = x.now
	if in.Outcome == OutcomeUpheld {
		n.Stage = StageRejected
		why := o.Explanation
		if why == "" {
			why = o.Text
		}
		n.CloseReason = "公示异议经核实成立：" + why
	}
	return map[string]any{"objection_id": o.ID, "outcome": o.Outcome, "explanation": o.Explanation}, nil
}

// OpenObjections counts the open objections of the publicity at level.
func (c Case) OpenObjections(level Stage) int {
	k := 0
	for _, o := range c.Objections {
		if o.Level == level && o.Open() {
			k++
		}
	}
	return k
}

// publicityBlock says why the publicity running at c's stage cannot be
// closed on today: not started or not over (publicity_not_over), or an
// objection still open (open_objection); nil when only the evidence is
// left to check.
func publicityBlock(c *Case, p Program, today Date) *Error {
	pub, days, name := c.VillagePublicity, p.VillagePublicityDays, "村级"
	if c.Stage == StageTownshipPublicity {
		pub, days, name = c.TownshipPublicity, p.TownshipPublicityDays, "乡镇"
	}
	if pub == nil {
		return unprocessable("publicity_not_over", "%s公示尚未开始", name)
	}
	ends := pub.EndsOn
	if ends.IsZero() {
		ends = pub.Start.AddDays(days)
	}
	if today < ends {
		return unprocessable("publicity_not_over", "%s公示中，%s 可结束", name, ends)
	}
	if k := c.OpenObjections(c.Stage); k > 0 {
		return unprocessable("open_objection", "%s公示尚有%d条异议未处理", name, k)
	}
	return nil
}

func closePublicity(n *Case, x ctx) (map[string]any, error) {
	if err := publicityBlock(n, x.p, x.today); err != nil {
		return nil, err
	}
	kind, next := PhotoNoticeVillage, StageTownshipReview
	if n.Stage == StageTownshipPublicity {
		kind, next = PhotoNoticeTownship, StageCountyReview
	}
	if err := requireNoticePhoto(n, kind, publicityOf(n).Start); err != nil {
		return nil, err
	}
	p := *publicityOf(n)
	p.ClosedOn = x.today
	if n.Stage == StageTownshipPublicity {
		n.TownshipPublicity = &p
	} else {
		n.VillagePublicity = &p
	}
	n.Stage = next
	return map[string]any{"closed_on": string(x.today)}, nil
}

func townshipReview(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	switch in.Result {
	case ResultPass:
		earliest, why := n.EarliestTownshipDate()
		if f.date("publicity_start", in.PublicityStart, x.today, true, "公示张贴日期") && in.PublicityStart < earliest {
			f.add("publicity_start", fmt.Sprintf("乡镇公示张贴日期不能早于%s（%s）", earliest, why))
			f.earliest(earliest)
		}
	case ResultReturn:
		f.text("reason", &in.Reason, ruleReturnReason, true)
	default:
		f.add("result", "请选择初审结果：通过(pass)或退回(return)")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	if in.Result == ResultReturn {
		returnToApplied(n, x, in.Reason)
		return map[string]any{"result": in.Result, "reason": n.ReturnReason}, nil
	}
	ends := in.PublicityStart.AddDays(x.p.TownshipPublicityDays)
	n.TownshipReviewAt = x.now
	n.TownshipPublicity = &Publicity{Start: in.PublicityStart, EndsOn: ends}
	n.Stage = StageTownshipPublicity
	return map[string]any{"result": in.Result, "publicity_start": string(in.PublicityStart),
		"ends_on": string(ends)}, nil
}

func verifyHousehold(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	switch in.Result {
	case ResultPass:
		f.text("certificate_ref", &in.CertificateRef, ruleCertificate, true)
	case ResultReturn:
		f.text("reason", &in.Reason, ruleReturnReason, true)
	default:
		f.add("result", "请选择认定结果：通过(pass)或退回(return)")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	v := &Verification{Passed: in.Result == ResultPass, Department: x.actor.Role, At: x.now, By: x.actor.UserID}
	if v.Passed {
		v.CertificateRef = strings.TrimSpace(in.CertificateRef)
		n.Verification = v
		return map[string]any{"result": in.Result, "department": string(v.Department),
			"certificate_ref": v.CertificateRef}, nil
	}
	n.Verification = v
	returnToApplied(n, x, in.Reason)
	return map[string]any{"result": in.Result, "department": string(v.Department), "reason": n.ReturnReason}, nil
}

func appraise(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	if !in.Grade.Valid() {
		f.add("grade", "鉴定等级应为A、B、C或D")
	}
	if !in.Structure.Valid() {
		f.add("structure", "请选择房屋结构")
	}
	f.year("built_year", in.BuiltYear, x.p.Year, "建房年份")
	f.text("notes", &in.Notes, ruleNotes, false)
	if err := f.err(); err != nil {
		return nil, err
	}
	if n.Approval != nil && n.Approval.By == x.actor.UserID {
		return nil, separation("鉴定又审批")
	}
	bases := DeemedBases(x.p, in.Grade, in.Structure, in.BuiltYear)
	n.Appraisal = &Appraisal{Grade: in.Grade, Structure: in.Structure, BuiltYear: in.BuiltYear,
		Notes: strings.TrimSpace(in.Notes), Bases: bases, At: x.now, By: x.actor.UserID}
	bs := make([]string, len(bases))
	for i, b := range bases {
		bs[i] = string(b)
	}
	return map[string]any{"grade": string(in.Grade), "structure": string(in.Structure),
		"built_year": in.BuiltYear, "notes": n.Appraisal.Notes, "bases": bs}, nil
}

// Verified reports whether the household type is certified by its
// department, or needs no certification (hazardous_selfbuilt).
func (c Case) Verified() bool {
	dep := c.Household.Type.Certifier()
	if dep == "" {
		return c.Household.Type == TypeHazardousSelfbuilt
	}
	return c.Verification != nil && c.Verification.Passed && c.Verification.Department == dep
}

func approve(n *Case, x ctx) (map[string]any, error) {
	in := x.in
	if !in.Method.Valid() {
		return nil, InvalidFields(map[string]string{"method": "请选择改造方式：拆除重建或维修加固"})
	}
	if n.Appraisal != nil && n.Appraisal.By == x.actor.UserID {
		return nil, separation("鉴定又审批")
	}
	if !n.Verified() {
		return nil, unprocessable("not_verified", "农户类型尚未经%s认定", n.Household.Type.Certifier().Label())
	}
	if n.Appraisal == nil {
		return nil, unprocessable("no_appraisal", "房屋尚未鉴定")
	}
	ai := n.AssessInput()
	ai.Method = in.Method
	a := Assess(x.p, ai)
	if !a.DeemedInadequate {
		return nil, unprocessable("not_inadequate", "房屋不属于危房或不满足抗震要求的情形，不能纳入改造")
	}
	var blocking []Reason
	for _, r := range a.Reasons {
		if r.Blocking() {
			blocking = append(blocking, r)
		}
	}
	if len(blocking) > 0 {
		codes, msgs := reasonList(blocking)
		e := unprocessable("excluded", "不符合纳入条件：%s", msgs)
		e.Details = map[string]string{"reasons": codes}
		return nil, e
	}
	if in.ArchiveSeq < 1 {
		return nil, &Error{Kind: KindInternal, Code: "no_archive_number", Message: "档案编号未能分配，请重试"}
	}
	no := FormatArchiveNo(n.ProgramYear, in.ArchiveSeq)
	n.Method = in.Method
	n.Approval = &Approval{Method: in.Method, PlannedSubsidy: a.SubsidyYuan, Amendments: len(x.p.Amendments),
		At: x.now, By: x.actor.UserID, ArchiveSeq: in.ArchiveSeq, ArchiveNo: no}
	n.Stage = StageApproved
	n.ReturnReason = ""
	return map[string]any{"method": string(in.Method), "planned_subsidy_yuan": a.SubsidyYuan, "archive_no": no}, nil
}

func countyReturn(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	f.text("reason", &in.Reason, ruleReturnReason, true)
	if err := f.err(); err != nil {
		return nil, err
	}
	returnToApplied(n, x, in.Reason)
	return map[string]any{"reason": n.ReturnReason}, nil
}

func startConstruction(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	f.text("builder_name", &in.BuilderName, ruleBuilder, true)
	f.text("builder_cert_no", &in.BuilderCertNo, ruleBuilderCert, true)
	okS := f.date("start_date", in.StartDate, x.today, true, "开工日期")
	if okS && n.Approval != nil && in.StartDate < DateOf(n.Approval.At) {
		f.add("start_date", "开工日期不能早于审批日期")
	}
	if f.date("planned_finish", in.PlannedFinish, x.today, false, "计划竣工日期") && okS &&
		in.PlannedFinish < in.StartDate {
		f.add("planned_finish", "计划竣工日期不能早于开工日期")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	if err := requirePhotos(n, PhotoAgreement); err != nil {
		return nil, err
	}
	n.Agreement = &Agreement{BuilderName: strings.TrimSpace(in.BuilderName),
		BuilderCertNo: strings.TrimSpace(in.BuilderCertNo), StartDate: in.StartDate,
		PlannedFinish: in.PlannedFinish, At: x.now, By: x.actor.UserID}
	n.Stage = StageConstruction
	return map[string]any{"builder_name": n.Agreement.BuilderName, "builder_cert_no": n.Agreement.BuilderCertNo,
		"start_date": string(in.StartDate), "planned_finish": string(in.PlannedFinish)}, nil
}

// requestAcceptance records the township's 自验. It needs a completion
// photo; after a failed acceptance, one received after that acceptance
// (the rectified work).
func requestAcceptance(n *Case, x ctx) (map[string]any, error) {
	if err := requirePhotos(n, PhotoCompletion); err != nil {
		return nil, err
	}
	if last := n.LastAcceptance(); last != nil && !last.Passed {
		if !slices.ContainsFunc(n.Photos, func(ph Photo) bool {
			return ph.Kind == PhotoCompletion && ph.ReceivedAt.After(last.At)
		}) {
			e := unprocessable("missing_evidence", "缺少证明材料：整改后的%s", PhotoCompletion.Label())
			e.Details = map[string]string{"missing": string(PhotoCompletion)}
			return nil, e
		}
	}
	n.SelfCheckAt = x.now
	n.Stage = StageAcceptance
	return map[string]any{"self_check": true}, nil
}

// checklistItems are the acceptance checklist's wire names, in form order.
var checklistItems = []string{"ring_beams", "tie_columns", "tie_bars", "foundation", "walls", "roof"}

var checklistLabels = map[string]string{
	"ring_beams": "上下圈梁", "tie_columns": "构造柱", "tie_bars": "拉结筋",
	"foundation": "基础", "walls": "墙体", "roof": "屋面",
}

// Values returns the checklist's results in form order (checklistItems).
func (k Checklist) Values() []string {
	return []string{k.RingBeams, k.TieColumns, k.TieBars, k.Foundation, k.Walls, k.Roof}
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func accept(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	pass := in.Result == ResultPass
	switch in.Result {
	case ResultPass, ResultRectify:
	default:
		f.add("result", "请选择验收结果：合格(pass)或整改(rectify)")
	}
	for i, v := range in.Checklist.Values() {
		key := "checklist." + checklistItems[i]
		switch {
		case v != CheckPass && v != CheckFail && v != CheckNA:
			f.add(key, "请选择“"+checklistLabels[checklistItems[i]]+"”的检查结果")
		case pass && v == CheckFail:
			f.add(key, "“"+checklistLabels[checklistItems[i]]+"”不合格，不能验收通过")
		}
	}
	if pass || in.MeasuredAreaM2 != 0 {
		f.number("measured_area_m2", in.MeasuredAreaM2, minFloorAreaM2, maxFloorAreaM2,
			fmt.Sprintf("实测面积应在%d至%d平方米之间", minFloorAreaM2, maxFloorAreaM2))
	}
	if pass || in.Storeys != 0 {
		if in.Storeys < 1 || in.Storeys > maxStoreys {
			f.add("storeys", fmt.Sprintf("层数应在1至%d层之间", maxStoreys))
		}
	}
	f.text("items_to_fix", &in.ItemsToFix, ruleItemsToFix, in.Result == ResultRectify)
	in.Signatures = slices.Clone(in.Signatures)
	seen := map[SignerRole]bool{}
	for i := range in.Signatures {
		s := &in.Signatures[i]
		key := fmt.Sprintf("signatures[%d]", i)
		if !s.SignerRole.Valid() {
			f.add(key+".signer_role", "签字人应为户主、住建局技术人员或乡镇干部")
		} else if seen[s.SignerRole] {
			f.add(key+".signer_role", s.SignerRole.Label()+"重复签字")
		}
		seen[s.SignerRole] = true
		f.text(key+".signer_name", &s.SignerName, ruleSignerName, true)
		if !isHex64(s.SHA256) {
			f.add(key+".image_png_base64", "签名图片缺失或无效")
		}
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	method := n.Method
	if n.Approval != nil {
		method = n.Approval.Method
	}
	if pass {
		var missing []string
		var labels []string
		for _, r := range SignerRoles {
			if !seen[r] {
				missing = append(missing, string(r))
				labels = append(labels, r.Label())
			}
		}
		if len(missing) > 0 {
			e := unprocessable("signatures_missing", "验收合格表缺少签字：%s", strings.Join(labels, "、"))
			e.Details = map[string]string{"missing": strings.Join(missing, ",")}
			return nil, e
		}
		kinds := []PhotoKind{PhotoAcceptance}
		if method == MethodRebuild {
			kinds = append(kinds, PhotoDemolition)
		}
		if err := requirePhotos(n, kinds...); err != nil {
			return nil, err
		}
	}
	a := Acceptance{
		Passed:     pass,
		Storeys:    in.Storeys,
		Checklist:  in.Checklist,
		ItemsToFix: strings.TrimSpace(in.ItemsToFix),
		Version:    in.Version,
		At:         x.now,
		By:         x.actor.UserID,
	}
	a.MeasuredAreaM2 = in.MeasuredAreaM2
	for _, s := range in.Signatures {
		s.SignerName = strings.TrimSpace(s.SignerName)
		a.Signatures = append(a.Signatures, s)
	}
	slices.SortStableFunc(a.Signatures, func(p, q Signature) int {
		return slices.Index(SignerRoles, p.SignerRole) - slices.Index(SignerRoles, q.SignerRole)
	})
	if pass {
		// The amounts and the minimum area the case was approved under.
		amt, code, reason := Subsidy(x.p.RulesFor(*n), method, a.MeasuredAreaM2)
		a.SubsidyYuan = amt
		if code != "" {
			a.BlockReason = reason
		}
		n.Stage = StageAccepted
	} else {
		n.Stage = StageConstruction
	}
	a.FormSHA256 = AcceptanceFormHash(n.ID, a)
	n.Acceptances = append(n.Acceptances, a)
	sigs := make([]map[string]any, len(a.Signatures))
	for i, s := range a.Signatures {
		sigs[i] = map[string]any{"signer_role": string(s.SignerRole), "signer_name": s.SignerName, "sha256": s.SHA256}
	}
	return map[string]any{"result": in.Result, "measured_area_m2": a.MeasuredAreaM2, "storeys": a.Storeys,
		"checklist": checklistMap(a.Checklist), "items_to_fix": a.ItemsToFix, "signatures": sigs,
		"form_sha256": a.FormSHA256, "subsidy_yuan": a.SubsidyYuan, "block_reason": a.BlockReason}, nil
}

func checklistMap(k Checklist) map[string]any {
	m := map[string]any{}
	for i, v := range k.Values() {
		m[checklistItems[i]] = v
	}
	return m
}

// AcceptanceFormHash is the hex SHA-256 of the acceptance form's content
// that the signatures bind to: a JSON array of a format tag, the case id,
// the case version the form was decided on, the result, measured area,
// storeys, the six checklist results in form order, the items to fix, and
// each signature's role, name and PNG SHA-256 in signer order. Recomputing
// it over a stored acceptance shows whether the form was changed later.
func AcceptanceFormHash(caseID string, a Acceptance) string {
	result := ResultRectify
	if a.Passed {
		result = ResultPass
	}
	sigs := make([][]string, 0, len(a.Signatures))
	for _, s := range a.Signatures {
		sigs = append(sigs, []string{string(s.SignerRole), s.SignerName, s.SHA256})
	}
	slices.SortStableFunc(sigs, func(p, q []string) int {
		return slices.Index(SignerRoles, SignerRole(p[0])) - slices.Index(SignerRoles, SignerRole(q[0]))
	})
	form := []any{"anju-acceptance-form/1", caseID, a.Version, result,
		strconv.FormatFloat(a.MeasuredAreaM2, 'f', -1, 64), a.Storeys, a.Checklist.Values(), a.ItemsToFix, sigs}
	return sha256JSON(form)
}

func disburse(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	f.text("bank", &in.Bank, ruleBank, true)
	f.text("account_no", &in.AccountNo, ruleAccountNo, false)
	acct := strings.ReplaceAll(in.AccountNo, " ", "")
	if _, bad := f["account_no"]; bad {
	} else if acct == "" {
		f.add("account_no", "请填写一卡通账号")
	} else if len(acct) < 8 || len(acct) > 30 || strings.Trim(acct, "0123456789") != "" {
		f.add("account_no", "一卡通账号应为8至30位数字")
	}
	f.text("payee_name", &in.PayeeName, rulePayee, true)
	f.text("voucher_no", &in.VoucherNo, ruleVoucher, true)
	last := n.lastPassedAcceptance()
	if f.date("paid_on", in.PaidOn, x.today, true, "拨付日期") && last != nil && in.PaidOn < DateOf(last.At) {
		f.add("paid_on", "拨付日期不能早于验收日期")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	if last != nil && last.By == x.actor.UserID {
		return nil, separation("验收又拨付")
	}
	if n.Payment != nil {
		return nil, unprocessable("already_paid", "补助已于%s拨付，不能重复拨付", n.Payment.PaidOn)
	}
	if err := n.paymentBlock(); err != nil {
		return nil, err
	}
	payee := strings.TrimSpace(in.PayeeName)
	if payee != strings.TrimSpace(n.Household.HeadName) {
		return nil, unprocessable("payee_mismatch", "收款人“%s”与户主“%s”不一致，补助只能拨付到户主一卡通", payee, n.Household.HeadName)
	}
	n.Payment = &Payment{AmountYuan: last.SubsidyYuan, Bank: strings.TrimSpace(in.Bank), AccountNo: acct,
		PayeeName: payee, VoucherNo: strings.TrimSpace(in.VoucherNo), PaidOn: in.PaidOn, At: x.now, By: x.actor.UserID}
	n.Stage = StagePaid
	return map[string]any{"amount_yuan": last.SubsidyYuan, "bank": n.Payment.Bank, "account_no": MaskAccount(acct),
		"payee_name": payee, "voucher_no": n.Payment.VoucherNo, "paid_on": string(in.PaidOn)}, nil
}

// paymentBlock says why the subsidy cannot be paid (subsidy_blocked): no
// passed acceptance, or a subsidy of 0 decided at the last passed one, with
// its block reason (重建面积不足45平方米); nil when it can be paid.
func (c Case) paymentBlock() *Error {
	last := c.lastPassedAcceptance()
	if last != nil && last.SubsidyYuan > 0 {
		return nil
	}
	why := "无验收合格记录"
	if last != nil && last.BlockReason != "" {
		why = last.BlockReason
	}
	return unprocessable("subsidy_blocked", "补助暂停拨付：%s", why)
}

func archive(n *Case, x ctx) (map[string]any, error) {
	if missing := n.FileMissing(); len(missing) > 0 {
		codes := make([]string, len(missing))
		labels := make([]string, len(missing))
		for i, m := range missing {
			codes[i], labels[i] = m.Code, m.Label
		}
		e := unprocessable("file_incomplete", "档案不完整，缺少：%s", strings.Join(labels, "、"))
		e.Details = map[string]string{"missing": strings.Join(codes, ",")}
		return nil, e
	}
	n.ArchivedAt = x.now
	n.Stage = StageArchived
	return map[string]any{}, nil
}

func withdraw(n *Case, x ctx) (map[string]any, error) {
	in, f := x.in, fieldErrors{}
	f.text("reason", &in.Reason, ruleWithdraw, true)
	if err := f.err(); err != nil {
		return nil, err
	}
	n.Stage = StageWithdrawn
	n.CloseReason = in.Reason
	return map[string]any{"reason": n.CloseReason}, nil
}

// actorCovers reports whether the village lies in the actor's area, and
// the actor's area is of the level of their role (a cadre's a village, a
// township officer's a township, the county roles' the county), so that a
// mis-configured account never acts beyond its role.
func actorCovers(actor Actor, village string) bool {
	return LevelOf(actor.AreaCode) == actor.Role.HomeLevel() && Contains(actor.AreaCode, village)
}
