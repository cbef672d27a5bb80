package domain

import "strconv"

// AssessInput is what the eligibility and subsidy rules look at (政策测算).
// AppraisalGrade may be empty (not appraised yet); FloorAreaM2 is the
// proposed area before acceptance and the measured area after it (0: not
// known).
type AssessInput struct {
	HouseholdType  HouseholdType
	OnlyHouse      bool
	BuiltYear      int
	Structure      Structure
	AppraisalGrade Grade
	Method         Method
	FloorAreaM2    float64
	Flags          Flags
}

// Reason is one finding of the rules, with a Chinese message.
type Reason struct {
	Code    string
	Message string
}

// Reason codes. The first group makes a household ineligible; the second
// only explains a subsidy of 0 (see Blocking).
const (
	ReasonNotPriorityType        = "not_priority_type"
	ReasonNotOnlyHouse           = "not_only_house"
	ReasonNotInadequate          = "not_inadequate"
	ReasonRelocationPlanned      = "relocation_planned"
	ReasonVillageMergerPlanned   = "village_merger_planned"
	ReasonDisasterRebuildSubsidy = "disaster_rebuild_subsidy"
	ReasonPreviouslyRenovated    = "previously_renovated"

	ReasonRebuildAreaBelowMin = "rebuild_area_below_min"
	ReasonAreaUnknown         = "area_unknown"
	ReasonNoMethod            = "no_method"
)

// Blocking reports whether the reason makes the household ineligible; the
// others (area below the minimum, area or method not known) only make the
// subsidy 0 while the household stays eligible.
func (r Reason) Blocking() bool {
	switch r.Code {
	case ReasonRebuildAreaBelowMin, ReasonAreaUnknown, ReasonNoMethod:
		return false
	}
	return true
}

// Assessment is the outcome of the rules for one household and house.
type Assessment struct {
	DeemedInadequate bool
	Bases            []Basis
	Eligible         bool
	Reasons          []Reason
	SuggestedMethod  Method
	SubsidyYuan      int64
}

// DeemedBases lists which bases of 四(四) make the house not seismically
// adequate: grade C or D; load-bearing earth; mixed brick and earth;
// program year − built year > OldHouseYears (exactly OldHouseYears is not
// over; an unknown built year of 0 is no basis).
func DeemedBases(p Program, grade Grade, structure Structure, builtYear int) []Basis {
	var b []Basis
	if grade.Dangerous() {
		b = append(b, BasisAppraisedDangerous)
	}
	switch structure {
	case StructureEarth:
		b = append(b, BasisEarth)
	case StructureBrickEarth:
		b = append(b, BasisBrickEarth)
	}
	if builtYear > 0 && p.Year-builtYear > p.OldHouseYears {
		b = append(b, BasisOverAge)
	}
	return b
}

// Assess applies the program's rules (三(二)1, 四(四), 三(二)4):
//
//   - eligibility needs a priority household type, or the seventh track
//     hazardous_selfbuilt with an appraisal of grade C or D (without it the
//     reason is not_priority_type); the only house; a deemed-inadequate
//     house; none of relocation_planned, village_merger_planned,
//     disaster_rebuild_subsidy; and, when previously_renovated, a small
//     natural disaster as the cause (再次纳入), else previously_renovated.
//     Every failing reason is listed.
//   - the suggested method is rebuild for grade D, reinforce for grade C,
//     else the requested method;
//   - the subsidy is computed for the requested method, or the suggested
//     one when none was requested: rebuild needs FloorAreaM2 ≥ the
//     program's minimum (else 0 with rebuild_area_below_min, or area_unknown
//     when the area is 0); reinforce gets the reinforcement amount; an
//     ineligible household gets 0.
func Assess(p Program, in AssessInput) Assessment {
	a := Assessment{Bases: DeemedBases(p, in.AppraisalGrade, in.Structure, in.BuiltYear)}
	a.DeemedInadequate = len(a.Bases) > 0
	add := func(code, msg string) { a.Reasons = append(a.Reasons, Reason{code, msg}) }

	switch {
	case in.HouseholdType.Priority():
	case in.HouseholdType == TypeHazardousSelfbuilt:
		if !in.AppraisalGrade.Dangerous() {
			add(ReasonNotPriorityType, "非六类重点对象的自建房须经鉴定为C级或D级危房方可纳入")
		}
	default:
		add(ReasonNotPriorityType, "农户类型不属于六类重点对象")
	}
	if !in.OnlyHouse {
		add(ReasonNotOnlyHouse, "农户不是仅有一套(院)住房")
	}
	if !a.DeemedInadequate {
		add(ReasonNotInadequate, "房屋未经鉴定为危房，也不属于生土、砖土混杂结构或建成"+strconv.Itoa(p.OldHouseYears)+"年以上的房屋")
	}
	if in.Flags.RelocationPlanned {
		add(ReasonRelocationPlanned, "已纳入生态及地质灾害避险搬迁或其他搬迁补助")
	}
	if in.Flags.VillageMergerPlanned {
		add(ReasonVillageMergerPlanned, "位于规划拆迁撤并的村庄")
	}
	if in.Flags.DisasterRebuildSubsidy {
		add(ReasonDisasterRebuildSubsidy, "已享受因灾倒损农房恢复重建补助，不能重复享受")
	}
	if in.Flags.PreviouslyRenovated && !in.Flags.SmallDisasterDamage {
		add(ReasonPreviouslyRenovated, "曾享受农村危房改造补助，且不是因小型自然灾害再次成为危房")
	}
	a.Eligible = len(a.Reasons) == 0

	switch in.AppraisalGrade {
	case GradeD:
		a.SuggestedMethod = MethodRebuild
	case GradeC:
		a.SuggestedMethod = MethodReinforce
	default:
		if in.Method.Valid() {
			a.SuggestedMethod = in.Method
		}
	}
	method := in.Method
	if !method.Valid() {
		method = a.SuggestedMethod
	}
	amount, code, msg := Subsidy(p, method, in.FloorAreaM2)
	if code != "" {
		add(code, msg)
	}
	if a.Eligible {
		a.SubsidyYuan = amount
	}
	return a
}

