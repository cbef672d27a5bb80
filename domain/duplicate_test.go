package domain

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDuplicateRefusal(t *testing.T) {
	owner := Duplicate{Field: "household.id_number", OwnerID: "case-7", HeadName: "马有福", IDNumber: testHeadID,
		VillageCode: "622923100201", Stage: StageTownshipReview}
	hukou := owner
	hukou.Field = "household.hukou_no"
	inside := map[string]string{"case_id": "case-7", "head_name": "马有福", "id_number_masked": "622923********0015",
		"village_code": "622923100201", "stage": "township_review"}
	cadre := func(v string) Actor { return Actor{UserID: "u", Role: RoleVillageCadre, AreaCode: v} }
	tests := []struct {
		name        string
		d           Duplicate
		actor       Actor
		wantDetails map[string]string
		wantSays    string // in the message
	}{
		{"cadre of the same village sees the other file", owner, cadre("622923100201"), inside, "马有福（622923********0015）"},
		{"township officer of that township sees it", owner, Actor{Role: RoleTownshipOfficer, AreaCode: "622923100"}, inside, "马有福"},
		{"county role sees it", owner, Actor{Role: RoleCountyApprover, AreaCode: CountyCode}, inside, "马有福"},
		{"cadre of another village of the township: ask the township", owner, cadre("622923100202"),
			map[string]string{"contact": "township"}, "请联系乡镇核实"},
		{"cadre of another township: ask the county", owner, cadre("622923101201"),
			map[string]string{"contact": "county"}, "请联系县住建局核实"},
		{"officer of another township: ask the county", owner, Actor{Role: RoleTownshipOfficer, AreaCode: "622923101"},
			map[string]string{"contact": "county"}, "其他乡镇"},
		{"户口簿, outside", hukou, cadre("622923101201"), map[string]string{"contact": "county"}, "该户口簿"},
		{"户口簿, inside", hukou, cadre("622923100201"), inside, "同一户口簿"},
		{"no area known: the outsider's answer", owner, Actor{}, map[string]string{"contact": "county"}, "请联系县住建局核实"},
		{"pending filing: nothing about it", Duplicate{Field: "household.id_number", OwnerID: "case-9", Pending: true},
			cadre("622923100201"), nil, "正在另一份申请中提交"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.d.For(tt.actor)
			if e.Kind != KindConflict || e.Code != "duplicate_application" || !hasHan(e.Message) || !hasHan(e.Fields[tt.d.Field]) {
				t.Fatalf("refusal %+v", e)
			}
			if !reflect.DeepEqual(e.Details, tt.wantDetails) {
				t.Errorf("details %v, want %v", e.Details, tt.wantDetails)
			}
			if !strings.Contains(e.Message, tt.wantSays) {
				t.Errorf("message %q does not say %q", e.Message, tt.wantSays)
			}
			if tt.wantDetails["case_id"] == "" {
				all := fmt.Sprint(e.Message, e.Fields, e.Details)
				for _, secret := range []string{"马有福", "case-7", "case-9", "622923100201", "0015", "township_review", "乡镇初审"} {
					if strings.Contains(all, secret) {
						t.Errorf("an outsider is told %q: %s", secret, all)
					}
				}
			}
			if strings.Contains(fmt.Sprint(e.Message, e.Details), testHeadID) {
				t.Errorf("the full number is shown: %+v", e)
			}
		})
	}
}

// TestDuplicateUnwrapsToTheOutsidersAnswer: an answer built from the
// store's error without narrowing names nothing, and the log line names
// no person.
func TestDuplicateUnwrapsToTheOutsidersAnswer(t *testing.T) {
	var err error = fmt.Errorf("create: %w", &Duplicate{Field: "household.id_number", OwnerID: "case-7", HeadName: "马有福",
		IDNumber: testHeadID, VillageCode: "622923100201", Stage: StageApplied})
	e, ok := AsError(err)
	if !ok || e.Code != "duplicate_application" || e.Details["case_id"] != "" || e.Details["contact"] != "county" {
		t.Fatalf("unwrapped %+v", e)
	}
	if ErrorKind(err) != KindConflict {
		t.Errorf("kind %s", ErrorKind(err))
	}
	var d *Duplicate
	if !errors.As(err, &d) || d.OwnerID != "case-7" {
		t.Fatal("the store's facts are lost")
	}
	if s := err.Error(); strings.Contains(s, "马有福") || strings.Contains(s, testHeadID) {
		t.Errorf("log text %q names the household", s)
	}
}
