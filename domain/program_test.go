package domain

import (
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestCurrentProgram(t *testing.T) {
	p24 := Program2024()
	p25 := NextProgram(p24, 2025) // 2025-01-01 … 2025-09-30
	p26 := NextProgram(p24, 2026)
	closed26 := p26
	closed26.Closed = true
	long25 := p25
	long25.Deadline = "2026-06-30" // runs into the next year
	tests := []struct {
		name  string
		ps    []Program
		today Date
		want  int // 0: none
	}{
		{"in 2024's season", []Program{p24}, "2024-05-01", 2024},
		{"after every season: the latest open", []Program{p24, p25, p26}, "2026-12-01", 2026},
		{"the season that contains today wins over a later year", []Program{p24, p25, p26}, "2025-03-01", 2025},
		{"two seasons contain today: the later year", []Program{long25, p26}, "2026-03-01", 2026},
		{"a closed program is never current", []Program{p25, closed26}, "2026-03-01", 2025},
		{"before any season: the latest open", []Program{p25, p26}, "2024-12-01", 2026},
		{"every program closed", []Program{closed26}, "2026-03-01", 0},
		{"no program", nil, "2026-03-01", 0},
		{"the deadline day is in the season", []Program{p24, p25}, "2024-09-30", 2024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CurrentProgram(tt.ps, tt.today)
			if tt.want == 0 {
				if ok {
					t.Fatalf("got %d, want none", got.Year)
				}
				return
			}
			if !ok || got.Year != tt.want {
				t.Fatalf("got %d (%v), want %d", got.Year, ok, tt.want)
			}
		})
	}
}

func TestNextProgramCopiesTheRulesAndMovesTheSeason(t *testing.T) {
	prev := Program2024()
	prev.RebuildSubsidyYuan = 32000
	prev.SupervisionPhone = "0930-8812345"
	prev.Closed = true
	prev.Amendments = []Amendment{{No: 1}}
	got := NextProgram(prev, 2026)
	want := prev
	want.Year, want.StartsOn, want.Deadline = 2026, "2026-01-01", "2026-09-30"
	want.Closed, want.Amendments = false, nil
	if got.Year != want.Year || got.StartsOn != want.StartsOn || got.Deadline != want.Deadline || got.Closed ||
		got.Amendments != nil || rulesText(got) != rulesText(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
}

// rulesText is every rule value of p, for comparisons.
func rulesText(p Program) string {
	var b strings.Builder
	for _, f := range ruleFields() {
		b.WriteString(f.name + "=" + f.get(p) + ";")
	}
	return b.String()
}

func TestProgramValidateSeasonAndPhone(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Program)
		field string // "" valid
	}{
		{"2024 as planned", func(*Program) {}, ""},
		{"season opening the year before", func(p *Program) { p.StartsOn = "2023-11-01" }, ""},
		{"season opening two years before", func(p *Program) { p.StartsOn = "2022-12-31" }, "starts_on"},
		{"season opening after the deadline", func(p *Program) { p.StartsOn = "2024-10-01" }, "starts_on"},
		{"bad start", func(p *Program) { p.StartsOn = "2024-13-01" }, "starts_on"},
		{"mobile supervision phone", func(p *Program) { p.SupervisionPhone = "13909301234" }, ""},
		{"landline", func(p *Program) { p.SupervisionPhone = "0930-8812345" }, ""},
		{"hotline", func(p *Program) { p.SupervisionPhone = "12345" }, ""},
		{"not a phone", func(p *Program) { p.SupervisionPhone = "打电话" }, "supervision_phone"},
		{"digits but no phone", func(p *Program) { p.SupervisionPhone = "(0930) 88-1" }, "supervision_phone"},
		{"township phones", func(p *Program) {
			p.TownshipPhones = map[string]string{"622923100": "0930-8812346", "622923101": "13909301235"}
		}, ""},
		{"a township phone that is none", func(p *Program) { p.TownshipPhones = map[string]string{"622923100": "123"} }, "township_phones"},
		{"a township of another county", func(p *Program) { p.TownshipPhones = map[string]string{"622924100": "12345"} }, "township_phones"},
		{"a village code for a township", func(p *Program) { p.TownshipPhones = map[string]string{"622923100201": "12345"} }, "township_phones"},
		{"deadline three years on", func(p *Program) { p.Deadline = "2027-01-01" }, "deadline"},
		{"no reinforcement money", func(p *Program) { p.ReinforceSubsidyYuan = 0 }, "reinforce_subsidy_yuan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Program2024()
			tt.edit(&p)
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			e := wantCode(t, err, KindInvalid, "invalid_input")
			if e.Fields[tt.field] == "" {
				t.Fatalf("fields %v, want one on %s", e.Fields, tt.field)
			}
		})
	}
}

