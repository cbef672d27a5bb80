package domain

import (
	"strings"
	"time"
)

// Permission is something a user may do somewhere. Who may do what is
// decided here and only here; handlers ask Can.
type Permission string

// Permissions. Case lifecycle actions are governed by the transition table;
// these cover everything around it.
const (
	PermManageUsers    Permission = "manage_users"    // create, list, edit users
	PermManageAreas    Permission = "manage_areas"    // add and import villages
	PermManagePrograms Permission = "manage_programs" // create and edit yearly programs
	PermReadCases      Permission = "read_cases"      // list and open case files (masked)
	PermCreateCase     Permission = "create_case"     // file an application
	PermEditCase       Permission = "edit_case"       // correct an application still in applied
	PermUploadPhoto    Permission = "upload_photo"    // add evidence to a case
	PermReadDashboard  Permission = "read_dashboard"  // progress figures of an area
	PermRevealID       Permission = "reveal_id"       // see a full 身份证号 (audited)
	PermRevealAccount  Permission = "reveal_account"  // see a full 一卡通 account number (audited)
)

// Permissions lists every permission in a stable order.
var Permissions = []Permission{
	PermManageUsers, PermManageAreas, PermManagePrograms, PermReadCases, PermCreateCase,
	PermEditCase, PermUploadPhoto, PermReadDashboard, PermRevealID, PermRevealAccount,
}

// grants says which roles hold each permission. The admin runs the system
// and sees the progress figures (counts and sums, no person) but no
// household's file; the leader reads, never writes; full ID and
// account numbers go only to the roles whose work needs them (PIPL art. 28).
var grants = map[Permission][]Role{
	PermManageUsers:    {RoleAdmin},
	PermManageAreas:    {RoleAdmin},
	PermManagePrograms: {RoleAdmin},
	PermReadCases: {RoleVillageCadre, RoleTownshipOfficer, RoleCountyInspector, RoleCountyApprover,
		RoleCivilAffairs, RoleRuralRevitalization, RoleDisburser, RoleLeader},
	PermCreateCase: {RoleVillageCadre},
	PermEditCase:   {RoleVillageCadre},
	PermUploadPhoto: {RoleVillageCadre, RoleTownshipOfficer, RoleCountyInspector,
		RoleCivilAffairs, RoleRuralRevitalization, RoleDisburser},
	PermReadDashboard: {RoleVillageCadre, RoleTownshipOfficer, RoleCountyInspector, RoleCountyApprover,
		RoleCivilAffairs, RoleRuralRevitalization, RoleDisburser, RoleLeader, RoleAdmin},
	PermRevealID:      {RoleVillageCadre, RoleTownshipOfficer, RoleCivilAffairs, RoleRuralRevitalization},
	PermRevealAccount: {RoleDisburser},
}

// RoleHas reports whether role r holds permission p anywhere.
func RoleHas(r Role, p Permission) bool {
	for _, x := range grants[p] {
		if x == r {
			return true
		}
	}
	return false
}

// Can reports whether actor a may do p in area (an area code; pass
// CountyCode for county-wide things such as managing users). The role must
// hold p and area must lie within (or be) the actor's own area: a township
// officer may read a village of its township, a cadre may not read its
// township. An empty or malformed area is refused.
func Can(a Actor, p Permission, area string) bool {
	if LevelOf(area) == LevelUnknown || LevelOf(a.AreaCode) == LevelUnknown {
		return false
	}
	if !strings.HasPrefix(a.AreaCode, CountyCode) {
		return false
	}
	return RoleHas(a.Role, p) && Contains(a.AreaCode, area)
}

// String is the wire name of an area level: county, township, village.
func (l AreaLevel) String() string {
	switch l {
	case LevelCounty:
		return "county"
	case LevelTownship:
		return "township"
	case LevelVillage:
		return "village"
	}
	return "unknown"
}

// Label is the Chinese name of an area level.
func (l AreaLevel) Label() string {
	switch l {
	case LevelCounty:
		return "县"
	case LevelTownship:
		return "乡镇"
	case LevelVillage:
		return "村"
	}
	return "未知"
}

// Area is the county, one of its townships or one of their villages.
type Area struct {
	Code       string
	Name       string
	ParentCode string // "" for the county
}

