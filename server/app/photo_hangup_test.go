package app

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
	"github.com/yongjing/anju/uploads"
)

// TestAPhotoWhosePhoneHungUpIsStillFoundAsADuplicate: the phone sends a
// whole photo and walks out of signal while the server records it in the
// case (the database is slow to take the write). The photo is filed
// all the same, its retry is answered with it, and the same picture filed
// later in another household's case is flagged as a duplicate.
func TestAPhotoWhosePhoneHungUpIsStillFoundAsADuplicate(t *testing.T) {
	proxy := dbtest.NewProxy(t)
	store, err := uploads.NewDisk(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServerOnDB(t, store, proxy.Database(t, dbtest.New(t).Name()))
	cadreA := ts.userToken(t, domain.RoleVillageCadre, vilA)
	cadreB := ts.userToken(t, domain.RoleVillageCadre, vilB)
	caseA, caseB := "7a1b2c3d-0000-4000-8000-00000000a0a0", "7a1b2c3d-0000-4000-8000-00000000b0b0"
	fileCase(t, ts, cadreA, caseA, vilA, 40)
	fileCase(t, ts, cadreB, caseB, vilB, 41)
	house := jpegOf(t, testScene(91, 640, 480), 85)

	released := proxy.Hold("update", "cases", 800*time.Millisecond)
	ctx, hangUp := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer hangUp()
	req := photoRequest(t, ts, cadreA, caseA, photoFields(ts, "a", domain.PhotoHouseBefore), house, "image/jpeg").WithContext(ctx)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the phone was answered %d before it hung up; the hold did not hold", res.StatusCode)
	}
	<-released
	proxy.Hold("", "", 0)
	time.Sleep(300 * time.Millisecond) // the server finishes what it had received

	// The phone comes back and sends the photo again.
	res, body := postPhoto(t, ts, cadreA, caseA, photoFields(ts, "a", domain.PhotoHouseBefore), house, "image/jpeg")
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		t.Fatalf("retry: %d %s", res.StatusCode, body)
	}
	var photos int
	c, err := ts.App.DB.Cases.Get(context.Background(), caseA)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Photos {
		if p.ID == "a" {
			photos++
		}
	}
	if photos != 1 {
		t.Fatalf("case A holds photo a %d times, want once", photos)
	}
	// Another household's cadre files the very same picture.
	got := mustUpload(t, ts, cadreB, caseB, photoFields(ts, "b", domain.PhotoHouseBefore), house, "image/jpeg", http.StatusCreated)
	found := false
	for _, w := range got.Warnings {
		found = found || (w.Code == domain.WarnDuplicatePhoto && w.OtherCaseID == caseA)
	}
	if !found {
		t.Errorf("the same photo in case B raised %v, want a duplicate_photo naming case A", warningCodes(got))
	}
}
