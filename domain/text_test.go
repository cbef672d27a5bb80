package domain

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		multiline bool
		want      string
		problem   bool
	}{
		{"plain", "马有福", false, "马有福", false},
		{"trimmed", "  马有福 \t", false, "马有福", false},
		{"decomposed é becomes one character (NFC)", "Jose\u0301", false, "José", false},
		{"CJK compatibility ideograph becomes the unified one (NFC)", "\uf9dc", false, "\u9686", false},
		{"zero-width space stripped", "马\u200b有福", false, "马有福", false},
		{"zero-width joiner, word joiner, BOM, soft hyphen stripped", "\ufeff马\u200d有\u2060福\u00ad", false, "马有福", false},
		{"right-to-left override refused", "马有福\u202e", false, "", true},
		{"left-to-right embedding refused", "\u202a三社", false, "", true},
		{"isolate refused", "三社\u2066", false, "", true},
		{"pop directional isolate refused", "三社\u2069", false, "", true},
		{"right-to-left mark refused", "三社\u200f", false, "", true},
		{"NUL refused", "马\x00", false, "", true},
		{"escape refused", "马\x1b[31m", false, "", true},
		{"C1 control refused", "马\u0085福", false, "", true},
		{"DEL refused", "马\x7f", false, "", true},
		{"line separator refused", "马\u2028福", true, "", true},
		{"newline refused on one line", "马\n福", false, "", true},
		{"tab refused on one line", "马\t福", false, "", true},
		{"newline kept in a reason", "第一\n第二", true, "第一\n第二", false},
		{"CRLF becomes LF", "第一\r\n第二\r第三", true, "第一\n第二\n第三", false},
		{"tag character refused", "马\U000e0041", false, "", true},
		{"invalid UTF-8 refused", "马\xff", false, "", true},
		{"emoji kept", "已拍照👍", true, "已拍照👍", false},
	} {
		got, problem := CleanText(tc.in, tc.multiline)
		if (problem != "") != tc.problem {
			t.Errorf("%s: problem %q, want problem %v", tc.name, problem, tc.problem)
			continue
		}
		if problem != "" && !hasHan(problem) {
			t.Errorf("%s: problem %q is not Chinese", tc.name, problem)
		}
		if !tc.problem && got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCheckTextCaps(t *testing.T) {
	for _, tc := range []struct {
		rule TextRule
		n    int
		ok   bool
	}{
		{ruleHeadName, 32, true}, {ruleHeadName, 33, false},
		{ruleAddress, 128, true}, {ruleAddress, 129, false},
		{ruleFailReason, 500, true}, {ruleFailReason, 501, false},
		{ruleReturnReason, 501, false}, {ruleObjection, 501, false}, {ruleWithdraw, 501, false},
		{ruleNotes, 1000, true}, {ruleNotes, 1001, false},
		{rulePlaceName, 40, true}, {rulePlaceName, 41, false},
	} {
		// Characters counted after cleaning: zero-width ones do not count.
		v := strings.Repeat("马\u200b", tc.n)
		got, msg := CheckText(v, tc.rule, true)
		if (msg == "") != tc.ok {
			t.Errorf("%s × %d: message %q, want ok %v", tc.rule.Label, tc.n, msg, tc.ok)
		}
		if !tc.ok && !strings.Contains(msg, tc.rule.Label) {
			t.Errorf("%s × %d: message %q does not name the field", tc.rule.Label, tc.n, msg)
		}
		if tc.ok && got != strings.Repeat("马", tc.n) {
			t.Errorf("%s × %d: cleaned to %q", tc.rule.Label, tc.n, got)
		}
	}
	if _, msg := CheckText(" \u200b ", ruleHeadName, true); msg != "请填写户主姓名" {
		t.Errorf("invisible-only name: %q", msg)
	}
}

func TestValidClientID(t *testing.T) {
	for id, want := range map[string]bool{
		"7c2e9d41-3b5a-4f6e-9a8b-1c0d2e3f4a02": true,
		"ph-1":                                 true,
		"A_b-9":                                true,
		strings.Repeat("a", 64):                true,
		strings.Repeat("a", 65):                false,
		"":                                     false,
		"a/b":                                  false,
		"a?b":                                  false,
		"a%2Fb":                                false,
		"a b":                                  false,
		" a":                                   false,
		"a.b":                                  false,
		"..":                                   false,
		"马":                                    false,
		"a\u200b":                              false,
		"a#b":                                  false,
	} {
		if got := ValidClientID(id); got != want {
			t.Errorf("ValidClientID(%q) = %v, want %v", id, got, want)
		}
		if msg := ClientIDProblem("申请编号", id); (msg == "") != want || !want && !strings.Contains(msg, "申请编号") {
			t.Errorf("ClientIDProblem(%q) = %q", id, msg)
		}
	}
}

// TestFreeTextIsCleanedInEveryFiledField files and edits a case whose
// text arrives decomposed and with zero-width characters, and refuses
// hidden direction changes naming the field.
func TestFreeTextIsCleanedInEveryFiledField(t *testing.T) {
	p := Program2024()
	f := newFiling()
	f.Household.HeadName = " 马\u200b有福 "
	f.Household.HukouNo = "HK-100201-017\u200b"
	f.Household.Members[0].Name = "Jose\u0301"
	f.Household.Members[0].Relation = "女儿\ufeff"
	f.House.Address = "刘家峡镇\u200d样例村三社17号"
	c, err := Create(f, p, actorFor(RoleVillageCadre), t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Household.HeadName != "马有福" || c.Household.HukouNo != "HK-100201-017" || c.Household.Members[0].Name != "José" ||
		c.Household.Members[0].Relation != "女儿" || c.House.Address != "刘家峡镇样例村三社17号" {
		t.Errorf("not cleaned: %+v %+v", c.Household, c.House)
	}
	for _, tc := range []struct {
		field string
		edit  func(*Case)
	}{
		{"household.head_name", func(c *Case) { c.Household.HeadName = "马有福\u202e" }},
		{"household.head_name", func(c *Case) { c.Household.HeadName = strings.Repeat("马", 33) }},
		{"household.hukou_no", func(c *Case) { c.Household.HukouNo = "HK\x00017" }}, // a newline is a space NormalizeNumber drops
		{"household.phone", func(c *Case) { c.Household.Phone = "1390930\x001234" }},
		{"household.members[0].name", func(c *Case) { c.Household.Members[0].Name = "\u2066马小花" }},
		{"household.members[0].relation", func(c *Case) { c.Household.Members[0].Relation = strings.Repeat("女", 17) }},
		{"house.address", func(c *Case) { c.House.Address = strings.Repeat("村", 129) }},
		{"house.address", func(c *Case) { c.House.Address = "三社\u202d17号" }},
		{"reapplication_reason", func(c *Case) {
			c.Flags.PreviouslyRenovated, c.Flags.SmallDisasterDamage = true, true
			c.Reapplication = strings.Repeat("震", 501)
		}},
	} {
		g := newFiling()
		tc.edit(&g)
		_, err := Create(g, p, actorFor(RoleVillageCadre), t0)
		e := wantCode(t, err, KindInvalid, "invalid_input")
		if e.Fields[tc.field] == "" || len(e.Fields) != 1 {
			t.Errorf("%s: fields %v", tc.field, e.Fields)
		}
	}
	addr := "三社\u200b18号"
	n, err := Edit(c, p, actorFor(RoleVillageCadre), c.Version, CaseUpdate{House: &House{Address: addr, BuiltYear: 1978,
		Structure: StructureEarth, FloorAreaM2: 62, OnlyHouse: true}}, t0.Add(time.Hour))
	if err != nil || n.House.Address != "三社18号" {
		t.Errorf("edit: %v %q", err, n.House.Address)
	}
}

// TestFreeTextIsCleanedInEveryStep sends each step's free text with a
// hidden direction change (refused naming the field) and with zero-width
// characters (stored without them).
func TestFreeTextIsCleanedInEveryStep(t *testing.T) {
	bidi := "\u202e"
	for _, tc := range []struct {
		stage  Stage
		role   Role
		action Action
		field  string
		set    func(in *ActionInput, v string)
		stored func(c Case) string
	}{
		{StageApplied, RoleVillageCadre, ActionVillageReview, "reason",
			func(in *ActionInput, v string) { *in = ActionInput{Result: ResultFail, Reason: v} },
			func(c Case) string { return c.VillageReview.Reason }},
		{StageVillagePublicity, RoleVillageCadre, ActionRecordObjection, "text",
			func(in *ActionInput, v string) { in.Text = v },
			func(c Case) string { return c.Objections[0].Text }},
		{StageTownshipReview, RoleTownshipOfficer, ActionTownshipReview, "reason",
			func(in *ActionInput, v string) { *in = ActionInput{Result: ResultReturn, Reason: v} },
			func(c Case) string { return c.ReturnReason }},
		{StageCountyReview, RoleCivilAffairs, ActionVerifyHousehold, "certificate_ref",
			func(in *ActionInput, v string) { in.CertificateRef = v },
			func(c Case) string { return c.Verification.CertificateRef }},
		{StageCountyReview, RoleCountyInspector, ActionAppraise, "notes",
			func(in *ActionInput, v string) { in.Notes = v },
			func(c Case) string { return c.Appraisal.Notes }},
		{StageCountyReview, RoleCountyApprover, ActionCountyReturn, "reason",
			func(in *ActionInput, v string) { in.Reason = v },
			func(c Case) string { return c.ReturnReason }},
		{StageApproved, RoleTownshipOfficer, ActionStartConstruction, "builder_name",
			func(in *ActionInput, v string) { in.BuilderName = v },
			func(c Case) string { return c.Agreement.BuilderName }},
		{StageAcceptance, RoleCountyInspector, ActionAccept, "signatures[0].signer_name",
			func(in *ActionInput, v string) { in.Signatures[0].SignerName = v },
			func(c Case) string { return c.Acceptances[0].Signatures[0].SignerName }},
		{StageAcceptance, RoleCountyInspector, ActionAccept, "items_to_fix",
			func(in *ActionInput, v string) {
				in.Result, in.ItemsToFix = ResultRectify, v
			},
			func(c Case) string { return c.Acceptances[0].ItemsToFix }},
		{StageAccepted, RoleDisburser, ActionDisburse, "voucher_no",
			func(in *ActionInput, v string) { in.VoucherNo = v },
			func(c Case) string { return c.Payment.VoucherNo }},
		{StageApplied, RoleVillageCadre, ActionWithdraw, "reason",
			func(in *ActionInput, v string) { in.Reason = v },
			func(c Case) string { return c.CloseReason }},
	} {
		name := string(tc.action) + "." + tc.field
		w := walkTo(t, tc.stage, nil)
		in := validInput(w, tc.action)
		tc.set(&in, "经核实"+bidi+"属实")
		in.Version = w.c.Version
		_, err := Apply(w.c, w.p, actorFor(tc.role), tc.action, in, w.now)
		e, ok := AsError(err)
		if !ok || e.Code != "invalid_input" || e.Fields[tc.field] == "" || !strings.Contains(e.Fields[tc.field], "方向") {
			t.Errorf("%s with a direction override: %v", name, err)
		}
		in = validInput(w, tc.action)
		tc.set(&in, "经核实\u200b属实")
		in.Version = w.c.Version
		n, err := Apply(w.c, w.p, actorFor(tc.role), tc.action, in, w.now)
		if err != nil {
			t.Errorf("%s with a zero-width space: %v", name, err)
			continue
		}
		if got := tc.stored(n); got != "经核实属实" {
			t.Errorf("%s stored %q", name, got)
		}
	}
}

// TestNumbersAreFiniteAndInRange refuses NaN, ±Inf and values out of range
// in every number a filing, a photo or a step carries, naming the field.
func TestNumbersAreFiniteAndInRange(t *testing.T) {
	p := Program2024()
	nan, inf := math.NaN(), math.Inf(1)
	filings := []struct {
		field string
		edit  func(*Case)
	}{
		{"house.floor_area_m2", func(c *Case) { c.House.FloorAreaM2 = nan }},
		{"house.floor_area_m2", func(c *Case) { c.House.FloorAreaM2 = inf }},
		{"house.floor_area_m2", func(c *Case) { c.House.FloorAreaM2 = -inf }},
		{"house.floor_area_m2", func(c *Case) { c.House.FloorAreaM2 = 1e309 / 10 }},
		{"house.lat", func(c *Case) { c.House.Lat = nan }},
		{"house.lng", func(c *Case) { c.House.Lng = -inf }},
		{"house.lat", func(c *Case) { c.House.Lat = 90.0001 }},
		{"house.built_year", func(c *Case) { c.House.BuiltYear = math.MaxInt }},
		{"house.built_year", func(c *Case) { c.House.BuiltYear = math.MinInt }},
		{"household.members", func(c *Case) { c.Household.Members = make([]Member, 31) }},
	}
	for _, tc := range filings {
		c := newFiling()
		tc.edit(&c)
		err := ValidateNewCase(c, p, t0)
		if e, ok := AsError(err); !ok || e.Fields[tc.field] == "" || len(e.Fields) != 1 {
			t.Errorf("filing %s: %v", tc.field, err)
		}
	}

	w := walkTo(t, StageApplied, nil)
	photos := []struct {
		field string
		edit  func(*Photo)
	}{
		{"accuracy", func(p *Photo) { p.Accuracy = nan }},
		{"accuracy", func(p *Photo) { p.Accuracy = inf }},
		{"accuracy", func(p *Photo) { p.Accuracy = -1 }},
		{"accuracy", func(p *Photo) { p.Accuracy = MaxPhotoAccuracyM + 1 }},
		{"lat", func(p *Photo) { p.Lat = nan }},
		{"lng", func(p *Photo) { p.Lng = inf }},
		{"lng", func(p *Photo) { p.Lng = 180.5 }},
		{"id", func(p *Photo) { p.ID = "a/b" }},
		{"id", func(p *Photo) { p.ID = strings.Repeat("p", 65) }},
	}
	for _, tc := range photos {
		ph := photo("ph-num", PhotoHouseBefore, w.now)
		tc.edit(&ph)
		_, err := AddPhoto(w.c, ph, actorFor(RoleVillageCadre), w.now)
		if e, ok := AsError(err); !ok || e.Fields[tc.field] == "" || len(e.Fields) != 1 {
			t.Errorf("photo %s: %v", tc.field, err)
		}
	}
	ph := photo("ph-ok", PhotoHouseBefore, w.now)
	ph.Accuracy = MaxPhotoAccuracyM
	if _, err := AddPhoto(w.c, ph, actorFor(RoleVillageCadre), w.now); err != nil {
		t.Errorf("accuracy %d m: %v", MaxPhotoAccuracyM, err)
	}

	steps := []struct {
		stage  Stage
		role   Role
		action Action
		field  string
		edit   func(*ActionInput)
	}{
		{StageAcceptance, RoleCountyInspector, ActionAccept, "measured_area_m2", func(in *ActionInput) { in.MeasuredAreaM2 = nan }},
		{StageAcceptance, RoleCountyInspector, ActionAccept, "measured_area_m2", func(in *ActionInput) { in.MeasuredAreaM2 = inf }},
		{StageAcceptance, RoleCountyInspector, ActionAccept, "measured_area_m2", func(in *ActionInput) { in.MeasuredAreaM2 = 1000.01 }},
		{StageAcceptance, RoleCountyInspector, ActionAccept, "storeys", func(in *ActionInput) { in.Storeys = math.MaxInt }},
		{StageAcceptance, RoleCountyInspector, ActionAccept, "storeys", func(in *ActionInput) { in.Storeys = -1 }},
		{StageCountyReview, RoleCountyInspector, ActionAppraise, "built_year", func(in *ActionInput) { in.BuiltYear = math.MaxInt }},
		{StageCountyReview, RoleCountyInspector, ActionAppraise, "built_year", func(in *ActionInput) { in.BuiltYear = 2025 }},
	}
	for _, tc := range steps {
		w := walkTo(t, tc.stage, nil)
		in := validInput(w, tc.action)
		tc.edit(&in)
		_, err := Apply(w.c, w.p, actorFor(tc.role), tc.action, in, w.now)
		if e, ok := AsError(err); !ok || e.Fields[tc.field] == "" || len(e.Fields) != 1 {
			t.Errorf("%s %s: %v", tc.action, tc.field, err)
		}
	}
}