// Level is the area's level, from its code.
func (a Area) Level() AreaLevel { return LevelOf(a.Code) }

// ValidateVillage checks a village an admin adds: a 12-digit code that
// starts with its township's 9-digit code, and a name (CleanName). It
// returns the village with its name cleaned. Whether the township exists
// is for the caller to check.
func ValidateVillage(v Area) (Area, *Error) {
	f := map[string]string{}
	switch {
	case v.Code == "":
		f["code"] = "请填写村编码"
	case LevelOf(v.Code) != LevelVillage:
		f["code"] = "村编码应为12位数字"
	}
	switch {
	case v.ParentCode == "":
		f["parent_code"] = "请填写所属乡镇编码"
	case LevelOf(v.ParentCode) != LevelTownship || !strings.HasPrefix(v.ParentCode, CountyCode):
		f["parent_code"] = "所属乡镇编码应为本县的9位乡镇编码"
	case f["code"] == "" && !strings.HasPrefix(v.Code, v.ParentCode):
		f["code"] = "村编码应以所属乡镇编码开头"
	}
	var msg string
	if v.Name, msg = CleanName(v.Name, true); msg != "" {
		f["name"] = msg
	}
	if len(f) > 0 {
		return v, InvalidFields(f)
	}
	return v, nil
}

// User is a person who signs in. PasswordHash is a bcrypt hash, never the password.
type User struct {
	ID           string
	Username     string
	Name         string
	Role         Role
	AreaCode     string
	PasswordHash string
	Disabled     bool
	// SessionGen counts the times every sign-in of the user was ended at
	// once (password changed or reset, account disabled); a token minted
	// under an older generation is refused.
	SessionGen int
	// MustChangePassword is set when the admin resets the password or
	// imports the account: the person signs in with it only to choose
	// their own.
	MustChangePassword bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
	History            []UserChange // the admin's changes, oldest first
}

// UserChange is one recorded change of an account by the admin.
type UserChange struct {
	At      time.Time
	By      string // user id
	ByName  string
	Changes []string // Chinese, e.g. "角色：村干部 → 乡镇干部", "重置密码"
}

// UserChanges describes in Chinese what the admin changed from old to
// next; areaName names an area code. A password reset is "重置密码".
func UserChanges(old, next User, passwordReset bool, areaName func(string) string) []string {
	var out []string
	if old.Name != next.Name {
		out = append(out, "姓名："+old.Name+" → "+next.Name)
	}
	if old.Role != next.Role {
		out = append(out, "角色："+old.Role.Label()+" → "+next.Role.Label())
	}
	if old.AreaCode != next.AreaCode {
		out = append(out, "区域："+areaName(old.AreaCode)+" → "+areaName(next.AreaCode))
	}
	if passwordReset {
		out = append(out, "重置密码（须在下次登录时修改）")
	}
	if old.Disabled != next.Disabled {
		if next.Disabled {
			out = append(out, "停用")
		} else {
			out = append(out, "启用")
		}
	}
	return out
}

// Actor is the user acting now.
func (u User) Actor() Actor {
	return Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, AreaCode: u.AreaCode}
}

// NormalizeUsername folds a username to the form it is stored and looked up in.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateUsername checks a (normalized) username: 3–32 of a-z 0-9 . _ -,
// starting with a letter or digit, so it can be typed on any phone keyboard.
func ValidateUsername(s string) string {
	if len(s) < 3 || len(s) > 32 {
		return "用户名应为3到32个字符"
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return "用户名只能包含小写字母、数字和 . _ -，并以字母或数字开头"
		}
	}
	return ""
}

// ValidateRoleArea checks that role is known and that area has the level the
// role works at (cadre: village, township officer: township, the others:
// the county) and lies in the county. Whether a village exists is for the
// caller to check. Messages are keyed by the JSON fields role and area_code.
func ValidateRoleArea(role Role, area string) map[string]string {
	f := map[string]string{}
	if !role.Valid() {
		f["role"] = "角色不存在"
		return f
	}
	want := role.HomeLevel()
	switch {
	case area == "":
		f["area_code"] = "请选择所属区域"
	case LevelOf(area) != want || !strings.HasPrefix(area, CountyCode):
		f["area_code"] = role.Label() + "的所属区域应为" + want.Label() + "级区域"
	}
	return f
}
