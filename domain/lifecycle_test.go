package domain

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// specRow is DOMAIN.md's lifecycle table, written out again here
// independently of the code: who, from which stages, to which stage.
type specRow struct {
	roles func(s Stage) []Role
	from  []Stage
	to    Stage // "" means the stage does not change
}

func only(r ...Role) func(Stage) []Role { return func(Stage) []Role { return r } }

var preApproval = []Stage{StageApplied, StageVillagePublicity, StageTownshipReview, StageTownshipPublicity, StageCountyReview}

// objectionRoles: the cadre during village publicity, the township
// officer during township publicity (either of them gets wrong_stage at
// other stages).
func objectionRoles(s Stage) []Role {
	switch s {
	case StageVillagePublicity:
		return []Role{RoleVillageCadre}
	case StageTownshipPublicity:
		return []Role{RoleTownshipOfficer}
	}
	return []Role{RoleVillageCadre, RoleTownshipOfficer}
}

var spec = map[Action]specRow{
	ActionVillageReview:          {only(RoleVillageCadre), []Stage{StageApplied}, StageVillagePublicity},
	ActionRecordObjection:        {objectionRoles, []Stage{StageVillagePublicity, StageTownshipPublicity}, ""},
	ActionResolveObjection:       {objectionRoles, []Stage{StageVillagePublicity, StageTownshipPublicity}, ""},
	ActionCloseVillagePublicity:  {only(RoleVillageCadre), []Stage{StageVillagePublicity}, StageTownshipReview},
	ActionTownshipReview:         {only(RoleTownshipOfficer), []Stage{StageTownshipReview}, StageTownshipPublicity},
	ActionCloseTownshipPublicity: {only(RoleTownshipOfficer), []Stage{StageTownshipPublicity}, StageCountyReview},
	ActionVerifyHousehold:        {only(RoleCivilAffairs), []Stage{StageCountyReview}, ""}, // the fixture is a 低保户
	ActionAppraise:               {only(RoleCountyInspector), []Stage{StageCountyReview}, ""},
	ActionApprove:                {only(RoleCountyApprover), []Stage{StageCountyReview}, StageApproved},
	ActionCountyReturn:           {only(RoleCountyApprover), []Stage{StageCountyReview}, StageApplied},
	ActionStartConstruction:      {only(RoleVillageCadre, RoleTownshipOfficer), []Stage{StageApproved}, StageConstruction},
	ActionRequestAcceptance:      {only(RoleTownshipOfficer), []Stage{StageConstruction}, StageAcceptance},
	ActionAccept:                 {only(RoleCountyInspector), []Stage{StageAcceptance}, StageAccepted},
	ActionDisburse:               {only(RoleDisburser), []Stage{StageAccepted}, StagePaid},
	ActionArchive:                {only(RoleTownshipOfficer), []Stage{StagePaid}, StageArchived},
	ActionWithdraw:               {only(RoleVillageCadre), preApproval, StageWithdrawn},
}

// TestTransitionTable runs every stage × action × role and checks the
// outcome against spec: forbidden for a role not in the row, wrong_stage
// for the right role at another stage, and otherwise success to the
// row's next stage, with Version+1, one history entry, a valid chain and
// the input case untouched.
func TestTransitionTable(t *testing.T) {
	if len(spec) != len(Actions) {
		t.Fatalf("spec has %d actions, Actions %d", len(spec), len(Actions))
	}
	fixtures := map[Stage]*walker{}
	for _, s := range Stages {
		fixtures[s] = walkTo(t, s, nil)
		if got := fixtures[s].c.Stage; got != s {
			t.Fatalf("fixture for %s is at %s", s, got)
		}
	}
	successes := 0
	for _, s := range Stages {
		for _, a := range Actions {
			row := spec[a]
			for _, r := range Roles {
				base := fixtures[s]
				w := &walker{t: t, p: base.p, c: base.c, now: base.now}
				in := validInput(w, a)
				before := clone(w.c)
				got, err := Apply(w.c, w.p, actorFor(r), a, in, w.now)
				name := string(s) + "/" + string(a) + "/" + string(r)
				if !reflect.DeepEqual(before, w.c) {
					t.Fatalf("%s: Apply changed its input case", name)
				}
				switch {
				case !slices.Contains(row.roles(s), r):
					if e, ok := AsError(err); !ok || e.Kind != KindForbidden || e.Code != "forbidden" {
						t.Errorf("%s: got %v, want forbidden", name, err)
					}
				case !slices.Contains(row.from, s):
					if e, ok := AsError(err); !ok || e.Kind != KindConflict || e.Code != "wrong_stage" {
						t.Errorf("%s: got %v, want wrong_stage", name, err)
					}
				default:
					if err != nil {
						t.Errorf("%s: got %v, want success", name, err)
						continue
					}
					successes++
					want := row.to
					if want == "" {
						want = s
					}
					if got.Stage != want {
						t.Errorf("%s: stage %s, want %s", name, got.Stage, want)
					}
					if got.Version != w.c.Version+1 || !got.UpdatedAt.Equal(w.now) {
						t.Errorf("%s: version %d updated %v, want %d %v", name, got.Version, got.UpdatedAt, w.c.Version+1, w.now)
					}
					if len(got.History) != len(w.c.History)+1 {
						t.Fatalf("%s: history %d entries, want %d", name, len(got.History), len(w.c.History)+1)
					}
					h := got.History[len(got.History)-1]
					if h.Action != string(a) || h.FromStage != s || h.ToStage != want || h.ActorRole != r || h.ActorID != "u-"+string(r) {
						t.Errorf("%s: history entry %+v", name, h)
					}
					if ok, bad := VerifyHistory(got.History); !ok {
						t.Errorf("%s: history chain broken at %d", name, bad)
					}
				}
			}
		}
	}
	// The table has 23 (stage, action, role) triples that succeed.
	if successes != 23 {
		t.Errorf("got %d successful transitions, want 23", successes)
	}
}

// TestAllowedActionsMatchSpec: next.actions offers exactly what the table
// allows for role, area and stage.
func TestAllowedActionsMatchSpec(t *testing.T) {
	for _, s := range Stages {
		w := walkTo(t, s, nil)
		for _, r := range Roles {
			var want []Action
			for _, a := range Actions {
				if slices.Contains(spec[a].roles(s), r) && slices.Contains(spec[a].from, s) {
					want = append(want, a)
				}
			}
			got := AllowedActions(w.c, actorFor(r), w.now, w.p)
			if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
				t.Errorf("%s/%s: got %v, want %v", s, r, got, want)
			}
			other := actorFor(r)
			other.AreaCode = "622923101"
			if r == RoleVillageCadre {
				other.AreaCode = "622923100202"
			}
			if r.HomeLevel() != LevelCounty {
				if got := AllowedActions(w.c, other, w.now, w.p); len(got) != 0 {
					t.Errorf("%s/%s in another area: got %v, want none", s, r, got)
				}
			}
		}
	}
}

