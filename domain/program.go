package domain

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Program is one year's batch (年度批次): its rules are data, so a later
// year can change any value without touching code. Once a program has
// cases its rules change only by an Amendment, recorded with who, when,
// why and the old and new values.
type Program struct {
	Year                  int
	StartsOn              Date  // the season opens (申报开始); zero: January 1 of Year
	Deadline              Date  // work completed by the end of this day (Shanghai)
	RebuildSubsidyYuan    int64 // 拆除重建
	ReinforceSubsidyYuan  int64 // 维修加固
	MinRebuildAreaM2      float64
	OldHouseYears         int // older than this many years is deemed inadequate
	VillagePublicityDays  int
	TownshipPublicityDays int
	PaymentDueDays        int // pay within this many days after acceptance
	AtRiskDays            int // not under construction this many days before the deadline is at risk
	// SupervisionPhone is the county's 监督电话 printed on every 公示名单;
	// TownshipPhones the townships' (by township code). Empty prints a
	// blank to fill in by hand.
	SupervisionPhone string
	TownshipPhones   map[string]string

	Closed     bool // closed to new applications (停止受理); cases already filed go on
	ClosedAt   time.Time
	ClosedBy   string
	CreatedAt  time.Time
	CreatedBy  string
	Amendments []Amendment // in order; No is 1-based
}

// Amendment is one recorded change of a program's rules after it was set.
type Amendment struct {
	No      int
	At      time.Time
	By      string // user id
	ByName  string
	Reason  string
	Changes []Change
}

// Change is one rule value an amendment changed, as text in the field's
// canonical form ("30000", "2024-09-30", "45").
type Change struct {
	Field string // the rule's wire name, e.g. "rebuild_subsidy_yuan"
	Old   string
	New   string
}

// Program2024 is 永靖县2024年农村危房改造及农房抗震改造实施方案 (永政办发〔2024〕19号).
func Program2024() Program {
	return Program{
		Year:                  2024,
		StartsOn:              "2024-01-01",
		Deadline:              "2024-09-30",
		RebuildSubsidyYuan:    30000,
		ReinforceSubsidyYuan:  10000,
		MinRebuildAreaM2:      45,
		OldHouseYears:         40,
		VillagePublicityDays:  7,
		TownshipPublicityDays: 7,
		PaymentDueDays:        30,
		AtRiskDays:            90,
	}
}

// Season is the span of days the program runs: from StartsOn (January 1
// of its year when unset) to its deadline.
func (p Program) Season() (from, to Date) {
	from = p.StartsOn
	if from.IsZero() {
		from = Date(fmt.Sprintf("%04d-01-01", p.Year))
	}
	return from, p.Deadline
}

// CurrentProgram is the program the field app files into by default: of
// the programs open to new applications, the one whose season contains
// today (the latest year if several do), else the latest open one. ok is
// false when every program is closed.
func CurrentProgram(ps []Program, today Date) (Program, bool) {
	var inSeason, latest *Program
	for i := range ps {
		p := &ps[i]
		if p.Closed {
			continue
		}
		if latest == nil || p.Year > latest.Year {
			latest = p
		}
		if from, to := p.Season(); from <= today && today <= to && (inSeason == nil || p.Year > inSeason.Year) {
			inSeason = p
		}
	}
	switch {
	case inSeason != nil:
		return *inSeason, true
	case latest != nil:
		return *latest, true
	}
	return Program{}, false
}

// NextProgram is a new year's program opened from prev's rules: every
// value copied, the season's dates moved by the years between them, open,
// with no amendments. The admin edits any value before the first case.
func NextProgram(prev Program, year int) Program {
	shift := func(d Date) Date {
		if d.IsZero() {
			return d
		}
		return DateOf(d.Time().AddDate(year-prev.Year, 0, 0))
	}
	from, _ := prev.Season()
	return Program{
		Year: year, StartsOn: shift(from), Deadline: shift(prev.Deadline),
		RebuildSubsidyYuan: prev.RebuildSubsidyYuan, ReinforceSubsidyYuan: prev.ReinforceSubsidyYuan,
		MinRebuildAreaM2: prev.MinRebuildAreaM2, OldHouseYears: prev.OldHouseYears,
		VillagePublicityDays: prev.VillagePublicityDays, TownshipPublicityDays: prev.TownshipPublicityDays,
		PaymentDueDays: prev.PaymentDueDays, AtRiskDays: prev.AtRiskDays, SupervisionPhone: prev.SupervisionPhone,
		TownshipPhones: maps.Clone(prev.TownshipPhones),
	}
}

