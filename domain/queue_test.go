package domain

import (
	"reflect"
	"testing"
	"time"
)

func TestWorkFor(t *testing.T) {
	type want map[Role]Queue // roles not named have no work
	tests := []struct {
		name  string
		setup func(t *testing.T) *walker
		want  want
	}{
		{"filed", func(t *testing.T) *walker { return walkTo(t, StageApplied, nil) },
			want{RoleVillageCadre: QueueVillageReview}},
		{"returned by the township", func(t *testing.T) *walker {
			w := walkTo(t, StageTownshipReview, nil)
			w.do(RoleTownshipOfficer, ActionTownshipReview, ActionInput{Result: ResultReturn, Reason: "户口簿照片不清"})
			return w
		}, want{RoleVillageCadre: QueueReturned}},
		{"village 公示 over", func(t *testing.T) *walker { return walkTo(t, StageVillagePublicity, nil) },
			want{RoleVillageCadre: QueuePublicityClosable}},
		{"village 公示 running", func(t *testing.T) *walker {
			w := walkTo(t, StageVillagePublicity, nil)
			w.now = w.now.AddDate(0, 0, -3)
			return w
		}, want{RoleVillageCadre: QueuePublicityRunning}},
		{"village 公示 with an objection", func(t *testing.T) *walker {
			w := walkTo(t, StageVillagePublicity, nil)
			w.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "有商品房", ReceivedOn: w.today()})
			return w
		}, want{RoleVillageCadre: QueueObjection}},
		{"township review", func(t *testing.T) *walker { return walkTo(t, StageTownshipReview, nil) },
			want{RoleTownshipOfficer: QueueTownshipReview}},
		{"township 公示 over", func(t *testing.T) *walker { return walkTo(t, StageTownshipPublicity, nil) },
			want{RoleTownshipOfficer: QueuePublicityClosable}},
		{"county review, nothing done", func(t *testing.T) *walker {
			w := walkTo(t, StageTownshipPublicity, nil)
			w.do(RoleTownshipOfficer, ActionCloseTownshipPublicity, ActionInput{})
			return w
		}, want{RoleCivilAffairs: QueueVerify, RoleCountyInspector: QueueAppraise}},
		{"county review, certified and appraised", func(t *testing.T) *walker { return walkTo(t, StageCountyReview, nil) },
			want{RoleCountyApprover: QueueApprove}},
		{"approved", func(t *testing.T) *walker { return walkTo(t, StageApproved, nil) },
			want{RoleVillageCadre: QueueStart, RoleTownshipOfficer: QueueStart}},
		{"building", func(t *testing.T) *walker { return walkTo(t, StageConstruction, nil) },
			want{RoleTownshipOfficer: QueueRequestAcceptance}},
		{"acceptance requested", func(t *testing.T) *walker { return walkTo(t, StageAcceptance, nil) },
			want{RoleCountyInspector: QueueAccept}},
		{"accepted", func(t *testing.T) *walker { return walkTo(t, StageAccepted, nil) },
			want{RoleDisburser: QueueDisburse}},
		{"paid", func(t *testing.T) *walker { return walkTo(t, StagePaid, nil) },
			want{RoleTownshipOfficer: QueueArchive}},
		{"archived", func(t *testing.T) *walker { return walkTo(t, StageArchived, nil) }, want{}},
		{"withdrawn", func(t *testing.T) *walker { return walkTo(t, StageWithdrawn, nil) }, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.setup(t)
			for _, r := range Roles {
				got, ok := WorkFor(w.c, actorFor(r), w.now, w.p)
				wantQ, wantOK := tt.want[r]
				if ok != wantOK || got.Queue != wantQ {
					t.Errorf("%s: got %q (%v), want %q (%v)", r, got.Queue, ok, wantQ, wantOK)
				}
				if ok && !slicesContains(QueueStages(r), w.c.Stage) {
					t.Errorf("%s has work at %s, which QueueStages leaves out", r, w.c.Stage)
				}
			}
		})
	}
}

func slicesContains(ss []Stage, s Stage) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestWorkWaitsSinceTheLastDecisionAndLateComesFirst(t *testing.T) {
	w := walkTo(t, StageAccepted, nil)
	accepted := w.c.DecidedAt
	// A photo is no decision: the wait goes on.
	w.photo(RoleDisburser, PhotoOther)
	if !w.c.DecidedAt.Equal(accepted) {
		t.Fatalf("a photo moved DecidedAt from %s to %s", accepted, w.c.DecidedAt)
	}
	soon, _ := WorkFor(w.c, actorFor(RoleDisburser), w.now, w.p)
	late, _ := WorkFor(w.c, actorFor(RoleDisburser), accepted.AddDate(0, 0, 31), w.p)
	if soon.Late || !late.Late || late.WaitingDays != 31 || !late.Since.Equal(accepted) {
		t.Fatalf("soon %+v, late %+v", soon, late)
	}
	older := Work{Since: accepted.Add(-time.Hour)}
	newer := Work{Since: accepted}
	for _, tt := range []struct {
		name string
		a, b Work
		want bool
	}{
		{"late before waiting longer", late, older, true},
		{"longer waiting first", older, newer, true},
		{"not the other way", newer, older, false},
		{"equal: by id", newer, newer, true},
	} {
		if got := tt.a.Before(tt.b, "a", "b"); got != tt.want {
			t.Errorf("%s: got %v", tt.name, got)
		}
	}
	// A 公示 that may close waits from its last day.
	v := walkTo(t, StageVillagePublicity, nil)
	got, _ := WorkFor(v.c, actorFor(RoleVillageCadre), v.now.AddDate(0, 0, 2), v.p)
	if DateOf(got.Since) != v.c.VillagePublicity.EndsOn || got.WaitingDays != 2 {
		t.Fatalf("closable since %s (%d days), want %s and 2", DateOf(got.Since), got.WaitingDays, v.c.VillagePublicity.EndsOn)
	}
}

func TestSignals(t *testing.T) {
	got := Signals([]Work{{Queue: QueueReturned}, {Queue: QueueReturned}, {Queue: QueuePublicityClosable},
		{Queue: QueueAccept}, {Queue: QueueDisburse}, {Queue: QueueDisburse, Late: true}, {Queue: QueueTownshipReview}})
	want := []Signal{
		{"returned", QueueReturned, 2, "2 户被退回，需要处理"},
		{"publicity_closable", QueuePublicityClosable, 1, "1 户公示期已满，今天可结束公示"},
		{"acceptance_requested", QueueAccept, 1, "1 户已申请竣工验收"},
		{"payment_overdue", QueueDisburse, 1, "1 户验收后拨付已超期"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if Signals(nil) != nil {
		t.Fatal("signals without work")
	}
}
