package domain

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCreate(t *testing.T) {
	p := Program2024()
	f := newFiling()
	f.Household.IDNumber = " 11010519491231002x "
	f.Household.HukouNo = "hk\u200b－１００２０１－０１７"
	f.Household.Members[0].IDNumber = "６２２９２３ １９９０１２３１００７６"
	f.Stage, f.Version, f.Payment = StagePaid, 7, &Payment{AmountYuan: 30000} // a client cannot send these
	c, err := Create(f, p, actorFor(RoleVillageCadre), t0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage != StageApplied || c.Version != 1 || c.Payment != nil || !c.CreatedAt.Equal(t0) || c.CreatedBy != "u-village_cadre" {
		t.Errorf("created %s v%d payment %v", c.Stage, c.Version, c.Payment)
	}
	if c.Household.IDNumber != "11010519491231002X" {
		t.Errorf("id %q not normalized", c.Household.IDNumber)
	}
	if c.Household.HukouNo != "HK-100201-017" || c.Household.Members[0].IDNumber != "622923199012310076" {
		t.Errorf("hukou %q, member id %q not normalized", c.Household.HukouNo, c.Household.Members[0].IDNumber)
	}
	if len(c.History) != 1 || c.History[0].Action != "create" || !strings.Contains(c.History[0].Input, `"id_number":"110105********002X"`) {
		t.Errorf("history %+v", c.History)
	}
	f.Household.Members[0].Name = "changed"
	if c.Household.Members[0].Name == "changed" {
		t.Error("Create shares the members slice with its input")
	}

	for _, r := range Roles {
		if r == RoleVillageCadre {
			continue
		}
		_, err := Create(newFiling(), p, actorFor(r), t0)
		wantCode(t, err, KindForbidden, "forbidden")
	}
	other := actorFor(RoleVillageCadre)
	other.AreaCode = "622923100202"
	_, err = Create(newFiling(), p, other, t0)
	wantCode(t, err, KindForbidden, "forbidden")

	bad := newFiling()
	bad.Household.IDNumber = "622923196001010016"
	_, err = Create(bad, p, actorFor(RoleVillageCadre), t0)
	e := wantCode(t, err, KindInvalid, "invalid_input")
	if e.Fields["household.id_number"] != "身份证号校验位不正确，请核对" {
		t.Errorf("fields %v", e.Fields)
	}
}

func TestEdit(t *testing.T) {
	w := walkTo(t, StageApplied, nil)
	cadre := actorFor(RoleVillageCadre)
	h := w.c.Household
	h.Type = TypeLiftedFromPoverty
	h.Members = nil
	house := w.c.House
	house.FloorAreaM2 = 48
	got, err := Edit(w.c, w.p, cadre, w.c.Version, CaseUpdate{Household: &h, House: &house}, w.now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Household.Type != TypeLiftedFromPoverty || got.House.FloorAreaM2 != 48 || got.Method != MethodRebuild ||
		got.Version != w.c.Version+1 || len(w.c.Household.Members) != 1 {
		t.Errorf("edited %+v", got)
	}
	last := got.History[len(got.History)-1]
	if last.Action != "edit" || !strings.Contains(last.Input, `"floor_area_m2":48`) || strings.Contains(last.Input, `"method"`) ||
		strings.Contains(last.Input, testHeadID) {
		t.Errorf("edit input %s", last.Input)
	}

	_, err = Edit(w.c, w.p, cadre, w.c.Version-1, CaseUpdate{House: &house}, w.now)
	wantCode(t, err, KindConflict, "stale_version")
	_, err = Edit(w.c, w.p, actorFor(RoleTownshipOfficer), w.c.Version, CaseUpdate{House: &house}, w.now)
	wantCode(t, err, KindForbidden, "forbidden")
	house.BuiltYear = 1800
	_, err = Edit(w.c, w.p, cadre, w.c.Version, CaseUpdate{House: &house}, w.now)
	wantCode(t, err, KindInvalid, "invalid_input")
	for _, s := range []Stage{StageVillagePublicity, StageCountyReview, StageArchived} {
		v := walkTo(t, s, nil)
		_, err := Edit(v.c, v.p, cadre, v.c.Version, CaseUpdate{}, v.now)
		wantCode(t, err, KindConflict, "wrong_stage")
	}

	// A returned case whose type changes needs a new certification.
	r := walkTo(t, StageCountyReview, nil)
	r.do(RoleCountyApprover, ActionCountyReturn, ActionInput{Reason: "农户类型有误"})
	if !r.c.Verified() {
		t.Fatal("verification lost on return")
	}
	nh := r.c.Household
	nh.Type = TypeSevereHardship
	got, err = Edit(r.c, r.p, cadre, r.c.Version, CaseUpdate{Household: &nh}, r.now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Verification != nil || got.Verified() {
		t.Error("type changed but the old certification stays")
	}
	m := MethodReinforce
	got, err = Edit(r.c, r.p, cadre, r.c.Version, CaseUpdate{Method: &m}, r.now)
	if err != nil || got.Verification == nil {
		t.Errorf("method change dropped the certification: %v", err)
	}

	// The department certified one household: another head or another
	// 户口簿 under the same type needs certifying again (虚报冒领), while
	// a corrected phone or member list does not.
	for _, tc := range []struct {
		name  string
		edit  func(h *Household)
		keeps bool
	}{
		{"head id", func(h *Household) { h.IDNumber = "622923199012310076"; h.Members = nil }, false},
		{"hukou", func(h *Household) { h.HukouNo = "HK-100201-099" }, false},
		{"phone", func(h *Household) { h.Phone = "13809301234" }, true},
		{"members", func(h *Household) { h.Members = nil }, true},
		{"id with a space", func(h *Household) { h.IDNumber = " " + h.IDNumber }, true},
		{"id typed full-width", func(h *Household) { h.IDNumber = toFullWidth(h.IDNumber) }, true},
		{"hukou in lower case with a zero-width space", func(h *Household) { h.HukouNo = "\u200b" + strings.ToLower(h.HukouNo) }, true},
	} {
		h := r.c.Household
		tc.edit(&h)
		got, err := Edit(r.c, r.p, cadre, r.c.Version, CaseUpdate{Household: &h}, r.now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if kept := got.Verified(); kept != tc.keeps {
			t.Errorf("%s: certification kept %v, want %v", tc.name, kept, tc.keeps)
		}
	}
}

// toFullWidth types s as a Chinese input method in full-width mode does.
func toFullWidth(s string) string {
	r := []rune(s)
	for i, c := range r {
		if c > 0x20 && c < 0x7F {
			r[i] = c + 0xFF01 - 0x21
		}
	}
	return string(r)
}

func TestAddPhoto(t *testing.T) {
	w := walkTo(t, StageCountyReview, nil)
	ph := photo("ph-new", PhotoAppraisal, w.now)
	got, err := AddPhoto(w.c, ph, actorFor(RoleCountyInspector), w.now)
	if err != nil {
		t.Fatal(err)
	}
	added := got.Photos[len(got.Photos)-1]
	if added.UploadedBy != "u-county_inspector" || !added.ReceivedAt.Equal(w.now) || got.Version != w.c.Version ||
		len(got.History) != len(w.c.History)+1 || got.History[len(got.History)-1].Action != "add_photo" {
		t.Errorf("added %+v version %d", added, got.Version)
	}
	if len(w.c.Photos) == len(got.Photos) {
		t.Error("input changed or photo not added")
	}
	_, err = AddPhoto(got, ph, actorFor(RoleCountyInspector), w.now)
	wantCode(t, err, KindConflict, "id_conflict")

	for _, tc := range []struct {
		stage Stage
		role  Role
		ok    bool
	}{
		{StageApplied, RoleVillageCadre, true},
		{StageApplied, RoleTownshipOfficer, true},
		{StageApplied, RoleCountyInspector, false},
		{StageApplied, RoleDisburser, false},
		{StageCountyReview, RoleCivilAffairs, true},
		{StageCountyReview, RoleRuralRevitalization, false},
		{StageCountyReview, RoleCountyApprover, false}, // holds no upload permission
		{StageCountyReview, RoleCountyInspector, true},
		{StageConstruction, RoleVillageCadre, true},
		{StageAcceptance, RoleCountyInspector, true},
		{StageAccepted, RoleDisburser, true},
		{StagePaid, RoleDisburser, true},
		{StagePaid, RoleLeader, false},
		{StageApplied, RoleAdmin, false},
	} {
		v := walkTo(t, tc.stage, nil)
		_, err := AddPhoto(v.c, photo("ph-x", PhotoOther, v.now), actorFor(tc.role), v.now)
		if tc.ok && err != nil {
			t.Errorf("%s/%s: %v", tc.stage, tc.role, err)
		}
		if !tc.ok {
			wantCode(t, err, KindForbidden, "forbidden")
		}
	}
	for _, s := range []Stage{StageArchived, StageRejected, StageWithdrawn} {
		v := walkTo(t, s, nil)
		_, err := AddPhoto(v.c, photo("ph-x", PhotoOther, v.now), actorFor(RoleVillageCadre), v.now)
		wantCode(t, err, KindConflict, "wrong_stage")
	}
	other := actorFor(RoleVillageCadre)
	other.AreaCode = "622923100202"
	_, err = AddPhoto(w.c, photo("ph-y", PhotoOther, w.now), other, w.now)
	wantCode(t, err, KindForbidden, "forbidden")
	badPh := photo("", "selfie", w.now)
	badPh.SHA256 = ""
	_, err = AddPhoto(w.c, badPh, actorFor(RoleVillageCadre), w.now)
	e := wantCode(t, err, KindInvalid, "invalid_input")
	if len(e.Fields) != 3 {
		t.Errorf("fields %v", e.Fields)
	}
}

func TestReveal(t *testing.T) {
	w := walkTo(t, StagePaid, nil)
	for _, r := range Roles {
		for _, field := range []string{RevealIDNumber, RevealAccountNo} {
			got, err := Reveal(w.c, field, actorFor(r), w.now)
			allowed := map[string][]Role{
				RevealIDNumber:  {RoleVillageCadre, RoleTownshipOfficer, RoleCivilAffairs, RoleRuralRevitalization},
				RevealAccountNo: {RoleDisburser},
			}[field]
			if !slices.Contains(allowed, r) {
				wantCode(t, err, KindForbidden, "forbidden")
				continue
			}
			if err != nil {
				t.Errorf("%s/%s: %v", field, r, err)
				continue
			}
			last := got.History[len(got.History)-1]
			if last.Action != "reveal" || last.Input != `{"field":"`+field+`"}` || last.ActorRole != r ||
				got.Version != w.c.Version || !got.UpdatedAt.Equal(w.c.UpdatedAt) {
				t.Errorf("%s/%s: entry %+v", field, r, last)
			}
		}
	}
	_, err := Reveal(w.c, "phone", actorFor(RoleVillageCadre), w.now)
	wantCode(t, err, KindInvalid, "invalid_input")
	a := walkTo(t, StageAccepted, nil)
	_, err = Reveal(a.c, RevealAccountNo, actorFor(RoleDisburser), a.now)
	wantCode(t, err, KindNotFound, "not_found")
	other := actorFor(RoleTownshipOfficer)
	other.AreaCode = "622923101"
	_, err = Reveal(w.c, RevealIDNumber, other, w.now)
	wantCode(t, err, KindForbidden, "forbidden")
}

func TestNextHint(t *testing.T) {
	hints := map[Stage]string{
		StageApplied:           "待村委评议",
		StageVillagePublicity:  "村级公示中，2024-04-08 可结束",
		StageTownshipReview:    "待乡镇初审",
		StageTownshipPublicity: "乡镇公示中，2024-04-15 可结束",
		StageCountyReview:      "待县级审批",
		StageApproved:          "待签订施工协议并开工",
		StageConstruction:      "待乡镇自验并申请验收",
		StageAcceptance:        "待住建局竣工验收",
		StageAccepted:          "待拨付补助30,000 元",
		StagePaid:              "待归档",
		StageArchived:          "已归档",
		StageRejected:          "不予纳入：村委评议未通过：经评议家庭有其他住房",
		StageWithdrawn:         "已撤回：农户自愿放弃",
	}
	for s, want := range hints {
		w := walkTo(t, s, nil)
		if got := NextHint(w.c); got != want {
			t.Errorf("%s: %q, want %q", s, got, want)
		}
	}
	missing := map[Stage]struct {
		remove []PhotoKind
		want   string
	}{
		StageApplied:          {[]PhotoKind{PhotoHukou, PhotoHouseBefore}, "待上传户口簿照片、改造前房屋照片；待村委评议"},
		StageVillagePublicity: {[]PhotoKind{PhotoNoticeVillage}, "待上传村级公示照片；村级公示中，2024-04-08 可结束"},
		StageApproved:         {[]PhotoKind{PhotoAgreement}, "待上传施工协议照片；待签订施工协议并开工"},
		StageAcceptance:       {[]PhotoKind{PhotoDemolition}, "待上传旧房拆除照片；待住建局竣工验收"},
		StagePaid:             {[]PhotoKind{PhotoProgress}, "待归档，档案缺少：施工过程照片"},
	}
	for s, tc := range missing {
		w := walkTo(t, s, nil)
		removePhotos(w, tc.remove...)
		if got := NextHint(w.c); got != tc.want {
			t.Errorf("%s missing photos: %q, want %q", s, got, tc.want)
		}
	}
}

func TestDeadlineStatus(t *testing.T) {
	p := Program2024()
	at := func(day string) time.Time { return Date(day).Time().Add(10 * time.Hour) }
	tests := []struct {
		name                         string
		stage                        Stage
		now                          string
		daysLeft                     int
		overdue, atRisk, paymentLate bool
	}{
		{"applied, 91 days left", StageApplied, "2024-07-01", 91, false, false, false},
		{"applied, 90 days left: at risk", StageApplied, "2024-07-02", 90, false, true, false},
		{"approved, 10 days left: at risk", StageApproved, "2024-09-20", 10, false, true, false},
		{"construction, 31 days left", StageConstruction, "2024-08-30", 31, false, false, false},
		{"construction, 30 days left: at risk", StageConstruction, "2024-08-31", 30, false, true, false},
		{"acceptance on the deadline day: at risk, not overdue", StageAcceptance, "2024-09-30", 0, false, true, false},
		{"acceptance the day after: overdue, not at risk", StageAcceptance, "2024-10-01", -1, true, false, false},
		{"applied long after: overdue", StageApplied, "2025-01-01", -93, true, false, false},
		{"rejected after: neither", StageRejected, "2025-01-01", -93, false, false, false},
		{"withdrawn near: neither", StageWithdrawn, "2024-09-01", 29, false, false, false},
		{"archived after: neither", StageArchived, "2025-01-01", -93, false, false, false},
	}
	for _, tt := range tests {
		c := Case{Stage: tt.stage}
		d := DeadlineStatus(c, p, at(tt.now))
		if d.Deadline != "2024-09-30" || d.DaysLeft != tt.daysLeft || d.Overdue != tt.overdue || d.AtRisk != tt.atRisk || d.PaymentOverdue != tt.paymentLate {
			t.Errorf("%s: got %+v", tt.name, d)
		}
	}
	// Payment: accepted more than 30 days ago and unpaid.
	w := walkTo(t, StageAccepted, nil)
	accepted := DateOf(w.c.LastAcceptance().At)
	for _, tc := range []struct {
		days int
		late bool
	}{{30, false}, {31, true}} {
		d := DeadlineStatus(w.c, p, accepted.AddDays(tc.days).Time().Add(time.Hour))
		if d.PaymentOverdue != tc.late || d.Overdue {
			t.Errorf("%d days after acceptance: %+v", tc.days, d)
		}
	}
	paid := walkTo(t, StagePaid, nil)
	if d := DeadlineStatus(paid.c, p, accepted.AddDays(90).Time()); d.PaymentOverdue {
		t.Error("paid case is payment overdue")
	}
	blocked := walkTo(t, StageAcceptance, nil)
	in := validInput(blocked, ActionAccept)
	in.MeasuredAreaM2 = 40
	blocked.do(RoleCountyInspector, ActionAccept, in)
	if d := DeadlineStatus(blocked.c, p, blocked.now.AddDate(0, 0, 60)); d.PaymentOverdue {
		t.Error("a blocked payment counts as late")
	}
	var n DeadlineCounts
	n.Add(Deadline{Overdue: true})
	n.Add(Deadline{AtRisk: true, PaymentOverdue: true})
	if !reflect.DeepEqual(n, DeadlineCounts{Overdue: 1, AtRisk: 1, PaymentOverdue: 1}) {
		t.Errorf("counts %+v", n)
	}
}
