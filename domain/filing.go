package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Create files a new case: a village cadre files it for a village in their
// own area, into a program open to new applications (conflict
// program_closed otherwise), the filing is validated (ValidateNewCase), and the case starts
// at applied with version 1 and a "create" history entry. Lifecycle
// records the client may have sent are dropped; 身份证号 are normalized
// (trimmed, final x upper-cased).
func Create(c Case, p Program, actor Actor, now time.Time) (Case, error) {
	if !RoleHas(actor.Role, PermCreateCase) {
		return Case{}, Errorf(KindForbidden, "forbidden", "只有村干部可以提交申请")
	}
	if !actorCovers(actor, c.VillageCode) {
		return Case{}, Errorf(KindForbidden, "forbidden", "只能为本村农户提交申请")
	}
	if p.Closed {
		return Case{}, Errorf(KindConflict, "program_closed", "%d年度已停止受理新申请", p.Year)
	}
	n := Case{
		ID:            strings.TrimSpace(c.ID),
		ProgramYear:   c.ProgramYear,
		VillageCode:   c.VillageCode,
		Household:     normalizeHousehold(c.Household),
		House:         c.House,
		Method:        c.Method,
		Flags:         c.Flags,
		Reapplication: strings.TrimSpace(c.Reapplication),
	}
	if err := ValidateNewCase(n, p, now); err != nil {
		return Case{}, err
	}
	n.Stage = StageApplied
	n.Version = 1
	n.CreatedAt = now
	n.CreatedBy = actor.UserID
	n.UpdatedAt = now
	appendHistory(&n, ActionCreate, actor, "", filingRecord(n, true, true, true, true), now)
	return n, nil
}

func normalizeHousehold(h Household) Household {
	h.HeadName = strings.TrimSpace(h.HeadName)
	h.IDNumber = NormalizeIDNumber(h.IDNumber)
	h.Phone = strings.TrimSpace(h.Phone)
	h.HukouNo = strings.TrimSpace(h.HukouNo)
	h.Members = slices.Clone(h.Members)
	for i := range h.Members {
		h.Members[i].Name = strings.TrimSpace(h.Members[i].Name)
		h.Members[i].IDNumber = NormalizeIDNumber(h.Members[i].IDNumber)
		h.Members[i].Relation = strings.TrimSpace(h.Members[i].Relation)
	}
	return h
}

// filingRecord is the masked history input of a filing or an edit, with
// the chosen sections.
func filingRecord(c Case, household, house, method, flags bool) map[string]any {
	r := map[string]any{}
	if household {
		members := make([]map[string]any, len(c.Household.Members))
		for i, m := range c.Household.Members {
			members[i] = map[string]any{"name": m.Name, "id_number": MaskID(m.IDNumber), "relation": m.Relation}
		}
		r["household"] = map[string]any{
			"head_name": c.Household.HeadName, "id_number": MaskID(c.Household.IDNumber),
			"phone": c.Household.Phone, "hukou_no": c.Household.HukouNo,
			"type": string(c.Household.Type), "members": members,
		}
	}
	if house {
		h := c.House
		r["house"] = map[string]any{"address": h.Address, "built_year": h.BuiltYear,
			"structure": string(h.Structure), "floor_area_m2": h.FloorAreaM2, "only_house": h.OnlyHouse,
			"lat": h.Lat, "lng": h.Lng}
	}
	if method {
		r["method"] = string(c.Method)
	}
	if flags {
		f := c.Flags
		r["flags"] = map[string]any{"relocation_planned": f.RelocationPlanned,
			"village_merger_planned": f.VillageMergerPlanned, "disaster_rebuild_subsidy": f.DisasterRebuildSubsidy,
			"previously_renovated": f.PreviouslyRenovated, "small_disaster_damage": f.SmallDisasterDamage}
		r["reapplication_reason"] = c.Reapplication
	}
	if household && house && method && flags {
		r["id"] = c.ID
		r["program_year"] = c.ProgramYear
		r["village_code"] = c.VillageCode
	}
	return r
}

