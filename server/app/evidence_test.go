package app

import (
	"context"
	"net/http"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/domain"
)

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
	_, err := ts.App.DB.Database().Collection("cases").UpdateOne(ctx, bson.M{"_id": caseA},
		bson.M{"$set": bson.M{"warnings": bson.A{}, "warnings_count": 0, "has_warnings": false}})
	if err != nil {
		t.Fatal(err)
	}
	if ws := caseWarningsOf(t, ts, cadreA, caseA); len(ws) != 0 {
		t.Fatalf("setup: case A still has %d warnings", len(ws))
	}
	if err := ts.App.loadPhotoIndex(ctx); err != nil {
		t.Fatal(err)
	}
	ws := caseWarningsOf(t, ts, cadreA, caseA)
	if len(ws) != 1 || ws[0].Code != domain.WarnDuplicatePhoto || ws[0].PhotoID != "a" || ws[0].OtherCaseID != caseB {
		t.Errorf("case A after start: %+v, want the duplicate of its photo a in case B", ws)
	}
	if err := ts.App.loadPhotoIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if ws := caseWarningsOf(t, ts, cadreA, caseA); len(ws) != 1 {
		t.Errorf("a second start added again: %d warnings", len(ws))
	}
}
