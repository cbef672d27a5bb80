package main

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/domain"
)

func TestHaversine(t *testing.T) {
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
		if got := domain.DistanceM(tt.lat1, tt.lng1, tt.lat2, tt.lng2); math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: %.1f m, want %.1f ± %.0f", tt.name, got, tt.want, tt.tol)
		}
	}
}

func TestFarWarning(t *testing.T) {
	now := time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	c := domain.Case{House: domain.House{Lat: 35.93, Lng: 103.32}}
	north := func(m float64) float64 { return 35.93 + m/111195 }
	tests := []struct {
		name     string
		house    [2]float64
		kind     domain.PhotoKind
		lat, lng float64
		want     bool
	}{
		{"250 m", [2]float64{35.93, 103.32}, domain.PhotoCompletion, north(250), 103.32, false},
		{"350 m", [2]float64{35.93, 103.32}, domain.PhotoCompletion, north(350), 103.32, true},
		{"350 m, appraisal", [2]float64{35.93, 103.32}, domain.PhotoAppraisal, north(350), 103.32, true},
		{"350 m, village notice", [2]float64{35.93, 103.32}, domain.PhotoNoticeVillage, north(350), 103.32, false},
		{"photo not located", [2]float64{35.93, 103.32}, domain.PhotoCompletion, 0, 0, false},
		{"house not located", [2]float64{0, 0}, domain.PhotoCompletion, north(5000), 103.32, false},
	}
	for _, tt := range tests {
		c.House.Lat, c.House.Lng = tt.house[0], tt.house[1]
		w, got := domain.FarFromHouse(c, domain.Photo{ID: "p", Kind: tt.kind, Lat: tt.lat, Lng: tt.lng}, 300, now)
		if got != tt.want {
			t.Errorf("%s: warned %v, want %v (%s)", tt.name, got, tt.want, w.Message)
		}
		if got && (w.Code != domain.WarnFarFromHouse || w.PhotoID != "p" || w.Message == "") {
			t.Errorf("%s: warning %+v", tt.name, w)
		}
	}
	if _, got := domain.FarFromHouse(c, domain.Photo{Kind: domain.PhotoCompletion, Lat: north(350), Lng: 103.32}, 500, now); got {
		t.Error("350 m warned with a 500 m threshold")
	}
}

func TestOrderWarning(t *testing.T) {
	now := time.Date(2024, 6, 1, 2, 0, 0, 0, time.UTC)
	day := func(d string) time.Time { return domain.Date(d).Time().Add(9 * time.Hour) } // 09:00 Shanghai
	c := domain.Case{
		VillagePublicity:  &domain.Publicity{Start: "2024-03-05"},
		TownshipPublicity: &domain.Publicity{Start: "2024-03-20"},
		Approval:          &domain.Approval{At: day("2024-04-01").UTC()},
		Agreement:         &domain.Agreement{StartDate: "2024-04-10"},
		SelfCheckAt:       day("2024-05-20").UTC(),
		Acceptances:       []domain.Acceptance{{Passed: true, At: day("2024-05-25").UTC()}},
	}
	tests := []struct {
		kind  domain.PhotoKind
		taken string
		want  bool
	}{
		{domain.PhotoNoticeVillage, "2024-03-04", true},
		{domain.PhotoNoticeVillage, "2024-03-05", false},
		{domain.PhotoNoticeTownship, "2024-03-19", true},
		{domain.PhotoNoticeTownship, "2024-03-21", false},
		{domain.PhotoAgreement, "2024-03-31", true},
		{domain.PhotoAgreement, "2024-04-01", false},
		{domain.PhotoDemolition, "2024-03-15", true},
		{domain.PhotoProgress, "2024-04-09", true},
		{domain.PhotoProgress, "2024-04-10", false},
		{domain.PhotoCompletion, "2024-04-01", true},
		{domain.PhotoCompletion, "2024-05-01", false},
		{domain.PhotoAcceptance, "2024-05-19", true},
		{domain.PhotoAcceptance, "2024-05-20", false},
		{domain.PhotoVoucher, "2024-05-24", true},
		{domain.PhotoVoucher, "2024-05-26", false},
		{domain.PhotoHouseBefore, "2024-04-10", false}, // the morning works start
		{domain.PhotoHouseBefore, "2024-04-11", true},
		{domain.PhotoHukou, "2020-01-01", false},
		{domain.PhotoOther, "2030-01-01", false},
	}
	for _, tt := range tests {
		w, got := domain.OutOfOrder(c, domain.Photo{ID: "p", Kind: tt.kind, TakenAt: day(tt.taken)}, now)
		if got != tt.want {
			t.Errorf("%s taken %s: warned %v, want %v (%s)", tt.kind, tt.taken, got, tt.want, w.Message)
		}
		if got && (w.Code != domain.WarnOutOfOrder || w.Message == "") {
			t.Errorf("%s: warning %+v", tt.kind, w)
		}
	}
	// Late at night UTC is the next morning in Shanghai: the day counts in
	// Shanghai.
	late := time.Date(2024, 4, 9, 17, 0, 0, 0, time.UTC) // 2024-04-10 01:00 Shanghai
	if _, got := domain.OutOfOrder(c, domain.Photo{Kind: domain.PhotoProgress, TakenAt: late}, now); got {
		t.Error("a progress photo of 01:00 on the start day (Shanghai) was warned")
	}
	// Before the steps exist there is nothing to contradict.
	if _, got := domain.OutOfOrder(domain.Case{}, domain.Photo{Kind: domain.PhotoCompletion, TakenAt: day("2024-01-01")}, now); got {
		t.Error("warned on a case without dates")
	}
}