// ProgramPatch names rule values to set; a nil field is left as it is.
// It is the body of a new year opened from another's rules and of an
// amendment.
type ProgramPatch struct {
	StartsOn              *Date
	Deadline              *Date
	RebuildSubsidyYuan    *int64
	ReinforceSubsidyYuan  *int64
	MinRebuildAreaM2      *float64
	OldHouseYears         *int
	VillagePublicityDays  *int
	TownshipPublicityDays *int
	PaymentDueDays        *int
	AtRiskDays            *int
	SupervisionPhone      *string
}

// ruleField is one rule value of a program: its wire name, its Chinese
// label, and how it reads, writes and shows as text.
type ruleField struct {
	name, label string
	get         func(Program) string
	set         func(*Program, string) error
	patched     func(ProgramPatch) (string, bool)
	show        func(string) string
}

func intText[T int | int64](v T) string { return strconv.FormatInt(int64(v), 10) }

func intRule[T int | int64](name, label, unit string, f func(*Program) *T, pf func(ProgramPatch) *T) ruleField {
	show := func(s string) string { return s + " " + unit }
	if unit == "元" {
		show = func(s string) string { n, _ := strconv.ParseInt(s, 10, 64); return YuanText(n) }
	}
	return ruleField{name: name, label: label,
		get: func(p Program) string { return intText(*f(&p)) },
		set: func(p *Program, s string) error {
			n, err := strconv.ParseInt(s, 10, 64)
			*f(p) = T(n)
			return err
		},
		patched: func(x ProgramPatch) (string, bool) {
			if v := pf(x); v != nil {
				return intText(*v), true
			}
			return "", false
		},
		show: show,
	}
}

func dateRule(name, label string, f func(*Program) *Date, pf func(ProgramPatch) *Date) ruleField {
	return ruleField{name: name, label: label,
		get: func(p Program) string { return string(*f(&p)) },
		set: func(p *Program, s string) error { *f(p) = Date(s); return nil },
		patched: func(x ProgramPatch) (string, bool) {
			if v := pf(x); v != nil {
				return string(*v), true
			}
			return "", false
		},
		show: func(s string) string { return s },
	}
}

// ruleFields lists every rule value of a program, in the order the admin's
// screen shows them.
func ruleFields() []ruleField {
	return []ruleField{
		dateRule("starts_on", "申报开始日期", func(p *Program) *Date { return &p.StartsOn }, func(x ProgramPatch) *Date { return x.StartsOn }),
		dateRule("deadline", "完成改造期限", func(p *Program) *Date { return &p.Deadline }, func(x ProgramPatch) *Date { return x.Deadline }),
		intRule("rebuild_subsidy_yuan", "拆除重建补助", "元", func(p *Program) *int64 { return &p.RebuildSubsidyYuan }, func(x ProgramPatch) *int64 { return x.RebuildSubsidyYuan }),
		intRule("reinforce_subsidy_yuan", "维修加固补助", "元", func(p *Program) *int64 { return &p.ReinforceSubsidyYuan }, func(x ProgramPatch) *int64 { return x.ReinforceSubsidyYuan }),
		{name: "min_rebuild_area_m2", label: "重建最小面积",
			get: func(p Program) string { return formatArea(p.MinRebuildAreaM2) },
			set: func(p *Program, s string) error {
				v, err := strconv.ParseFloat(s, 64)
				p.MinRebuildAreaM2 = v
				return err
			},
			patched: func(x ProgramPatch) (string, bool) {
				if x.MinRebuildAreaM2 != nil {
					return formatArea(*x.MinRebuildAreaM2), true
				}
				return "", false
			},
			show: func(s string) string { return s + " 平方米" }},
		intRule("old_house_years", "房龄年限", "年", func(p *Program) *int { return &p.OldHouseYears }, func(x ProgramPatch) *int { return x.OldHouseYears }),
		intRule("village_publicity_days", "村级公示天数", "天", func(p *Program) *int { return &p.VillagePublicityDays }, func(x ProgramPatch) *int { return x.VillagePublicityDays }),
		intRule("township_publicity_days", "乡镇公示天数", "天", func(p *Program) *int { return &p.TownshipPublicityDays }, func(x ProgramPatch) *int { return x.TownshipPublicityDays }),
		intRule("payment_due_days", "验收后拨付期限", "天", func(p *Program) *int { return &p.PaymentDueDays }, func(x ProgramPatch) *int { return x.PaymentDueDays }),
		intRule("at_risk_days", "延期风险预警天数", "天", func(p *Program) *int { return &p.AtRiskDays }, func(x ProgramPatch) *int { return x.AtRiskDays }),
		{name: "supervision_phone", label: "公示监督电话",
			get: func(p Program) string { return p.SupervisionPhone },
			set: func(p *Program, s string) error { p.SupervisionPhone = s; return nil },
			patched: func(x ProgramPatch) (string, bool) {
				if x.SupervisionPhone != nil {
					return strings.TrimSpace(*x.SupervisionPhone), true
				}
				return "", false
			},
			show: func(s string) string {
				if s == "" {
					return "（未设置）"
				}
				return s
			}},
	}
}