// CaseUpdate is the cadre's correction of a filing while the case is at
// applied (PATCH /api/cases/{id}); a nil section is left as it is.
type CaseUpdate struct {
	Household     *Household
	House         *House
	Method        *Method
	Flags         *Flags
	Reapplication *string // reapplication_reason; goes with Flags
}

// Edit applies upd to a copy of c: only the village cadre of the case's
// village, on the current version, while the case is at applied (e.g.
// after a return). The whole filing is validated again. A change of the
// household type, the head's 身份证号 or the 户口簿 number clears the type
// certification: the department certified that household, so another one
// must be certified again. Version+1 and an "edit" history
// entry with the changed sections (identifiers masked).
func Edit(c Case, p Program, actor Actor, version int, upd CaseUpdate, now time.Time) (Case, error) {
	if err := mayEdit(c, actor, version); err != nil {
		return Case{}, err
	}
	n := clone(c)
	if upd.Household != nil {
		n.Household = normalizeHousehold(*upd.Household)
		if n.Household.Type != c.Household.Type || n.Household.IDNumber != c.Household.IDNumber ||
			n.Household.HukouNo != c.Household.HukouNo {
			n.Verification = nil
		}
	}
	if upd.House != nil {
		n.House = *upd.House
	}
	if upd.Method != nil {
		n.Method = *upd.Method
	}
	if upd.Flags != nil {
		n.Flags = *upd.Flags
	}
	if upd.Reapplication != nil {
		n.Reapplication = strings.TrimSpace(*upd.Reapplication)
	}
	if err := ValidateNewCase(n, p, now); err != nil {
		return Case{}, err
	}
	n.Version++
	n.UpdatedAt = now
	appendHistory(&n, ActionEdit, actor, c.Stage,
		filingRecord(n, upd.Household != nil, upd.House != nil, upd.Method != nil,
			upd.Flags != nil || upd.Reapplication != nil), now)
	return n, nil
}

// mayEdit runs Edit's checks before the update itself: permission, area,
// version, stage.
func mayEdit(c Case, actor Actor, version int) *Error {
	if !RoleHas(actor.Role, PermEditCase) {
		return Errorf(KindForbidden, "forbidden", "只有村干部可以修改申请")
	}
	if !actorCovers(actor, c.VillageCode) {
		return Errorf(KindForbidden, "forbidden", "该农户不在您的管辖范围内")
	}
	if version != c.Version {
		e := Errorf(KindConflict, "stale_version", "该档案已被他人更新，请刷新后重试")
		e.Details = map[string]string{"current_version": strconv.Itoa(c.Version)}
		return e
	}
	if c.Stage != StageApplied {
		return Errorf(KindConflict, "wrong_stage", "当前阶段为“%s”，只有待村委评议的申请可以修改", c.Stage.Label())
	}
	return nil
}

// PhotoRoles lists who may add photos to c at its stage: among the roles
// holding PermUploadPhoto (access.go), the village cadre and the township
// officer (the field staff, who photograph progress at any open stage) and
// every role that acts on the case at its stage (so the inspector adds
// appraisal and acceptance photos, the certifying department its
// certificate, the disburser the voucher, also once paid). None once
// archived, rejected or withdrawn.
func PhotoRoles(c Case) []Role {
	if c.Stage.Closed() {
		return nil
	}
	roles := []Role{RoleVillageCadre, RoleTownshipOfficer}
	for _, a := range Actions {
		if StageAllows(c.Stage, a) {
			for _, r := range RolesFor(c, a) {
				if !slices.Contains(roles, r) {
					roles = append(roles, r)
				}
			}
		}
	}
	if c.Stage == StagePaid && !slices.Contains(roles, RoleDisburser) {
		roles = append(roles, RoleDisburser)
	}
	return slices.DeleteFunc(roles, func(r Role) bool { return !RoleHas(r, PermUploadPhoto) })
}

