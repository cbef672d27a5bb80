package domain

// Action is a lifecycle step's canonical name.
type Action string

// Actions of DOMAIN.md's lifecycle table. ActionCreate files the case;
// ActionAddPhoto, ActionEdit and ActionReveal are recorded in the history too.
const (
	ActionCreate                 Action = "create"
	ActionEdit                   Action = "edit"
	ActionAddPhoto               Action = "add_photo"
	ActionReveal                 Action = "reveal"
	ActionVillageReview          Action = "village_review"
	ActionRecordObjection        Action = "record_objection"
	ActionResolveObjection       Action = "resolve_objection"
	ActionCloseVillagePublicity  Action = "close_village_publicity"
	ActionTownshipReview         Action = "township_review"
	ActionCloseTownshipPublicity Action = "close_township_publicity"
	ActionVerifyHousehold        Action = "verify_household"
	ActionAppraise               Action = "appraise"
	ActionApprove                Action = "approve"
	ActionCountyReturn           Action = "county_return"
	ActionStartConstruction      Action = "start_construction"
	ActionRequestAcceptance      Action = "request_acceptance"
	ActionAccept                 Action = "accept"
	ActionDisburse               Action = "disburse"
	ActionArchive                Action = "archive"
	ActionWithdraw               Action = "withdraw"
)

// Actions lists the actions taken through POST /api/cases/{id}/actions/{action}.
var Actions = []Action{
	ActionVillageReview, ActionRecordObjection, ActionResolveObjection,
	ActionCloseVillagePublicity, ActionTownshipReview, ActionCloseTownshipPublicity,
	ActionVerifyHousehold, ActionAppraise, ActionApprove, ActionCountyReturn,
	ActionStartConstruction, ActionRequestAcceptance, ActionAccept, ActionDisburse,
	ActionArchive, ActionWithdraw,
}

// ActionInput is the union of every action's fields (DOMAIN.md "Action
// fields"); each action reads the ones it needs and validates them.
type ActionInput struct {
	Version int // the case version the decision was made on

	Result         string // pass|fail (village_review), pass|return (township_review, verify_household), pass|rectify (accept)
	Reason         string
	MeetingDate    Date
	PublicityStart Date

	Text       string // record_objection
	ReceivedOn Date

	ObjectionID string // resolve_objection
	Outcome     string // dismissed|upheld
	Explanation string

	CertificateRef string // verify_household

	Grade     Grade // appraise
	Structure Structure
	BuiltYear int
	Notes     string

	Method Method // approve
	// ArchiveSeq is the 档案编号's sequence number the store reserved for
	// this approval (approve only; never from the request).
	ArchiveSeq int

	BuilderName   string // start_construction
	BuilderCertNo string
	StartDate     Date
	PlannedFinish Date

	MeasuredAreaM2 float64 // accept
	Storeys        int
	Checklist      Checklist
	ItemsToFix     string
	Signatures     []Signature // PNGs already validated and stored by the caller

	Bank      string // disburse
	AccountNo string
	PayeeName string
	VoucherNo string
	PaidOn    Date
}
