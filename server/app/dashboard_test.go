package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

// crew is everyone the random program needs, by a short name, signed in
// again after every trip in time.
type crew struct {
	tokens map[string]string
	users  map[string]string
}

func newCrew(t *testing.T, ts *testServer) *crew {
	t.Helper()
	cr := &crew{tokens: map[string]string{}, users: map[string]string{}}
	add := func(name string, r domain.Role, area string) {
		tok, u := ts.user(t, r, area)
		cr.tokens[name], cr.users[name] = tok, u.Username
	}
	for _, v := range []string{vilA, vilA2, vilB} {
		add("cadre/"+v, domain.RoleVillageCadre, v)
	}
	for _, tw := range []string{domain.TownshipOf(vilA), domain.TownshipOf(vilB)} {
		add("officer/"+tw, domain.RoleTownshipOfficer, tw)
	}
	add("civil", domain.RoleCivilAffairs, domain.CountyCode)
	add("inspector", domain.RoleCountyInspector, domain.CountyCode)
	add("inspector2", domain.RoleCountyInspector, domain.CountyCode)
	add("approver", domain.RoleCountyApprover, domain.CountyCode)
	add("disburser", domain.RoleDisburser, domain.CountyCode)
	add("leader", domain.RoleLeader, domain.CountyCode)
	return cr
}

func (cr *crew) travel(t *testing.T, ts *testServer, d time.Duration) {
	t.Helper()
	ts.Advance(d)
	for name, u := range cr.users {
		cr.tokens[name] = ts.login(t, u, testPassword).AccessToken
	}
}