func TestAwaitingActions(t *testing.T) {
	tests := []struct {
		stage Stage
		role  Role
		want  []Action
	}{
		{StageApplied, RoleVillageCadre, []Action{ActionVillageReview}},
		{StageVillagePublicity, RoleVillageCadre, []Action{ActionCloseVillagePublicity}},
		{StageTownshipReview, RoleTownshipOfficer, []Action{ActionTownshipReview}},
		{StageCountyReview, RoleCountyApprover, []Action{ActionApprove}},
		{StageCountyReview, RoleCivilAffairs, nil},
		{StageCountyReview, RoleCountyInspector, nil},
		{StageApproved, RoleTownshipOfficer, []Action{ActionStartConstruction}},
		{StageAccepted, RoleDisburser, []Action{ActionDisburse}},
		{StagePaid, RoleTownshipOfficer, []Action{ActionArchive}},
		{StageArchived, RoleTownshipOfficer, nil},
		{StageApplied, RoleLeader, nil},
	}
	for _, tt := range tests {
		w := walkTo(t, tt.stage, nil)
		got := AwaitingActions(w.c, actorFor(tt.role), w.now, w.p)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s/%s: got %v, want %v", tt.stage, tt.role, got, tt.want)
		}
	}
	// Before certification and appraisal the county departments are awaited, the approver not.
	w := walkTo(t, StageTownshipPublicity, nil)
	w.do(RoleTownshipOfficer, ActionCloseTownshipPublicity, ActionInput{})
	for r, want := range map[Role][]Action{
		RoleCivilAffairs:    {ActionVerifyHousehold},
		RoleCountyInspector: {ActionAppraise},
		RoleCountyApprover:  nil,
	} {
		if got := AwaitingActions(w.c, actorFor(r), w.now, w.p); !reflect.DeepEqual(got, want) {
			t.Errorf("fresh county_review/%s: got %v, want %v", r, got, want)
		}
	}
	if got, want := NextHint(w.c), "待民政局认定农户类型；待住建局鉴定"; got != want {
		t.Errorf("hint %q, want %q", got, want)
	}
	// An open objection makes the cadre's resolve_objection awaited.
	v := walkTo(t, StageVillagePublicity, nil)
	v.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "有异议", ReceivedOn: v.today()})
	got := AwaitingActions(v.c, actorFor(RoleVillageCadre), v.now, v.p)
	if want := []Action{ActionResolveObjection, ActionCloseVillagePublicity}; !reflect.DeepEqual(got, want) {
		t.Errorf("open objection: got %v, want %v", got, want)
	}
}

func TestAreaAndVersionChecks(t *testing.T) {
	w := walkTo(t, StageApplied, nil)
	in := validInput(w, ActionVillageReview)

	neighbour := actorFor(RoleVillageCadre)
	neighbour.AreaCode = "622923100202"
	_, err := Apply(w.c, w.p, neighbour, ActionVillageReview, in, w.now)
	wantCode(t, err, KindForbidden, "forbidden")

	otherTownship := actorFor(RoleTownshipOfficer)
	otherTownship.AreaCode = "622923101"
	tw := walkTo(t, StageTownshipReview, nil)
	_, err = Apply(tw.c, tw.p, otherTownship, ActionTownshipReview, validInput(tw, ActionTownshipReview), tw.now)
	wantCode(t, err, KindForbidden, "forbidden")

	// A cadre account wrongly given a township area acts in no village.
	wide := actorFor(RoleVillageCadre)
	wide.AreaCode = testTownship
	_, err = Apply(w.c, w.p, wide, ActionVillageReview, in, w.now)
	wantCode(t, err, KindForbidden, "forbidden")
	if got := AllowedActions(w.c, wide, w.now, w.p); len(got) != 0 {
		t.Errorf("wide cadre allowed %v", got)
	}

	stale := in
	stale.Version = w.c.Version - 1
	_, err = Apply(w.c, w.p, actorFor(RoleVillageCadre), ActionVillageReview, stale, w.now)
	e := wantCode(t, err, KindConflict, "stale_version")
	if got := e.Details["current_version"]; got != "1" {
		t.Errorf("current_version %q, want 1", got)
	}
	// Role comes before area, area before version, version before stage.
	_, err = Apply(w.c, w.p, neighbour, ActionVillageReview, stale, w.now)
	wantCode(t, err, KindForbidden, "forbidden")
	ar := walkTo(t, StageArchived, nil)
	_, err = Apply(ar.c, ar.p, actorFor(RoleVillageCadre), ActionVillageReview, stale, ar.now)
	wantCode(t, err, KindConflict, "stale_version")

	_, err = Apply(w.c, w.p, actorFor(RoleVillageCadre), Action("demolish"), in, w.now)
	wantCode(t, err, KindNotFound, "unknown_action")
}

