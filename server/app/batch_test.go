package app

import (
	"net/http"
	"testing"

	"github.com/yongjing/anju/domain"
)

type batchPreviewAnswer struct {
	Ready int `json:"ready"`
	Items []struct {
		Case struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"case"`
		Ready  bool   `json:"ready"`
		Code   string `json:"code"`
		Reason string `json:"reason"`
	} `json:"items"`
}

type batchRunAnswer struct {
	Done    int `json:"done"`
	Refused int `json:"refused"`
	Results []struct {
		ID    string `json:"id"`
		OK    bool   `json:"ok"`
		Stage string `json:"stage"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	} `json:"results"`
}

// TestBatchClosesEveryFinishedPublicityAndReportsEachCase: the township
// officer previews closing the township's 公示 — one ready, one with an
// objection open, one not over, one without its notice photo — then
// confirms them all: the ready one moves, every other is refused with its
// reason, and a second run on the old version is refused as stale.
func TestBatchClosesEveryFinishedPublicityAndReportsEachCase(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	for n := 1; n <= 4; n++ {
		fileCase(t, ts, s.cadre, "b"+string(rune('0'+n)), vilA, n)
	}
	walkTo(t, ts, s, "b1", 1, domain.StageTownshipPublicity)
	c2 := walkTo(t, ts, s, "b2", 2, domain.StageTownshipPublicity)
	walkTo(t, ts, s, "b4", 4, domain.StageTownshipPublicity)
	walkTo(t, ts, s, "b3", 3, domain.StageTownshipPublicity)
	addEvidence(t, ts, "b1", domain.PhotoNoticeTownship)
	addEvidence(t, ts, "b2", domain.PhotoNoticeTownship)
	addEvidence(t, ts, "b3", domain.PhotoNoticeTownship)
	mustAct(t, ts, s.officer, "b2", "record_objection", c2.Version, map[string]any{"text": "村民反映另有住房", "received_on": string(domain.DateOf(ts.now()))})

	res, body := ts.do(t, "GET", "/api/batch/close_township_publicity?village="+vilA, s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	var pv batchPreviewAnswer
	mustJSON(t, body, &pv)
	want := map[string]string{"b1": "", "b2": "open_objection", "b3": "publicity_not_over", "b4": "missing_evidence"}
	if pv.Ready != 1 || len(pv.Items) != 4 || pv.Items[0].Case.ID != "b1" || !pv.Items[0].Ready {
		t.Fatalf("preview: %s", body)
	}
	var cases []map[string]any
	versions := map[string]int{}
	for _, it := range pv.Items {
		if it.Code != want[it.Case.ID] || it.Ready != (want[it.Case.ID] == "") || (!it.Ready && it.Reason == "") {
			t.Errorf("%s: ready %v code %q reason %q, want %q", it.Case.ID, it.Ready, it.Code, it.Reason, want[it.Case.ID])
		}
		cases = append(cases, map[string]any{"id": it.Case.ID, "version": it.Case.Version})
		versions[it.Case.ID] = it.Case.Version
	}
	// A preview writes nothing.
	if c, _ := ts.App.DB.Cases.Get(t.Context(), "b1"); c.Stage != domain.StageTownshipPublicity {
		t.Fatalf("the preview moved b1 to %s", c.Stage)
	}

	res, body = ts.do(t, "POST", "/api/batch/close_township_publicity", s.officer, map[string]any{"cases": cases})
	mustStatus(t, res, body, http.StatusOK)
	var run batchRunAnswer
	mustJSON(t, body, &run)
	if run.Done != 1 || run.Refused != 3 || len(run.Results) != 4 {
		t.Fatalf("run: %s", body)
	}
	for _, r := range run.Results {
		if w := want[r.ID]; w == "" {
			if !r.OK || r.Stage != "county_review" {
				t.Errorf("%s not moved: %+v", r.ID, r)
			}
		} else if r.OK || r.Error == nil || r.Error.Code != w {
			t.Errorf("%s: %+v, want refused with %s", r.ID, r, w)
		}
	}
	res, body = ts.do(t, "POST", "/api/batch/close_township_publicity", s.officer, map[string]any{"cases": []map[string]any{{"id": "b1", "version": versions["b1"]}}})
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &run)
	if run.Done != 0 || run.Results[0].Error == nil || run.Results[0].Error.Code != "stale_version" {
		t.Fatalf("a second run on the old version: %s", body)
	}
	// Archive every complete file of the township.
	fileCase(t, ts, s.cadre, "b5", vilA, 5)
	walkTo(t, ts, s, "b5", 5, domain.StagePaid)
	res, body = ts.do(t, "GET", "/api/batch/archive", s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &pv)
	if len(pv.Items) != 1 || !pv.Items[0].Ready {
		t.Fatalf("archive preview: %s", body)
	}
	res, body = ts.do(t, "POST", "/api/batch/archive", s.officer, map[string]any{"cases": []map[string]any{{"id": "b5", "version": pv.Items[0].Case.Version}}})
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &run)
	if run.Done != 1 || run.Results[0].Stage != "archived" {
		t.Fatalf("archive run: %s", body)
	}
	for _, tt := range []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"not a batch step", "GET", "/api/batch/approve", s.approver, nil, 404},
		{"the cadre sees no township 公示 to close", "GET", "/api/batch/close_township_publicity", s.cadre, nil, 200},
		{"nothing named", "POST", "/api/batch/archive", s.officer, map[string]any{"cases": []any{}}, 400},
		{"the leader closes nothing", "POST", "/api/batch/close_township_publicity", s.leader, map[string]any{"cases": []map[string]any{{"id": "b4", "version": versions["b4"]}}}, 200},
	} {
		res, body := ts.do(t, tt.method, tt.path, tt.token, tt.body)
		if res.StatusCode != tt.status {
			t.Errorf("%s: %d %s", tt.name, res.StatusCode, body)
		}
		if tt.name == "the cadre sees no township 公示 to close" {
			mustJSON(t, body, &pv)
			if len(pv.Items) != 0 {
				t.Errorf("the cadre's preview lists %d cases", len(pv.Items))
			}
		}
		if tt.name == "the leader closes nothing" {
			mustJSON(t, body, &run)
			if run.Done != 0 || run.Results[0].Error.Code != "forbidden" {
				t.Errorf("the leader's batch: %s", body)
			}
		}
	}
}
