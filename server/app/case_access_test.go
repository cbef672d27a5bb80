package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/yongjing/anju/domain"
)

// plausibleInput is a well-formed body for each action, so that only who
// asks (and where the case stands) decides the answer.
func plausibleInput(action domain.Action, today string) map[string]any {
	switch action {
	case domain.ActionVillageReview:
		return map[string]any{"result": "pass", "meeting_date": today, "publicity_start": today}
	case domain.ActionRecordObjection:
		return map[string]any{"text": "有村民反映其另有住房", "received_on": today}
	case domain.ActionResolveObjection:
		return map[string]any{"objection_id": "none", "outcome": "dismissed", "explanation": "经核实不属实"}
	case domain.ActionTownshipReview:
		return map[string]any{"result": "pass", "publicity_start": today}
	case domain.ActionVerifyHousehold:
		return map[string]any{"result": "pass", "certificate_ref": "永民〔2024〕1号"}
	case domain.ActionAppraise:
		return map[string]any{"grade": "D", "structure": "earth", "built_year": 1976}
	case domain.ActionApprove:
		return map[string]any{"method": "rebuild"}
	case domain.ActionCountyReturn, domain.ActionWithdraw:
		return map[string]any{"reason": "材料不全"}
	case domain.ActionStartConstruction:
		return map[string]any{"builder_name": "王师傅", "builder_cert_no": "GJ-1", "start_date": today, "planned_finish": today}
	case domain.ActionAccept:
		return map[string]any{"result": "rectify", "measured_area_m2": 60, "storeys": 1, "items_to_fix": "圈梁未闭合",
			"checklist": map[string]string{"ring_beams": "fail", "tie_columns": "pass", "tie_bars": "pass", "foundation": "pass", "walls": "pass", "roof": "pass"}}
	case domain.ActionDisburse:
		return map[string]any{"bank": "甘肃农信", "account_no": "6228480123456789012", "payee_name": "马", "voucher_no": "PZ", "paid_on": today}
	}
	return map[string]any{}
}

// TestAccessMatrix tries every action on a case in every stage that
// allows it, as every role from the case's own area, a sibling area and
// another area: only the roles the lifecycle names, inside their area,
// may act; outside the area the case does not even exist for them. It
// also checks that next.actions offers exactly what would be allowed.
func TestAccessMatrix(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	stages := []domain.Stage{domain.StageApplied, domain.StageVillagePublicity, domain.StageTownshipReview,
		domain.StageTownshipPublicity, domain.StageCountyReview, domain.StageApproved, domain.StageConstruction,
		domain.StageAcceptance, domain.StageAccepted, domain.StagePaid, domain.StageArchived}
	ids := map[domain.Stage]string{}
	for i, st := range stages {
		id := fmt.Sprintf("matrix-%02d", i)
		fileCase(t, ts, s.cadre, id, vilA, 100+i)
		if st != domain.StageApplied {
			walkTo(t, ts, s, id, 100+i, st)
		}
		ids[st] = id
	}
	type who struct {
		name  string
		role  domain.Role
		area  string
		token string
	}
	people := []who{
		{"cadre own village", domain.RoleVillageCadre, vilA, s.cadre},
		{"cadre sibling village", domain.RoleVillageCadre, vilA2, ts.userToken(t, domain.RoleVillageCadre, vilA2)},
		{"cadre other township", domain.RoleVillageCadre, vilB, ts.userToken(t, domain.RoleVillageCadre, vilB)},
		{"officer own township", domain.RoleTownshipOfficer, domain.TownshipOf(vilA), s.officer},
		{"officer other township", domain.RoleTownshipOfficer, domain.TownshipOf(vilB), ts.userToken(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilB))},
		{"civil affairs", domain.RoleCivilAffairs, domain.CountyCode, s.civil},
		{"rural revitalization", domain.RoleRuralRevitalization, domain.CountyCode, s.rural},
		{"inspector", domain.RoleCountyInspector, domain.CountyCode, s.inspector},
		{"approver", domain.RoleCountyApprover, domain.CountyCode, s.approver},
		{"disburser", domain.RoleDisburser, domain.CountyCode, s.disburser},
		{"leader", domain.RoleLeader, domain.CountyCode, s.leader},
		{"admin", domain.RoleAdmin, domain.CountyCode, s.admin},
	}
	today := string(domain.DateOf(ts.now()))
	tried, unexpected := 0, 0
	for _, st := range stages {
		id := ids[st]
		c, err := ts.App.DB.Cases.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Stage != st {
			t.Fatalf("case %s at %s, want %s", id, c.Stage, st)
		}
		for _, p := range people {
			inArea := domain.Contains(p.area, c.VillageCode)
			canRead := inArea && domain.RoleHas(p.role, domain.PermReadCases)
			res, body := ts.do(t, "GET", "/api/cases/"+id, p.token, nil)
			switch {
			case canRead && res.StatusCode == http.StatusOK:
			case !domain.RoleHas(p.role, domain.PermReadCases) && res.StatusCode == http.StatusForbidden:
			case !inArea && res.StatusCode == http.StatusNotFound:
			default:
				t.Errorf("%s reads %s case: %d %s", p.name, st, res.StatusCode, body)
			}
			var offered caseAnswer
			if res.StatusCode == http.StatusOK {
				mustJSON(t, body, &offered)
			}
			for _, a := range domain.Actions {
				allowed := domain.StageAllows(st, a) && slices.Contains(domain.RolesFor(c, a), p.role) && inArea
				if slices.Contains(offered.Next.Actions, string(a)) != allowed {
					t.Errorf("%s on a %s case: next.actions %v, %s allowed: %v", p.name, st, offered.Next.Actions, a, allowed)
				}
				if allowed {
					continue // taking it would move the case; the walks take every allowed step
				}
				if !domain.StageAllows(st, a) && !(inArea && slices.Contains(domain.RolesFor(c, a), p.role)) {
					continue // a wrong role at a wrong stage proves nothing more
				}
				tried++
				status, b := act(t, ts, p.token, id, string(a), c.Version, plausibleInput(a, today))
				want := http.StatusForbidden
				switch {
				case !inArea:
					want = http.StatusNotFound
				case slices.Contains(domain.RolesFor(c, a), p.role) && !domain.StageAllows(st, a):
					want = http.StatusConflict // wrong_stage
				}
				if status == http.StatusOK {
					unexpected++
				}
				if status != want {
					t.Errorf("%s takes %s on a %s case: %d %s, want %d", p.name, a, st, status, b, want)
				}
			}
		}
	}
	if unexpected != 0 {
		t.Fatalf("%d of %d forbidden attempts succeeded", unexpected, tried)
	}
	t.Logf("%d forbidden attempts, none succeeded", tried)
	status, b := act(t, ts, s.cadre, ids[domain.StageApplied], "fly_away", 1, nil)
	if status != http.StatusNotFound || errorCode(b) != "unknown_action" {
		t.Fatalf("unknown action: %d %s", status, b)
	}
}