// TestInputValidation: each action's missing or bad fields are reported
// by wire name, before any guard.
func TestInputValidation(t *testing.T) {
	tests := []struct {
		stage  Stage
		role   Role
		action Action
		in     func(today Date) ActionInput
		fields []string
	}{
		{StageApplied, RoleVillageCadre, ActionVillageReview, func(Date) ActionInput { return ActionInput{} }, []string{"result"}},
		{StageApplied, RoleVillageCadre, ActionVillageReview, func(Date) ActionInput { return ActionInput{Result: ResultPass} }, []string{"meeting_date", "publicity_start"}},
		{StageApplied, RoleVillageCadre, ActionVillageReview, func(d Date) ActionInput {
			return ActionInput{Result: ResultPass, MeetingDate: d.AddDays(1), PublicityStart: d.AddDays(1)}
		}, []string{"meeting_date", "publicity_start"}},
		{StageApplied, RoleVillageCadre, ActionVillageReview, func(d Date) ActionInput {
			return ActionInput{Result: ResultPass, MeetingDate: d, PublicityStart: d.AddDays(-1)}
		}, []string{"publicity_start"}},
		{StageApplied, RoleVillageCadre, ActionVillageReview, func(d Date) ActionInput {
			return ActionInput{Result: ResultPass, MeetingDate: "2024-4-1", PublicityStart: d}
		}, []string{"meeting_date"}},
		{StageApplied, RoleVillageCadre, ActionVillageReview, func(Date) ActionInput { return ActionInput{Result: ResultFail, Reason: "  "} }, []string{"reason"}},
		{StageVillagePublicity, RoleVillageCadre, ActionRecordObjection, func(d Date) ActionInput { return ActionInput{ReceivedOn: d.AddDays(1)} }, []string{"text", "received_on"}},
		{StageVillagePublicity, RoleVillageCadre, ActionRecordObjection, func(d Date) ActionInput {
			return ActionInput{Text: "x", ReceivedOn: d.AddDays(-30)}
		}, []string{"received_on"}},
		{StageVillagePublicity, RoleVillageCadre, ActionResolveObjection, func(Date) ActionInput {
			return ActionInput{ObjectionID: "obj-9", Outcome: "ignored"}
		}, []string{"objection_id", "outcome"}},
		{StageTownshipReview, RoleTownshipOfficer, ActionTownshipReview, func(Date) ActionInput { return ActionInput{Result: ResultReturn} }, []string{"reason"}},
		{StageTownshipReview, RoleTownshipOfficer, ActionTownshipReview, func(d Date) ActionInput {
			return ActionInput{Result: ResultPass, PublicityStart: d.AddDays(-20)}
		}, []string{"publicity_start"}},
		{StageCountyReview, RoleCivilAffairs, ActionVerifyHousehold, func(Date) ActionInput { return ActionInput{Result: ResultPass} }, []string{"certificate_ref"}},
		{StageCountyReview, RoleCivilAffairs, ActionVerifyHousehold, func(Date) ActionInput { return ActionInput{Result: ResultReturn} }, []string{"reason"}},
		{StageCountyReview, RoleCountyInspector, ActionAppraise, func(Date) ActionInput {
			return ActionInput{Grade: "E", Structure: "straw", BuiltYear: 2025}
		}, []string{"grade", "structure", "built_year"}},
		{StageCountyReview, RoleCountyApprover, ActionApprove, func(Date) ActionInput { return ActionInput{Method: "repair"} }, []string{"method"}},
		{StageCountyReview, RoleCountyApprover, ActionCountyReturn, func(Date) ActionInput { return ActionInput{} }, []string{"reason"}},
		{StageApproved, RoleTownshipOfficer, ActionStartConstruction, func(d Date) ActionInput {
			return ActionInput{StartDate: d.AddDays(3), PlannedFinish: d}
		}, []string{"builder_name", "builder_cert_no", "start_date"}},
		{StageApproved, RoleTownshipOfficer, ActionStartConstruction, func(d Date) ActionInput {
			return ActionInput{BuilderName: "a", BuilderCertNo: "b", StartDate: d, PlannedFinish: d.AddDays(-1)}
		}, []string{"planned_finish"}},
		{StageAcceptance, RoleCountyInspector, ActionAccept, func(Date) ActionInput {
			c := passChecklist()
			c.Walls = CheckFail
			c.Roof = "ok"
			return ActionInput{Result: ResultPass, MeasuredAreaM2: 4, Storeys: 0, Checklist: c}
		}, []string{"checklist.walls", "checklist.roof", "measured_area_m2", "storeys"}},
		{StageAcceptance, RoleCountyInspector, ActionAccept, func(Date) ActionInput {
			return ActionInput{Result: ResultRectify, Checklist: passChecklist()}
		}, []string{"items_to_fix"}},
		{StageAcceptance, RoleCountyInspector, ActionAccept, func(Date) ActionInput {
			s := signatures()
			s[1].SignerRole = SignerHouseholdHead
			s[2].SignerName = ""
			s[0].SHA256 = ""
			return ActionInput{Result: ResultPass, MeasuredAreaM2: 60, Storeys: 1, Checklist: passChecklist(), Signatures: s}
		}, []string{"signatures[0].image_png_base64", "signatures[1].signer_role", "signatures[2].signer_name"}},
		{StageAccepted, RoleDisburser, ActionDisburse, func(d Date) ActionInput {
			return ActionInput{AccountNo: "62-28", PaidOn: d.AddDays(1)}
		}, []string{"bank", "account_no", "payee_name", "voucher_no", "paid_on"}},
		{StageAccepted, RoleDisburser, ActionDisburse, func(d Date) ActionInput {
			return ActionInput{Bank: "b", AccountNo: testAccount, PayeeName: "马有福", VoucherNo: "v", PaidOn: d.AddDays(-90)}
		}, []string{"paid_on"}},
		{StageApplied, RoleVillageCadre, ActionWithdraw, func(Date) ActionInput { return ActionInput{} }, []string{"reason"}},
	}
	for i, tt := range tests {
		w := walkTo(t, tt.stage, nil)
		if tt.action == ActionResolveObjection {
			w.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "有异议", ReceivedOn: w.today()})
		}
		in := tt.in(w.today())
		in.Version = w.c.Version
		_, err := Apply(w.c, w.p, actorFor(tt.role), tt.action, in, w.now)
		e, ok := AsError(err)
		if !ok || e.Kind != KindInvalid || e.Code != "invalid_input" {
			t.Errorf("#%d %s: got %v, want invalid_input", i, tt.action, err)
			continue
		}
		var keys []string
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := slices.Clone(tt.fields)
		slices.Sort(want)
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("#%d %s: fields %v, want %v", i, tt.action, e.Fields, want)
		}
		for k, msg := range e.Fields {
			if msg == "" || !hasHan(msg) {
				t.Errorf("#%d %s: field %s message %q is not Chinese", i, tt.action, k, msg)
			}
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// removePhotos drops every photo of the kinds from w's case.
func removePhotos(w *walker, kinds ...PhotoKind) {
	w.c.Photos = slices.DeleteFunc(slices.Clone(w.c.Photos), func(p Photo) bool { return slices.Contains(kinds, p.Kind) })
}

func TestEvidenceGuards(t *testing.T) {
	tests := []struct {
		stage   Stage
		role    Role
		action  Action
		remove  []PhotoKind
		missing string
	}{
		{StageApplied, RoleVillageCadre, ActionVillageReview, []PhotoKind{PhotoHukou, PhotoApplication, PhotoHouseBefore}, "hukou,application,house_before"},
		{StageApplied, RoleVillageCadre, ActionVillageReview, []PhotoKind{PhotoApplication}, "application"},
		{StageVillagePublicity, RoleVillageCadre, ActionCloseVillagePublicity, []PhotoKind{PhotoNoticeVillage}, "notice_village"},
		{StageTownshipPublicity, RoleTownshipOfficer, ActionCloseTownshipPublicity, []PhotoKind{PhotoNoticeTownship}, "notice_township"},
		{StageApproved, RoleVillageCadre, ActionStartConstruction, []PhotoKind{PhotoAgreement}, "agreement"},
		{StageConstruction, RoleTownshipOfficer, ActionRequestAcceptance, []PhotoKind{PhotoCompletion}, "completion"},
		{StageAcceptance, RoleCountyInspector, ActionAccept, []PhotoKind{PhotoAcceptance}, "acceptance"},
		{StageAcceptance, RoleCountyInspector, ActionAccept, []PhotoKind{PhotoDemolition}, "demolition"},
	}
	for _, tt := range tests {
		w := walkTo(t, tt.stage, nil)
		removePhotos(w, tt.remove...)
		_, err := Apply(w.c, w.p, actorFor(tt.role), tt.action, validInput(w, tt.action), w.now)
		e := wantCode(t, err, KindUnprocessable, "missing_evidence")
		if e.Details["missing"] != tt.missing {
			t.Errorf("%s: missing %q, want %q", tt.action, e.Details["missing"], tt.missing)
		}
		for _, k := range tt.remove {
			if !strings.Contains(e.Message, k.Label()) {
				t.Errorf("%s: message %q does not name %s", tt.action, e.Message, k.Label())
			}
		}
	}
	// A reinforcement needs no demolition photo.
	w := walkTo(t, StageAcceptance, func(c *Case) { c.Method = MethodReinforce })
	removePhotos(w, PhotoDemolition)
	got, err := Apply(w.c, w.p, actorFor(RoleCountyInspector), ActionAccept, validInput(w, ActionAccept), w.now)
	if err != nil || got.Stage != StageAccepted || got.LastAcceptance().SubsidyYuan != 10000 {
		t.Fatalf("reinforce accept: %v %s", err, got.Stage)
	}
}

func TestPublicityWindow(t *testing.T) {
	for _, level := range []struct {
		stage  Stage
		role   Role
		action Action
		hint   string
	}{
		{StageVillagePublicity, RoleVillageCadre, ActionCloseVillagePublicity, "村级公示中，2024-04-08 可结束"},
		{StageTownshipPublicity, RoleTownshipOfficer, ActionCloseTownshipPublicity, "乡镇公示中，2024-04-15 可结束"},
	} {
		w := walkTo(t, level.stage, nil)
		pub := publicityOf(&w.c)
		if got := NextHint(w.c); got != level.hint {
			t.Errorf("hint %q, want %q", got, level.hint)
		}
		// The day before start + N days: not over; at 00:00 of that day (Shanghai): over.
		endDay := pub.Start.AddDays(7).Time()
		for _, tc := range []struct {
			now time.Time
			ok  bool
		}{
			{endDay.Add(-time.Second), false},
			{endDay, true},
		} {
			_, err := Apply(w.c, w.p, actorFor(level.role), level.action, ActionInput{Version: w.c.Version}, tc.now)
			if tc.ok && err != nil {
				t.Errorf("%s at %v: %v", level.action, tc.now, err)
			}
			if !tc.ok {
				e := wantCode(t, err, KindUnprocessable, "publicity_not_over")
				if !strings.Contains(e.Message, string(pub.EndsOn)) {
					t.Errorf("message %q lacks the end date %s", e.Message, pub.EndsOn)
				}
			}
		}
	}
	// A program with 3-day publicity closes on start + 3.
	w := walkTo(t, StageApplied, nil)
	w.p.VillagePublicityDays = 3
	w.do(RoleVillageCadre, ActionVillageReview, validInput(w, ActionVillageReview))
	if got, want := w.c.VillagePublicity.EndsOn, DateOf(t0).AddDays(3); got != want {
		t.Errorf("ends_on %s, want %s", got, want)
	}
}

func TestObjections(t *testing.T) {
	w := walkTo(t, StageVillagePublicity, nil)
	w.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "村民反映其有两处住房", ReceivedOn: w.today()})
	w.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "第二条", ReceivedOn: w.today()})
	if len(w.c.Objections) != 2 || w.c.Objections[1].ID != "obj-2" || w.c.Objections[0].Level != StageVillagePublicity {
		t.Fatalf("objections %+v", w.c.Objections)
	}
	_, err := Apply(w.c, w.p, actorFor(RoleVillageCadre), ActionCloseVillagePublicity, ActionInput{Version: w.c.Version}, w.now)
	e := wantCode(t, err, KindUnprocessable, "open_objection")
	if !strings.Contains(e.Message, "2条") {
		t.Errorf("message %q", e.Message)
	}
	// Dismissed needs an explanation.
	_, err = Apply(w.c, w.p, actorFor(RoleVillageCadre), ActionResolveObjection,
		ActionInput{Version: w.c.Version, ObjectionID: "obj-1", Outcome: OutcomeDismissed}, w.now)
	e = wantCode(t, err, KindInvalid, "invalid_input")
	if _, ok := e.Fields["explanation"]; !ok {
		t.Errorf("fields %v lack explanation", e.Fields)
	}
	w.do(RoleVillageCadre, ActionResolveObjection, ActionInput{ObjectionID: "obj-1", Outcome: OutcomeDismissed, Explanation: "另一处为父母住房"})
	_, err = Apply(w.c, w.p, actorFor(RoleVillageCadre), ActionResolveObjection,
		ActionInput{Version: w.c.Version, ObjectionID: "obj-1", Outcome: OutcomeUpheld}, w.now)
	wantCode(t, err, KindUnprocessable, "objection_resolved")
	// Still one open.
	_, err = Apply(w.c, w.p, actorFor(RoleVillageCadre), ActionCloseVillagePublicity, ActionInput{Version: w.c.Version}, w.now)
	wantCode(t, err, KindUnprocessable, "open_objection")
	// Upheld rejects the case.
	up := *w
	up.do(RoleVillageCadre, ActionResolveObjection, ActionInput{ObjectionID: "obj-2", Outcome: OutcomeUpheld, Explanation: "经核实确有两处住房"})
	if up.c.Stage != StageRejected || !strings.Contains(up.c.CloseReason, "两处住房") {
		t.Errorf("upheld: stage %s reason %q", up.c.Stage, up.c.CloseReason)
	}
	// Dismissing the other lets it close.
	w.do(RoleVillageCadre, ActionResolveObjection, ActionInput{ObjectionID: "obj-2", Outcome: OutcomeDismissed, Explanation: "不属实"})
	w.do(RoleVillageCadre, ActionCloseVillagePublicity, ActionInput{})
	if w.c.Stage != StageTownshipReview || w.c.VillagePublicity.ClosedOn != w.today() {
		t.Errorf("closed: %s %+v", w.c.Stage, w.c.VillagePublicity)
	}
	// A village objection cannot be resolved by the township in township publicity.
	tw := walkTo(t, StageTownshipPublicity, nil)
	tw.do(RoleTownshipOfficer, ActionRecordObjection, ActionInput{Text: "乡镇公示异议", ReceivedOn: tw.today()})
	if tw.c.Objections[0].Level != StageTownshipPublicity {
		t.Errorf("level %s", tw.c.Objections[0].Level)
	}
	_, err = Apply(tw.c, tw.p, actorFor(RoleTownshipOfficer), ActionCloseTownshipPublicity, ActionInput{Version: tw.c.Version}, tw.now)
	wantCode(t, err, KindUnprocessable, "open_objection")
}

