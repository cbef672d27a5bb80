package domain

import (
	"strings"
	"testing"
)

// wantGrants is the permission matrix written out by hand, independent of
// the grants table it checks: role → permissions it holds.
var wantGrants = map[Role]string{
	RoleVillageCadre:        "read_cases create_case edit_case upload_photo read_dashboard reveal_id",
	RoleTownshipOfficer:     "read_cases upload_photo read_dashboard reveal_id",
	RoleCountyInspector:     "read_cases upload_photo read_dashboard",
	RoleCountyApprover:      "read_cases read_dashboard",
	RoleCivilAffairs:        "read_cases upload_photo read_dashboard reveal_id",
	RoleRuralRevitalization: "read_cases upload_photo read_dashboard reveal_id",
	RoleDisburser:           "read_cases upload_photo read_dashboard reveal_account",
	RoleLeader:              "read_cases read_dashboard",
	RoleAdmin:               "manage_users manage_areas manage_programs read_dashboard",
}

// homes are where a user of each level sits, and the areas around it.
type relation struct {
	name    string
	area    string
	allowed bool // whether the area lies within the home
}

func relationsOf(home string) []relation {
	switch LevelOf(home) {
	case LevelVillage: // 622923100201
		return []relation{
			{"own village", home, true},
			{"parent township", "622923100", false},
			{"county", CountyCode, false},
			{"sibling village", "622923100202", false},
			{"village of another township", "622923101201", false},
			{"another township", "622923101", false},
			{"another county", "622924100201", false},
		}
	case LevelTownship: // 622923101
		return []relation{
			{"own township", home, true},
			{"child village", "622923101203", true},
			{"parent county", CountyCode, false},
			{"sibling township", "622923102", false},
			{"village of sibling township", "622923102201", false},
			{"another county's township", "622924101", false},
		}
	default: // the county
		return []relation{
			{"own county", home, true},
			{"child township", "622923105", true},
			{"grandchild village", "622923105201", true},
			{"another county", "622924", false},
			{"another county's township", "622924100", false},
			{"another county's village", "622924100201", false},
		}
	}
}

func homeOf(r Role) string {
	switch r.HomeLevel() {
	case LevelVillage:
		return "622923100201"
	case LevelTownship:
		return "622923101"
	}
	return CountyCode
}

func TestCanOverRolesPermissionsAndAreas(t *testing.T) {
	if len(wantGrants) != len(Roles) {
		t.Fatalf("matrix covers %d roles, domain has %d", len(wantGrants), len(Roles))
	}
	for _, role := range Roles {
		held := map[Permission]bool{}
		for _, p := range strings.Fields(wantGrants[role]) {
			held[Permission(p)] = true
		}
		act := Actor{UserID: "u", Role: role, AreaCode: homeOf(role)}
		for _, p := range Permissions {
			for _, rel := range relationsOf(act.AreaCode) {
				want := held[p] && rel.allowed
				if got := Can(act, p, rel.area); got != want {
					t.Errorf("Can(%s at %s, %s, %s %s) = %v, want %v", role, act.AreaCode, p, rel.name, rel.area, got, want)
				}
			}
		}
		for p := range held {
			if !RoleHas(role, p) {
				t.Errorf("RoleHas(%s, %s) = false, want true", role, p)
			}
		}
	}
}

