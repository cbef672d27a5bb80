package domain

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Create files a new case: a village cadre files it for a village in their
// own area, into a program open to new applications (conflict
// program_closed otherwise), the filing is cleaned and validated
// (prepareFiling), and the case starts at applied with version 1 and a
// "create" history entry. Lifecycle records the client may have sent are
// dropped. FiledAt is the phone's time of the application, bounded by
// FilingTime; 身份证号 and the 户口簿 number are normalized (NormalizeNumber).
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
	n, err := prepareFiling(Case{
		ID:            c.ID,
		ProgramYear:   c.ProgramYear,
		VillageCode:   c.VillageCode,
		Household:     c.Household,
		House:         c.House,
		Method:        c.Method,
		Flags:         c.Flags,
		Reapplication: c.Reapplication,
	}, p, now)
	if err != nil {
		return Case{}, err
	}
	n.Stage = StageApplied
	n.Version = 1
	n.FiledAt = FilingTime(c.FiledAt, now)
	n.CreatedAt = now
	n.CreatedBy = actor.UserID
	n.UpdatedAt = now
	appendHistory(&n, ActionCreate, actor, "", filingRecord(n, true, true, true, true), now)
	return n, nil
}

// MaxOfflineFiling is how long before the server receives it an
// application may say it was made on the phone. A phone may stay out of
// signal for days, but a phone whose clock is wrong by months must not
// let a 公示 be dated before the case existed.
const MaxOfflineFiling = 30 * 24 * time.Hour

// FilingTime is the time an application counts as made: the phone's time
// phone, never later than received (a clock running ahead) nor more than
// MaxOfflineFiling earlier; received when the phone sent none.
func FilingTime(phone, received time.Time) time.Time {
	switch {
	case phone.IsZero() || phone.After(received):
		return received
	case phone.Before(received.Add(-MaxOfflineFiling)):
		return received.Add(-MaxOfflineFiling)
	}
	return phone
}

// FilingDate is the calendar day the application was made (FiledAt, or
// CreatedAt on cases filed before FiledAt was recorded).
func (c Case) FilingDate() Date {
	if !c.FiledAt.IsZero() {
		return DateOf(c.FiledAt)
	}
	return DateOf(c.CreatedAt)
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
		if !c.FiledAt.IsZero() {
			r["filed_at"] = c.FiledAt.UTC().Format(time.RFC3339Nano)
		}
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
		n.Household = *upd.Household
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
		n.Reapplication = *upd.Reapplication
	}
	n, err := prepareFiling(n, p, now)
	if err != nil {
		return Case{}, err
	}
	if upd.Household != nil && (n.Household.Type != c.Household.Type || n.Household.IDNumber != c.Household.IDNumber ||
		n.Household.HukouNo != c.Household.HukouNo) {
		n.Verification = nil
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
	if err := checkPhoto(c, ph); err != nil {
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

// checkPhoto checks a photo's fields: a client id (ValidClientID), a
// known kind, its content hash, finite coordinates and accuracy in range,
// and, for the photo of a posted notice, a device time not before the
// posting date of that 公示 when it is recorded (a photo of the notice
// taken before it was posted proves nothing): taken_at is refused naming
// the earliest date allowed, in Details["earliest_date"] too.
func checkPhoto(c Case, ph Photo) error {
	f := fieldErrors{}
	if msg := ClientIDProblem("照片编号", ph.ID); msg != "" {
		f.add("id", msg)
	}
	if !ph.Kind.Valid() {
		f.add("kind", "照片类别无效")
	}
	if !isHex64(ph.SHA256) {
		f.add("file", "照片内容缺失")
	}
	f.number("lat", ph.Lat, -90, 90, "纬度应在-90至90之间")
	f.number("lng", ph.Lng, -180, 180, "经度应在-180至180之间")
	f.number("accuracy", ph.Accuracy, 0, MaxPhotoAccuracyM, fmt.Sprintf("定位精度应在0至%d米之间", MaxPhotoAccuracyM))
	if err := f.err(); err != nil {
		return err
	}
	if pub, name := noticePublicity(c, ph.Kind); pub != nil && !ph.TakenAt.IsZero() && DateOf(ph.TakenAt) < pub.Start {
		return earliestError("taken_at", pub.Start,
			fmt.Sprintf("%s照片的拍摄日期早于公示张贴日期，应为%s张贴后拍摄", name, pub.Start))
	}
	return nil
}

// noticePublicity is the 公示 whose posted notice a photo of kind shows,
// when it is recorded, with its name for messages.
func noticePublicity(c Case, kind PhotoKind) (*Publicity, string) {
	switch kind {
	case PhotoNoticeVillage:
		return c.VillagePublicity, "村级公示"
	case PhotoNoticeTownship:
		return c.TownshipPublicity, "乡镇公示"
	}
	return nil, ""
}

// earliestError refuses a date (or a photo's time) in field that is
// before earliest, with msg under the field and earliest in
// Details["earliest_date"].
func earliestError(field string, earliest Date, msg string) *Error {
	e := InvalidFields(map[string]string{field: msg})
	e.Details = map[string]string{"earliest_date": string(earliest)}
	return e
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
