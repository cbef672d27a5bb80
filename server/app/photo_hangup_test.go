package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
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

// TestAPhoneThatHangsUpIsNotAServerError: a township officer reveals a
// 身份证号 (an audited write) and walks out of signal while the database
// is slow. The reveal is recorded all the same, and the log tells of a
// client gone, not of an internal error.
func TestAPhoneThatHangsUpIsNotAServerError(t *testing.T) {
	proxy := dbtest.NewProxy(t)
	store, err := uploads.NewDisk(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ts := &testServer{}
	app, err := newApp(context.Background(), testConfig(t.TempDir()), deps{
		DB: proxy.Database(t, dbtest.New(t).Name()), Store: store, Log: slog.New(slog.NewJSONHandler(&logs, nil)),
		Out: io.Discard, Now: ts.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.App, ts.Server = app, httptest.NewServer(app.Handler())
	t.Cleanup(func() { ts.Server.Close(); app.Close() })
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	officer := ts.userToken(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilA))
	id := "7a1b2c3d-0000-4000-8000-00000000c0c0"
	fileCase(t, ts, cadre, id, vilA, 42)

	released := proxy.Hold("find", "cases", 800*time.Millisecond) // reading the case before the decision
	ctx, hangUp := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer hangUp()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/cases/"+id+"/reveal?field=id_number", nil)
	req.Header.Set("Authorization", "Bearer "+officer)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("answered %d before the hang-up; the hold did not hold", res.StatusCode)
	}
	<-released
	proxy.Hold("", "", 0)
	time.Sleep(300 * time.Millisecond)

	c, err := app.DB.Cases.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if last := c.History[len(c.History)-1]; last.Action != "reveal" {
		t.Errorf("the reveal begun before the hang-up is not recorded: last entry %q", last.Action)
	}
	if s := logs.String(); strings.Contains(s, `"status":500`) || strings.Contains(s, "internal error") {
		t.Errorf("a phone hanging up was logged as a server error:\n%s", s)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