func TestReturnsGoBackToApplied(t *testing.T) {
	tests := []struct {
		stage  Stage
		role   Role
		action Action
		in     ActionInput
	}{
		{StageTownshipReview, RoleTownshipOfficer, ActionTownshipReview, ActionInput{Result: ResultReturn, Reason: "缺少户口簿内页"}},
		{StageCountyReview, RoleCivilAffairs, ActionVerifyHousehold, ActionInput{Result: ResultReturn, Reason: "不在低保名单中"}},
		{StageCountyReview, RoleCountyApprover, ActionCountyReturn, ActionInput{Reason: "面积与照片不符"}},
	}
	for _, tt := range tests {
		w := walkTo(t, tt.stage, nil)
		w.do(tt.role, tt.action, tt.in)
		if w.c.Stage != StageApplied || w.c.ReturnReason != tt.in.Reason || w.c.ReturnedBy != tt.role {
			t.Errorf("%s: stage %s reason %q by %s", tt.action, w.c.Stage, w.c.ReturnReason, w.c.ReturnedBy)
		}
		if w.c.VillageReview != nil || w.c.VillagePublicity != nil || w.c.TownshipPublicity != nil {
			t.Errorf("%s: the village and township rounds were not cleared", tt.action)
		}
		if hint := NextHint(w.c); !strings.HasPrefix(hint, "已退回："+tt.in.Reason) {
			t.Errorf("%s: hint %q", tt.action, hint)
		}
		// The cadre fixes it and the case goes round again.
		w.do(RoleVillageCadre, ActionVillageReview, validInput(w, ActionVillageReview))
		if w.c.ReturnReason != "" || w.c.Stage != StageVillagePublicity {
			t.Errorf("%s: after re-review: %s %q", tt.action, w.c.Stage, w.c.ReturnReason)
		}
	}
	// After a verification return the approver cannot approve until certified again.
	w := walkTo(t, StageCountyReview, nil)
	w.do(RoleCivilAffairs, ActionVerifyHousehold, ActionInput{Result: ResultReturn, Reason: "不在低保名单中"})
	if w.c.Verified() {
		t.Error("still verified after a return")
	}
}

