package main

import (
	"context"
	"strings"
	"testing"
)

// TestLostFindsWhatALateWriteReplaced feeds the loss check a file in
// which a late write replaced an acknowledged step and photo, as the
// known defect does, and a file that holds everything.
func TestLostFindsWhatALateWriteReplaced(t *testing.T) {
	s := &soak{ledger: newLedger()}
	ok := s.ledger.attempt("case-ok", "622923100901", idNumber(1), "王建国", false)
	bad := s.ledger.attempt("case-bad", "622923100901", idNumber(4), "李建国", false)
	gone := s.ledger.attempt("case-gone", "622923100901", idNumber(7), "张建国", false)
	for _, c := range []*caseRec{ok, bad, gone} {
		s.ledger.caseAcked(c, "soak-c1-1", caseFile{Version: 1})
		s.ledger.photoAcked(s.ledger.photo(c, "p1", "hukou", "aa", nil, -1), "soak-c1-2", 1)
		s.ledger.step(c, stepRec{Action: "village_review", Seq: 3, Version: 2, Stage: "village_publicity", How: "answer", ReqID: "soak-c1-3"})
	}
	whole := caseFile{Version: 2, Stage: "village_publicity", Photos: []photoFile{{ID: "p1", SHA256: "aa"}},
		History: []historyFile{{Seq: 1, Action: "create"}, {Seq: 2, Action: "add_photo"}, {Seq: 3, Action: "village_review"}}}
	whole.ID = "case-ok"
	// A late photo upload computed on version 1 landed after the review.
	late := caseFile{ID: "case-bad", Version: 1, Stage: "applied", Photos: []photoFile{{ID: "p2", SHA256: "bb"}},
		History: []historyFile{{Seq: 1, Action: "create"}, {Seq: 2, Action: "add_photo"}, {Seq: 3, Action: "add_photo"}}}
	k := &checker{s: s, ph: &phaseResult{}, files: map[string]caseFile{"case-ok": whole, "case-bad": late}}
	if err := k.lost(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := k.ph.Fig.Lost, 3; got != want {
		t.Fatalf("lost %d, want %d: %+v", got, want, k.ph.Findings)
	}
	var text []string
	for _, f := range k.ph.Findings {
		text = append(text, f.Text)
		if f.CaseID == "case-ok" {
			t.Errorf("a whole file was found lacking: %s", f.Text)
		}
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"photo p1", "step village_review of case case-bad", "case case-gone"} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
}