func ruleFieldNamed(name string) (ruleField, bool) {
	for _, f := range ruleFields() {
		if f.name == name {
			return f, true
		}
	}
	return ruleField{}, false
}

// RuleLabel is the Chinese name of a program's rule value (its wire name),
// e.g. 拆除重建补助 for rebuild_subsidy_yuan.
func RuleLabel(field string) string {
	if f, ok := ruleFieldNamed(field); ok {
		return f.label
	}
	return field
}

// Text writes the change the way a reviewer reads it: "拆除重建补助 30,000 元 → 32,000 元".
func (ch Change) Text() string {
	f, ok := ruleFieldNamed(ch.Field)
	if !ok {
		return ch.Field + " " + ch.Old + " → " + ch.New
	}
	return f.label + " " + f.show(ch.Old) + " → " + f.show(ch.New)
}

// With returns p with the values patch names set (supervision phone trimmed).
func (p Program) With(patch ProgramPatch) Program {
	n := p
	for _, f := range ruleFields() {
		if v, ok := f.patched(patch); ok {
			_ = f.set(&n, v)
		}
	}
	return n
}

// Normalize fills what a program may leave out: the season opens on
// January 1 of its year; the supervision and township phones are trimmed.
func (p Program) Normalize() Program {
	if p.StartsOn.IsZero() {
		p.StartsOn, _ = p.Season()
	}
	p.SupervisionPhone = strings.TrimSpace(p.SupervisionPhone)
	if p.TownshipPhones != nil {
		tp := make(map[string]string, len(p.TownshipPhones))
		for code, ph := range p.TownshipPhones {
			tp[strings.TrimSpace(code)] = strings.TrimSpace(ph)
		}
		p.TownshipPhones = tp
	}
	return p
}

var hotlineRe = regexp.MustCompile(`^1[0-9]{4}$`)