// AddPhoto adds a photo (already stored and checked by the caller) to a
// copy of c, with ReceivedAt (if unset) = now and UploadedBy = the actor,
// and appends an "add_photo" history entry. Version is NOT incremented:
// evidence adds to the file without changing a decision, so a reviewer's
// decision taken while photos arrive is not stale; every write still adds
// exactly one history entry, so stores can compare-and-swap on the last
// history Seq.
func AddPhoto(c Case, ph Photo, actor Actor, now time.Time) (Case, error) {
	if err := mayAddPhoto(c, actor); err != nil {
		return Case{}, err
	}
	f := fieldErrors{}
	f.text("id", ph.ID, true, 64, "照片编号")
	if !ph.Kind.Valid() {
		f.add("kind", "照片类别无效")
	}
	if !isHex64(ph.SHA256) {
		f.add("file", "照片内容缺失")
	}
	if !validFloat(ph.Lat) || ph.Lat < -90 || ph.Lat > 90 {
		f.add("lat", "纬度应在-90至90之间")
	}
	if !validFloat(ph.Lng) || ph.Lng < -180 || ph.Lng > 180 {
		f.add("lng", "经度应在-180至180之间")
	}
	if err := f.err(); err != nil {
		return Case{}, err
	}
	if slices.ContainsFunc(c.Photos, func(p Photo) bool { return p.ID == ph.ID }) {
		return Case{}, Errorf(KindConflict, "id_conflict", "该照片编号已存在")
	}
	n := clone(c)
	if ph.ReceivedAt.IsZero() {
		ph.ReceivedAt = now
	}
	ph.UploadedBy = actor.UserID
	n.Photos = append(n.Photos, ph)
	n.UpdatedAt = now
	appendHistory(&n, ActionAddPhoto, actor, c.Stage, map[string]any{
		"id": ph.ID, "kind": string(ph.Kind), "sha256": ph.SHA256,
		"taken_at": ph.TakenAt.UTC().Format(time.RFC3339Nano), "lat": ph.Lat, "lng": ph.Lng,
	}, now)
	return n, nil
}

// mayAddPhoto runs AddPhoto's checks before the photo itself: the case is
// open, the role may add photos at its stage (PhotoRoles), the case is in
// the actor's area.
func mayAddPhoto(c Case, actor Actor) *Error {
	if c.Stage.Closed() {
		return Errorf(KindConflict, "wrong_stage", "档案已%s，不能再上传照片", c.Stage.Label())
	}
	if !slices.Contains(PhotoRoles(c), actor.Role) {
		return Errorf(KindForbidden, "forbidden", "当前阶段%s不能为该户上传照片", actor.Role.Label())
	}
	if !actorCovers(actor, c.VillageCode) {
		return Errorf(KindForbidden, "forbidden", "该农户不在您的管辖范围内")
	}
	return nil
}

// Reveal fields.
const (
	RevealIDNumber  = "id_number"
	RevealAccountNo = "account_no"
)

// revealPermission maps a reveal field to the permission (access.go) that
// allows seeing its full value.
var revealPermission = map[string]Permission{
	RevealIDNumber:  PermRevealID,
	RevealAccountNo: PermRevealAccount,
}

// Reveal records that actor saw the full value of field (id_number or
// account_no) of c, for a role holding the field's permission in access.go
// (PermRevealID, PermRevealAccount) in the case's area: it returns a copy with a "reveal" history entry; the
// caller then shows the value from the returned case. Version is not
// incremented nor UpdatedAt moved (a read changes no decision).
func Reveal(c Case, field string, actor Actor, now time.Time) (Case, error) {
	perm, ok := revealPermission[field]
	if !ok {
		return Case{}, InvalidFields(map[string]string{"field": "只能查看身份证号(id_number)或账号(account_no)"})
	}
	if !RoleHas(actor.Role, perm) {
		return Case{}, Errorf(KindForbidden, "forbidden", "%s无权查看完整信息", actor.Role.Label())
	}
	if !actorCovers(actor, c.VillageCode) {
		return Case{}, Errorf(KindForbidden, "forbidden", "该农户不在您的管辖范围内")
	}
	if field == RevealAccountNo && c.Payment == nil {
		return Case{}, Errorf(KindNotFound, "not_found", "尚无拨付记录")
	}
	n := clone(c)
	appendHistory(&n, ActionReveal, actor, c.Stage, map[string]any{"field": field}, now)
	return n, nil
}
