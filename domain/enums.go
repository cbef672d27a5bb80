package domain

// stageOrder gives each stage's position in the lifecycle; terminal
// stages sort after archived.
var stageOrder = func() map[Stage]int {
	m := make(map[Stage]int, len(Stages))
	for i, s := range Stages {
		m[s] = i
	}
	return m
}()

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { _, ok := stageOrder[s]; return ok }

// Closed reports whether no further case action is possible: archived,
// rejected or withdrawn.
func (s Stage) Closed() bool {
	return s == StageArchived || s == StageRejected || s == StageWithdrawn
}

// Label is the Chinese name of the stage shown in lists (stage_label).
func (s Stage) Label() string {
	switch s {
	case StageApplied:
		return "已申请(待村委评议)"
	case StageVillagePublicity:
		return "村级公示"
	case StageTownshipReview:
		return "乡镇初审"
	case StageTownshipPublicity:
		return "乡镇公示"
	case StageCountyReview:
		return "县级审核审批"
	case StageApproved:
		return "已批准"
	case StageConstruction:
		return "施工中"
	case StageAcceptance:
		return "待验收"
	case StageAccepted:
		return "验收合格(待拨付)"
	case StagePaid:
		return "已拨付"
	case StageArchived:
		return "已归档"
	case StageRejected:
		return "不予纳入"
	case StageWithdrawn:
		return "已撤回"
	}
	return string(s)
}

// HouseholdTypes lists the six priority types and the seventh track.
var HouseholdTypes = []HouseholdType{
	TypeSubsistenceAllowance, TypeExtremePovertySupport, TypeNearSubsistence,
	TypePovertyRelapseRisk, TypeLiftedFromPoverty, TypeSevereHardship, TypeHazardousSelfbuilt,
}

