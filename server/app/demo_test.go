package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
	"github.com/yongjing/anju/uploads"
)

// TestDemoDataIsASeasonAroundToday loads the demo on two days: the county
// on 2026-12-01 of the issue, and early in a year, when the season opened
// the year before. Either day the demo shows a real season.
func TestDemoDataIsASeasonAroundToday(t *testing.T) {
	for _, tt := range []struct {
		name      string
		now       time.Time
		cur, prev int
	}{
		{"2026-12-01", time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), 2026, 2025},
		{"2025-03-15", time.Date(2025, 3, 15, 1, 0, 0, 0, time.UTC), 2025, 2024},
	} {
		t.Run(tt.name, func(t *testing.T) { checkDemo(t, tt.now, tt.cur, tt.prev) })
	}
}

func checkDemo(t *testing.T, now time.Time, curYear, prevYear int) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Demo = true
	store, err := uploads.NewDisk(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.New(t)
	var out bytes.Buffer
	ts := &testServer{}
	ts.SetNow(now)
	app, err := newApp(context.Background(), cfg, deps{DB: db, Store: store, Log: testLogger(t), Out: &out, Now: ts.now})
	if err != nil {
		t.Fatal(err)
	}
	ts.App = app
	ts.Server = httptest.NewServer(app.Handler())
	t.Cleanup(func() { ts.Server.Close(); app.Close() })

	// Every role has a printed password that signs in.
	m := regexp.MustCompile(`demo-leader\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no leader password printed:\n%s", out.String())
	}
	leader := ts.login(t, "demo-leader", m[1]).AccessToken
	for _, u := range []string{"demo-cadre-1", "demo-officer-100", "demo-civil", "demo-rural", "demo-inspector", "demo-approver", "demo-disburser"} {
		if !regexp.MustCompile(u + `\s+\S+`).MatchString(out.String()) {
			t.Errorf("no password printed for %s", u)
		}
	}

	// The current program is this year's, with its deadline weeks away;
	// last year's deadline has passed.
	ps := listPrograms(t, ts, leader)
	today := domain.DateOf(now)
	if currentOf(ps) != curYear || ps[prevYear].Deadline >= string(today) {
		t.Fatalf("programs %+v, want %d current and %d past its deadline", ps, curYear, prevYear)
	}

	// Every file consistent, nothing dated after today; every stage there.
	ctx := context.Background()
	stages := map[domain.Stage]int{}
	n := 0
	progs := map[int]domain.Program{}
	for _, y := range []int{curYear, prevYear} {
		if progs[y], err = app.program(ctx, y); err != nil {
			t.Fatal(err)
		}
	}
	approvals := map[int][]domain.Approval{} // by program year
	pubs := map[string]int{}                 // "village ends today", "township open", …
	err = app.DB.Cases.All(ctx, 0, func(c domain.Case) error {
		n++
		stages[c.Stage]++
		if c.Approval != nil {
			approvals[c.ProgramYear] = append(approvals[c.ProgramYear], *c.Approval)
		}
		if ok, bad := domain.VerifyHistory(c.History); !ok {
			t.Errorf("case %s: history breaks at %d", c.ID, bad)
		}
		if last := c.History[len(c.History)-1].At; last.After(now) {
			t.Errorf("case %s: a step at %s, after today", c.ID, last)
		}
		if c.Stage == domain.StageArchived && len(c.FileMissing()) > 0 {
			t.Errorf("archived case %s lacks %v", c.ID, c.FileMissing())
		}
		p, ok := progs[c.ProgramYear]
		if !ok {
			t.Errorf("case %s in program %d", c.ID, c.ProgramYear)
			return nil
		}
		if pub := map[domain.Stage]*domain.Publicity{domain.StageVillagePublicity: c.VillagePublicity,
			domain.StageTownshipPublicity: c.TownshipPublicity}[c.Stage]; pub != nil {
			level := map[domain.Stage]string{domain.StageVillagePublicity: "village", domain.StageTownshipPublicity: "township"}[c.Stage]
			switch {
			case pub.EndsOn == today:
				pubs[level+" ends today"]++
				// It can be closed today by the rules.
				by := domain.Actor{UserID: "t", Role: domain.RoleVillageCadre, AreaCode: c.VillageCode}
				action := domain.ActionCloseVillagePublicity
				if level == "township" {
					by, action = domain.Actor{UserID: "t", Role: domain.RoleTownshipOfficer, AreaCode: c.TownshipCode()}, domain.ActionCloseTownshipPublicity
				}
				if _, err := domain.Apply(c, p, by, action, domain.ActionInput{Version: c.Version}, now); err != nil {
					t.Errorf("case %s: its 公示 ends today but does not close: %v", c.ID, err)
				}
			case pub.EndsOn > today:
				pubs[level+" open"]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != demoCases {
		t.Fatalf("%d demo cases, want %d", n, demoCases)
	}
	// The approved ones of each year are numbered 1…N in approval order.
	for _, y := range []int{curYear, prevYear} {
		aps := approvals[y]
		if len(aps) == 0 {
			t.Errorf("no approved demo case in %d", y)
		}
		sort.Slice(aps, func(i, j int) bool { return aps[i].ArchiveSeq < aps[j].ArchiveSeq })
		for i, ap := range aps {
			if ap.ArchiveSeq != i+1 || ap.ArchiveNo != domain.FormatArchiveNo(y, i+1) {
				t.Fatalf("%d approval %d has number %d %q", y, i+1, ap.ArchiveSeq, ap.ArchiveNo)
			}
			if i > 0 && ap.At.Before(aps[i-1].At) {
				t.Fatalf("%s was approved before %s", ap.ArchiveNo, aps[i-1].ArchiveNo)
			}
		}
	}
	for _, s := range domain.Stages {
		if stages[s] == 0 {
			t.Errorf("no demo case at %s", s)
		}
	}
	for _, k := range []string{"village ends today", "village open", "township ends today", "township open"} {
		if pubs[k] == 0 {
			t.Errorf("no 公示 that %s: %v", k, pubs)
		}
	}
	objs, err := store.List(ctx, "cases/")
	if err != nil || len(objs) < demoCases*3 {
		t.Fatalf("%d objects in the store (%v)", len(objs), err)
	}

	// The dashboard of the current year has households on time, at risk
	// and paid late; last year's has households overdue.
	type dash struct {
		ProgramYear int `json:"program_year"`
		DaysLeft    int `json:"days_left"`
		Totals      struct {
			Total          int            `json:"total"`
			ByStage        map[string]int `json:"by_stage"`
			Overdue        int            `json:"overdue"`
			AtRisk         int            `json:"at_risk"`
			PaymentOverdue int            `json:"payment_overdue"`
		} `json:"totals"`
		Earlier []struct {
			ProgramYear int `json:"program_year"`
			Overdue     int `json:"overdue"`
		} `json:"earlier"`
	}
	get := func(path string) dash {
		res, body := ts.do(t, "GET", path, leader, nil)
		mustStatus(t, res, body, http.StatusOK)
		var d dash
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := get("/api/dashboard")
	unfinished := 0
	for _, s := range []string{"applied", "village_publicity", "township_review", "township_publicity", "county_review", "approved", "construction", "acceptance"} {
		unfinished += d.Totals.ByStage[s]
	}
	onTime := unfinished - d.Totals.AtRisk - d.Totals.Overdue
	if d.ProgramYear != curYear || d.DaysLeft != 40 || d.Totals.AtRisk == 0 || onTime == 0 || d.Totals.PaymentOverdue == 0 {
		t.Errorf("current dashboard: %+v (on time %d); want year %d, 40 days left, some at risk, on time and paid late", d, onTime, curYear)
	}
	p := get(fmt.Sprintf("/api/dashboard?program_year=%d", prevYear))
	if p.Totals.Overdue == 0 || p.Totals.Overdue == p.Totals.Total {
		t.Errorf("last year's dashboard: %+v; want a few households overdue", p)
	}
	// This year's dashboard names them too.
	if len(d.Earlier) != 1 || d.Earlier[0].ProgramYear != prevYear || d.Earlier[0].Overdue != p.Totals.Overdue {
		t.Errorf("current dashboard's earlier years %+v, want %d with %d overdue", d.Earlier, prevYear, p.Totals.Overdue)
	}
	res, body := ts.do(t, "GET", "/api/areas", leader, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !bytes.Contains(body, []byte("示例村一（演示）")) {
		t.Fatalf("sample villages missing: %s", body)
	}
	// A second start on the same database adds nothing.
	app2, err := newApp(ctx, cfg, deps{DB: db, Store: store, Log: testLogger(t), Out: io.Discard, Now: ts.now})
	if err != nil {
		t.Fatal(err)
	}
	defer app2.Close()
	cnt, _ := db.Collection("cases").CountDocuments(ctx, map[string]any{})
	if cnt != demoCases {
		t.Fatalf("after a restart %d cases, want %d", cnt, demoCases)
	}
}