func TestSetProgram(t *testing.T) {
	admin := Actor{UserID: "u-admin", Name: "管理员", Role: RoleAdmin, AreaCode: CountyCode}
	stored := Program2024()
	stored.Closed = true
	stored.Amendments = []Amendment{{No: 1, Reason: "早先的修订"}}
	next := Program2024()
	next.RebuildSubsidyYuan = 35000
	next.StartsOn = ""
	tests := []struct {
		name  string
		actor Actor
		old   *Program
		cases int64
		code  string
	}{
		{"a new year", admin, nil, 0, ""},
		{"a year without cases is set again", admin, &stored, 0, ""},
		{"a year with cases is only amended", admin, &stored, 3, "program_in_use"},
		{"not the admin", actorFor(RoleCountyApprover), nil, 0, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetProgram(next, tt.old, tt.cases, tt.actor, t0)
			if tt.code != "" {
				if e, ok := AsError(err); !ok || e.Code != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.RebuildSubsidyYuan != 35000 || got.StartsOn != "2024-01-01" {
				t.Fatalf("got %+v", got)
			}
			if tt.old != nil && (!got.Closed || len(got.Amendments) != 1) {
				t.Fatalf("the stored state and record were not kept: %+v", got)
			}
		})
	}
}

func TestAmend(t *testing.T) {
	admin := Actor{UserID: "u-admin", Name: "管理员", Role: RoleAdmin, AreaCode: CountyCode}
	p := Program2024()
	tests := []struct {
		name    string
		actor   Actor
		patch   ProgramPatch
		reason  string
		code    string
		field   string
		changes []Change
	}{
		{"money and deadline", admin, ProgramPatch{RebuildSubsidyYuan: ptr[int64](32000), Deadline: ptr[Date]("2024-10-31"),
			ReinforceSubsidyYuan: ptr[int64](10000)}, "省级补助标准调整", "", "",
			[]Change{{"deadline", "2024-09-30", "2024-10-31"}, {"rebuild_subsidy_yuan", "30000", "32000"}}},
		{"area and phone", admin, ProgramPatch{MinRebuildAreaM2: ptr(40.5), SupervisionPhone: ptr(" 12345 ")}, "按省厅通知", "", "",
			[]Change{{"min_rebuild_area_m2", "45", "40.5"}, {"supervision_phone", "", "12345"}}},
		{"no reason", admin, ProgramPatch{AtRiskDays: ptr(60)}, " ", "invalid_input", "reason", nil},
		{"nothing changes", admin, ProgramPatch{AtRiskDays: ptr(90)}, "核对", "invalid_input", "changes", nil},
		{"an invalid value", admin, ProgramPatch{VillagePublicityDays: ptr(0)}, "缩短公示", "invalid_input", "changes.village_publicity_days", nil},
		{"not the admin", actorFor(RoleLeader), ProgramPatch{AtRiskDays: ptr(60)}, "领导要求", "forbidden", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, a, err := Amend(p, tt.patch, tt.reason, tt.actor, t0)
			if tt.code != "" {
				e, ok := AsError(err)
				if !ok || e.Code != tt.code || (tt.field != "" && e.Fields[tt.field] == "") {
					t.Fatalf("got %v, want %s on %s", err, tt.code, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.No != 1 || a.By != "u-admin" || a.ByName != "管理员" || !a.At.Equal(t0) || len(got.Amendments) != 1 {
				t.Fatalf("amendment %+v", a)
			}
			if len(a.Changes) != len(tt.changes) {
				t.Fatalf("changes %+v, want %+v", a.Changes, tt.changes)
			}
			for i := range a.Changes {
				if a.Changes[i] != tt.changes[i] {
					t.Fatalf("change %d: %+v, want %+v", i, a.Changes[i], tt.changes[i])
				}
			}
			if len(p.Amendments) != 0 {
				t.Fatal("Amend changed its argument")
			}
			if back := got.Upto(0); rulesText(back) != rulesText(p) || len(back.Amendments) != 0 {
				t.Fatalf("Upto(0): %s, want %s", rulesText(back), rulesText(p))
			}
			if now := got.Upto(1); rulesText(now) != rulesText(got) {
				t.Fatalf("Upto(1): %s", rulesText(now))
			}
		})
	}
	if got := (Change{"rebuild_subsidy_yuan", "30000", "32000"}).Text(); got != "拆除重建补助 30,000 元 → 32,000 元" {
		t.Errorf("change text %q", got)
	}
}

// TestAmendmentsNeverChangeWhatWasApproved walks cases of every stage
// under the 2024 rules, then raises the rebuild subsidy: what was approved
// keeps its amount (and is accepted at it), what is not approved yet is
// warned, and paid or closed files are never touched.
func TestAmendmentsNeverChangeWhatWasApproved(t *testing.T) {
	admin := Actor{UserID: "u-admin", Name: "管理员", Role: RoleAdmin, AreaCode: CountyCode}
	tests := []struct {
		stage Stage
		warn  bool
	}{
		{StageApplied, true}, {StageVillagePublicity, true}, {StageTownshipReview, true},
		{StageTownshipPublicity, true}, {StageCountyReview, true},
		{StageApproved, false}, {StageConstruction, false}, {StageAcceptance, false},
		{StageAccepted, false}, {StagePaid, false}, {StageArchived, false},
		{StageRejected, false}, {StageWithdrawn, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.stage), func(t *testing.T) {
			w := walkTo(t, tt.stage, nil)
			before := w.p
			after, a, err := Amend(before, ProgramPatch{RebuildSubsidyYuan: ptr[int64](32000)}, "省级补助标准调整", admin, w.now)
			if err != nil {
				t.Fatal(err)
			}
			w.now = w.now.Add(time.Hour)
			got, ok := AmendmentWarning(w.c, before, after, a, w.now)
			if ok != tt.warn {
				t.Fatalf("warning %v (%+v), want %v", ok, got, tt.warn)
			}
			if ok {
				for _, s := range []string{"2024年度方案第1号修订", "省级补助标准调整", "拆除重建补助 30,000 元 → 32,000 元", "本户测算补助由30,000 元变为32,000 元"} {
					if !strings.Contains(got.Message, s) {
						t.Errorf("message %q lacks %q", got.Message, s)
					}
				}
				if got.Code != WarnProgramAmended || got.Ref != "program/2024/amendment/1" {
					t.Errorf("warning %+v", got)
				}
			}
			if w.c.Approval != nil {
				if amt := w.c.Assessment(after).SubsidyYuan; amt != 30000 {
					t.Errorf("an approved case shows %d under the amended rules, want the approved 30000", amt)
				}
			}
			w.p = after
			if tt.stage == StageAcceptance {
				w.do(RoleCountyInspector, ActionAccept, ActionInput{Result: ResultPass, MeasuredAreaM2: 72.5, Storeys: 1,
					Checklist: passChecklist(), Signatures: signatures()})
				if got := w.c.LastAcceptance().SubsidyYuan; got != 30000 {
					t.Errorf("accepted at %d, want the approved 30000", got)
				}
			}
			if tt.stage == StageCountyReview {
				w.do(RoleCountyApprover, ActionApprove, ActionInput{Method: MethodRebuild, ArchiveSeq: 1})
				if got := w.c.Approval.PlannedSubsidy; got != 32000 {
					t.Errorf("approved after the amendment at %d, want 32000", got)
				}
			}
		})
	}
}

func TestAmendmentWarningOnEligibility(t *testing.T) {
	admin := Actor{UserID: "u-admin", Name: "管理员", Role: RoleAdmin, AreaCode: CountyCode}
	// A brick-wood house built 1978 is deemed only by age: 2024−1978 = 46.
	w := walkTo(t, StageApplied, func(c *Case) { c.House.Structure = StructureBrickWood })
	after, a, err := Amend(w.p, ProgramPatch{OldHouseYears: ptr(50)}, "按省厅口径调整房龄", admin, w.now)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := AmendmentWarning(w.c, w.p, after, a, w.now)
	if !ok || !strings.Contains(got.Message, "由符合条件变为不符合条件") || !strings.Contains(got.Message, "房龄年限 40 年 → 50 年") {
		t.Fatalf("got %v %+v", ok, got)
	}
	// A deadline moved changes no amount: no warning.
	after2, a2, err := Amend(w.p, ProgramPatch{Deadline: ptr[Date]("2024-10-31")}, "延期", admin, w.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := AmendmentWarning(w.c, w.p, after2, a2, w.now); ok {
		t.Fatal("a deadline change warned a case")
	}
}

func TestClosedProgramTakesNoApplication(t *testing.T) {
	admin := Actor{UserID: "u-admin", Name: "管理员", Role: RoleAdmin, AreaCode: CountyCode}
	p, err := SetClosed(Program2024(), true, admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Closed || p.ClosedBy != "u-admin" {
		t.Fatalf("%+v", p)
	}
	_, err = Create(newFiling(), p, actorFor(RoleVillageCadre), t0)
	wantCode(t, err, KindConflict, "program_closed")
	if _, err := SetClosed(p, false, actorFor(RoleVillageCadre), t0); err == nil {
		t.Fatal("a cadre reopened a program")
	}
	open, _ := SetClosed(p, false, admin, t0)
	if _, err := Create(newFiling(), open, actorFor(RoleVillageCadre), t0); err != nil {
		t.Fatalf("reopened: %v", err)
	}
}
