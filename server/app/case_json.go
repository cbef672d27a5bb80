package app

import (
	"context"
	"net/url"
	"time"

	"github.com/yongjing/anju/domain"
)

// The JSON shapes of docs/api.md "Cases". Requests use the same nested
// shapes as answers; identifiers in answers are always masked.

type memberJSON struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Relation string `json:"relation"`
}

type householdJSON struct {
	HeadName string               `json:"head_name"`
	IDNumber string               `json:"id_number"`
	Phone    string               `json:"phone"`
	HukouNo  string               `json:"hukou_no"`
	Type     domain.HouseholdType `json:"type"`
	Members  []memberJSON         `json:"members"`
}

type houseJSON struct {
	Address     string           `json:"address"`
	BuiltYear   int              `json:"built_year"`
	Structure   domain.Structure `json:"structure"`
	FloorAreaM2 float64          `json:"floor_area_m2"`
	OnlyHouse   bool             `json:"only_house"`
	Lat         float64          `json:"lat"`
	Lng         float64          `json:"lng"`
}

type flagsJSON struct {
	RelocationPlanned      bool `json:"relocation_planned"`
	VillageMergerPlanned   bool `json:"village_merger_planned"`
	DisasterRebuildSubsidy bool `json:"disaster_rebuild_subsidy"`
	PreviouslyRenovated    bool `json:"previously_renovated"`
	SmallDisasterDamage    bool `json:"small_disaster_damage"`
}

func (h householdJSON) toDomain() domain.Household {
	d := domain.Household{HeadName: h.HeadName, IDNumber: h.IDNumber, Phone: h.Phone, HukouNo: h.HukouNo, Type: h.Type}
	for _, m := range h.Members {
		d.Members = append(d.Members, domain.Member(m))
	}
	return d
}

// maskedHousehold is the household as answers show it.
func maskedHousehold(h domain.Household) householdJSON {
	out := householdJSON{HeadName: h.HeadName, IDNumber: domain.MaskID(h.IDNumber), Phone: h.Phone,
		HukouNo: h.HukouNo, Type: h.Type, Members: []memberJSON{}}
	for _, m := range h.Members {
		out.Members = append(out.Members, memberJSON{Name: m.Name, IDNumber: domain.MaskID(m.IDNumber), Relation: m.Relation})
	}
	return out
}

type assessmentJSON struct {
	DeemedInadequate bool           `json:"deemed_inadequate"`
	Bases            []domain.Basis `json:"bases"`
	Eligible         bool           `json:"eligible"`
	Reasons          []reasonJSON   `json:"reasons"`
	SuggestedMethod  domain.Method  `json:"suggested_method"`
	SubsidyYuan      int64          `json:"subsidy_yuan"`
}

type reasonJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func toAssessmentJSON(a domain.Assessment) assessmentJSON {
	out := assessmentJSON{DeemedInadequate: a.DeemedInadequate, Bases: a.Bases, Eligible: a.Eligible,
		Reasons: []reasonJSON{}, SuggestedMethod: a.SuggestedMethod, SubsidyYuan: a.SubsidyYuan}
	if out.Bases == nil {
		out.Bases = []domain.Basis{}
	}
	for _, r := range a.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON(r))
	}
	return out
}

type deadlineJSON struct {
	Deadline       domain.Date `json:"deadline"`
	DaysLeft       int         `json:"days_left"`
	Overdue        bool        `json:"overdue"`
	AtRisk         bool        `json:"at_risk"`
	PaymentOverdue bool        `json:"payment_overdue"`
}

// nextJSON is what the caller can do next. Actions is every action the
// role, area and stage allow; Offers says how a screen offers each (mode
// primary, redo, not_yet with the reason, danger), leaving out a
// resolve_objection with no objection open.
type nextJSON struct {
	Actions      []domain.Action `json:"actions"`
	Hint         string          `json:"hint"`
	Offers       []offerJSON     `json:"offers"`
	CanAddPhotos bool            `json:"can_add_photos"`
	CanEdit      bool            `json:"can_edit"`
}

// offerJSON is one domain.Offer.
type offerJSON struct {
	Action domain.Action    `json:"action"`
	Mode   domain.OfferMode `json:"mode"`
	Label  string           `json:"label"`
	Reason string           `json:"reason"`
}

