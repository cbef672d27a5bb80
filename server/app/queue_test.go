package app

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/yongjing/anju/domain"
)

// queueAnswer is the part of GET /api/queue the tests read.
type queueAnswer struct {
	ProgramYear int `json:"program_year"`
	Total       int `json:"total"`
	Groups      []struct {
		Queue string `json:"queue"`
		Label string `json:"label"`
		Count int    `json:"count"`
		Items []struct {
			ID   string `json:"id"`
			Work struct {
				Queue       string `json:"queue"`
				WaitingDays int    `json:"waiting_days"`
			} `json:"work"`
		} `json:"items"`
		More bool `json:"more"`
	} `json:"groups"`
	Signals []struct {
		Code  string `json:"code"`
		Count int    `json:"count"`
	} `json:"signals"`
}

func getQueue(t *testing.T, ts *testServer, token, query string) queueAnswer {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/queue?"+query, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var q queueAnswer
	mustJSON(t, body, &q)
	return q
}

// groupsOf is queue → case ids, in the order given.
func groupsOf(q queueAnswer) map[string][]string {
	out := map[string][]string{}
	for _, g := range q.Groups {
		for _, it := range g.Items {
			out[g.Queue] = append(out[g.Queue], it.ID)
		}
	}
	return out
}

// TestWorkQueuesGroupSortAndSignal: the township officer's and the
// cadre's 待办, grouped by what is to be done with counts, the longest
// waiting first, the signals of their home screen, and search by the last
// digits of an ID, a 户口簿 number and a village's name — from the view
// and from the database's indexed queries alike.
func TestWorkQueuesGroupSortAndSignal(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	other := ts.userToken(t, domain.RoleVillageCadre, vilA2)
	for n := 1; n <= 7; n++ {
		fileCase(t, ts, s.cadre, "q"+string(rune('0'+n)), vilA, n)
	}
	fileCase(t, ts, other, "q8", vilA2, 8)
	walkTo(t, ts, s, "q5", 5, domain.StageApproved)
	walkTo(t, ts, s, "q3", 3, domain.StageTownshipPublicity)
	walkTo(t, ts, s, "q2", 2, domain.StageTownshipReview)
	c6 := walkTo(t, ts, s, "q6", 6, domain.StageTownshipReview)
	mustAct(t, ts, s.officer, "q6", "township_review", c6.Version, map[string]any{"result": "return", "reason": "户口簿照片不清晰"})
	walkTo(t, ts, s, "q7", 7, domain.StageTownshipReview)
	walkTo(t, ts, s, "q4", 4, domain.StageTownshipPublicity)

	for _, path := range []string{"view", "database"} {
		t.Run(path, func(t *testing.T) {
			ts.App.DB.Cases.ListFromDB = path == "database"
			defer func() { ts.App.DB.Cases.ListFromDB = false }()
			q := getQueue(t, ts, s.officer, "")
			want := map[string][]string{
				"publicity_closable": {"q3"}, "township_review": {"q2", "q7"}, "start_construction": {"q5"},
				"publicity_running": {"q4"},
			}
			if got := groupsOf(q); !reflect.DeepEqual(got, want) || q.Total != 5 || q.ProgramYear != 2024 {
				t.Fatalf("officer's queue %v (total %d), want %v", got, q.Total, want)
			}
			order := []string{}
			for _, g := range q.Groups {
				order = append(order, g.Queue)
			}
			if !reflect.DeepEqual(order, []string{"publicity_closable", "township_review", "start_construction", "publicity_running"}) {
				t.Errorf("groups in order %v", order)
			}
			if len(q.Signals) != 1 || q.Signals[0].Code != "publicity_closable" || q.Signals[0].Count != 1 {
				t.Errorf("officer's signals %+v", q.Signals)
			}
			cq := getQueue(t, ts, s.cadre, "")
			wantC := map[string][]string{"returned": {"q6"}, "village_review": {"q1"}, "start_construction": {"q5"}}
			if got := groupsOf(cq); !reflect.DeepEqual(got, wantC) {
				t.Fatalf("cadre's queue %v, want %v", got, wantC)
			}
			if len(cq.Signals) != 1 || cq.Signals[0].Code != "returned" {
				t.Errorf("cadre's signals %+v", cq.Signals)
			}
			// Search and filters.
			for _, tt := range []struct {
				name, query string
				want        map[string][]string
			}{
				{"last 4 digits of the ID", "q=" + validID(7)[14:], map[string][]string{"township_review": {"q7"}}},
				{"户口簿 number", "q=HK00002", map[string][]string{"township_review": {"q2"}}},
				{"a stage", "stage=township_publicity", map[string][]string{"publicity_closable": {"q3"}, "publicity_running": {"q4"}}},
				{"one group, from the second", "group=township_review&offset=1", map[string][]string{"township_review": {"q7"}}},
				{"another village", "village=" + vilA2, map[string][]string{}},
			} {
				if got := groupsOf(getQueue(t, ts, s.officer, tt.query)); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
				}
			}
			// The case list searches a village by its name.
			res, body := ts.do(t, "GET", "/api/cases?q="+url.QueryEscape("测试村202"), s.officer, nil)
			mustStatus(t, res, body, http.StatusOK)
			var l listAnswer
			mustJSON(t, body, &l)
			if len(l.Items) != 1 || l.Items[0].ID != "q8" {
				t.Errorf("search by village name: %s", body)
			}
		})
	}
	res, body := ts.do(t, "GET", "/api/queue?group=nothing", s.officer, nil)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown group: %d %s", res.StatusCode, body)
	}
}
