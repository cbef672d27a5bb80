package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
)

// TestRefusedStepLeavesThePhotoOnce: the field app uploads a step's photos
// first (POST /photos, by the photo's client id), then posts the step.
// When the step is refused and sent again, the photo is in the file once.
func TestRefusedStepLeavesThePhotoOnce(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	id := "5d2e8b63-3c0f-4d2e-9f70-1b2c3d4e5f01"
	fileCase(t, ts, s.cadre, id, vilA, 1)
	c := walkTo(t, ts, s, id, 1, domain.StageTownshipReview)
	closedOn := string(domain.DateOf(ts.now()))

	notice := photoFields(ts, "7e3f9c74-4d10-4e3f-a081-2c3d4e5f6a01", domain.PhotoNoticeTownship)
	jpg := jpegOf(t, testScene(41, 800, 600), 85)
	send := func(publicityStart string) (int, []byte) {
		// As the outbox does: the photo, then the step.
		res, body := postPhoto(t, ts, s.officer, id, notice, jpg, "image/jpeg")
		if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
			t.Fatalf("photo: %d %s", res.StatusCode, body)
		}
		return act(t, ts, s.officer, id, "township_review", c.Version, map[string]any{"result": "pass", "publicity_start": publicityStart})
	}
	// Refused: the posting date is before the village 公示 closed.
	status, b := send(string(domain.DateOf(ts.now()).AddDays(-1)))
	var e errorAnswer
	mustJSON(t, b, &e)
	if status != http.StatusBadRequest || e.Error.Fields["publicity_start"] == "" || e.Error.Details["earliest_date"] != closedOn {
		t.Fatalf("backdated township review: %d %s", status, b)
	}
	if f := getFile(t, ts, s.officer, id); f.Stage != "township_review" || f.Version != c.Version {
		t.Fatalf("a refused step changed the file: %s v%d", f.Stage, f.Version)
	}
	// Sent again, corrected, with the same photo: answered as already filed.
	res, body := postPhoto(t, ts, s.officer, id, notice, jpg, "image/jpeg")
	mustStatus(t, res, body, http.StatusOK)
	status, b = send(closedOn)
	if status != http.StatusOK {
		t.Fatalf("corrected township review: %d %s", status, b)
	}
	f := getFile(t, ts, s.officer, id)
	n, added := 0, 0
	for _, p := range f.Photos {
		if p.ID == notice["id"] {
			n++
		}
	}
	for _, h := range f.History {
		if h.Action == "add_photo" && strings.Contains(h.Input, notice["id"]) {
			added++
		}
	}
	if n != 1 || added != 1 || f.Stage != "township_publicity" {
		t.Fatalf("photo in the file %d times, added %d times, stage %s", n, added, f.Stage)
	}
	objs, err := ts.App.Store.List(t.Context(), "cases/"+id+"/")
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, o := range objs {
		if strings.Contains(o.Key, notice["id"]) && !strings.Contains(o.Key, "thumb") {
			copies++
		}
	}
	if copies != 1 {
		t.Errorf("%d stored copies of the photo", copies)
	}
}