type historyJSON struct {
	Seq       int          `json:"seq"`
	Action    string       `json:"action"`
	ActorID   string       `json:"actor_id"`
	ActorName string       `json:"actor_name"`
	ActorRole domain.Role  `json:"actor_role"`
	At        time.Time    `json:"at"`
	FromStage domain.Stage `json:"from_stage"`
	ToStage   domain.Stage `json:"to_stage"`
	Input     string       `json:"input"`
	PrevHash  string       `json:"prev_hash,omitempty"`
	Hash      string       `json:"hash,omitempty"`
}

func toHistoryJSON(h domain.HistoryEntry, withHashes bool) historyJSON {
	out := historyJSON{Seq: h.Seq, Action: h.Action, ActorID: h.ActorID, ActorName: h.ActorName,
		ActorRole: h.ActorRole, At: h.At.UTC(), FromStage: h.FromStage, ToStage: h.ToStage, Input: h.Input}
	if withHashes {
		out.PrevHash, out.Hash = h.PrevHash, h.Hash
	}
	return out
}

type villageReviewJSON struct {
	Passed      bool        `json:"passed"`
	MeetingDate domain.Date `json:"meeting_date"`
	Reason      string      `json:"reason"`
	At          time.Time   `json:"at"`
	By          string      `json:"by"`
}

type publicityJSON struct {
	Start    domain.Date `json:"start"`
	ClosedOn domain.Date `json:"closed_on"`
	EndsOn   domain.Date `json:"ends_on"`
}

type objectionJSON struct {
	ID          string       `json:"id"`
	Level       domain.Stage `json:"level"`
	Text        string       `json:"text"`
	ReceivedOn  domain.Date  `json:"received_on"`
	Outcome     string       `json:"outcome"`
	Explanation string       `json:"explanation"`
}

type verificationJSON struct {
	Passed         bool        `json:"passed"`
	Department     domain.Role `json:"department"`
	CertificateRef string      `json:"certificate_ref"`
	At             time.Time   `json:"at"`
	By             string      `json:"by"`
}

type appraisalJSON struct {
	Grade     domain.Grade     `json:"grade"`
	Structure domain.Structure `json:"structure"`
	BuiltYear int              `json:"built_year"`
	Notes     string           `json:"notes"`
	Bases     []domain.Basis   `json:"bases"`
	At        time.Time        `json:"at"`
	By        string           `json:"by"`
}

type approvalJSON struct {
	Method             domain.Method `json:"method"`
	PlannedSubsidyYuan int64         `json:"planned_subsidy_yuan"`
	ArchiveNo          string        `json:"archive_no"`
	At                 time.Time     `json:"at"`
	By                 string        `json:"by"`
}

type agreementJSON struct {
	BuilderName   string      `json:"builder_name"`
	BuilderCertNo string      `json:"builder_cert_no"`
	StartDate     domain.Date `json:"start_date"`
	PlannedFinish domain.Date `json:"planned_finish"`
	At            time.Time   `json:"at"`
	By            string      `json:"by"`
}

type checklistJSON struct {
	RingBeams  string `json:"ring_beams"`
	TieColumns string `json:"tie_columns"`
	TieBars    string `json:"tie_bars"`
	Foundation string `json:"foundation"`
	Walls      string `json:"walls"`
	Roof       string `json:"roof"`
}

type signedJSON struct {
	SignerRole domain.SignerRole `json:"signer_role"`
	SignerName string            `json:"signer_name"`
	SHA256     string            `json:"sha256"`
	URL        string            `json:"url"`
}

type acceptanceJSON struct {
	Passed         bool          `json:"passed"`
	MeasuredAreaM2 float64       `json:"measured_area_m2"`
	Storeys        int           `json:"storeys"`
	Checklist      checklistJSON `json:"checklist"`
	ItemsToFix     string        `json:"items_to_fix"`
	Signatures     []signedJSON  `json:"signatures"`
	FormSHA256     string        `json:"form_sha256"`
	SubsidyYuan    int64         `json:"subsidy_yuan"`
	BlockReason    string        `json:"block_reason"`
	At             time.Time     `json:"at"`
	By             string        `json:"by"`
}

