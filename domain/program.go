package domain

import "strings"

// Program is one year's batch (年度批次): its rules are data, so a later
// year can change any value without touching code.
type Program struct {
	Year                  int
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
}

// Program2024 is 永靖县2024年农村危房改造及农房抗震改造实施方案 (永政办发〔2024〕19号).
func Program2024() Program {
	return Program{
		Year:                  2024,
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

// Validate checks a program an admin adds or edits, with per-field Chinese
// messages keyed by the program's JSON names.
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
		f.add("supervision_phone", "监督电话只能包含数字、空格、-、(、)，最长20位")
	}
	for code, ph := range p.TownshipPhones {
		if LevelOf(code) != LevelTownship || !strings.HasPrefix(code, CountyCode) {
			f.add("township_phones", "乡镇电话应按本县9位乡镇编码填写")
		} else if !validPhone(ph) {
			f.add("township_phones", "乡镇电话只能包含数字、空格、-、(、)，最长20位")
		}
	}
	return f.err()
}

// validPhone accepts an empty number or up to 20 of 0-9, space, - ( ).
func validPhone(s string) bool {
	if len(s) > 20 {
		return false
	}
	return strings.Trim(s, "0123456789 -()") == ""
}