// Valid reports whether t is a known household type.
func (t HouseholdType) Valid() bool {
	for _, x := range HouseholdTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Priority reports whether t is one of the six priority types of rule 1.
func (t HouseholdType) Priority() bool { return t.Valid() && t != TypeHazardousSelfbuilt }

// Certifier is the department that certifies the household type:
// civil_affairs for 低保户, 分散供养特困人员 and 低保边缘家庭,
// rural_revitalization for 易返贫致贫户, 其他脱贫户 and 严重困难家庭.
// It is "" for hazardous_selfbuilt: that track rests on the house's
// appraisal (grade C or D), not on a certified household type.
func (t HouseholdType) Certifier() Role {
	switch t {
	case TypeSubsistenceAllowance, TypeExtremePovertySupport, TypeNearSubsistence:
		return RoleCivilAffairs
	case TypePovertyRelapseRisk, TypeLiftedFromPoverty, TypeSevereHardship:
		return RoleRuralRevitalization
	}
	return ""
}

// Label is the Chinese name of the household type.
func (t HouseholdType) Label() string {
	switch t {
	case TypeSubsistenceAllowance:
		return "低保户"
	case TypeExtremePovertySupport:
		return "分散供养特困人员"
	case TypeNearSubsistence:
		return "低保边缘家庭"
	case TypePovertyRelapseRisk:
		return "易返贫致贫户"
	case TypeLiftedFromPoverty:
		return "其他脱贫户"
	case TypeSevereHardship:
		return "严重困难家庭"
	case TypeHazardousSelfbuilt:
		return "经鉴定存在安全隐患的自建房"
	}
	return string(t)
}

// Structures lists every structure type.
var Structures = []Structure{
	StructureEarth, StructureBrickEarth, StructureBrickWood, StructureBrickConcrete,
	StructureFrame, StructureOther,
}

// Valid reports whether s is a known structure type.
func (s Structure) Valid() bool {
	for _, x := range Structures {
		if x == s {
			return true
		}
	}
	return false
}

// Label is the Chinese name of the structure type.
func (s Structure) Label() string {
	switch s {
	case StructureEarth:
		return "生土承重"
	case StructureBrickEarth:
		return "砖土混杂"
	case StructureBrickWood:
		return "砖木"
	case StructureBrickConcrete:
		return "砖混"
	case StructureFrame:
		return "框架"
	case StructureOther:
		return "其他"
	}
	return string(s)
}

// Grades lists the appraisal grades.
var Grades = []Grade{GradeA, GradeB, GradeC, GradeD}

// Valid reports whether g is A, B, C or D.
func (g Grade) Valid() bool {
	return g == GradeA || g == GradeB || g == GradeC || g == GradeD
}

// Dangerous reports whether g makes the house a 危房 (C 局部危房, D 整幢危房).
func (g Grade) Dangerous() bool { return g == GradeC || g == GradeD }

// Label is the Chinese name of the grade with its meaning under JGJ/T 363-2014.
func (g Grade) Label() string {
	switch g {
	case GradeA:
		return "A级(安全)"
	case GradeB:
		return "B级(基本安全)"
	case GradeC:
		return "C级(局部危房)"
	case GradeD:
		return "D级(整幢危房)"
	}
	return string(g)
}

// Methods lists the renovation methods.
var Methods = []Method{MethodRebuild, MethodReinforce}

// Valid reports whether m is rebuild or reinforce.
func (m Method) Valid() bool { return m == MethodRebuild || m == MethodReinforce }

// Label is the Chinese name of the method.
func (m Method) Label() string {
	switch m {
	case MethodRebuild:
		return "拆除重建"
	case MethodReinforce:
		return "维修加固"
	}
	return string(m)
}

// PhotoKinds lists every photo kind.
var PhotoKinds = []PhotoKind{
	PhotoHukou, PhotoApplication, PhotoHouseBefore, PhotoMeeting, PhotoNoticeVillage,
	PhotoNoticeTownship, PhotoAppraisal, PhotoAgreement, PhotoProgress, PhotoCompletion,
	PhotoAcceptance, PhotoDemolition, PhotoVoucher, PhotoOther,
}

// Valid reports whether k is a known photo kind.
func (k PhotoKind) Valid() bool {
	for _, x := range PhotoKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Label is the Chinese name of the photo kind, used in "missing" messages.
func (k PhotoKind) Label() string {
	switch k {
	case PhotoHukou:
		return "户口簿照片"
	case PhotoApplication:
		return "书面申请照片"
	case PhotoHouseBefore:
		return "改造前房屋照片"
	case PhotoMeeting:
		return "村委评议会议照片"
	case PhotoNoticeVillage:
		return "村级公示照片"
	case PhotoNoticeTownship:
		return "乡镇公示照片"
	case PhotoAppraisal:
		return "鉴定照片"
	case PhotoAgreement:
		return "施工协议照片"
	case PhotoProgress:
		return "施工过程照片"
	case PhotoCompletion:
		return "竣工照片"
	case PhotoAcceptance:
		return "验收照片"
	case PhotoDemolition:
		return "旧房拆除照片"
	case PhotoVoucher:
		return "拨付凭证照片"
	case PhotoOther:
		return "其他照片"
	}
	return string(k)
}

// SignerRoles lists who signs the acceptance form, in form order.
var SignerRoles = []SignerRole{SignerHouseholdHead, SignerInspector, SignerTownshipOfficer}

// Valid reports whether r is a known signer role.
func (r SignerRole) Valid() bool {
	return r == SignerHouseholdHead || r == SignerInspector || r == SignerTownshipOfficer
}

// Label is the Chinese name of the signer role.
func (r SignerRole) Label() string {
	switch r {
	case SignerHouseholdHead:
		return "户主"
	case SignerInspector:
		return "住建局技术人员"
	case SignerTownshipOfficer:
		return "乡镇干部"
	}
	return string(r)
}

// FlagList lists every flag in the order of the Flags struct.
var FlagList = []Flag{
	FlagRelocationPlanned, FlagVillageMergerPlanned, FlagDisasterRebuildSubsidy,
	FlagPreviouslyRenovated, FlagSmallDisasterDamage,
}

// Label is the Chinese name of the flag, as the filing form asks it.
func (f Flag) Label() string {
	switch f {
	case FlagRelocationPlanned:
		return "已列入避险搬迁或享受其他搬迁补助"
	case FlagVillageMergerPlanned:
		return "位于村庄拆迁撤并规划区"
	case FlagDisasterRebuildSubsidy:
		return "已享受因灾倒损农房恢复重建补助"
	case FlagPreviouslyRenovated:
		return "曾享受过危房改造"
	case FlagSmallDisasterDamage:
		return "因小型自然灾害再次成为危房"
	}
	return string(f)
}

// Label is the Chinese name of the warning's code, the heading a reviewer
// reads above its message.
func (w Warning) Label() string {
	switch w.Code {
	case WarnDuplicatePhoto:
		return "照片与其他案件重复"
	case WarnFarFromHouse:
		return "拍摄位置远离房屋"
	case WarnOutOfOrder:
		return "照片时间顺序异常"
	case WarnProgramAmended:
		return "年度方案已修订"
	}
	return w.Code
}

// Bases lists the deemed bases in the order of 四(四).
var Bases = []Basis{BasisAppraisedDangerous, BasisEarth, BasisBrickEarth, BasisOverAge}

// Label is the Chinese name of the deemed basis.
func (b Basis) Label() string {
	switch b {
	case BasisAppraisedDangerous:
		return "经鉴定为危房(C级或D级)"
	case BasisEarth:
		return "生土承重结构"
	case BasisBrickEarth:
		return "砖土混杂结构"
	case BasisOverAge:
		return "建成年代久远"
	}
	return string(b)
}

// Checklist item results.
const (
	CheckPass = "pass"
	CheckFail = "fail"
	CheckNA   = "na"
)

// checkResultLabels are the Chinese names of the checklist item results.
var checkResultLabels = map[string]string{CheckPass: "合格", CheckFail: "不合格", CheckNA: "不适用"}

// Action results and objection outcomes (wire values).
const (
	ResultPass    = "pass"
	ResultFail    = "fail"
	ResultReturn  = "return"
	ResultRectify = "rectify"

	OutcomeDismissed = "dismissed"
	OutcomeUpheld    = "upheld"
)

// Label is the Chinese name of the action, used in history views.
func (a Action) Label() string {
	switch a {
	case ActionCreate:
		return "提交申请"
	case ActionEdit:
		return "修改申请"
	case ActionAddPhoto:
		return "上传照片"
	case ActionReveal:
		return "查看完整信息"
	case ActionVillageReview:
		return "村委评议"
	case ActionRecordObjection:
		return "登记公示异议"
	case ActionResolveObjection:
		return "处理公示异议"
	case ActionCloseVillagePublicity:
		return "结束村级公示"
	case ActionTownshipReview:
		return "乡镇初审"
	case ActionCloseTownshipPublicity:
		return "结束乡镇公示"
	case ActionVerifyHousehold:
		return "农户类型认定"
	case ActionAppraise:
		return "房屋鉴定"
	case ActionApprove:
		return "审批"
	case ActionCountyReturn:
		return "县级退回"
	case ActionStartConstruction:
		return "签订施工协议并开工"
	case ActionRequestAcceptance:
		return "自验并申请验收"
	case ActionAccept:
		return "竣工验收"
	case ActionDisburse:
		return "拨付补助"
	case ActionArchive:
		return "归档"
	case ActionWithdraw:
		return "撤回申请"
	}
	return string(a)
}

// ChecklistLabel is the Chinese name of the i-th checklist item in form
// order (Checklist.Values): 上下圈梁, 构造柱, 拉结筋, 基础, 墙体, 屋面.
func ChecklistLabel(i int) string {
	if i < 0 || i >= len(checklistItems) {
		return ""
	}
	return checklistLabels[checklistItems[i]]
}

// CheckResultLabel is the Chinese name of a checklist result: 合格, 不合格, 不适用.
func CheckResultLabel(v string) string {
	if l, ok := checkResultLabels[v]; ok {
		return l
	}
	return v
}