func TestEvidenceIndexClaims(t *testing.T) {
	e := newEvidence(300)
	a1, a2, b1 := photoRef{"A", "1"}, photoRef{"A", "2"}, photoRef{"B", "1"}
	if m := e.claim(2024, a1, "sha-x", 0xF0F0F0F0F0F0F0F0); len(m) != 0 {
		t.Errorf("first photo matched %v", m)
	}
	if m := e.claim(2024, a2, "sha-x", 0xF0F0F0F0F0F0F0F0); len(m) != 0 {
		t.Errorf("same case matched %v", m)
	}
	m := e.claim(2024, b1, "sha-y", 0xF0F0F0F0F0F0F0F3) // 2 bits from A's
	if len(m) != 2 || m[0].Exact || m[0].Distance != 2 || m[0].Ref.CaseID != "A" {
		t.Errorf("near photo in case B matched %+v, want both photos of A at distance 2", m)
	}
	if m := e.claim(2025, photoRef{"C", "1"}, "sha-x", 0xF0F0F0F0F0F0F0F0); len(m) != 0 {
		t.Errorf("another program matched %v", m)
	}
	if m := e.claim(2024, photoRef{"D", "1"}, "sha-x", 0); len(m) != 2 || !m[0].Exact {
		t.Errorf("same bytes, no perceptual hash: %+v, want both photos of A exactly", m)
	}
	e.forget(2024, b1, "sha-y")
	if m := e.claim(2024, photoRef{"E", "1"}, "sha-z", 0xF0F0F0F0F0F0F0F3); len(m) != 2 {
		t.Errorf("after forgetting B's photo: %+v, want A's two", m)
	}
}

// TestStartCompletesHalfRecordedDuplicates: when the server stopped after
// recording a duplicate on the new photo's case but before the other case,
// the next start adds the other half.
func TestStartCompletesHalfRecordedDuplicates(t *testing.T) {
	ts := newTestServer(t)
	cadreA := ts.userToken(t, domain.RoleVillageCadre, vilA)
	cadreB := ts.userToken(t, domain.RoleVillageCadre, vilB)
	caseA, caseB := "7a1b2c3d-0000-4000-8000-0000000000aa", "7a1b2c3d-0000-4000-8000-0000000000bb"
	fileCase(t, ts, cadreA, caseA, vilA, 30)
	fileCase(t, ts, cadreB, caseB, vilB, 31)
	house := jpegOf(t, testScene(80, 640, 480), 85)
	mustUpload(t, ts, cadreA, caseA, photoFields(ts, "a", domain.PhotoHouseBefore), house, "image/jpeg", http.StatusCreated)
	mustUpload(t, ts, cadreB, caseB, photoFields(ts, "b", domain.PhotoHouseBefore), house, "image/jpeg", http.StatusCreated)
	ctx := context.Background()
	_, err := ts.App.DB.Collection("cases").UpdateOne(ctx, bson.M{"_id": caseA},
		bson.M{"$set": bson.M{"warnings": bson.A{}, "warnings_count": 0, "has_warnings": false}})
	if err != nil {
		t.Fatal(err)
	}
	if ws := caseWarningsOf(t, ts, cadreA, caseA); len(ws) != 0 {
		t.Fatalf("setup: case A still has %d warnings", len(ws))
	}
	if err := startEvidence(ctx, ts.App); err != nil {
		t.Fatal(err)
	}
	ws := caseWarningsOf(t, ts, cadreA, caseA)
	if len(ws) != 1 || ws[0].Code != domain.WarnDuplicatePhoto || ws[0].PhotoID != "a" || ws[0].OtherCaseID != caseB {
		t.Errorf("case A after start: %+v, want the duplicate of its photo a in case B", ws)
	}
	if err := startEvidence(ctx, ts.App); err != nil {
		t.Fatal(err)
	}
	if ws := caseWarningsOf(t, ts, cadreA, caseA); len(ws) != 1 {
		t.Errorf("a second start added again: %d warnings", len(ws))
	}
}