func TestVerificationDepartments(t *testing.T) {
	for _, ht := range HouseholdTypes {
		w := walkTo(t, StageCountyReview, func(c *Case) { c.Household.Type = ht })
		dep := ht.Certifier()
		wantDep := map[HouseholdType]Role{
			TypeSubsistenceAllowance: RoleCivilAffairs, TypeExtremePovertySupport: RoleCivilAffairs, TypeNearSubsistence: RoleCivilAffairs,
			TypePovertyRelapseRisk: RoleRuralRevitalization, TypeLiftedFromPoverty: RoleRuralRevitalization, TypeSevereHardship: RoleRuralRevitalization,
		}[ht]
		if dep != wantDep {
			t.Errorf("%s: certifier %q, want %q", ht, dep, wantDep)
		}
		for _, r := range []Role{RoleCivilAffairs, RoleRuralRevitalization} {
			_, err := Apply(w.c, w.p, actorFor(r), ActionVerifyHousehold, validInput(w, ActionVerifyHousehold), w.now)
			if r == wantDep {
				if err != nil {
					t.Errorf("%s by %s: %v", ht, r, err)
				}
			} else {
				wantCode(t, err, KindForbidden, "forbidden")
			}
		}
		// The walk approved nothing yet; approval works for each (hazardous_selfbuilt on its D appraisal).
		got, err := Apply(w.c, w.p, actorFor(RoleCountyApprover), ActionApprove, validInput(w, ActionApprove), w.now)
		if err != nil || got.Stage != StageApproved || got.Approval.PlannedSubsidy != 30000 {
			t.Errorf("%s approve: %v", ht, err)
		}
	}
}

func TestApproveGuards(t *testing.T) {
	county := func(edit func(*Case)) *walker {
		w := walkTo(t, StageTownshipPublicity, edit)
		w.do(RoleTownshipOfficer, ActionCloseTownshipPublicity, ActionInput{})
		return w
	}
	approve := func(w *walker) error {
		_, err := Apply(w.c, w.p, actorFor(RoleCountyApprover), ActionApprove, validInput(w, ActionApprove), w.now)
		return err
	}
	// Not verified.
	w := county(nil)
	w.do(RoleCountyInspector, ActionAppraise, ActionInput{Grade: GradeD, Structure: StructureEarth, BuiltYear: 1978})
	wantCode(t, approve(w), KindUnprocessable, "not_verified")
	// No appraisal.
	w = county(nil)
	w.do(RoleCivilAffairs, ActionVerifyHousehold, validInput(w, ActionVerifyHousehold))
	wantCode(t, approve(w), KindUnprocessable, "no_appraisal")
	// Appraised safe, brick-concrete, recent: not inadequate.
	w.do(RoleCountyInspector, ActionAppraise, ActionInput{Grade: GradeB, Structure: StructureBrickConcrete, BuiltYear: 1995})
	wantCode(t, approve(w), KindUnprocessable, "not_inadequate")
	// Grade B but load-bearing earth: deemed (any basis suffices).
	w.do(RoleCountyInspector, ActionAppraise, ActionInput{Grade: GradeB, Structure: StructureEarth, BuiltYear: 1995})
	if err := approve(w); err != nil {
		t.Errorf("earth structure: %v", err)
	}
	// Each exclusion.
	for flag, code := range map[string]string{
		"relocation": "relocation_planned", "merger": "village_merger_planned", "disaster": "disaster_rebuild_subsidy",
		"renovated": "previously_renovated", "house": "not_only_house",
	} {
		w := walkTo(t, StageCountyReview, func(c *Case) {
			switch flag {
			case "relocation":
				c.Flags.RelocationPlanned = true
			case "merger":
				c.Flags.VillageMergerPlanned = true
			case "disaster":
				c.Flags.DisasterRebuildSubsidy = true
			case "renovated":
				c.Flags.PreviouslyRenovated = true
			case "house":
				c.House.OnlyHouse = false
			}
		})
		e := wantCode(t, approve(w), KindUnprocessable, "excluded")
		if e.Details["reasons"] != code {
			t.Errorf("%s: reasons %q, want %q", flag, e.Details["reasons"], code)
		}
	}
	// 再次纳入 after a small disaster, with the reason recorded: approvable.
	w = walkTo(t, StageCountyReview, func(c *Case) {
		c.Flags.PreviouslyRenovated, c.Flags.SmallDisasterDamage = true, true
		c.Reapplication = "2023年12月积石山地震致房屋再次开裂"
	})
	if err := approve(w); err != nil {
		t.Errorf("reapplication: %v", err)
	}
	// The seventh track needs a C or D appraisal.
	w = walkTo(t, StageCountyReview, func(c *Case) { c.Household.Type = TypeHazardousSelfbuilt })
	w.do(RoleCountyInspector, ActionAppraise, ActionInput{Grade: GradeB, Structure: StructureEarth, BuiltYear: 1978})
	e := wantCode(t, approve(w), KindUnprocessable, "excluded")
	if e.Details["reasons"] != "not_priority_type" {
		t.Errorf("hazardous_selfbuilt B: reasons %q", e.Details["reasons"])
	}
	_, err := Apply(w.c, w.p, actorFor(RoleCivilAffairs), ActionVerifyHousehold, validInput(w, ActionVerifyHousehold), w.now)
	wantCode(t, err, KindForbidden, "forbidden")
	// Approval fixes the method and shows the planned subsidy.
	w = walkTo(t, StageCountyReview, nil)
	w.do(RoleCountyApprover, ActionApprove, ActionInput{Method: MethodReinforce, ArchiveSeq: 1})
	if w.c.Method != MethodReinforce || w.c.Approval.PlannedSubsidy != 10000 {
		t.Errorf("approval %+v method %s", w.c.Approval, w.c.Method)
	}
}

