package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

// fileCaseAt files household n with the phone's filing time filedAt
// (zero: not sent).
func fileCaseAt(t *testing.T, ts *testServer, cadre, id string, n int, filedAt time.Time) {
	t.Helper()
	b := filing(id, vilA, n)
	if !filedAt.IsZero() {
		b["filed_at"] = filedAt.UTC().Format(time.RFC3339)
	}
	res, body := ts.do(t, "POST", "/api/cases", cadre, b)
	mustStatus(t, res, body, http.StatusCreated)
}

// TestPublicityCountsFromThePhonesFiling: the 村委评议 and its 公示 cannot
// be dated before the application was made on the phone (filed_at, never
// later than the server received it), the refusal names the earliest
// date, and the 7 days then really pass before the 公示 can be closed; a
// notice photo taken before its posting date is refused the same way.
func TestPublicityCountsFromThePhonesFiling(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart) // 2024-03-01 09:00 Shanghai
	s := newStaff(t, ts, vilA)
	day := func(d int) string { return string(domain.DateOf(walkStart).AddDays(d)) }

	// Made on the phone two days before it reached the server.
	id := "3f1c7a52-2b9e-4c1d-8e6f-0a1b2c3d4e01"
	fileCaseAt(t, ts, s.cadre, id, 1, walkStart.Add(-48*time.Hour))
	f := getFile(t, ts, s.cadre, id)
	if !f.FiledAt.Equal(walkStart.Add(-48*time.Hour)) || !f.CreatedAt.Equal(walkStart) {
		t.Fatalf("filed_at %v created_at %v", f.FiledAt, f.CreatedAt)
	}
	// A phone clock running ahead counts from the receipt.
	ahead := "3f1c7a52-2b9e-4c1d-8e6f-0a1b2c3d4e02"
	fileCaseAt(t, ts, s.cadre, ahead, 2, walkStart.Add(26*time.Hour))
	if g := getFile(t, ts, s.cadre, ahead); !g.FiledAt.Equal(walkStart) {
		t.Errorf("filed_at from a phone ahead: %v", g.FiledAt)
	}
	// Not sent (an older phone): the receipt.
	old := "3f1c7a52-2b9e-4c1d-8e6f-0a1b2c3d4e03"
	fileCaseAt(t, ts, s.cadre, old, 3, time.Time{})
	if g := getFile(t, ts, s.cadre, old); !g.FiledAt.Equal(walkStart) {
		t.Errorf("filed_at not sent: %v", g.FiledAt)
	}

	addEvidence(t, ts, id, domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
	for _, tc := range []struct {
		name, meeting, start, field, earliest string
	}{
		{"meeting before the phone's filing", day(-3), day(-2), "meeting_date", day(-2)},
		{"posting before the phone's filing", day(-2), day(-3), "publicity_start", day(-2)},
	} {
		status, b := act(t, ts, s.cadre, id, "village_review", 1, map[string]any{"result": "pass",
			"meeting_date": tc.meeting, "publicity_start": tc.start})
		var e errorAnswer
		mustJSON(t, b, &e)
		if status != http.StatusBadRequest || e.Error.Code != "invalid_input" ||
			!strings.Contains(e.Error.Fields[tc.field], tc.earliest) || e.Error.Details["earliest_date"] != tc.earliest {
			t.Errorf("%s: %d %s", tc.name, status, b)
		}
	}
	// The other case, filed on a phone running ahead, may not use the
	// day before its receipt.
	addEvidence(t, ts, ahead, domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
	if status, b := act(t, ts, s.cadre, ahead, "village_review", 1, map[string]any{"result": "pass",
		"meeting_date": day(-1), "publicity_start": day(0)}); status != http.StatusBadRequest || !strings.Contains(string(b), day(0)) {
		t.Errorf("phone ahead, meeting the day before receipt: %d %s", status, b)
	}

	// Posted on the day it was made on the phone: the 7 days count from there.
	c := mustAct(t, ts, s.cadre, id, "village_review", 1, map[string]any{"result": "pass",
		"meeting_date": day(-2), "publicity_start": day(-2)})
	f = getFile(t, ts, s.cadre, id)
	if f.VillagePublicity == nil || f.VillagePublicity.Start != day(-2) || f.VillagePublicity.EndsOn != day(5) {
		t.Fatalf("village publicity %+v", f.VillagePublicity)
	}
	// A photo of the notice taken before it was posted is refused.
	early := photoFields(ts, "notice-early", domain.PhotoNoticeVillage)
	early["taken_at"] = walkStart.Add(-80 * time.Hour).UTC().Format(time.RFC3339)
	res, body := postPhoto(t, ts, s.cadre, id, early, jpegOf(t, testScene(31, 640, 480), 85), "image/jpeg")
	e := mustError(t, res, body, http.StatusBadRequest, "invalid_input")
	if !strings.Contains(e.Error.Fields["taken_at"], day(-2)) || e.Error.Details["earliest_date"] != day(-2) {
		t.Errorf("early notice photo: %s", body)
	}
	mustUpload(t, ts, s.cadre, id, photoFields(ts, "notice-posted", domain.PhotoNoticeVillage),
		jpegOf(t, testScene(32, 640, 480), 85), "image/jpeg", http.StatusCreated)
	if f := getFile(t, ts, s.cadre, id); len(f.Photos) != 4 {
		t.Errorf("photos %+v: the refused one must not be in the file", f.Photos)
	}
	s.travel(t, ts, 3*24*time.Hour) // day 3: six days posted
	if status, b := act(t, ts, s.cadre, id, "close_village_publicity", c.Version, nil); status != http.StatusUnprocessableEntity ||
		errorCode(b) != "publicity_not_over" || !strings.Contains(string(b), day(5)) {
		t.Fatalf("close after six days: %d %s", status, b)
	}
	s.travel(t, ts, 2*24*time.Hour) // day 5: seven days
	if c = mustAct(t, ts, s.cadre, id, "close_village_publicity", c.Version, nil); c.Stage != "township_review" {
		t.Fatalf("closed to %s", c.Stage)
	}
	// The township posting cannot start before the village one closed.
	status, b := act(t, ts, s.officer, id, "township_review", c.Version, map[string]any{"result": "pass", "publicity_start": day(4)})
	mustJSON(t, b, &e)
	if status != http.StatusBadRequest || e.Error.Details["earliest_date"] != day(5) || !strings.Contains(e.Error.Fields["publicity_start"], day(5)) {
		t.Errorf("township posting before the village close: %d %s", status, b)
	}
}
