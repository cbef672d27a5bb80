package domain

import "strings"

// Role is what a user does in the program; every user has exactly one.
type Role string

// Roles, with the machine names of DOMAIN.md.
const (
	RoleVillageCadre        Role = "village_cadre"
	RoleTownshipOfficer     Role = "township_officer"
	RoleCountyInspector     Role = "county_inspector"
	RoleCountyApprover      Role = "county_approver"
	RoleCivilAffairs        Role = "civil_affairs"
	RoleRuralRevitalization Role = "rural_revitalization"
	RoleDisburser           Role = "disburser"
	RoleLeader              Role = "leader"
	RoleAdmin               Role = "admin"
)

// Roles lists every role in a stable order.
var Roles = []Role{
	RoleVillageCadre, RoleTownshipOfficer, RoleCountyInspector, RoleCountyApprover,
	RoleCivilAffairs, RoleRuralRevitalization, RoleDisburser, RoleLeader, RoleAdmin,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Label is the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case RoleVillageCadre:
		return "村干部"
	case RoleTownshipOfficer:
		return "乡镇干部"
	case RoleCountyInspector:
		return "住建局技术人员"
	case RoleCountyApprover:
		return "住建局审批"
	case RoleCivilAffairs:
		return "民政局"
	case RoleRuralRevitalization:
		return "乡村振兴局"
	case RoleDisburser:
		return "资金拨付"
	case RoleLeader:
		return "县领导"
	case RoleAdmin:
		return "管理员"
	}
	return string(r)
}

// AreaLevel is the level of an area code: the county has 6 digits, a
// township 9 and a village 12. A lower level's code starts with its parent's.
type AreaLevel int

// Area levels.
const (
	LevelUnknown AreaLevel = iota
	LevelCounty
	LevelTownship
	LevelVillage
)

// CountyCode is Yongjing County's official code.
const CountyCode = "622923"

// LevelOf returns the level of an area code by its length, or LevelUnknown.
func LevelOf(code string) AreaLevel {
	for _, r := range code {
		if r < '0' || r > '9' {
			return LevelUnknown
		}
	}
	switch len(code) {
	case 6:
		return LevelCounty
	case 9:
		return LevelTownship
	case 12:
		return LevelVillage
	}
	return LevelUnknown
}

// HomeLevel is the area level a user of role r is attached to.
func (r Role) HomeLevel() AreaLevel {
	switch r {
	case RoleVillageCadre:
		return LevelVillage
	case RoleTownshipOfficer:
		return LevelTownship
	}
	return LevelCounty
}

// Contains reports whether area code inner lies in (or is) area outer.
func Contains(outer, inner string) bool {
	return outer != "" && strings.HasPrefix(inner, outer)
}

// TownshipOf returns the township code of a village (or township) code.
func TownshipOf(code string) string {
	if len(code) >= 9 {
		return code[:9]
	}
	return ""
}

// Actor is the signed-in person doing something.
type Actor struct {
	UserID   string
	Username string
	Name     string
	Role     Role
	AreaCode string
}
