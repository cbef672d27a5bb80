package domain

import "time"

// Stage is where a case stands in the lifecycle (四、操作程序).
type Stage string

// Stages, with DOMAIN.md's canonical names.
const (
	StageApplied           Stage = "applied"
	StageVillagePublicity  Stage = "village_publicity"
	StageTownshipReview    Stage = "township_review"
	StageTownshipPublicity Stage = "township_publicity"
	StageCountyReview      Stage = "county_review"
	StageApproved          Stage = "approved"
	StageConstruction      Stage = "construction"
	StageAcceptance        Stage = "acceptance"
	StageAccepted          Stage = "accepted"
	StagePaid              Stage = "paid"
	StageArchived          Stage = "archived"
	StageRejected          Stage = "rejected"
	StageWithdrawn         Stage = "withdrawn"
)

// Stages lists every stage in lifecycle order, terminal ones last.
var Stages = []Stage{
	StageApplied, StageVillagePublicity, StageTownshipReview, StageTownshipPublicity,
	StageCountyReview, StageApproved, StageConstruction, StageAcceptance, StageAccepted,
	StagePaid, StageArchived, StageRejected, StageWithdrawn,
}

// HouseholdType is the 农户类型.
type HouseholdType string

// Household types (wire names).
const (
	TypeSubsistenceAllowance  HouseholdType = "subsistence_allowance"
	TypeExtremePovertySupport HouseholdType = "extreme_poverty_support"
	TypeNearSubsistence       HouseholdType = "near_subsistence"
	TypePovertyRelapseRisk    HouseholdType = "poverty_relapse_risk"
	TypeLiftedFromPoverty     HouseholdType = "lifted_from_poverty"
	TypeSevereHardship        HouseholdType = "severe_hardship"
	TypeHazardousSelfbuilt    HouseholdType = "hazardous_selfbuilt"
)

// Structure is the house's structure type.
type Structure string

// Structures (wire names).
const (
	StructureEarth         Structure = "earth"
	StructureBrickEarth    Structure = "brick_earth"
	StructureBrickWood     Structure = "brick_wood"
	StructureBrickConcrete Structure = "brick_concrete"
	StructureFrame         Structure = "frame"
	StructureOther         Structure = "other"
)

// Grade is an appraisal grade under JGJ/T 363-2014.
type Grade string

// Grades.
const (
	GradeA Grade = "A"
	GradeB Grade = "B"
	GradeC Grade = "C"
	GradeD Grade = "D"
)

// Method is how the house is renovated.
type Method string

// Methods.
const (
	MethodRebuild   Method = "rebuild"
	MethodReinforce Method = "reinforce"
)

// Basis is a reason a house is deemed not seismically adequate.
type Basis string

// Deemed bases.
const (
	BasisAppraisedDangerous Basis = "appraised_dangerous"
	BasisEarth              Basis = "earth"
	BasisBrickEarth         Basis = "brick_earth"
	BasisOverAge            Basis = "over_age"
)

// PhotoKind says what a photo proves.
type PhotoKind string

// Photo kinds (wire names).
const (
	PhotoHukou          PhotoKind = "hukou"
	PhotoApplication    PhotoKind = "application"
	PhotoHouseBefore    PhotoKind = "house_before"
	PhotoMeeting        PhotoKind = "meeting"
	PhotoNoticeVillage  PhotoKind = "notice_village"
	PhotoNoticeTownship PhotoKind = "notice_township"
	PhotoAppraisal      PhotoKind = "appraisal"
	PhotoAgreement      PhotoKind = "agreement"
	PhotoProgress       PhotoKind = "progress"
	PhotoCompletion     PhotoKind = "completion"
	PhotoAcceptance     PhotoKind = "acceptance"
	PhotoDemolition     PhotoKind = "demolition"
	PhotoVoucher        PhotoKind = "voucher"
	PhotoOther          PhotoKind = "other"
)

// SignerRole is who signs the acceptance form.
type SignerRole string

// Signer roles.
const (
	SignerHouseholdHead   SignerRole = "household_head"
	SignerInspector       SignerRole = "inspector"
	SignerTownshipOfficer SignerRole = "township_officer"
)

