package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

// programAnswer is the part of a program answer the tests read.
type programAnswer struct {
	Year               int    `json:"year"`
	StartsOn           string `json:"starts_on"`
	Deadline           string `json:"deadline"`
	RebuildSubsidyYuan int64  `json:"rebuild_subsidy_yuan"`
	SupervisionPhone   string `json:"supervision_phone"`
	Closed             bool   `json:"closed"`
	Current            bool   `json:"current"`
	Cases              int64  `json:"cases"`
	Amendments         []struct {
		No      int    `json:"no"`
		ByName  string `json:"by_name"`
		Reason  string `json:"reason"`
		Changes []struct {
			Field string `json:"field"`
			Old   string `json:"old"`
			New   string `json:"new"`
			Text  string `json:"text"`
		} `json:"changes"`
	} `json:"amendments"`
}

func listPrograms(t *testing.T, ts *testServer, token string) map[int]programAnswer {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/programs", token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var ps []programAnswer
	mustJSON(t, body, &ps)
	out := map[int]programAnswer{}
	current := 0
	for _, p := range ps {
		out[p.Year] = p
		if p.Current {
			current++
		}
	}
	if current > 1 {
		t.Fatalf("%d current programs: %s", current, body)
	}
	return out
}

func currentOf(ps map[int]programAnswer) int {
	for y, p := range ps {
		if p.Current {
			return y
		}
	}
	return 0
}