// randomStep takes one step on case c, chosen at random among those its
// stage allows (forward, back, out), adding the evidence it needs.
func randomStep(t *testing.T, ts *testServer, cr *crew, r *rand.Rand, c domain.Case) {
	t.Helper()
	today := string(domain.DateOf(ts.now()))
	cadre, officer := cr.tokens["cadre/"+c.VillageCode], cr.tokens["officer/"+c.TownshipCode()]
	p := r.IntN(100)
	do := func(token, action string, fields map[string]any) {
		status, b := act(t, ts, token, c.ID, action, c.Version, fields)
		if status != http.StatusOK {
			t.Fatalf("%s on %s case %s: %d %s", action, c.Stage, c.ID, status, b)
		}
	}
	switch c.Stage {
	case domain.StageApplied:
		switch {
		case p < 10:
			do(cadre, "withdraw", map[string]any{"reason": "户主外出务工"})
		case p < 20:
			do(cadre, "village_review", map[string]any{"result": "fail", "meeting_date": today, "reason": "评议未通过"})
		default:
			if len(c.Photos) == 0 {
				addEvidence(t, ts, c.ID, domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
			}
			do(cadre, "village_review", map[string]any{"result": "pass", "meeting_date": today, "publicity_start": today})
		}
	case domain.StageVillagePublicity:
		if c.VillagePublicity.EndsOn > domain.Date(today) {
			return
		}
		addEvidence(t, ts, c.ID, domain.PhotoNoticeVillage)
		do(cadre, "close_village_publicity", nil)
	case domain.StageTownshipReview:
		if p < 15 {
			do(officer, "township_review", map[string]any{"result": "return", "reason": "户口簿照片不清晰"})
			return
		}
		do(officer, "township_review", map[string]any{"result": "pass", "publicity_start": today})
	case domain.StageTownshipPublicity:
		if c.TownshipPublicity.EndsOn > domain.Date(today) {
			return
		}
		addEvidence(t, ts, c.ID, domain.PhotoNoticeTownship)
		do(officer, "close_township_publicity", nil)
	case domain.StageCountyReview:
		switch {
		case p < 8:
			do(cr.tokens["approver"], "county_return", map[string]any{"reason": "鉴定报告缺页"})
		case !c.Verified():
			do(cr.tokens["civil"], "verify_household", map[string]any{"result": "pass", "certificate_ref": "永民低保〔2024〕3号"})
		case c.Appraisal == nil:
			do(cr.tokens["inspector"], "appraise", map[string]any{"grade": "D", "structure": "earth", "built_year": 1976})
		default:
			method := "rebuild"
			if p%2 == 0 {
				method = "reinforce"
			}
			do(cr.tokens["approver"], "approve", map[string]any{"method": method})
		}
	case domain.StageApproved:
		addEvidence(t, ts, c.ID, domain.PhotoAgreement)
		do(cadre, "start_construction", map[string]any{"builder_name": "王师傅", "builder_cert_no": "GJ-7",
			"start_date": today, "planned_finish": string(domain.Date(today).AddDays(60))})
	case domain.StageConstruction:
		addEvidence(t, ts, c.ID, domain.PhotoProgress, domain.PhotoCompletion)
		do(officer, "request_acceptance", nil)
	case domain.StageAcceptance:
		if p < 20 {
			do(cr.tokens["inspector2"], "accept", plausibleInput(domain.ActionAccept, today))
			return
		}
		addEvidence(t, ts, c.ID, domain.PhotoAcceptance, domain.PhotoDemolition)
		area := 62.0
		if p < 30 {
			area = 40 // a rebuild below 45 m² is accepted but not payable
		}
		do(cr.tokens["inspector2"], "accept", map[string]any{"result": "pass", "measured_area_m2": area, "storeys": 1,
			"checklist": map[string]string{"ring_beams": "pass", "tie_columns": "pass", "tie_bars": "pass", "foundation": "pass", "walls": "pass", "roof": "pass"},
			"signatures": []map[string]string{
				{"signer_role": "household_head", "signer_name": c.Household.HeadName, "image_png_base64": signaturePNG(t, 1)},
				{"signer_role": "inspector", "signer_name": "李工", "image_png_base64": signaturePNG(t, 2)},
				{"signer_role": "township_officer", "signer_name": "张干部", "image_png_base64": signaturePNG(t, 3)},
			}})
	case domain.StageAccepted:
		if a := c.LastAcceptance(); p < 50 || a == nil || a.SubsidyYuan == 0 {
			return // left unpaid for a while: late payments must show
		}
		do(cr.tokens["disburser"], "disburse", map[string]any{"bank": "甘肃农信", "account_no": "6228480123456789012",
			"payee_name": c.Household.HeadName, "voucher_no": "PZ-" + c.ID, "paid_on": today})
	case domain.StagePaid:
		if p < 50 {
			do(officer, "archive", nil)
		}
	}
}

// stageAtLeast reports whether s is min or later on the main path
// (rejected and withdrawn are off it).
func stageAtLeast(s, min domain.Stage) bool {
	if s == domain.StageRejected || s == domain.StageWithdrawn {
		return false
	}
	return slices.Index(domain.Stages, s) >= slices.Index(domain.Stages, min)
}

// listed is one row of GET /api/cases with its stored case.
type listed struct {
	VillageCode   string `json:"village_code"`
	Stage         string `json:"stage"`
	WarningsCount int    `json:"warnings_count"`
	Deadline      struct {
		Overdue        bool `json:"overdue"`
		AtRisk         bool `json:"at_risk"`
		PaymentOverdue bool `json:"payment_overdue"`
	} `json:"deadline"`
	ID   string `json:"id"`
	Case domain.Case
}

// listAll pages through GET /api/cases (small pages, to cross page
// boundaries) and loads each listed case from the store.
func listAll(t *testing.T, ts *testServer, cr *crew, query string) []listed {
	t.Helper()
	var out []listed
	cursor := ""
	for {
		res, body := ts.do(t, "GET", "/api/cases?program_year=2024&limit=7&"+query+"&cursor="+cursor, cr.tokens["leader"], nil)
		mustStatus(t, res, body, http.StatusOK)
		var page struct {
			Items      []listed `json:"items"`
			NextCursor string   `json:"next_cursor"`
		}
		mustJSON(t, body, &page)
		out = append(out, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return out
		}
	}
}

// wantDashboard computes what the dashboard of area must say from the
// case list (stage, deadline figures, warnings) and, for the amounts, from
// the stored cases.
func wantDashboard(area string, items []listed) (totals map[string]any, rows map[string]map[string]any) {
	row := func() map[string]any {
		byStage := map[string]any{}
		for _, s := range domain.Stages {
			byStage[string(s)] = 0.0
		}
		return map[string]any{"total": 0.0, "by_stage": byStage, "approved": 0.0, "accepted": 0.0, "paid": 0.0,
			"planned_yuan": 0.0, "paid_yuan": 0.0, "overdue": 0.0, "at_risk": 0.0, "payment_overdue": 0.0, "with_warnings": 0.0}
	}
	totals, rows = row(), map[string]map[string]any{}
	rowCode := func(village string) string {
		if domain.LevelOf(area) == domain.LevelCounty {
			return domain.TownshipOf(village)
		}
		return village
	}
	inc := func(r map[string]any, k string, n float64) { r[k] = r[k].(float64) + n }
	for _, it := range items {
		if !domain.Contains(area, it.VillageCode) {
			continue
		}
		code := rowCode(it.VillageCode)
		if rows[code] == nil {
			rows[code] = row()
		}
		for _, r := range []map[string]any{totals, rows[code]} {
			inc(r, "total", 1)
			r["by_stage"].(map[string]any)[it.Stage] = r["by_stage"].(map[string]any)[it.Stage].(float64) + 1
			st := domain.Stage(it.Stage)
			if stageAtLeast(st, domain.StageApproved) {
				inc(r, "approved", 1)
				inc(r, "planned_yuan", float64(it.Case.Approval.PlannedSubsidy))
			}
			if stageAtLeast(st, domain.StageAccepted) {
				inc(r, "accepted", 1)
			}
			if st == domain.StagePaid || st == domain.StageArchived {
				inc(r, "paid", 1)
				inc(r, "paid_yuan", float64(it.Case.Payment.AmountYuan))
			}
			for k, b := range map[string]bool{"overdue": it.Deadline.Overdue, "at_risk": it.Deadline.AtRisk,
				"payment_overdue": it.Deadline.PaymentOverdue, "with_warnings": it.WarningsCount > 0} {
				if b {
					inc(r, k, 1)
				}
			}
		}
	}
	return totals, rows
}

// checkDashboard compares the dashboards of the county, a township and
// two villages with the case list.
func checkDashboard(t *testing.T, ts *testServer, cr *crew, when string) {
	t.Helper()
	ctx := context.Background()
	items := listAll(t, ts, cr, "")
	for i := range items {
		c, err := ts.App.DB.Cases.Get(ctx, items[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		items[i].Case = c
	}
	filtered := map[string][]listed{"overdue": listAll(t, ts, cr, "overdue=1"), "at_risk": listAll(t, ts, cr, "at_risk=1")}
	for _, area := range []string{domain.CountyCode, domain.TownshipOf(vilA), vilA, vilB} {
		res, body := ts.do(t, "GET", "/api/dashboard?program_year=2024&area="+area, cr.tokens["leader"], nil)
		mustStatus(t, res, body, http.StatusOK)
		var got struct {
			Totals map[string]any   `json:"totals"`
			Rows   []map[string]any `json:"rows"`
		}
		mustJSON(t, body, &got)
		wantTotals, wantRows := wantDashboard(area, items)
		strip := func(m map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range m {
				if k != "code" && k != "name" {
					out[k] = v
				}
			}
			return out
		}
		if g := strip(got.Totals); !reflect.DeepEqual(g, wantTotals) {
			t.Errorf("%s, %s totals:\n got %v\nwant %v", when, area, g, wantTotals)
		}
		for _, r := range got.Rows {
			code := r["code"].(string)
			want := wantRows[code]
			if want == nil {
				if r["total"].(float64) != 0 {
					t.Errorf("%s, %s row %s: %v, want no cases", when, area, code, r)
				}
				continue
			}
			if g := strip(r); !reflect.DeepEqual(g, want) {
				t.Errorf("%s, %s row %s:\n got %v\nwant %v", when, area, code, g, want)
			}
			delete(wantRows, code)
		}
		for code := range wantRows {
			t.Errorf("%s, %s: no row for %s", when, area, code)
		}
		// The list filters agree with the figures too.
		for f, list := range filtered {
			n := 0
			for _, it := range list {
				if domain.Contains(area, it.VillageCode) {
					n++
				}
			}
			if float64(n) != wantTotals[f].(float64) {
				t.Errorf("%s, %s: GET /api/cases?%s=1 lists %d, dashboard says %v", when, area, f, n, wantTotals[f])
			}
		}
	}
}

// TestDashboardAgreesWithTheCaseList runs a random program on 24 cases in
// three villages of two townships — steps forward, returns, rejections,
// withdrawals, failed acceptances, late payments, photo warnings — and at
// several moments compares the county, township and village dashboards
// with figures counted from the case list.
func TestDashboardAgreesWithTheCaseList(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	cr := newCrew(t, ts)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2024))
	villages := []string{vilA, vilA, vilA, vilA2, vilA2, vilB}
	var ids []string
	for i := 0; i < 24; i++ {
		v := villages[i%len(villages)]
		id := fmt.Sprintf("dash-%02d", i)
		res, body := ts.do(t, "POST", "/api/cases", cr.tokens["cadre/"+v], filing(id, v, 200+i))
		mustStatus(t, res, body, http.StatusCreated)
		ids = append(ids, id)
	}
	check := func(when string) {
		t.Helper()
		start := time.Now()
		checkDashboard(t, ts, cr, when)
		t.Logf("%s: checked in %v", when, time.Since(start).Round(time.Millisecond))
	}
	ctx := context.Background()
	for round := 0; round < 13; round++ {
		for _, id := range ids {
			if r.IntN(100) < 25 {
				continue
			}
			c, err := ts.App.DB.Cases.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			randomStep(t, ts, cr, r, c)
		}
		if round == 5 {
			// Two photos are flagged, as the photo checks do.
			for _, id := range ids[:2] {
				staff := domain.Actor{UserID: "checker", Role: domain.RoleTownshipOfficer, AreaCode: domain.TownshipOf(vilA)}
				_, _, err := ts.App.changeCase(ctx, staff, id, func(c domain.Case, _ domain.Program) (domain.Case, error) {
					if c.Stage.Closed() {
						return c, nil
					}
					n, err := domain.AddPhoto(c, domain.Photo{ID: id + "-dup", Kind: domain.PhotoOther, TakenAt: ts.now(),
						SHA256: "ab" + fmt.Sprintf("%062d", round)}, staff, ts.now())
					n.Warnings = append(n.Warnings, domain.Warning{Code: domain.WarnDuplicatePhoto, PhotoID: id + "-dup", Message: "与其他农户的照片相同", At: ts.now()})
					return n, err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if round%5 == 4 {
			check(fmt.Sprintf("round %d, %s", round, domain.DateOf(ts.now())))
		}
		cr.travel(t, ts, 9*24*time.Hour)
	}
	check("after the program, " + string(domain.DateOf(ts.now())))
	cr.travel(t, ts, 40*24*time.Hour) // unpaid acceptances become late
	check("40 days later, " + string(domain.DateOf(ts.now())))
	cr.travel(t, ts, 120*24*time.Hour) // past the deadline
	check("past the deadline, " + string(domain.DateOf(ts.now())))
	// After a restart the counters are rebuilt from the cases and agree.
	if _, err := ts.App.DB.Database().Collection("case_counts").DeleteMany(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if err := ts.App.DB.Cases.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	check("after reconciling")
}

func TestDashboardAreasAndListFilters(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	cadreB := ts.userToken(t, domain.RoleVillageCadre, vilB)
	fileCase(t, ts, s.cadre, "f-1", vilA, 1)
	fileCase(t, ts, s.cadre, "f-2", vilA, 2)
	fileCase(t, ts, cadreB, "f-3", vilB, 3)
	walkTo(t, ts, s, "f-2", 2, domain.StageTownshipReview)
	tests := []struct {
		name, token, path string
		want              int
		fragment          string
	}{
		{"cadre sees its village", s.cadre, "/api/dashboard?program_year=2024", 200, `"rows":[{"code":"622923100201"`},
		{"cadre may not see the county", s.cadre, "/api/dashboard?program_year=2024&area=622923", 403, "forbidden"},
		{"officer sees its township by village", s.officer, "/api/dashboard", 200, `"level":"township"`},
		{"officer may not see another township", s.officer, "/api/dashboard?area=622923101", 403, "forbidden"},
		{"leader sees the county by township", s.leader, "/api/dashboard?program_year=2024", 200, `"code":"622923208","name":"杨塔乡"`},
		{"admin sees the county's figures", s.admin, "/api/dashboard", 200, `"totals":{"total":3,`},
		{"bad area", s.leader, "/api/dashboard?area=abc", 400, `"area"`},
		{"unknown year", s.leader, "/api/dashboard?program_year=1999", 400, `"program_year"`},
		{"cadre awaits its review", s.cadre, "/api/cases?mine=1", 200, `"id":"f-1"`},
		{"officer awaits its review", s.officer, "/api/cases?mine=1", 200, `"id":"f-2"`},
		{"stage filter", s.leader, "/api/cases?stage=township_review", 200, `"id":"f-2"`},
		{"township filter", s.leader, "/api/cases?township=622923101", 200, `"id":"f-3"`},
		{"bad stage", s.leader, "/api/cases?stage=flying", 400, `"stage"`},
		{"bad limit", s.leader, "/api/cases?limit=0", 400, `"limit"`},
		{"bad cursor", s.leader, "/api/cases?cursor=%25%25", 400, `"cursor"`},
		{"admin lists nothing", s.admin, "/api/cases", 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := ts.do(t, "GET", tt.path, tt.token, nil)
			if res.StatusCode != tt.want || !strings.Contains(string(body), tt.fragment) {
				t.Fatalf("got %d %s, want %d with %s", res.StatusCode, body, tt.want, tt.fragment)
			}
		})
	}
	// Who awaits what: the cadre's list holds only f-1, the officer's only f-2.
	for tok, want := range map[string]string{s.cadre: `"id":"f-2"`, s.officer: `"id":"f-1"`} {
		_, body := ts.do(t, "GET", "/api/cases?mine=1", tok, nil)
		if strings.Contains(string(body), want) {
			t.Errorf("mine=1 lists a case not awaiting the caller: %s", body)
		}
	}
	_, body := ts.do(t, "GET", "/api/cases?township=622923101", s.officer, nil)
	if strings.Contains(string(body), `"id":"f-3"`) {
		t.Errorf("an officer lists a case of another township: %s", body)
	}
}
