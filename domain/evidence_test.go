package domain

import (
	"math"
	"testing"
	"time"
)

func TestDistanceM(t *testing.T) {
	// One degree of latitude is about 111.2 km; 0.001° of longitude at 35.93° N about 90 m.
	if d := DistanceM(35, 103, 36, 103); math.Abs(d-111195) > 50 {
		t.Errorf("1° latitude: %.0f m", d)
	}
	if d := DistanceM(35.93, 103.31, 35.93, 103.311); math.Abs(d-90.1) > 1 {
		t.Errorf("0.001° longitude: %.1f m", d)
	}
	if d := DistanceM(35.93, 103.31, 35.93, 103.31); d != 0 {
		t.Errorf("same point: %v", d)
	}
}

func TestPhotoWarnings(t *testing.T) {
	w := walkTo(t, StageConstruction, nil) // house at 35.93, 103.31; photos before, progress, completion
	var progress Photo
	for _, p := range w.c.Photos {
		if p.Kind == PhotoProgress {
			progress = p
		}
	}
	near := photo("ph-near", PhotoAcceptance, w.now)
	near.Lng = 103.3155 // about 500 m east
	if got := PhotoWarnings(w.c, near, 600, w.now); len(got) != 0 {
		t.Errorf("500 m with a 600 m limit: %+v", got)
	}
	got := PhotoWarnings(w.c, near, 400, w.now)
	if len(got) != 1 || got[0].Code != WarnFarFromHouse || got[0].PhotoID != "ph-near" || !hasHan(got[0].Message) {
		t.Errorf("500 m with a 400 m limit: %+v", got)
	}
	// A notice is posted at the village committee: anywhere is fine.
	notice := photo("ph-notice", PhotoNoticeVillage, w.now)
	notice.Lat = 36.5
	if got := PhotoWarnings(w.c, notice, 400, w.now); len(got) != 0 {
		t.Errorf("notice: %+v", got)
	}
	// Unknown location: no warning.
	nowhere := photo("ph-nowhere", PhotoCompletion, w.now)
	nowhere.Lat, nowhere.Lng = 0, 0
	if got := PhotoWarnings(w.c, nowhere, 400, w.now); len(got) != 0 {
		t.Errorf("no location: %+v", got)
	}
	// A "before" photo taken after a progress photo is out of order.
	late := photo("ph-late", PhotoHouseBefore, progress.TakenAt.Add(time.Hour))
	got = PhotoWarnings(w.c, late, 400, w.now)
	if len(got) != 1 || got[0].Code != WarnOutOfOrder || got[0].OtherPhoto != progress.ID {
		t.Errorf("late before photo: %+v", got)
	}
	// A completion photo taken before the progress photo too.
	early := photo("ph-early", PhotoCompletion, progress.TakenAt.Add(-time.Hour))
	if got := PhotoWarnings(w.c, early, 400, w.now); len(got) != 1 || got[0].Code != WarnOutOfOrder {
		t.Errorf("early completion photo: %+v", got)
	}
	// In order: an acceptance photo after everything.
	if got := PhotoWarnings(w.c, photo("ph-ok", PhotoAcceptance, w.now), 400, w.now); len(got) != 0 {
		t.Errorf("in order: %+v", got)
	}
}

func TestDistanceMAtKnownPlaces(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		want, tol              float64
	}{
		{"same point", 35.93, 103.32, 35.93, 103.32, 0, 0.001},
		{"0.01° north", 35.93, 103.32, 35.94, 103.32, 1111.95, 1},
		{"0.01° east at 35.93°N", 35.93, 103.32, 35.93, 103.33, 1111.95 * math.Cos(35.93*math.Pi/180), 1},
		{"Lanzhou to Linxia", 36.0611, 103.8343, 35.6012, 103.2105, 75_000, 3_000},
		{"antipodes", 0, 0, 0, 180, math.Pi * 6371008.8, 1},
	}
	for _, tt := range tests {
		if got := DistanceM(tt.lat1, tt.lng1, tt.lat2, tt.lng2); math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: %.1f m, want %.1f ± %.0f", tt.name, got, tt.want, tt.tol)
		}
	}
}