// Flag is the wire name of one of Flags' facts.
type Flag string

// Flags on a case (wire names), in the order of the Flags struct.
const (
	FlagRelocationPlanned      Flag = "relocation_planned"
	FlagVillageMergerPlanned   Flag = "village_merger_planned"
	FlagDisasterRebuildSubsidy Flag = "disaster_rebuild_subsidy"
	FlagPreviouslyRenovated    Flag = "previously_renovated"
	FlagSmallDisasterDamage    Flag = "small_disaster_damage"
)

// Flags are the facts about a case that exclude it or need a reason.
type Flags struct {
	RelocationPlanned      bool
	VillageMergerPlanned   bool
	DisasterRebuildSubsidy bool
	PreviouslyRenovated    bool
	SmallDisasterDamage    bool
}

// Member is a member of the household on the 户口簿.
type Member struct {
	Name     string
	IDNumber string
	Relation string
}

// Household is the applicant family.
type Household struct {
	HeadName string
	IDNumber string // 身份证号 of the head, full; mask before showing
	Phone    string
	HukouNo  string // 户口簿 number
	Type     HouseholdType
	Members  []Member
}

// House is the dwelling to renovate.
type House struct {
	Address     string
	BuiltYear   int
	Structure   Structure
	FloorAreaM2 float64
	OnlyHouse   bool
	Lat, Lng    float64 // WGS-84; 0,0 means not recorded
}

// VillageReview is the 村委评议 record.
type VillageReview struct {
	Passed      bool
	MeetingDate Date
	Reason      string // when failed; told to the applicant
	At          time.Time
	By          string
}

// Publicity is one 公示 period.
type Publicity struct {
	Start    Date // posting date: today or earlier when recorded
	EndsOn   Date // Start + the program's publicity days: may be closed from this day
	ClosedOn Date // set when closed
}

// Objection is an objection received during a publicity period.
type Objection struct {
	ID          string
	Level       Stage // StageVillagePublicity or StageTownshipPublicity
	Text        string
	ReceivedOn  Date
	RecordedBy  string
	Outcome     string // "" while open, then "dismissed" or "upheld"
	Explanation string
	ResolvedBy  string
	ResolvedAt  time.Time
}

// Open reports whether the objection awaits a decision.
func (o Objection) Open() bool { return o.Outcome == "" }

// Verification is the household-type certification by civil affairs or
// rural revitalization.
type Verification struct {
	Passed         bool
	Department     Role
	CertificateRef string
	At             time.Time
	By             string
}

// Appraisal is the county inspector's 鉴定.
type Appraisal struct {
	Grade     Grade
	Structure Structure
	BuiltYear int
	Notes     string
	Bases     []Basis // deemed bases computed at appraisal
	At        time.Time
	By        string
}

// Approval is the county 审批.
type Approval struct {
	Method         Method
	PlannedSubsidy int64 // yuan
	// Amendments is how many amendments of the program were in force at
	// approval: the rules the case keeps (Program.RulesFor).
	Amendments int
	At         time.Time
	By         string
	ArchiveSeq int    // position in the county's approvals of the program year, from 1
	ArchiveNo  string // 档案编号, FormatArchiveNo(year, ArchiveSeq): printed on every form
}

// Agreement is the 施工协议.
type Agreement struct {
	BuilderName   string
	BuilderCertNo string
	StartDate     Date
	PlannedFinish Date
	At            time.Time
	By            string
}

// Checklist results: "pass", "fail" or "na".
type Checklist struct {
	RingBeams, TieColumns, TieBars, Foundation, Walls, Roof string
}

// Signature is one signature on the acceptance form, stored as a PNG object.
type Signature struct {
	SignerRole SignerRole
	SignerName string
	ObjectKey  string
	SHA256     string // of the PNG bytes
	Size       int64
}

// Acceptance is one 竣工验收 on site (a case keeps every attempt).
type Acceptance struct {
	Passed         bool
	MeasuredAreaM2 float64
	Storeys        int
	Checklist      Checklist
	ItemsToFix     string
	Signatures     []Signature
	FormSHA256     string // SHA-256 of the canonical form content the signatures bind to
	SubsidyYuan    int64  // computed at acceptance; 0 with BlockReason when not payable
	BlockReason    string
	Version        int // the case version the form was decided on (part of FormSHA256)
	At             time.Time
	By             string
}