type paymentJSON struct {
	AmountYuan int64       `json:"amount_yuan"`
	Bank       string      `json:"bank"`
	AccountNo  string      `json:"account_no"`
	PayeeName  string      `json:"payee_name"`
	VoucherNo  string      `json:"voucher_no"`
	PaidOn     domain.Date `json:"paid_on"`
	At         time.Time   `json:"at"`
	By         string      `json:"by"`
}

type photoJSON struct {
	ID         string           `json:"id"`
	Kind       domain.PhotoKind `json:"kind"`
	TakenAt    time.Time        `json:"taken_at"`
	Lat        float64          `json:"lat"`
	Lng        float64          `json:"lng"`
	Accuracy   float64          `json:"accuracy"`
	ReceivedAt time.Time        `json:"received_at"`
	UploadedBy string           `json:"uploaded_by"`
	SHA256     string           `json:"sha256"`
	Size       int64            `json:"size"`
	Width      int              `json:"width"`
	Height     int              `json:"height"`
	Format     string           `json:"format"`
	URL        string           `json:"url"`
	ThumbURL   string           `json:"thumb_url"`
}

type warningJSON struct {
	Code        string    `json:"code"`
	PhotoID     string    `json:"photo_id"`
	OtherCaseID string    `json:"other_case_id"`
	Ref         string    `json:"ref,omitempty"`
	Message     string    `json:"message"`
	At          time.Time `json:"at"`
}

// caseResponse is the whole file (GET /api/cases/{id} and every write's answer).
type caseResponse struct {
	ID                  string             `json:"id"`
	ProgramYear         int                `json:"program_year"`
	VillageCode         string             `json:"village_code"`
	VillageName         string             `json:"village_name"`
	TownshipCode        string             `json:"township_code"`
	TownshipName        string             `json:"township_name"`
	Household           householdJSON      `json:"household"`
	House               houseJSON          `json:"house"`
	Method              domain.Method      `json:"method"`
	Flags               flagsJSON          `json:"flags"`
	ReapplicationReason string             `json:"reapplication_reason"`
	ArchiveNo           string             `json:"archive_no"`
	Stage               domain.Stage       `json:"stage"`
	StageLabel          string             `json:"stage_label"`
	Version             int                `json:"version"`
	FiledAt             time.Time          `json:"filed_at"`
	CreatedAt           time.Time          `json:"created_at"`
	UpdatedAt           time.Time          `json:"updated_at"`
	CreatedBy           string             `json:"created_by"`
	ReturnReason        string             `json:"return_reason"`
	CloseReason         string             `json:"close_reason"`
	Assessment          assessmentJSON     `json:"assessment"`
	Rules               programRules       `json:"rules"` // the program's rules as they bind the case (as approved, once approved)
	VillageReview       *villageReviewJSON `json:"village_review"`
	VillagePublicity    *publicityJSON     `json:"village_publicity"`
	TownshipPublicity   *publicityJSON     `json:"township_publicity"`
	Objections          []objectionJSON    `json:"objections"`
	Verification        *verificationJSON  `json:"verification"`
	Appraisal           *appraisalJSON     `json:"appraisal"`
	Approval            *approvalJSON      `json:"approval"`
	Agreement           *agreementJSON     `json:"agreement"`
	Acceptances         []acceptanceJSON   `json:"acceptances"`
	Payment             *paymentJSON       `json:"payment"`
	Photos              []photoJSON        `json:"photos"`
	Warnings            []warningJSON      `json:"warnings"`
	Deadline            deadlineJSON       `json:"deadline"`
	Next                nextJSON           `json:"next"`
	History             []historyJSON      `json:"history"`
}

// caseItem is one row of GET /api/cases.
type caseItem struct {
	ID            string       `json:"id"`
	ProgramYear   int          `json:"program_year"`
	VillageCode   string       `json:"village_code"`
	VillageName   string       `json:"village_name"`
	HeadName      string       `json:"head_name"`
	IDNumber      string       `json:"id_number"`
	HukouNo       string       `json:"hukou_no"`
	ArchiveNo     string       `json:"archive_no"`
	Stage         domain.Stage `json:"stage"`
	StageLabel    string       `json:"stage_label"`
	Version       int          `json:"version"`
	UpdatedAt     time.Time    `json:"updated_at"`
	ReturnReason  string       `json:"return_reason"`
	WarningsCount int          `json:"warnings_count"`
	Deadline      deadlineJSON `json:"deadline"`
	Next          nextJSON     `json:"next"`
	Work          *workJSON    `json:"work,omitempty"` // in GET /api/queue: the case's place in the caller's work
}