func TestApprovalGivesTheArchiveNumber(t *testing.T) {
	w := walkTo(t, StageCountyReview, nil)
	in := validInput(w, ActionApprove)
	in.ArchiveSeq = 0
	_, err := Apply(w.c, w.p, actorFor(RoleCountyApprover), ActionApprove, in, w.now)
	wantCode(t, err, KindInternal, "no_archive_number")
	in.ArchiveSeq = 37
	got, err := Apply(w.c, w.p, actorFor(RoleCountyApprover), ActionApprove, in, w.now)
	if err != nil {
		t.Fatal(err)
	}
	if want := "永靖危改〔2024〕0037号"; got.ArchiveNo() != want || got.Approval.ArchiveSeq != 37 {
		t.Errorf("archive number %q seq %d, want %q", got.ArchiveNo(), got.Approval.ArchiveSeq, want)
	}
	if h := got.History[len(got.History)-1]; !strings.Contains(h.Input, `"archive_no":"永靖危改〔2024〕0037号"`) {
		t.Errorf("the approval's history does not record the number: %s", h.Input)
	}
	if w.c.ArchiveNo() != "" {
		t.Errorf("a case not approved has archive number %q", w.c.ArchiveNo())
	}
}

func TestFormatArchiveNo(t *testing.T) {
	for _, tc := range []struct {
		year, seq int
		want      string
	}{
		{2024, 1, "永靖危改〔2024〕0001号"},
		{2024, 9999, "永靖危改〔2024〕9999号"},
		{2025, 12345, "永靖危改〔2025〕12345号"},
	} {
		if got := FormatArchiveNo(tc.year, tc.seq); got != tc.want {
			t.Errorf("FormatArchiveNo(%d, %d) = %q, want %q", tc.year, tc.seq, got, tc.want)
		}
	}
}

func TestSeparationOfDuties(t *testing.T) {
	// One person (u-1) appraised while an inspector and approves after a role change.
	w := walkTo(t, StageCountyReview, nil)
	inspector := actorFor(RoleCountyInspector)
	inspector.UserID = "u-1"
	c, err := Apply(w.c, w.p, inspector, ActionAppraise, validInput(w, ActionAppraise), w.now)
	if err != nil {
		t.Fatal(err)
	}
	approver := actorFor(RoleCountyApprover)
	approver.UserID = "u-1"
	_, err = Apply(c, w.p, approver, ActionApprove, ActionInput{Version: c.Version, Method: MethodRebuild, ArchiveSeq: 1}, w.now)
	wantCode(t, err, KindForbidden, "separation_of_duties")

	a := walkTo(t, StageAcceptance, nil)
	inspector.UserID = "u-2"
	c, err = Apply(a.c, a.p, inspector, ActionAccept, validInput(a, ActionAccept), a.now)
	if err != nil {
		t.Fatal(err)
	}
	payer := actorFor(RoleDisburser)
	payer.UserID = "u-2"
	a.c = c
	_, err = Apply(c, a.p, payer, ActionDisburse, validInput(a, ActionDisburse), a.now)
	wantCode(t, err, KindForbidden, "separation_of_duties")
	payer.UserID = "u-3"
	if _, err := Apply(c, a.p, payer, ActionDisburse, validInput(a, ActionDisburse), a.now); err != nil {
		t.Errorf("another payer: %v", err)
	}
}

func TestRectification(t *testing.T) {
	w := walkTo(t, StageAcceptance, nil)
	failed := passChecklist()
	failed.RingBeams = CheckFail
	w.do(RoleCountyInspector, ActionAccept, ActionInput{Result: ResultRectify, Checklist: failed, ItemsToFix: "补设上圈梁"})
	if w.c.Stage != StageConstruction || w.c.LastAcceptance().Passed || w.c.LastAcceptance().ItemsToFix != "补设上圈梁" {
		t.Fatalf("after rectify: %s %+v", w.c.Stage, w.c.LastAcceptance())
	}
	if hint := NextHint(w.c); !strings.Contains(hint, "补设上圈梁") {
		t.Errorf("hint %q", hint)
	}
	// The old completion photo is not proof of the rectified work.
	_, err := Apply(w.c, w.p, actorFor(RoleTownshipOfficer), ActionRequestAcceptance, ActionInput{Version: w.c.Version}, w.now)
	e := wantCode(t, err, KindUnprocessable, "missing_evidence")
	if e.Details["missing"] != "completion" {
		t.Errorf("missing %q", e.Details["missing"])
	}
	w.now = w.now.AddDate(0, 0, 7)
	w.photo(RoleTownshipOfficer, PhotoCompletion)
	w.do(RoleTownshipOfficer, ActionRequestAcceptance, ActionInput{})
	w.do(RoleCountyInspector, ActionAccept, validInput(w, ActionAccept))
	if w.c.Stage != StageAccepted || len(w.c.Acceptances) != 2 || w.c.LastAcceptance().SubsidyYuan != 30000 {
		t.Errorf("second acceptance: %s %d", w.c.Stage, len(w.c.Acceptances))
	}
}

