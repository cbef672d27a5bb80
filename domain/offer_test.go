package domain

import (
	"reflect"
	"slices"
	"testing"
)

// offer is the Offer of a with mode and the action's own label.
func offer(a Action, mode OfferMode) Offer { return Offer{Action: a, Mode: mode, Label: a.Label()} }

func TestOffers(t *testing.T) {
	tests := []struct {
		name   string
		stage  Stage
		role   Role
		setup  func(w *walker) // changes the case or the clock before asking
		want   []Offer
		photos bool // CanAddPhotos
		edit   bool // CanEdit
	}{
		{name: "applied, the cadre", stage: StageApplied, role: RoleVillageCadre,
			want:   []Offer{offer(ActionVillageReview, OfferPrimary), offer(ActionWithdraw, OfferDanger)},
			photos: true, edit: true},
		{name: "applied, the township officer photographs but takes no step", stage: StageApplied, role: RoleTownshipOfficer,
			want: []Offer{}, photos: true},
		{name: "applied, the leader only reads", stage: StageApplied, role: RoleLeader, want: []Offer{}},
		{name: "applied, a cadre of another village", stage: StageApplied, role: RoleVillageCadre,
			setup: func(w *walker) { w.c.VillageCode = "622923100202" }, want: []Offer{}},
		{name: "village publicity over: closing is the next step, nothing to resolve", stage: StageVillagePublicity, role: RoleVillageCadre,
			want: []Offer{offer(ActionRecordObjection, OfferPrimary), offer(ActionCloseVillagePublicity, OfferPrimary),
				offer(ActionWithdraw, OfferDanger)},
			photos: true},
		{name: "village publicity not over", stage: StageVillagePublicity, role: RoleVillageCadre,
			setup: func(w *walker) { w.now = w.now.AddDate(0, 0, -1) },
			want: []Offer{offer(ActionRecordObjection, OfferPrimary),
				{Action: ActionCloseVillagePublicity, Mode: OfferNotYet, Label: "结束村级公示", Reason: "村级公示中，2024-04-08 可结束"},
				offer(ActionWithdraw, OfferDanger)},
			photos: true},
		{name: "village publicity with an open objection", stage: StageVillagePublicity, role: RoleVillageCadre,
			setup: func(w *walker) {
				w.do(RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "村民反映另有住房", ReceivedOn: w.today()})
			},
			want: []Offer{offer(ActionRecordObjection, OfferPrimary), offer(ActionResolveObjection, OfferPrimary),
				{Action: ActionCloseVillagePublicity, Mode: OfferNotYet, Label: "结束村级公示", Reason: "村级公示尚有1条异议未处理"},
				offer(ActionWithdraw, OfferDanger)},
			photos: true},
		{name: "village publicity, the township officer waits", stage: StageVillagePublicity, role: RoleTownshipOfficer,
			want: []Offer{}, photos: true},
		{name: "township publicity over", stage: StageTownshipPublicity, role: RoleTownshipOfficer,
			want:   []Offer{offer(ActionRecordObjection, OfferPrimary), offer(ActionCloseTownshipPublicity, OfferPrimary)},
			photos: true},
		{name: "township publicity not over", stage: StageTownshipPublicity, role: RoleTownshipOfficer,
			setup: func(w *walker) { w.now = w.now.AddDate(0, 0, -3) },
			want: []Offer{offer(ActionRecordObjection, OfferPrimary),
				{Action: ActionCloseTownshipPublicity, Mode: OfferNotYet, Label: "结束乡镇公示", Reason: "乡镇公示中，2024-04-15 可结束"}},
			photos: true},
		{name: "county review before certification: civil affairs certifies", stage: StageTownshipPublicity, role: RoleCivilAffairs,
			setup:  func(w *walker) { w.do(RoleTownshipOfficer, ActionCloseTownshipPublicity, ActionInput{}) },
			want:   []Offer{offer(ActionVerifyHousehold, OfferPrimary)},
			photos: true},
		{name: "county review before appraisal: the inspector appraises", stage: StageTownshipPublicity, role: RoleCountyInspector,
			setup:  func(w *walker) { w.do(RoleTownshipOfficer, ActionCloseTownshipPublicity, ActionInput{}) },
			want:   []Offer{offer(ActionAppraise, OfferPrimary)},
			photos: true},
		{name: "county review certified: 重新核实", stage: StageCountyReview, role: RoleCivilAffairs,
			want:   []Offer{{Action: ActionVerifyHousehold, Mode: OfferRedo, Label: "重新核实"}},
			photos: true},
		{name: "county review appraised: 重新鉴定", stage: StageCountyReview, role: RoleCountyInspector,
			want:   []Offer{{Action: ActionAppraise, Mode: OfferRedo, Label: "重新鉴定"}},
			photos: true},
		{name: "county review, the approver", stage: StageCountyReview, role: RoleCountyApprover,
			want: []Offer{offer(ActionApprove, OfferPrimary), offer(ActionCountyReturn, OfferDanger)}},
		{name: "county review, rural revitalization certifies other types", stage: StageCountyReview, role: RoleRuralRevitalization,
			want: []Offer{}},
		{name: "accepted, payable", stage: StageAccepted, role: RoleDisburser,
			want: []Offer{offer(ActionDisburse, OfferPrimary)}, photos: true},
		{name: "accepted below the minimum area", stage: StageAcceptance, role: RoleDisburser,
			setup: func(w *walker) {
				in := validInput(w, ActionAccept)
				in.MeasuredAreaM2 = 44
				w.do(RoleCountyInspector, ActionAccept, in)
			},
			want:   []Offer{{Action: ActionDisburse, Mode: OfferNotYet, Label: "拨付补助", Reason: "补助暂停拨付：重建面积不足45平方米"}},
			photos: true},
		{name: "paid: the township officer archives, the disburser adds the voucher", stage: StagePaid, role: RoleDisburser,
			want: []Offer{}, photos: true},
		{name: "paid, the township officer", stage: StagePaid, role: RoleTownshipOfficer,
			want: []Offer{offer(ActionArchive, OfferPrimary)}, photos: true},
		{name: "archived", stage: StageArchived, role: RoleVillageCadre, want: []Offer{}},
		{name: "withdrawn", stage: StageWithdrawn, role: RoleVillageCadre, want: []Offer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := walkTo(t, tt.stage, nil)
			if tt.setup != nil {
				tt.setup(w)
			}
			act := actorFor(tt.role)
			if got := Offers(w.c, act, w.now, w.p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Offers:\n got %+v\nwant %+v", got, tt.want)
			}
			if got := CanAddPhotos(w.c, act); got != tt.photos {
				t.Errorf("CanAddPhotos = %v, want %v", got, tt.photos)
			}
			if got := CanEdit(w.c, act); got != tt.edit {
				t.Errorf("CanEdit = %v, want %v", got, tt.edit)
			}
		})
	}
}