// Payment is the 补助拨付 record; a case has at most one.
type Payment struct {
	AmountYuan int64
	Bank       string
	AccountNo  string // full; mask before showing
	PayeeName  string
	VoucherNo  string
	PaidOn     Date
	At         time.Time
	By         string
}

// Photo is one piece of photo evidence kept in the object store.
type Photo struct {
	ID         string // client UUID
	Kind       PhotoKind
	TakenAt    time.Time // device time
	Lat, Lng   float64
	Accuracy   float64 // metres; 0 if unknown
	ReceivedAt time.Time
	UploadedBy string
	SHA256     string
	PHash      uint64
	Size       int64
	Width      int
	Height     int
	Format     string // "jpeg", "png" or "webp"
	ObjectKey  string
	ThumbKey   string
}

// Warning codes.
const (
	WarnDuplicatePhoto = "duplicate_photo"
	WarnFarFromHouse   = "far_from_house"
	WarnOutOfOrder     = "out_of_order"
	WarnProgramAmended = "program_amended"
)

// WarningCodes lists every warning code.
var WarningCodes = []string{WarnDuplicatePhoto, WarnFarFromHouse, WarnOutOfOrder, WarnProgramAmended}

// Warning is something a reviewer must see; never silently dropped.
type Warning struct {
	Code        string
	PhotoID     string
	OtherCaseID string
	OtherPhoto  string
	Ref         string // what else the finding is about, e.g. "program/2025/amendment/1"
	Message     string // Chinese
	At          time.Time
}

// HistoryEntry is one link of the case's tamper-evident audit chain.
type HistoryEntry struct {
	Seq       int
	Action    string
	ActorID   string
	ActorName string
	ActorRole Role
	ActorArea string
	At        time.Time // UTC, truncated to milliseconds (what BSON keeps)
	FromStage Stage
	ToStage   Stage
	Input     string // canonical JSON of the decided input, identifiers masked
	PrevHash  string
	Hash      string // hex SHA-256 over PrevHash and the canonical entry
}

// Case is one household's file (一户一档) in one program year.
type Case struct {
	ID            string
	ProgramYear   int
	VillageCode   string
	Household     Household
	House         House
	Method        Method // requested at filing; fixed at approval
	Flags         Flags
	Reapplication string // reason recorded for 再次纳入 (previously renovated, small disaster)

	Stage   Stage
	Version int

	// FiledAt is when the application was made on the phone (FilingTime):
	// never after the server received it (CreatedAt). Zero on cases filed
	// before it was recorded: CreatedAt stands in (FilingDate).
	FiledAt   time.Time
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	// DecidedAt is when the last decision was taken (filing, a correction,
	// a lifecycle step; not a photo): how long the case has waited since.
	DecidedAt time.Time

	ReturnReason string // the latest return reason, shown to the cadre until acted on
	ReturnedBy   Role
	CloseReason  string // why rejected or withdrawn

	VillageReview     *VillageReview
	VillagePublicity  *Publicity
	TownshipReviewAt  time.Time
	TownshipPublicity *Publicity
	Objections        []Objection
	Verification      *Verification
	Appraisal         *Appraisal
	Approval          *Approval
	Agreement         *Agreement
	SelfCheckAt       time.Time // 自验 recorded with request_acceptance
	Acceptances       []Acceptance
	Payment           *Payment
	ArchivedAt        time.Time

	Photos   []Photo
	Warnings []Warning
	History  []HistoryEntry
}

// TownshipCode is the township the case's village belongs to.
func (c *Case) TownshipCode() string { return TownshipOf(c.VillageCode) }

// ArchiveNo is the case's 档案编号, given at approval ("" before).
func (c *Case) ArchiveNo() string {
	if c.Approval == nil {
		return ""
	}
	return c.Approval.ArchiveNo
}

// LastAcceptance returns the most recent acceptance attempt, or nil.
func (c *Case) LastAcceptance() *Acceptance {
	if len(c.Acceptances) == 0 {
		return nil
	}
	return &c.Acceptances[len(c.Acceptances)-1]
}
