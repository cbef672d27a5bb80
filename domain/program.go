package domain

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
