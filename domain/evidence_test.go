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