func TestCanNamedCases(t *testing.T) {
	cadre := Actor{Role: RoleVillageCadre, AreaCode: "622923100201"}
	officer := Actor{Role: RoleTownshipOfficer, AreaCode: "622923100"}
	for _, tc := range []struct {
		name string
		act  Actor
		p    Permission
		area string
		want bool
	}{
		{"cadre reads its township's dashboard", cadre, PermReadDashboard, "622923100", false},
		{"cadre reads its village's dashboard", cadre, PermReadDashboard, "622923100201", true},
		{"officer reads a village of its township", officer, PermReadCases, "622923100201", true},
		{"officer reads a village of another township", officer, PermReadCases, "622923101201", false},
		{"empty area", officer, PermReadCases, "", false},
		{"malformed area", officer, PermReadCases, "62292310x", false},
		{"prefix but not a code", officer, PermReadCases, "6229231002", false},
		{"actor without area", Actor{Role: RoleLeader}, PermReadDashboard, CountyCode, false},
		{"actor outside the county", Actor{Role: RoleLeader, AreaCode: "622924"}, PermReadDashboard, "622924", false},
		{"unknown role", Actor{Role: "mayor", AreaCode: CountyCode}, PermReadCases, CountyCode, false},
		{"unknown permission", Actor{Role: RoleAdmin, AreaCode: CountyCode}, "delete_everything", CountyCode, false},
		{"admin reads no cases", Actor{Role: RoleAdmin, AreaCode: CountyCode}, PermReadCases, CountyCode, false},
		{"admin reads the county's figures", Actor{Role: RoleAdmin, AreaCode: CountyCode}, PermReadDashboard, CountyCode, true},
	} {
		if got := Can(tc.act, tc.p, tc.area); got != tc.want {
			t.Errorf("%s: Can = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestValidateRoleArea(t *testing.T) {
	for _, tc := range []struct {
		role  Role
		area  string
		field string // "" when valid
	}{
		{RoleVillageCadre, "622923100201", ""},
		{RoleVillageCadre, "622923100", "area_code"},
		{RoleTownshipOfficer, "622923100", ""},
		{RoleTownshipOfficer, "622923100201", "area_code"},
		{RoleLeader, CountyCode, ""},
		{RoleAdmin, "622923100", "area_code"},
		{RoleCountyApprover, "622924", "area_code"},
		{RoleDisburser, "", "area_code"},
		{"mayor", CountyCode, "role"},
	} {
		f := ValidateRoleArea(tc.role, tc.area)
		if tc.field == "" && len(f) > 0 {
			t.Errorf("%s at %q: unexpected %v", tc.role, tc.area, f)
		}
		if tc.field != "" && f[tc.field] == "" {
			t.Errorf("%s at %q: want a message on %s, got %v", tc.role, tc.area, tc.field, f)
		}
	}
}

func TestValidateVillage(t *testing.T) {
	for _, tc := range []struct {
		v      Area
		fields string
	}{
		{Area{Code: "622923100201", Name: "示例村", ParentCode: "622923100"}, ""},
		{Area{Code: "622923101201", Name: "示例村", ParentCode: "622923100"}, "code"},
		{Area{Code: "62292310020", Name: "示例村", ParentCode: "622923100"}, "code"},
		{Area{Code: "622923100201", Name: "", ParentCode: "622923100"}, "name"},
		{Area{Code: "622923100201", Name: " 示例村 ", ParentCode: "622923100"}, ""}, // trimmed
		{Area{Code: "622923100201", Name: "示例\u202e村", ParentCode: "622923100"}, "name"},
		{Area{Code: "622923100201", Name: "示例\n村", ParentCode: "622923100"}, "name"},
		{Area{Code: "622924100201", Name: "示例村", ParentCode: "622924100"}, "parent_code"},
		{Area{Code: "", Name: "", ParentCode: ""}, "code name parent_code"},
	} {
		_, err := ValidateVillage(tc.v)
		var got []string
		if err != nil {
			for _, k := range []string{"code", "name", "parent_code"} {
				if err.Fields[k] != "" {
					got = append(got, k)
				}
			}
		}
		if strings.Join(got, " ") != tc.fields {
			t.Errorf("ValidateVillage(%+v): fields %v, want %q", tc.v, got, tc.fields)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"li.wei", true}, {"cadre-01", true}, {"ab", false}, {"Li", false}, {"-lead", false},
		{"张三", false}, {"a b c", false}, {strings.Repeat("a", 33), false},
	} {
		if got := ValidateUsername(tc.in) == ""; got != tc.ok {
			t.Errorf("ValidateUsername(%q) ok = %v, want %v", tc.in, got, tc.ok)
		}
	}
}