func TestAcceptSubsidyAndSignatures(t *testing.T) {
	for _, tc := range []struct {
		area    float64
		subsidy int64
		block   string
	}{
		{45, 30000, ""},
		{44.99, 0, "重建面积不足45平方米"},
		{120, 30000, ""},
	} {
		w := walkTo(t, StageAcceptance, nil)
		in := validInput(w, ActionAccept)
		in.MeasuredAreaM2 = tc.area
		w.do(RoleCountyInspector, ActionAccept, in)
		a := w.c.LastAcceptance()
		if a.SubsidyYuan != tc.subsidy || a.BlockReason != tc.block || !a.Passed {
			t.Errorf("area %v: subsidy %d block %q", tc.area, a.SubsidyYuan, a.BlockReason)
		}
		if a.FormSHA256 != AcceptanceFormHash(w.c.ID, *a) || a.Version != w.c.Version-1 {
			t.Errorf("area %v: form hash or version not recorded", tc.area)
		}
		_, err := Apply(w.c, w.p, actorFor(RoleDisburser), ActionDisburse, validInput(w, ActionDisburse), w.now)
		if tc.subsidy == 0 {
			e := wantCode(t, err, KindUnprocessable, "subsidy_blocked")
			if !strings.Contains(e.Message, "重建面积不足45平方米") {
				t.Errorf("message %q", e.Message)
			}
			if hint := NextHint(w.c); hint != "补助暂停拨付：重建面积不足45平方米" {
				t.Errorf("hint %q", hint)
			}
		} else if err != nil {
			t.Errorf("area %v disburse: %v", tc.area, err)
		}
	}
	// A program with another minimum names it.
	w := walkTo(t, StageAcceptance, nil)
	w.p.MinRebuildAreaM2 = 50
	in := validInput(w, ActionAccept)
	in.MeasuredAreaM2 = 48
	w.do(RoleCountyInspector, ActionAccept, in)
	if got := w.c.LastAcceptance().BlockReason; got != "重建面积不足50平方米" {
		t.Errorf("block reason %q", got)
	}
	// Each missing signer is named.
	for i, r := range SignerRoles {
		w := walkTo(t, StageAcceptance, nil)
		in := validInput(w, ActionAccept)
		in.Signatures = slices.Delete(slices.Clone(in.Signatures), i, i+1)
		_, err := Apply(w.c, w.p, actorFor(RoleCountyInspector), ActionAccept, in, w.now)
		e := wantCode(t, err, KindUnprocessable, "signatures_missing")
		if e.Details["missing"] != string(r) {
			t.Errorf("missing %q, want %s", e.Details["missing"], r)
		}
	}
}

func TestAcceptanceFormHash(t *testing.T) {
	w := walkTo(t, StageAccepted, nil)
	a := *w.c.LastAcceptance()
	h := AcceptanceFormHash(w.c.ID, a)
	if len(h) != 64 || h != a.FormSHA256 {
		t.Fatalf("hash %q stored %q", h, a.FormSHA256)
	}
	// Signature order does not matter; every part of the form does.
	rev := a
	rev.Signatures = slices.Clone(a.Signatures)
	slices.Reverse(rev.Signatures)
	if AcceptanceFormHash(w.c.ID, rev) != h {
		t.Error("hash depends on signature order")
	}
	changes := map[string]func(*Acceptance){
		"area":      func(a *Acceptance) { a.MeasuredAreaM2 = 75 },
		"storeys":   func(a *Acceptance) { a.Storeys = 2 },
		"checklist": func(a *Acceptance) { a.Checklist.Roof = CheckPass },
		"fix":       func(a *Acceptance) { a.ItemsToFix = "x" },
		"result":    func(a *Acceptance) { a.Passed = false },
		"version":   func(a *Acceptance) { a.Version++ },
		"signer":    func(a *Acceptance) { a.Signatures[0].SignerName = "马有财" },
		"signature": func(a *Acceptance) { a.Signatures[2].SHA256 = hash("forged") },
	}
	for name, change := range changes {
		b := a
		b.Signatures = slices.Clone(a.Signatures)
		change(&b)
		if AcceptanceFormHash(w.c.ID, b) == h {
			t.Errorf("%s: change not detected", name)
		}
	}
	if AcceptanceFormHash("c-0002", a) == h {
		t.Error("case id not bound")
	}
	// An altered stored form makes the file incomplete.
	p := walkTo(t, StagePaid, nil)
	p.c.Acceptances = slices.Clone(p.c.Acceptances)
	p.c.Acceptances[0].MeasuredAreaM2 = 45
	_, err := Apply(p.c, p.p, actorFor(RoleTownshipOfficer), ActionArchive, ActionInput{Version: p.c.Version}, p.now)
	e := wantCode(t, err, KindUnprocessable, "file_incomplete")
	if e.Details["missing"] != "acceptance_form" || !strings.Contains(e.Message, "验收合格表内容与签字时不一致") {
		t.Errorf("details %v message %q", e.Details, e.Message)
	}
}

func TestDisburseGuards(t *testing.T) {
	w := walkTo(t, StageAccepted, nil)
	in := validInput(w, ActionDisburse)
	in.PayeeName = "马有财"
	_, err := Apply(w.c, w.p, actorFor(RoleDisburser), ActionDisburse, in, w.now)
	wantCode(t, err, KindUnprocessable, "payee_mismatch")

	paid := w.c
	paid.Payment = &Payment{AmountYuan: 30000, PaidOn: w.today()}
	_, err = Apply(paid, w.p, actorFor(RoleDisburser), ActionDisburse, validInput(w, ActionDisburse), w.now)
	wantCode(t, err, KindUnprocessable, "already_paid")

	w.do(RoleDisburser, ActionDisburse, ActionInput{Bank: "甘肃省农村信用社", AccountNo: "6228 4801 2345 6789 012", PayeeName: " 马有福 ",
		VoucherNo: "YJ-1", PaidOn: w.today()})
	if w.c.Payment.AmountYuan != 30000 || w.c.Payment.AccountNo != testAccount || w.c.Stage != StagePaid {
		t.Errorf("payment %+v", w.c.Payment)
	}
	// Exactly once: a second disburse is at the wrong stage.
	_, err = Apply(w.c, w.p, actorFor(RoleDisburser), ActionDisburse, validInput(w, ActionDisburse), w.now)
	wantCode(t, err, KindConflict, "wrong_stage")
	last := w.c.History[len(w.c.History)-1]
	if strings.Contains(last.Input, testAccount) || !strings.Contains(last.Input, MaskAccount(testAccount)) {
		t.Errorf("history input %s shows the account", last.Input)
	}
}

