package domain

import (
	"strings"
	"testing"
	"time"
)

func TestFilingTime(t *testing.T) {
	received := t0
	for _, tc := range []struct {
		name  string
		phone time.Time
		want  time.Time
	}{
		{"not sent: the receipt", time.Time{}, received},
		{"made offline three days before", received.Add(-72 * time.Hour), received.Add(-72 * time.Hour)},
		{"a clock running ahead: the receipt", received.Add(time.Hour), received},
		{"exactly the longest offline time", received.Add(-MaxOfflineFiling), received.Add(-MaxOfflineFiling)},
		{"a clock months behind: bounded", received.AddDate(0, -3, 0), received.Add(-MaxOfflineFiling)},
	} {
		if got := FilingTime(tc.phone, received); !got.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPublicityCannotBeBackdated: no 村委评议 meeting, village or township
// posting date before the case existed (or before it came back to the
// village, or before the village 公示 closed), each refused on its field
// naming the earliest date allowed, in Details too.
func TestPublicityCannotBeBackdated(t *testing.T) {
	day := func(d int) Date { return DateOf(t0).AddDays(d) } // t0 is the day the case is received
	type step struct {
		role   Role
		action Action
		in     ActionInput
	}
	for _, tc := range []struct {
		name     string
		phone    time.Time // FiledAt sent by the phone
		stage    Stage
		before   func(w *walker)
		step     step
		field    string // "" when the step is taken
		earliest Date
	}{
		{name: "meeting the day before filing", stage: StageApplied,
			step:  step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(-1), PublicityStart: day(0)}},
			field: "meeting_date", earliest: day(0)},
		{name: "posting the day before filing", stage: StageApplied,
			step:  step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(-1), PublicityStart: day(-1)}},
			field: "publicity_start", earliest: day(0)},
		{name: "meeting and posting on the filing day", stage: StageApplied,
			step: step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(0), PublicityStart: day(0)}}},
		{name: "made on the phone three days before it had signal", phone: t0.Add(-72 * time.Hour), stage: StageApplied,
			step: step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(-3), PublicityStart: day(-3)}}},
		{name: "before the phone's filing day", phone: t0.Add(-72 * time.Hour), stage: StageApplied,
			step:  step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(-4), PublicityStart: day(-3)}},
			field: "meeting_date", earliest: day(-3)},
		{name: "a phone clock running a day ahead counts from the receipt", phone: t0.Add(24 * time.Hour), stage: StageApplied,
			step:  step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(-1), PublicityStart: day(0)}},
			field: "meeting_date", earliest: day(0)},
		{name: "a phone clock months behind does not open months of back-dating", phone: t0.AddDate(0, -3, 0), stage: StageApplied,
			step:  step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(-31), PublicityStart: day(-30)}},
			field: "meeting_date", earliest: day(-30)},
		{name: "returned by the township: the new round starts on the return day", stage: StageTownshipReview,
			before: func(w *walker) {
				w.do(RoleTownshipOfficer, ActionTownshipReview, ActionInput{Result: ResultReturn, Reason: "户口簿照片不清晰"})
			},
			step:  step{RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: day(0), PublicityStart: day(7)}},
			field: "meeting_date", earliest: day(7)},
		{name: "township posting before the village 公示 closed", stage: StageTownshipReview,
			step:  step{RoleTownshipOfficer, ActionTownshipReview, ActionInput{Result: ResultPass, PublicityStart: day(6)}},
			field: "publicity_start", earliest: day(7)},
		{name: "township posting the day the village 公示 closed", stage: StageTownshipReview,
			step: step{RoleTownshipOfficer, ActionTownshipReview, ActionInput{Result: ResultPass, PublicityStart: day(7)}}},
		{name: "objection received before the posting", stage: StageVillagePublicity,
			step:  step{RoleVillageCadre, ActionRecordObjection, ActionInput{Text: "村民反映其有其他住房", ReceivedOn: day(-1)}},
			field: "received_on", earliest: day(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := walkTo(t, tc.stage, func(c *Case) { c.FiledAt = tc.phone })
			if tc.before != nil {
				tc.before(w)
			}
			in := tc.step.in
			in.Version = w.c.Version
			n, err := Apply(w.c, w.p, actorFor(tc.step.role), tc.step.action, in, w.now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if n.Stage == w.c.Stage && tc.step.action != ActionRecordObjection {
					t.Errorf("stage did not move: %s", n.Stage)
				}
				return
			}
			e := wantCode(t, err, KindInvalid, "invalid_input")
			if msg := e.Fields[tc.field]; msg == "" || !hasHan(msg) || !strings.Contains(msg, string(tc.earliest)) {
				t.Errorf("fields %v: want %s naming %s", e.Fields, tc.field, tc.earliest)
			}
			if got := e.Details["earliest_date"]; got != string(tc.earliest) {
				t.Errorf("details %v, want earliest_date %s", e.Details, tc.earliest)
			}
		})
	}
}

// TestNoticePhotoIsTakenAfterItsPosting: a photo of a posted notice taken
// before the posting date is refused while that 公示 is recorded, and
// closing it needs a photo taken on or after the posting date.
func TestNoticePhotoIsTakenAfterItsPosting(t *testing.T) {
	start := DateOf(t0).AddDays(2)
	w := walkTo(t, StageApplied, nil)
	// The notice photo the cadre sends with the review: taken before the
	// posting date the review then records.
	w.photo(RoleVillageCadre, PhotoNoticeVillage)
	w.now = t0.AddDate(0, 0, 2)
	w.do(RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: start, PublicityStart: start})

	early := photo("ph-early", PhotoNoticeVillage, start.Time().Add(-time.Minute))
	_, err := AddPhoto(w.c, early, actorFor(RoleVillageCadre), w.now)
	e := wantCode(t, err, KindInvalid, "invalid_input")
	if !strings.Contains(e.Fields["taken_at"], string(start)) || e.Details["earliest_date"] != string(start) {
		t.Errorf("early notice photo: fields %v details %v", e.Fields, e.Details)
	}
	// Other kinds are not held to the posting date.
	if _, err := AddPhoto(w.c, photo("ph-meeting", PhotoMeeting, start.Time().Add(-time.Hour)), actorFor(RoleVillageCadre), w.now); err != nil {
		t.Errorf("meeting photo: %v", err)
	}

	w.now = start.Time().AddDate(0, 0, w.p.VillagePublicityDays).Add(9 * time.Hour)
	in := ActionInput{Version: w.c.Version}
	_, err = Apply(w.c, w.p, actorFor(RoleVillageCadre), ActionCloseVillagePublicity, in, w.now)
	e = wantCode(t, err, KindUnprocessable, "missing_evidence")
	if e.Details["missing"] != string(PhotoNoticeVillage) || e.Details["earliest_date"] != string(start) || !strings.Contains(e.Message, string(start)) {
		t.Errorf("close with only an early notice photo: %s %v", e.Message, e.Details)
	}
	w.must(AddPhoto(w.c, photo("ph-posted", PhotoNoticeVillage, start.Time().Add(10*time.Hour)), actorFor(RoleVillageCadre), w.now))
	w.do(RoleVillageCadre, ActionCloseVillagePublicity, ActionInput{})
	if w.c.Stage != StageTownshipReview {
		t.Errorf("stage %s", w.c.Stage)
	}
}