func toDeadlineJSON(d domain.Deadline) deadlineJSON {
	return deadlineJSON{Deadline: d.Deadline, DaysLeft: d.DaysLeft, Overdue: d.Overdue, AtRisk: d.AtRisk, PaymentOverdue: d.PaymentOverdue}
}

func nextOf(c domain.Case, act domain.Actor, now time.Time, p domain.Program) nextJSON {
	acts := domain.AllowedActions(c, act, now, p)
	if acts == nil {
		acts = []domain.Action{}
	}
	offers := []offerJSON{}
	for _, o := range domain.Offers(c, act, now, p) {
		offers = append(offers, offerJSON(o))
	}
	return nextJSON{Actions: acts, Hint: domain.NextHint(c), Offers: offers,
		CanAddPhotos: domain.CanAddPhotos(c, act), CanEdit: domain.CanEdit(c, act)}
}

func (a *App) toCaseItem(ctx context.Context, c domain.Case, act domain.Actor, now time.Time, p domain.Program) caseItem {
	return caseItem{
		ID: c.ID, ProgramYear: c.ProgramYear, VillageCode: c.VillageCode, VillageName: a.areaName(ctx, c.VillageCode),
		HeadName: c.Household.HeadName, IDNumber: domain.MaskID(c.Household.IDNumber), HukouNo: c.Household.HukouNo,
		ArchiveNo: c.ArchiveNo(),
		Stage:     c.Stage, StageLabel: c.Stage.Label(), Version: c.Version, UpdatedAt: c.UpdatedAt.UTC(),
		ReturnReason: c.ReturnReason, WarningsCount: len(c.Warnings),
		Deadline: toDeadlineJSON(domain.DeadlineStatus(c, p, now)), Next: nextOf(c, act, now, p),
	}
}

// filedAt is when the application was made on the phone; cases filed
// before that was recorded answer their receipt time.
func filedAt(c domain.Case) time.Time {
	if c.FiledAt.IsZero() {
		return c.CreatedAt.UTC()
	}
	return c.FiledAt.UTC()
}