// Validate checks a program an admin adds, edits or amends, with per-field
// Chinese messages keyed by the program's JSON names.
func (p Program) Validate() error {
	f := fieldErrors{}
	if p.Year < 2000 || p.Year > 2100 {
		f.add("year", "年度应在2000至2100之间")
	}
	if _, ok := ParseDate(string(p.Deadline)); !ok {
		f.add("deadline", "完成期限格式应为YYYY-MM-DD")
	} else if y := p.Deadline.Time().Year(); y < p.Year || y > p.Year+2 {
		f.add("deadline", "完成期限应在本年度或之后两年内")
	}
	if !p.StartsOn.IsZero() {
		if _, ok := ParseDate(string(p.StartsOn)); !ok {
			f.add("starts_on", "申报开始日期格式应为YYYY-MM-DD")
		} else if y := p.StartsOn.Time().Year(); y < p.Year-1 || y > p.Year {
			f.add("starts_on", "申报开始日期应在本年度或上一年度")
		} else if p.StartsOn > p.Deadline {
			f.add("starts_on", "申报开始日期不能晚于完成期限")
		}
	}
	if p.RebuildSubsidyYuan <= 0 || p.RebuildSubsidyYuan > 1_000_000 {
		f.add("rebuild_subsidy_yuan", "拆除重建补助应在1至1000000元之间")
	}
	if p.ReinforceSubsidyYuan <= 0 || p.ReinforceSubsidyYuan > 1_000_000 {
		f.add("reinforce_subsidy_yuan", "维修加固补助应在1至1000000元之间")
	}
	if !validFloat(p.MinRebuildAreaM2) || p.MinRebuildAreaM2 <= 0 || p.MinRebuildAreaM2 > 1000 {
		f.add("min_rebuild_area_m2", "重建最小面积应大于0且不超过1000平方米")
	}
	if p.OldHouseYears < 1 || p.OldHouseYears > 200 {
		f.add("old_house_years", "房龄年限应在1至200年之间")
	}
	if p.VillagePublicityDays < 1 || p.VillagePublicityDays > 60 {
		f.add("village_publicity_days", "村级公示天数应在1至60天之间")
	}
	if p.TownshipPublicityDays < 1 || p.TownshipPublicityDays > 60 {
		f.add("township_publicity_days", "乡镇公示天数应在1至60天之间")
	}
	if p.PaymentDueDays < 1 || p.PaymentDueDays > 365 {
		f.add("payment_due_days", "拨付期限应在1至365天之间")
	}
	if p.AtRiskDays < 0 || p.AtRiskDays > 365 {
		f.add("at_risk_days", "预警天数应在0至365天之间")
	}
	if !validPhone(p.SupervisionPhone) {
		f.add("supervision_phone", "监督电话应为手机号、带区号的固定电话(如0930-1234567)或12345类热线")
	}
	for code, ph := range p.TownshipPhones {
		if LevelOf(code) != LevelTownship || !strings.HasPrefix(code, CountyCode) {
			f.add("township_phones", "乡镇电话应按本县9位乡镇编码填写")
		} else if !validPhone(ph) {
			f.add("township_phones", "乡镇电话应为手机号、带区号的固定电话(如0930-1234567)或12345类热线")
		}
	}
	return f.err()
}

// errManagePrograms refuses a program change by anyone but the admin.
func mayManagePrograms(actor Actor) error {
	if !RoleHas(actor.Role, PermManagePrograms) {
		return Errorf(KindForbidden, "forbidden", "只有管理员可以设置年度方案")
	}
	return nil
}

// SetProgram is an admin setting a year's rules directly (POST
// /api/programs): a new year, or the values of a year that has no case
// yet. old is the stored program of that year (nil when there is none)
// and cases how many cases it has. Once a program has a case its rules
// change only by Amend (conflict program_in_use), so no household's
// rules change silently. The program keeps its open or closed state and
// its record of amendments.
func SetProgram(next Program, old *Program, cases int64, actor Actor, now time.Time) (Program, error) {
	if err := mayManagePrograms(actor); err != nil {
		return Program{}, err
	}
	next = next.Normalize()
	next.Closed, next.ClosedAt, next.ClosedBy, next.Amendments = false, time.Time{}, "", nil
	next.CreatedAt, next.CreatedBy = now, actor.UserID
	if err := next.Validate(); err != nil {
		return Program{}, err
	}
	if old != nil {
		if cases > 0 {
			e := Errorf(KindConflict, "program_in_use",
				"%d年度方案已有%d户申请，不能直接改写；请以“方案修订”说明原因后修改", old.Year, cases)
			e.Details = map[string]string{"cases": strconv.FormatInt(cases, 10)}
			return Program{}, e
		}
		next.Closed, next.ClosedAt, next.ClosedBy = old.Closed, old.ClosedAt, old.ClosedBy
		next.Amendments = slices.Clone(old.Amendments)
		next.CreatedAt, next.CreatedBy = old.CreatedAt, old.CreatedBy
	}
	return next, nil
}

// Amend changes rule values of p by the admin, with a reason: every value
// patch names that differs from p's becomes a Change with its old and new
// text, the amended program is validated as a whole (fields keyed
// "changes.<name>"), and the amendment is appended with the next number.
// A patch that changes nothing is invalid.
func Amend(p Program, patch ProgramPatch, reason string, actor Actor, now time.Time) (Program, Amendment, error) {
	if err := mayManagePrograms(actor); err != nil {
		return Program{}, Amendment{}, err
	}
	f := fieldErrors{}
	f.text("reason", &reason, ruleAmendReason, true)
	n := p
	var changes []Change
	for _, rf := range ruleFields() {
		v, ok := rf.patched(patch)
		if !ok {
			continue
		}
		if old := rf.get(p); old != v {
			changes = append(changes, Change{Field: rf.name, Old: old, New: v})
			_ = rf.set(&n, v)
		}
	}
	if len(changes) == 0 {
		f.add("changes", "没有需要修订的内容：修订值与现行方案相同")
	}
	if err := n.Validate(); err != nil {
		if e, ok := AsError(err); ok {
			for k, msg := range e.Fields {
				f.add("changes."+k, msg)
			}
		}
	}
	if err := f.err(); err != nil {
		return Program{}, Amendment{}, err
	}
	a := Amendment{No: len(p.Amendments) + 1, At: now, By: actor.UserID, ByName: actor.Name,
		Reason: reason, Changes: changes}
	n.Amendments = append(slices.Clone(p.Amendments), a)
	return n, a, nil
}