// TestAdminOpensANewYearFromTheLastOnesRules is a county on 2026-12-01
// with only the 2024 program: the admin opens 2026 from 2024's rules,
// changing what the new year changes, and new applications go into it.
func TestAdminOpensANewYearFromTheLastOnesRules(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	admin := ts.adminToken(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)

	if got := currentOf(listPrograms(t, ts, cadre)); got != 2024 {
		t.Fatalf("current %d, want the only program 2024", got)
	}
	res, body := ts.do(t, "POST", "/api/programs", admin, map[string]any{"year": 2026, "from_year": 2024,
		"deadline": "2027-06-30", "rebuild_subsidy_yuan": 35000, "supervision_phone": "0930-8812345"})
	mustStatus(t, res, body, http.StatusCreated)
	var p programAnswer
	mustJSON(t, body, &p)
	if p.Year != 2026 || p.StartsOn != "2026-01-01" || p.Deadline != "2027-06-30" || p.RebuildSubsidyYuan != 35000 ||
		p.SupervisionPhone != "0930-8812345" || !p.Current || p.Closed {
		t.Fatalf("opened %s", body)
	}
	for _, s := range []string{`"reinforce_subsidy_yuan":10000`, `"min_rebuild_area_m2":45`, `"village_publicity_days":7`, `"at_risk_days":90`} {
		if !strings.Contains(string(body), s) {
			t.Errorf("2024's rule %s not carried over: %s", s, body)
		}
	}
	ps := listPrograms(t, ts, cadre)
	if currentOf(ps) != 2026 || ps[2024].Current {
		t.Fatalf("current %d, want 2026", currentOf(ps))
	}
	// Before its first case every value may be set again.
	res, body = ts.do(t, "POST", "/api/programs", admin, map[string]any{"year": 2026, "from_year": 2024,
		"deadline": "2027-06-30", "rebuild_subsidy_yuan": 36000})
	mustStatus(t, res, body, http.StatusOK)

	// The phone files without naming a year: the case goes into 2026,
	// under 2026's rules, with no overdue signal from 2024's deadline.
	f := filing("y26-1", vilA, 1)
	delete(f, "program_year")
	res, body = ts.do(t, "POST", "/api/cases", cadre, f)
	mustStatus(t, res, body, http.StatusCreated)
	for _, s := range []string{`"program_year":2026`, `"subsidy_yuan":36000`, `"overdue":false`, `"deadline":"2027-06-30"`} {
		if !strings.Contains(string(body), s) {
			t.Errorf("filed case lacks %s: %s", s, body)
		}
	}
	res, body = ts.do(t, "GET", "/api/dashboard", cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"program_year":2026`) || !strings.Contains(string(body), `"overdue":0`) {
		t.Fatalf("the dashboard without a year is not the current program's: %s", body)
	}

	// Closed to new applications: filing is refused, the files go on, and
	// the current program is the latest open one.
	res, body = ts.do(t, "POST", "/api/programs/2026/close", cadre, nil)
	mustStatus(t, res, body, http.StatusForbidden)
	res, body = ts.do(t, "POST", "/api/programs/2026/close", admin, nil)
	mustStatus(t, res, body, http.StatusOK)
	f = filing("y26-2", vilA, 2)
	f["program_year"] = 2026
	res, body = ts.do(t, "POST", "/api/cases", cadre, f)
	if res.StatusCode != http.StatusConflict || errorCode(body) != "program_closed" {
		t.Fatalf("filing into a closed program: %d %s", res.StatusCode, body)
	}
	ps = listPrograms(t, ts, cadre)
	if !ps[2026].Closed || currentOf(ps) != 2024 || ps[2026].Cases != 1 {
		t.Fatalf("after closing: %+v", ps)
	}
	res, body = ts.do(t, "POST", "/api/programs/2026/open", admin, nil)
	mustStatus(t, res, body, http.StatusOK)
	if currentOf(listPrograms(t, ts, cadre)) != 2026 {
		t.Fatal("reopened 2026 is not current")
	}
	// Opening from a year that does not exist names the field.
	res, body = ts.do(t, "POST", "/api/programs", admin, map[string]any{"year": 2027, "from_year": 2019})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "from_year") {
		t.Fatalf("from a missing year: %d %s", res.StatusCode, body)
	}
}

// TestRulesInUseChangeOnlyByAmendment: a program with cases refuses a
// silent rewrite, takes an amendment with a reason, shows it with old and
// new values, leaves an approved case's planned subsidy as it was and
// warns a case whose computed amount changed.
func TestRulesInUseChangeOnlyByAmendment(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "am-approved", vilA, 1)
	walkTo(t, ts, s, "am-approved", 1, domain.StageApproved)
	fileCase(t, ts, s.cadre, "am-applied", vilA, 2)

	res, body := ts.do(t, "POST", "/api/programs", s.admin, map[string]any{"year": 2024, "deadline": "2024-09-30",
		"rebuild_subsidy_yuan": 1000000, "reinforce_subsidy_yuan": 10000, "min_rebuild_area_m2": 45, "old_house_years": 40,
		"village_publicity_days": 7, "township_publicity_days": 7, "payment_due_days": 30, "at_risk_days": 90})
	if res.StatusCode != http.StatusConflict || errorCode(body) != "program_in_use" {
		t.Fatalf("silent rewrite: %d %s", res.StatusCode, body)
	}
	tests := []struct {
		name   string
		token  string
		body   any
		status int
		frag   string
	}{
		{"no reason", s.admin, map[string]any{"changes": map[string]any{"rebuild_subsidy_yuan": 32000}}, 400, `"reason"`},
		{"unknown rule", s.admin, map[string]any{"changes": map[string]any{"year": 2030}, "reason": "x"}, 400, "unknown_field"},
		{"not the admin", s.approver, map[string]any{"changes": map[string]any{"rebuild_subsidy_yuan": 32000}, "reason": "x"}, 403, "forbidden"},
		{"bad value", s.admin, map[string]any{"changes": map[string]any{"payment_due_days": 0}, "reason": "x"}, 400, "changes.payment_due_days"},
		{"unknown year", s.admin, map[string]any{"changes": map[string]any{"at_risk_days": 60}, "reason": "x"}, 404, "program_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/programs/2024/amendments"
			if tt.name == "unknown year" {
				path = "/api/programs/2031/amendments"
			}
			res, body := ts.do(t, "POST", path, tt.token, tt.body)
			if res.StatusCode != tt.status || !strings.Contains(string(body), tt.frag) {
				t.Fatalf("got %d %s, want %d with %s", res.StatusCode, body, tt.status, tt.frag)
			}
		})
	}
	res, body = ts.do(t, "POST", "/api/programs/2024/amendments", s.admin, map[string]any{
		"changes": map[string]any{"rebuild_subsidy_yuan": 32000, "deadline": "2024-10-31"}, "reason": "省级补助标准提高"})
	mustStatus(t, res, body, http.StatusCreated)
	var ans struct {
		WarnedCases []string `json:"warned_cases"`
	}
	mustJSON(t, body, &ans)
	if len(ans.WarnedCases) != 1 || ans.WarnedCases[0] != "am-applied" {
		t.Fatalf("warned %v, want only the case not yet approved: %s", ans.WarnedCases, body)
	}

	res, body = ts.do(t, "GET", "/api/programs/2024", s.cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	var p programAnswer
	mustJSON(t, body, &p)
	if p.RebuildSubsidyYuan != 32000 || p.Deadline != "2024-10-31" || len(p.Amendments) != 1 {
		t.Fatalf("program after the amendment: %s", body)
	}
	am := p.Amendments[0]
	if am.No != 1 || am.Reason != "省级补助标准提高" || am.ByName == "" || len(am.Changes) != 2 ||
		am.Changes[1].Field != "rebuild_subsidy_yuan" || am.Changes[1].Old != "30000" || am.Changes[1].New != "32000" ||
		am.Changes[0].Old != "2024-09-30" || am.Changes[0].New != "2024-10-31" {
		t.Fatalf("amendment record %+v", am)
	}

	// The approved case keeps what it was approved with.
	res, body = ts.do(t, "GET", "/api/cases/am-approved", s.approver, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"planned_subsidy_yuan":30000`) || !strings.Contains(string(body), `"subsidy_yuan":30000`) ||
		strings.Contains(string(body), "program_amended") {
		t.Fatalf("approved case changed: %s", body)
	}
	// The case not yet approved shows the new amount and the warning.
	res, body = ts.do(t, "GET", "/api/cases/am-applied", s.cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	for _, frag := range []string{`"subsidy_yuan":32000`, `"code":"program_amended"`, "拆除重建补助 30,000 元 → 32,000 元", "省级补助标准提高"} {
		if !strings.Contains(string(body), frag) {
			t.Errorf("affected case lacks %s: %s", frag, body)
		}
	}
	// An amendment that touches no amount warns nobody; a second warning
	// of the same amendment is never added.
	res, body = ts.do(t, "POST", "/api/programs/2024/amendments", s.admin, map[string]any{
		"changes": map[string]any{"supervision_phone": "12345"}, "reason": "公布监督电话"})
	mustStatus(t, res, body, http.StatusCreated)
	if !strings.Contains(string(body), `"warned_cases":[]`) {
		t.Fatalf("a phone change warned cases: %s", body)
	}
}