func TestArchiveNeedsCompleteFile(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(w *walker)
		missing string
	}{
		{"progress", func(w *walker) { removePhotos(w, PhotoProgress) }, "progress"},
		{"demolition", func(w *walker) { removePhotos(w, PhotoDemolition) }, "demolition"},
		{"notices", func(w *walker) { removePhotos(w, PhotoNoticeVillage, PhotoNoticeTownship) }, "notice_village,notice_township"},
		{"verification", func(w *walker) { w.c.Verification = nil }, "verification"},
		{"signature", func(w *walker) {
			w.c.Acceptances = slices.Clone(w.c.Acceptances)
			w.c.Acceptances[0].Signatures = w.c.Acceptances[0].Signatures[:2]
		}, "acceptance_form"},
	}
	for _, tt := range tests {
		w := walkTo(t, StagePaid, nil)
		tt.edit(w)
		_, err := Apply(w.c, w.p, actorFor(RoleTownshipOfficer), ActionArchive, ActionInput{Version: w.c.Version}, w.now)
		e := wantCode(t, err, KindUnprocessable, "file_incomplete")
		if e.Details["missing"] != tt.missing {
			t.Errorf("%s: missing %q, want %q", tt.name, e.Details["missing"], tt.missing)
		}
	}
	// A reinforcement needs no demolition photo in its file.
	w := walkTo(t, StagePaid, func(c *Case) { c.Method = MethodReinforce })
	removePhotos(w, PhotoDemolition)
	if m := w.c.FileMissing(); m != nil {
		t.Errorf("reinforce file missing %v", m)
	}
	w.do(RoleTownshipOfficer, ActionArchive, ActionInput{})
	if w.c.Stage != StageArchived || w.c.ArchivedAt.IsZero() {
		t.Errorf("archive: %s", w.c.Stage)
	}
}

// TestApplyDoesNotShareSlices: changing the result's records never changes
// the case it came from.
func TestApplyDoesNotShareSlices(t *testing.T) {
	w := walkTo(t, StageVillagePublicity, nil)
	w.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "一", ReceivedOn: w.today()})
	orig := w.c
	snapshot := clone(orig)
	got, err := Apply(orig, w.p, actorFor(RoleVillageCadre), ActionResolveObjection,
		ActionInput{Version: orig.Version, ObjectionID: "obj-1", Outcome: OutcomeDismissed, Explanation: "不属实"}, w.now)
	if err != nil {
		t.Fatal(err)
	}
	got.Objections[0].Text = "changed"
	got.Photos[0].Kind = PhotoOther
	got.History[0].Input = "changed"
	got.VillagePublicity.Start = "2000-01-01"
	got.Household.Members[0].Name = "changed"
	if !reflect.DeepEqual(orig, snapshot) {
		t.Error("the input case shares memory with the result")
	}
	if orig.Objections[0].Outcome != "" {
		t.Error("the input's objection was resolved")
	}
}

// TestProgramValuesAreData runs a program whose values all differ from
// 2024's and from each other, so a step reading the wrong setting (the
// village days for the township 公示, a fixed amount) shows.
func TestProgramValuesAreData(t *testing.T) {
	w := walkTo(t, StageTownshipReview, nil)
	w.p.VillagePublicityDays, w.p.TownshipPublicityDays = 3, 10
	w.do(RoleTownshipOfficer, ActionTownshipReview, validInput(w, ActionTownshipReview))
	start := w.c.TownshipPublicity.Start
	if got, want := w.c.TownshipPublicity.EndsOn, start.AddDays(10); got != want {
		t.Errorf("township ends_on %s, want %s", got, want)
	}
	w.photo(RoleTownshipOfficer, PhotoNoticeTownship)
	closeOn := func(day Date) error {
		_, err := Apply(w.c, w.p, actorFor(RoleTownshipOfficer), ActionCloseTownshipPublicity,
			ActionInput{Version: w.c.Version}, day.Time().Add(12*time.Hour))
		return err
	}
	wantCode(t, closeOn(start.AddDays(9)), KindUnprocessable, "publicity_not_over")
	if err := closeOn(start.AddDays(10)); err != nil {
		t.Errorf("close on start + 10: %v", err)
	}

	// A reinforcement is paid the program's reinforcement amount.
	r := walkTo(t, StageAcceptance, func(c *Case) { c.Method = MethodReinforce })
	r.p.RebuildSubsidyYuan, r.p.ReinforceSubsidyYuan = 41000, 12500
	r.do(RoleCountyInspector, ActionAccept, validInput(r, ActionAccept))
	r.do(RoleDisburser, ActionDisburse, validInput(r, ActionDisburse))
	if r.c.Payment.AmountYuan != 12500 {
		t.Errorf("reinforcement paid %d, want the program's 12500", r.c.Payment.AmountYuan)
	}
}

// TestObjectionBelongsToItsPublicity: an objection of the village 公示
// is not the township officer's to decide during the township 公示.
func TestObjectionBelongsToItsPublicity(t *testing.T) {
	w := walkTo(t, StageVillagePublicity, nil)
	w.do(RoleVillageCadre, ActionRecordObjection, validInput(w, ActionRecordObjection))
	w.do(RoleVillageCadre, ActionResolveObjection, ActionInput{ObjectionID: "obj-1", Outcome: OutcomeDismissed, Explanation: "经核实不属实"})
	w.do(RoleVillageCadre, ActionCloseVillagePublicity, ActionInput{})
	w.do(RoleTownshipOfficer, ActionTownshipReview, validInput(w, ActionTownshipReview))
	_, err := Apply(w.c, w.p, actorFor(RoleTownshipOfficer), ActionResolveObjection,
		ActionInput{Version: w.c.Version, ObjectionID: "obj-1", Outcome: OutcomeUpheld}, w.now)
	if e := wantCode(t, err, KindInvalid, "invalid_input"); e.Fields["objection_id"] == "" {
		t.Errorf("fields %v, want objection_id", e.Fields)
	}
}

// TestAcceptAndStartDatesRequired: a passed acceptance needs the measured
// area (the subsidy rests on it), and works cannot start before approval.
func TestAcceptAndStartDatesRequired(t *testing.T) {
	w := walkTo(t, StageAcceptance, nil)
	in := validInput(w, ActionAccept)
	in.MeasuredAreaM2, in.Storeys = 0, 0
	_, err := Apply(w.c, w.p, actorFor(RoleCountyInspector), ActionAccept, in, w.now)
	e := wantCode(t, err, KindInvalid, "invalid_input")
	if e.Fields["measured_area_m2"] == "" || e.Fields["storeys"] == "" {
		t.Errorf("fields %v, want measured_area_m2 and storeys", e.Fields)
	}

	a := walkTo(t, StageApproved, nil)
	in = validInput(a, ActionStartConstruction)
	in.StartDate = DateOf(a.c.Approval.At).AddDays(-1)
	_, err = Apply(a.c, a.p, actorFor(RoleTownshipOfficer), ActionStartConstruction, in, a.now)
	if e := wantCode(t, err, KindInvalid, "invalid_input"); e.Fields["start_date"] == "" {
		t.Errorf("fields %v, want start_date", e.Fields)
	}
}