func TestFarFromHouse(t *testing.T) {
	now := time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	c := Case{House: House{Lat: 35.93, Lng: 103.32}}
	north := func(m float64) float64 { return 35.93 + m/111195 }
	tests := []struct {
		name     string
		house    [2]float64
		kind     PhotoKind
		lat, lng float64
		want     bool
	}{
		{"250 m", [2]float64{35.93, 103.32}, PhotoCompletion, north(250), 103.32, false},
		{"350 m", [2]float64{35.93, 103.32}, PhotoCompletion, north(350), 103.32, true},
		{"350 m, appraisal", [2]float64{35.93, 103.32}, PhotoAppraisal, north(350), 103.32, true},
		{"350 m, village notice", [2]float64{35.93, 103.32}, PhotoNoticeVillage, north(350), 103.32, false},
		{"photo not located", [2]float64{35.93, 103.32}, PhotoCompletion, 0, 0, false},
		{"house not located", [2]float64{0, 0}, PhotoCompletion, north(5000), 103.32, false},
	}
	for _, tt := range tests {
		c.House.Lat, c.House.Lng = tt.house[0], tt.house[1]
		w, got := FarFromHouse(c, Photo{ID: "p", Kind: tt.kind, Lat: tt.lat, Lng: tt.lng}, 300, now)
		if got != tt.want {
			t.Errorf("%s: warned %v, want %v (%s)", tt.name, got, tt.want, w.Message)
		}
		if got && (w.Code != WarnFarFromHouse || w.PhotoID != "p" || w.Message == "") {
			t.Errorf("%s: warning %+v", tt.name, w)
		}
	}
	if _, got := FarFromHouse(c, Photo{Kind: PhotoCompletion, Lat: north(350), Lng: 103.32}, 500, now); got {
		t.Error("350 m warned with a 500 m threshold")
	}
}

func TestOutOfOrderAgainstStepDates(t *testing.T) {
	now := time.Date(2024, 6, 1, 2, 0, 0, 0, time.UTC)
	day := func(d string) time.Time { return Date(d).Time().Add(9 * time.Hour) } // 09:00 Shanghai
	c := Case{
		VillagePublicity:  &Publicity{Start: "2024-03-05"},
		TownshipPublicity: &Publicity{Start: "2024-03-20"},
		Approval:          &Approval{At: day("2024-04-01").UTC()},
		Agreement:         &Agreement{StartDate: "2024-04-10"},
		SelfCheckAt:       day("2024-05-20").UTC(),
		Acceptances:       []Acceptance{{Passed: true, At: day("2024-05-25").UTC()}},
	}
	tests := []struct {
		kind  PhotoKind
		taken string
		want  bool
	}{
		{PhotoNoticeVillage, "2024-03-04", true},
		{PhotoNoticeVillage, "2024-03-05", false},
		{PhotoNoticeTownship, "2024-03-19", true},
		{PhotoNoticeTownship, "2024-03-21", false},
		{PhotoAgreement, "2024-03-31", true},
		{PhotoAgreement, "2024-04-01", false},
		{PhotoDemolition, "2024-03-15", true},
		{PhotoProgress, "2024-04-09", true},
		{PhotoProgress, "2024-04-10", false},
		{PhotoCompletion, "2024-04-01", true},
		{PhotoCompletion, "2024-05-01", false},
		{PhotoAcceptance, "2024-05-19", true},
		{PhotoAcceptance, "2024-05-20", false},
		{PhotoVoucher, "2024-05-24", true},
		{PhotoVoucher, "2024-05-26", false},
		{PhotoHouseBefore, "2024-04-10", false}, // the morning works start
		{PhotoHouseBefore, "2024-04-11", true},
		{PhotoHukou, "2020-01-01", false},
		{PhotoOther, "2030-01-01", false},
	}
	for _, tt := range tests {
		w, got := OutOfOrder(c, Photo{ID: "p", Kind: tt.kind, TakenAt: day(tt.taken)}, now)
		if got != tt.want {
			t.Errorf("%s taken %s: warned %v, want %v (%s)", tt.kind, tt.taken, got, tt.want, w.Message)
		}
		if got && (w.Code != WarnOutOfOrder || w.Message == "") {
			t.Errorf("%s: warning %+v", tt.kind, w)
		}
	}
	// Late at night UTC is the next morning in Shanghai: the day counts in
	// Shanghai.
	late := time.Date(2024, 4, 9, 17, 0, 0, 0, time.UTC) // 2024-04-10 01:00 Shanghai
	if _, got := OutOfOrder(c, Photo{Kind: PhotoProgress, TakenAt: late}, now); got {
		t.Error("a progress photo of 01:00 on the start day (Shanghai) was warned")
	}
	// Before the steps exist there is nothing to contradict.
	if _, got := OutOfOrder(Case{}, Photo{Kind: PhotoCompletion, TakenAt: day("2024-01-01")}, now); got {
		t.Error("warned on a case without dates")
	}
}
