package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHistoryChain(t *testing.T) {
	w := walkTo(t, StageArchived, nil)
	h := w.c.History
	if ok, bad := VerifyHistory(h); !ok {
		t.Fatalf("fresh chain broken at %d", bad)
	}
	if h[0].Action != "create" || h[0].PrevHash != "" || h[0].FromStage != "" || h[0].ToStage != StageApplied {
		t.Errorf("first entry %+v", h[0])
	}
	for i, e := range h {
		if e.Seq != i+1 || len(e.Hash) != 64 || (i > 0 && e.PrevHash != h[i-1].Hash) {
			t.Errorf("entry %d: seq %d prev %q hash %q", i, e.Seq, e.PrevHash, e.Hash)
		}
		if !e.At.Equal(e.At.UTC().Truncate(time.Millisecond)) || e.At.Location() != time.UTC {
			t.Errorf("entry %d: At %v not UTC milliseconds", i, e.At)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(e.Input), &v); err != nil {
			t.Errorf("entry %d: input %q is not a JSON object", i, e.Input)
		}
		// Full identifiers never reach the audit trail.
		for _, secret := range []string{testHeadID, "622923199012310076", testAccount} {
			if strings.Contains(e.Input, secret) {
				t.Errorf("entry %d (%s) shows %s", i, e.Action, secret)
			}
		}
	}
	if !strings.Contains(h[0].Input, MaskID(testHeadID)) {
		t.Errorf("create input %s lacks the masked id", h[0].Input)
	}

	tamper := map[string]func([]HistoryEntry){
		"input":   func(h []HistoryEntry) { h[3].Input = `{"result":"fail"}` },
		"actor":   func(h []HistoryEntry) { h[3].ActorID = "u-other" },
		"time":    func(h []HistoryEntry) { h[3].At = h[3].At.Add(time.Millisecond) },
		"stage":   func(h []HistoryEntry) { h[3].ToStage = StageRejected },
		"rehash":  func(h []HistoryEntry) { h[3].Input = "{}"; h[3].Hash = HistoryHash(h[3]) },
		"seq":     func(h []HistoryEntry) { h[3].Seq = 9 },
		"prev":    func(h []HistoryEntry) { h[3].PrevHash = "" },
		"removed": nil,
	}
	for name, f := range tamper {
		c := append([]HistoryEntry(nil), h...)
		if f == nil {
			c = append(c[:3], c[4:]...)
		} else {
			f(c)
		}
		ok, bad := VerifyHistory(c)
		want := 3
		if name == "rehash" {
			want = 4 // the changed entry is consistent in itself; its successor no longer links to it
		}
		if ok || bad != want {
			t.Errorf("%s: got ok=%v firstBad=%d, want firstBad=%d", name, ok, bad, want)
		}
	}
	if ok, bad := VerifyHistory(nil); !ok || bad != -1 {
		t.Errorf("empty history: %v %d", ok, bad)
	}
}

// TestHistoryHashIsFixed pins the encoding: a stored chain must verify
// after any refactoring.
func TestHistoryHashIsFixed(t *testing.T) {
	e := HistoryEntry{Seq: 1, Action: "create", ActorID: "u1", ActorName: "张三", ActorRole: RoleVillageCadre,
		ActorArea: testVillage, At: time.Date(2024, 4, 1, 2, 0, 0, 5_000_000, time.UTC), ToStage: StageApplied, Input: `{"a":1}`}
	got := HistoryHash(e)
	// Recompute independently: sha256(PrevHash + "\n" + JSON array).
	fields := `[1,"create","u1","张三","village_cadre","622923100201","2024-04-01T02:00:00.005Z","","applied","{\"a\":1}"]`
	if got != hash("\n"+fields) {
		t.Errorf("HistoryHash %s, want sha256 of %s", got, fields)
	}
}

func TestCanonicalInput(t *testing.T) {
	a := canonicalJSON(map[string]any{"b": 1, "a": "x", "c": map[string]any{"z": true, "y": nil}})
	if a != `{"a":"x","b":1,"c":{"y":null,"z":true}}` {
		t.Errorf("got %s", a)
	}
	if canonicalJSON(nil) != "{}" {
		t.Error("nil input")
	}
}

// TestHistoryHashCoversPrevHash pins the encoding of a linked entry: the
// previous hash is part of what is hashed, so an edited entry cannot be
// re-hashed and its successor merely re-pointed at it.
func TestHistoryHashCoversPrevHash(t *testing.T) {
	prev := hash("previous entry")
	e := HistoryEntry{Seq: 2, Action: "village_review", ActorID: "u1", ActorName: "张三", ActorRole: RoleVillageCadre,
		ActorArea: testVillage, At: time.Date(2024, 4, 1, 3, 0, 0, 0, time.UTC), FromStage: StageApplied,
		ToStage: StageVillagePublicity, Input: `{}`, PrevHash: prev}
	fields := `[2,"village_review","u1","张三","village_cadre","622923100201","2024-04-01T03:00:00Z","applied","village_publicity","{}"]`
	if got := HistoryHash(e); got != hash(prev+"\n"+fields) {
		t.Errorf("HistoryHash %s, want sha256 of prev + newline + %s", got, fields)
	}

	h := slices.Clone(walkTo(t, StageTownshipReview, nil).c.History)
	h[3].Input = `{"result":"fail"}`
	h[3].Hash = HistoryHash(h[3])
	h[4].PrevHash = h[3].Hash // re-pointed, not re-hashed
	if ok, bad := VerifyHistory(h); ok || bad != 4 {
		t.Errorf("re-pointed successor: ok=%v firstBad=%d, want firstBad=4", ok, bad)
	}
}

// TestHistorySurvivesStorage: the store keeps instants in milliseconds and
// may hand them back in another time zone; a chain written at
// nanosecond-precise clocks, outside UTC, must still verify after that.
func TestHistorySurvivesStorage(t *testing.T) {
	w := walkTo(t, StageApplied, nil)
	w.now = time.Date(2024, 4, 2, 23, 59, 59, 123_456_789, Shanghai)
	w.do(RoleVillageCadre, ActionVillageReview, validInput(w, ActionVillageReview))
	w.now = w.now.Add(987_654_321 * time.Nanosecond)
	w.do(RoleVillageCadre, ActionRecordObjection, validInput(w, ActionRecordObjection))
	stored := slices.Clone(w.c.History)
	for i := range stored {
		stored[i].At = time.UnixMilli(stored[i].At.UnixMilli()).In(time.FixedZone("X", -5*3600))
	}
	if ok, bad := VerifyHistory(stored); !ok {
		t.Errorf("chain read back from the store is broken at %d", bad)
	}
}