// toResponse is the file as the actor sees it now.
func (a *App) toResponse(ctx context.Context, c domain.Case, act domain.Actor, now time.Time, p domain.Program) caseResponse {
	f := c.Flags
	r := caseResponse{
		ID: c.ID, ProgramYear: c.ProgramYear, VillageCode: c.VillageCode, VillageName: a.areaName(ctx, c.VillageCode),
		TownshipCode: c.TownshipCode(), TownshipName: a.areaName(ctx, c.TownshipCode()),
		Household: maskedHousehold(c.Household), House: houseJSON(c.House), Method: c.Method,
		Flags: flagsJSON{RelocationPlanned: f.RelocationPlanned, VillageMergerPlanned: f.VillageMergerPlanned,
			DisasterRebuildSubsidy: f.DisasterRebuildSubsidy, PreviouslyRenovated: f.PreviouslyRenovated,
			SmallDisasterDamage: f.SmallDisasterDamage},
		ReapplicationReason: c.Reapplication, ArchiveNo: c.ArchiveNo(),
		Stage: c.Stage, StageLabel: c.Stage.Label(), Version: c.Version,
		FiledAt: filedAt(c), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), CreatedBy: c.CreatedBy,
		ReturnReason: c.ReturnReason, CloseReason: c.CloseReason,
		Assessment:  toAssessmentJSON(c.Assessment(p)),
		Rules:       rulesOf(p.RulesFor(c)),
		Objections:  []objectionJSON{},
		Acceptances: []acceptanceJSON{},
		Photos:      []photoJSON{},
		Warnings:    []warningJSON{},
		History:     []historyJSON{},
		Deadline:    toDeadlineJSON(domain.DeadlineStatus(c, p, now)),
		Next:        nextOf(c, act, now, p),
	}
	if v := c.VillageReview; v != nil {
		r.VillageReview = &villageReviewJSON{Passed: v.Passed, MeetingDate: v.MeetingDate, Reason: v.Reason, At: v.At.UTC(), By: v.By}
	}
	if v := c.VillagePublicity; v != nil {
		r.VillagePublicity = &publicityJSON{Start: v.Start, ClosedOn: v.ClosedOn, EndsOn: v.EndsOn}
	}
	if v := c.TownshipPublicity; v != nil {
		r.TownshipPublicity = &publicityJSON{Start: v.Start, ClosedOn: v.ClosedOn, EndsOn: v.EndsOn}
	}
	for _, o := range c.Objections {
		r.Objections = append(r.Objections, objectionJSON{ID: o.ID, Level: o.Level, Text: o.Text,
			ReceivedOn: o.ReceivedOn, Outcome: o.Outcome, Explanation: o.Explanation})
	}
	if v := c.Verification; v != nil {
		r.Verification = &verificationJSON{Passed: v.Passed, Department: v.Department, CertificateRef: v.CertificateRef, At: v.At.UTC(), By: v.By}
	}
	if v := c.Appraisal; v != nil {
		r.Appraisal = &appraisalJSON{Grade: v.Grade, Structure: v.Structure, BuiltYear: v.BuiltYear, Notes: v.Notes,
			Bases: v.Bases, At: v.At.UTC(), By: v.By}
		if r.Appraisal.Bases == nil {
			r.Appraisal.Bases = []domain.Basis{}
		}
	}
	if v := c.Approval; v != nil {
		r.Approval = &approvalJSON{Method: v.Method, PlannedSubsidyYuan: v.PlannedSubsidy, ArchiveNo: v.ArchiveNo, At: v.At.UTC(), By: v.By}
	}
	if v := c.Agreement; v != nil {
		r.Agreement = &agreementJSON{BuilderName: v.BuilderName, BuilderCertNo: v.BuilderCertNo, StartDate: v.StartDate,
			PlannedFinish: v.PlannedFinish, At: v.At.UTC(), By: v.By}
	}
	for i, x := range c.Acceptances {
		aj := acceptanceJSON{Passed: x.Passed, MeasuredAreaM2: x.MeasuredAreaM2, Storeys: x.Storeys,
			Checklist: checklistJSON(x.Checklist), ItemsToFix: x.ItemsToFix, Signatures: []signedJSON{},
			FormSHA256: x.FormSHA256, SubsidyYuan: x.SubsidyYuan, BlockReason: x.BlockReason, At: x.At.UTC(), By: x.By}
		for _, s := range x.Signatures {
			aj.Signatures = append(aj.Signatures, signedJSON{SignerRole: s.SignerRole, SignerName: s.SignerName, SHA256: s.SHA256,
				URL: signatureURL(c.ID, i+1, s.SignerRole)})
		}
		r.Acceptances = append(r.Acceptances, aj)
	}
	if v := c.Payment; v != nil {
		r.Payment = &paymentJSON{AmountYuan: v.AmountYuan, Bank: v.Bank, AccountNo: domain.MaskAccount(v.AccountNo),
			PayeeName: v.PayeeName, VoucherNo: v.VoucherNo, PaidOn: v.PaidOn, At: v.At.UTC(), By: v.By}
	}
	base := "/api/cases/" + url.PathEscape(c.ID) + "/photos/"
	for _, p := range c.Photos {
		u := base + url.PathEscape(p.ID)
		r.Photos = append(r.Photos, photoJSON{ID: p.ID, Kind: p.Kind, TakenAt: p.TakenAt.UTC(), Lat: p.Lat, Lng: p.Lng,
			Accuracy: p.Accuracy, ReceivedAt: p.ReceivedAt.UTC(), UploadedBy: p.UploadedBy, SHA256: p.SHA256,
			Size: p.Size, Width: p.Width, Height: p.Height, Format: p.Format, URL: u, ThumbURL: u + "?size=thumb"})
	}
	for _, w := range c.Warnings {
		r.Warnings = append(r.Warnings, warningJSON{Code: w.Code, PhotoID: w.PhotoID, OtherCaseID: w.OtherCaseID,
			Ref: w.Ref, Message: w.Message, At: w.At.UTC()})
	}
	for _, h := range c.History {
		r.History = append(r.History, toHistoryJSON(h, false))
	}
	return r
}