// Subsidy computes the subsidy for a method and a (measured) floor area:
// rebuild pays the rebuild amount only when the area is at least the
// program's minimum, reinforce pays the reinforcement amount. A zero
// amount comes with a reason code and the Chinese reason (the block
// reason of an acceptance, e.g. "重建面积不足45平方米").
func Subsidy(p Program, m Method, areaM2 float64) (yuan int64, code, reason string) {
	switch m {
	case MethodRebuild:
		if areaM2 <= 0 || !validFloat(areaM2) {
			return 0, ReasonAreaUnknown, "未填写面积，拆除重建补助须重建面积不少于" + formatArea(p.MinRebuildAreaM2) + "平方米"
		}
		if areaM2 < p.MinRebuildAreaM2 {
			return 0, ReasonRebuildAreaBelowMin, "重建面积不足" + formatArea(p.MinRebuildAreaM2) + "平方米"
		}
		return p.RebuildSubsidyYuan, "", ""
	case MethodReinforce:
		return p.ReinforceSubsidyYuan, "", ""
	}
	return 0, ReasonNoMethod, "未选择改造方式"
}

func formatArea(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// AssessInput gathers the rule inputs from the case: the appraisal's
// grade, structure and built year when appraised (the filed ones before),
// the approved method once approved (the requested one before), and the
// area measured at the last passed acceptance once accepted (the filed
// floor area before).
func (c Case) AssessInput() AssessInput {
	in := AssessInput{
		HouseholdType: c.Household.Type,
		OnlyHouse:     c.House.OnlyHouse,
		BuiltYear:     c.House.BuiltYear,
		Structure:     c.House.Structure,
		Method:        c.Method,
		FloorAreaM2:   c.House.FloorAreaM2,
		Flags:         c.Flags,
	}
	if a := c.Appraisal; a != nil {
		in.AppraisalGrade = a.Grade
		if a.Structure != "" {
			in.Structure = a.Structure
		}
		if a.BuiltYear != 0 {
			in.BuiltYear = a.BuiltYear
		}
	}
	if c.Approval != nil {
		in.Method = c.Approval.Method
	}
	if a := c.lastPassedAcceptance(); a != nil {
		in.FloorAreaM2 = a.MeasuredAreaM2
	}
	return in
}

// Assessment applies Assess to the case's own data (see AssessInput)
// under the rules that bind it (Program.RulesFor: as approved, once
// approved).
func (c Case) Assessment(p Program) Assessment { return Assess(p.RulesFor(c), c.AssessInput()) }

func (c *Case) lastPassedAcceptance() *Acceptance {
	for i := len(c.Acceptances) - 1; i >= 0; i-- {
		if c.Acceptances[i].Passed {
			return &c.Acceptances[i]
		}
	}
	return nil
}

// reasonList joins the Chinese messages of reasons for an error message.
func reasonList(rs []Reason) (codes, messages string) {
	for i, r := range rs {
		if i > 0 {
			codes += ","
			messages += "；"
		}
		codes += r.Code
		messages += r.Message
	}
	return codes, messages
}