// TestOffersFollowTheRules: on every stage for every role, the offers are
// AllowedActions in order less an idle resolve_objection; a not_yet offer's
// reason is what Apply answers; CanAddPhotos and CanEdit say what AddPhoto
// and Edit do.
func TestOffersFollowTheRules(t *testing.T) {
	for _, s := range Stages {
		for _, early := range []bool{false, true} {
			w := walkTo(t, s, nil)
			if early {
				w.now = w.now.AddDate(0, 0, -1) // publicity periods not over yet
			}
			for _, r := range Roles {
				act := actorFor(r)
				allowed := AllowedActions(w.c, act, w.now, w.p)
				offers := Offers(w.c, act, w.now, w.p)
				var got []Action
				for _, o := range offers {
					got = append(got, o.Action)
					if o.Label == "" || (o.Mode == OfferNotYet) != (o.Reason != "") {
						t.Errorf("%s/%s: offer %+v", s, r, o)
					}
					if o.Mode == OfferNotYet {
						_, err := Apply(w.c, w.p, act, o.Action, validInput(w, o.Action), w.now)
						if e, ok := AsError(err); !ok || e.Message != o.Reason {
							t.Errorf("%s/%s: %s offered not_yet %q, Apply says %v", s, r, o.Action, o.Reason, err)
						}
					}
				}
				want := slices.DeleteFunc(slices.Clone(allowed), func(a Action) bool { return a == ActionResolveObjection })
				if !slices.Equal(got, want) {
					t.Errorf("%s/%s: offers %v, allowed %v", s, r, got, allowed)
				}
				_, err := AddPhoto(w.c, photo("ph-offer", PhotoOther, w.now), act, w.now)
				if CanAddPhotos(w.c, act) != (err == nil) {
					t.Errorf("%s/%s: CanAddPhotos %v, AddPhoto: %v", s, r, CanAddPhotos(w.c, act), err)
				}
				_, err = Edit(w.c, w.p, act, w.c.Version, CaseUpdate{}, w.now)
				if CanEdit(w.c, act) != (err == nil) {
					t.Errorf("%s/%s: CanEdit %v, Edit: %v", s, r, CanEdit(w.c, act), err)
				}
			}
		}
	}
}
