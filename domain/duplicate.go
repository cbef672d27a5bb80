package domain

import (
	"fmt"
	"strings"
)

// Duplicate is the refusal of a filing or a correction that names a
// 身份证号 or 户口簿 number another active application of the program
// already holds (rule 7). The store finds it and fills in the other
// application; what a caller is told depends on where the caller works,
// which only the caller knows: For narrows it. Unwrapped (AsError,
// ErrorKind) it is the refusal told to someone outside every area, so an
// answer built without narrowing it names nothing.
type Duplicate struct {
	Field string // "household.id_number" or "household.hukou_no"
	// The application that holds the number. Pending: a filing is between
	// reserving it and storing its case (another phone, this instant), so
	// only OwnerID is known.
	OwnerID     string
	HeadName    string
	IDNumber    string // the other head's 身份证号, full: For masks it
	VillageCode string
	Stage       Stage
	Pending     bool
}

// Error says, for logs, which case holds which field; no name, no number.
func (d *Duplicate) Error() string {
	return fmt.Sprintf("conflict/duplicate_application: %s held by case %s", d.Field, d.OwnerID)
}

// Unwrap is the refusal told to an outsider (For with no area).
func (d *Duplicate) Unwrap() error { return d.For(Actor{}) }

// For is the refusal actor is told. Inside the actor's own area (a case
// the actor may open) it names the other application: head, masked
// 身份证号, case, village and stage, so the cadre can find the household's
// file. Outside it names none of these, only that the number is already in
// an application elsewhere and whom to ask: the township when the other
// application is in the actor's township, the county housing bureau when
// it is in another one (Details contact: township or county).
func (d *Duplicate) For(actor Actor) *Error {
	what := "身份证号"
	if strings.HasSuffix(d.Field, "hukou_no") {
		what = "户口簿"
	}
	e := &Error{Kind: KindConflict, Code: "duplicate_application", Fields: map[string]string{d.Field: "已有在办申请"}}
	known := LevelOf(actor.AreaCode) != LevelUnknown
	switch {
	case d.Pending:
		e.Message = fmt.Sprintf("该%s正在另一份申请中提交，请稍后刷新再试", what)
		e.Fields[d.Field] = "正在另一份申请中提交"
	case known && Contains(actor.AreaCode, d.VillageCode):
		masked := MaskID(d.IDNumber)
		e.Message = fmt.Sprintf("同一%s本年度已有在办申请：%s（%s），不能重复申请", what, d.HeadName, masked)
		e.Details = map[string]string{
			"case_id": d.OwnerID, "head_name": d.HeadName, "id_number_masked": masked,
			"village_code": d.VillageCode, "stage": string(d.Stage),
		}
	case known && TownshipOf(actor.AreaCode) == TownshipOf(d.VillageCode):
		e.Message = fmt.Sprintf("该%s本年度已在本乡镇其他村的申请中，不能重复申请；如有疑问，请联系乡镇核实", what)
		e.Details = map[string]string{"contact": "township"}
	case known:
		e.Message = fmt.Sprintf("该%s本年度已在其他乡镇的申请中，不能重复申请；如有疑问，请联系县住建局核实", what)
		e.Details = map[string]string{"contact": "county"}
	default:
		e.Message = fmt.Sprintf("该%s本年度已有在办申请，不能重复申请；如有疑问，请联系县住建局核实", what)
		e.Details = map[string]string{"contact": "county"}
	}
	return e
}