// Upto is the program's rules with only its first k amendments in
// force: every later one undone.
func (p Program) Upto(k int) Program {
	n := p
	for i := len(p.Amendments) - 1; i >= 0 && p.Amendments[i].No > k; i-- {
		for _, ch := range p.Amendments[i].Changes {
			if f, ok := ruleFieldNamed(ch.Field); ok {
				_ = f.set(&n, ch.Old)
			}
		}
		n.Amendments = p.Amendments[:i]
	}
	return n
}

// RulesFor is the program's rules as they bind case c: once approved, as
// they stood at the approval (the amendments then in force), so an
// approved case keeps the subsidy it was approved with whatever is
// amended later; before, as they stand.
func (p Program) RulesFor(c Case) Program {
	if c.Approval != nil {
		return p.Upto(c.Approval.Amendments)
	}
	return p
}

// SetClosed closes p to new applications (closed true) or opens it again,
// by the admin; cases already filed go on either way.
func SetClosed(p Program, closed bool, actor Actor, now time.Time) (Program, error) {
	if err := mayManagePrograms(actor); err != nil {
		return Program{}, err
	}
	n := p
	n.Closed = closed
	if closed {
		n.ClosedAt, n.ClosedBy = now, actor.UserID
	} else {
		n.ClosedAt, n.ClosedBy = time.Time{}, ""
	}
	return n, nil
}

// Ref is the reference warnings give to the amendment of program year.
func (a Amendment) Ref(year int) string { return fmt.Sprintf("program/%d/amendment/%d", year, a.No) }

// Text writes the amendment for a reviewer: "2025年度方案第1号修订（2025-05-06 管理员：省级补助标准提高）：拆除重建补助 30,000 元 → 32,000 元".
func (a Amendment) Text(year int) string {
	parts := make([]string, len(a.Changes))
	for i, ch := range a.Changes {
		parts[i] = ch.Text()
	}
	return fmt.Sprintf("%d年度方案第%d号修订（%s %s：%s）：%s", year, a.No, DateOf(a.At), a.ByName, a.Reason,
		strings.Join(parts, "；"))
}

// AmendmentWarning is the warning a case gets when amendment a, taking
// the program from before to after, changes what the rules compute for it
// — its subsidy or its eligibility — so a reviewer confirms it. Cases
// approved before it keep what they were approved with (RulesFor), and
// paid, archived, rejected and withdrawn cases are never touched: none of
// them gets a warning.
func AmendmentWarning(c Case, before, after Program, a Amendment, now time.Time) (Warning, bool) {
	if c.Stage.Closed() || c.Stage == StagePaid || c.Approval != nil {
		return Warning{}, false
	}
	was, is := c.Assessment(before), c.Assessment(after)
	if was.SubsidyYuan == is.SubsidyYuan && was.Eligible == is.Eligible {
		return Warning{}, false
	}
	effect := fmt.Sprintf("本户测算补助由%s变为%s", YuanText(was.SubsidyYuan), YuanText(is.SubsidyYuan))
	if was.Eligible != is.Eligible {
		if is.Eligible {
			effect += "，由不符合条件变为符合条件"
		} else {
			effect += "，由符合条件变为不符合条件"
		}
	}
	return Warning{Code: WarnProgramAmended, Ref: a.Ref(after.Year), At: now,
		Message: a.Text(after.Year) + "。" + effect + "，请复核"}, true
}

// validPhone accepts an empty number, a mobile or landline (ValidPhone) or
// a 5-digit hotline like 12345, after trimming.
func validPhone(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || ValidPhone(s) || hotlineRe.MatchString(s)
}
