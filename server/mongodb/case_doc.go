package mongodb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/yongjing/anju/domain"
)

// caseDoc is one case as stored in the cases collection (_id = case id).
// Fields after History are derived at write time so that list filters
// have something to match (and, on MongoDB, an index to use) without the
// full 身份证号 ever being a searchable plain field.
type caseDoc struct {
	ID            string            `bson:"_id"`
	ProgramYear   int               `bson:"program_year"`
	VillageCode   string            `bson:"village_code"`
	Household     householdDoc      `bson:"household"`
	House         houseDoc          `bson:"house"`
	Method        domain.Method     `bson:"method"`
	Flags         flagsDoc          `bson:"flags"`
	Reapplication string            `bson:"reapplication_reason"`
	Stage         domain.Stage      `bson:"stage"`
	Version       int               `bson:"version"`
	FiledAt       time.Time         `bson:"filed_at"`
	CreatedAt     time.Time         `bson:"created_at"`
	CreatedBy     string            `bson:"created_by"`
	UpdatedAt     time.Time         `bson:"updated_at"`
	DecidedAt     time.Time         `bson:"decided_at"`
	ReturnReason  string            `bson:"return_reason"`
	ReturnedBy    domain.Role       `bson:"returned_by"`
	CloseReason   string            `bson:"close_reason"`
	VillageReview *villageReviewDoc `bson:"village_review"`
	VillagePub    *publicityDoc     `bson:"village_publicity"`
	TownshipAt    time.Time         `bson:"township_review_at"`
	TownshipPub   *publicityDoc     `bson:"township_publicity"`
	Objections    []objectionDoc    `bson:"objections"`
	Verification  *verificationDoc  `bson:"verification"`
	Appraisal     *appraisalDoc     `bson:"appraisal"`
	Approval      *approvalDoc      `bson:"approval"`
	Agreement     *agreementDoc     `bson:"agreement"`
	SelfCheckAt   time.Time         `bson:"self_check_at"`
	Acceptances   []acceptanceDoc   `bson:"acceptances"`
	Payment       *paymentDoc       `bson:"payment"`
	ArchivedAt    time.Time         `bson:"archived_at"`
	Photos        []photoDoc        `bson:"photos"`
	Warnings      []warningDoc      `bson:"warnings"`
	History       []historyDoc      `bson:"history"`

	TownshipCode  string `bson:"township_code"`
	IDHash        string `bson:"id_hash"`   // SHA-256 of the head's 身份证号: exact lookup
	IDTail        string `bson:"id_tail"`   // last 6 characters: "search by the last digits"
	HeadName      string `bson:"head_name"` // copy for the name search
	HasWarnings   bool   `bson:"has_warnings"`
	WarningsCount int    `bson:"warnings_count"`
	FilingHash    string `bson:"filing_hash"` // what the phone sent at create; retries compare it
	HistoryLen    int    `bson:"history_len"` // photos and reveals add history without a new version
}

type householdDoc struct {
	HeadName string               `bson:"head_name"`
	IDNumber string               `bson:"id_number"`
	Phone    string               `bson:"phone"`
	HukouNo  string               `bson:"hukou_no"`
	Type     domain.HouseholdType `bson:"type"`
	Members  []memberDoc          `bson:"members"`
}

type memberDoc struct {
	Name     string `bson:"name"`
	IDNumber string `bson:"id_number"`
	Relation string `bson:"relation"`
}

type houseDoc struct {
	Address     string           `bson:"address"`
	BuiltYear   int              `bson:"built_year"`
	Structure   domain.Structure `bson:"structure"`
	FloorAreaM2 float64          `bson:"floor_area_m2"`
	OnlyHouse   bool             `bson:"only_house"`
	Lat         float64          `bson:"lat"`
	Lng         float64          `bson:"lng"`
}

type flagsDoc struct {
	RelocationPlanned      bool `bson:"relocation_planned"`
	VillageMergerPlanned   bool `bson:"village_merger_planned"`
	DisasterRebuildSubsidy bool `bson:"disaster_rebuild_subsidy"`
	PreviouslyRenovated    bool `bson:"previously_renovated"`
	SmallDisasterDamage    bool `bson:"small_disaster_damage"`
}

type villageReviewDoc struct {
	Passed      bool        `bson:"passed"`
	MeetingDate domain.Date `bson:"meeting_date"`
	Reason      string      `bson:"reason"`
	At          time.Time   `bson:"at"`
	By          string      `bson:"by"`
}

type publicityDoc struct {
	Start    domain.Date `bson:"start"`
	EndsOn   domain.Date `bson:"ends_on"`
	ClosedOn domain.Date `bson:"closed_on"`
}

type objectionDoc struct {
	ID          string       `bson:"id"`
	Level       domain.Stage `bson:"level"`
	Text        string       `bson:"text"`
	ReceivedOn  domain.Date  `bson:"received_on"`
	RecordedBy  string       `bson:"recorded_by"`
	Outcome     string       `bson:"outcome"`
	Explanation string       `bson:"explanation"`
	ResolvedBy  string       `bson:"resolved_by"`
	ResolvedAt  time.Time    `bson:"resolved_at"`
}

type verificationDoc struct {
	Passed         bool        `bson:"passed"`
	Department     domain.Role `bson:"department"`
	CertificateRef string      `bson:"certificate_ref"`
	At             time.Time   `bson:"at"`
	By             string      `bson:"by"`
}

type appraisalDoc struct {
	Grade     domain.Grade     `bson:"grade"`
	Structure domain.Structure `bson:"structure"`
	BuiltYear int              `bson:"built_year"`
	Notes     string           `bson:"notes"`
	Bases     []domain.Basis   `bson:"bases"`
	At        time.Time        `bson:"at"`
	By        string           `bson:"by"`
}

type approvalDoc struct {
	Method         domain.Method `bson:"method"`
	PlannedSubsidy int64         `bson:"planned_subsidy_yuan"`
	Amendments     int           `bson:"rules_amendments"`
	At             time.Time     `bson:"at"`
	By             string        `bson:"by"`
	ArchiveSeq     int           `bson:"archive_seq"`
	ArchiveNo      string        `bson:"archive_no"`
}

type agreementDoc struct {
	BuilderName   string      `bson:"builder_name"`
	BuilderCertNo string      `bson:"builder_cert_no"`
	StartDate     domain.Date `bson:"start_date"`
	PlannedFinish domain.Date `bson:"planned_finish"`
	At            time.Time   `bson:"at"`
	By            string      `bson:"by"`
}

type checklistDoc struct {
	RingBeams  string `bson:"ring_beams"`
	TieColumns string `bson:"tie_columns"`
	TieBars    string `bson:"tie_bars"`
	Foundation string `bson:"foundation"`
	Walls      string `bson:"walls"`
	Roof       string `bson:"roof"`
}

type signatureDoc struct {
	SignerRole domain.SignerRole `bson:"signer_role"`
	SignerName string            `bson:"signer_name"`
	ObjectKey  string            `bson:"object_key"`
	SHA256     string            `bson:"sha256"`
	Size       int64             `bson:"size"`
}

type acceptanceDoc struct {
	Passed         bool           `bson:"passed"`
	MeasuredAreaM2 float64        `bson:"measured_area_m2"`
	Storeys        int            `bson:"storeys"`
	Checklist      checklistDoc   `bson:"checklist"`
	ItemsToFix     string         `bson:"items_to_fix"`
	Signatures     []signatureDoc `bson:"signatures"`
	FormSHA256     string         `bson:"form_sha256"`
	SubsidyYuan    int64          `bson:"subsidy_yuan"`
	BlockReason    string         `bson:"block_reason"`
	Version        int            `bson:"version"`
	At             time.Time      `bson:"at"`
	By             string         `bson:"by"`
}

type paymentDoc struct {
	AmountYuan int64       `bson:"amount_yuan"`
	Bank       string      `bson:"bank"`
	AccountNo  string      `bson:"account_no"`
	PayeeName  string      `bson:"payee_name"`
	VoucherNo  string      `bson:"voucher_no"`
	PaidOn     domain.Date `bson:"paid_on"`
	At         time.Time   `bson:"at"`
	By         string      `bson:"by"`
}

type photoDoc struct {
	ID         string           `bson:"id"`
	Kind       domain.PhotoKind `bson:"kind"`
	TakenAt    time.Time        `bson:"taken_at"`
	Lat        float64          `bson:"lat"`
	Lng        float64          `bson:"lng"`
	Accuracy   float64          `bson:"accuracy"`
	ReceivedAt time.Time        `bson:"received_at"`
	UploadedBy string           `bson:"uploaded_by"`
	SHA256     string           `bson:"sha256"`
	PHash      int64            `bson:"phash"` // BSON has no unsigned integers
	Size       int64            `bson:"size"`
	Width      int              `bson:"width"`
	Height     int              `bson:"height"`
	Format     string           `bson:"format"`
	ObjectKey  string           `bson:"object_key"`
	ThumbKey   string           `bson:"thumb_key"`
}

type warningDoc struct {
	Code        string    `bson:"code"`
	PhotoID     string    `bson:"photo_id"`
	OtherCaseID string    `bson:"other_case_id"`
	OtherPhoto  string    `bson:"other_photo"`
	Ref         string    `bson:"ref,omitempty"`
	Message     string    `bson:"message"`
	At          time.Time `bson:"at"`
}

type historyDoc struct {
	Seq       int          `bson:"seq"`
	Action    string       `bson:"action"`
	ActorID   string       `bson:"actor_id"`
	ActorName string       `bson:"actor_name"`
	ActorRole domain.Role  `bson:"actor_role"`
	ActorArea string       `bson:"actor_area"`
	At        time.Time    `bson:"at"`
	FromStage domain.Stage `bson:"from_stage"`
	ToStage   domain.Stage `bson:"to_stage"`
	Input     string       `bson:"input"`
	PrevHash  string       `bson:"prev_hash"`
	Hash      string       `bson:"hash"`
}

// hashHex is the hex SHA-256 of s.
func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// IDNumberHash is the hex SHA-256 of a 身份证号 in its normal form
// (domain.NormalizeNumber), "" for none: a case's id_hash, its identity
// reservation, and what a search by the whole number is recorded under,
// so an auditor can match a recorded search to the case it found.
func IDNumberHash(s string) string {
	id := domain.NormalizeNumber(s)
	if id == "" {
		return ""
	}
	return hashHex(id)
}

// idTail is what the store keeps of a 身份证号 (normal form) for a search
// by its last characters: the last 6, the most any search uses.
func idTail(id string) string { return id[max(0, len(id)-6):] }

// FilingHash fingerprints what a phone sent when it filed c: a retry of
// the same create carries the same fingerprint, a reused id with another
// household does not.
func FilingHash(c domain.Case) string {
	b, _ := json.Marshal(struct {
		Y int
		V string
		H domain.Household
		O domain.House
		M domain.Method
		F domain.Flags
		R string
	}{c.ProgramYear, c.VillageCode, c.Household, c.House, c.Method, c.Flags, c.Reapplication})
	return hashHex(string(b))
}

func toDoc(c domain.Case, filingHash string) caseDoc {
	d := caseDoc{
		ID: c.ID, ProgramYear: c.ProgramYear, VillageCode: c.VillageCode,
		Household: householdDoc{
			HeadName: c.Household.HeadName, IDNumber: c.Household.IDNumber, Phone: c.Household.Phone,
			HukouNo: c.Household.HukouNo, Type: c.Household.Type, Members: []memberDoc{},
		},
		House:         houseDoc(c.House),
		Method:        c.Method,
		Flags:         flagsDoc(c.Flags),
		Reapplication: c.Reapplication,
		Stage:         c.Stage, Version: c.Version,
		FiledAt: c.FiledAt, CreatedAt: c.CreatedAt, CreatedBy: c.CreatedBy, UpdatedAt: c.UpdatedAt, DecidedAt: c.DecidedAt,
		ReturnReason: c.ReturnReason, ReturnedBy: c.ReturnedBy, CloseReason: c.CloseReason,
		TownshipAt: c.TownshipReviewAt, SelfCheckAt: c.SelfCheckAt, ArchivedAt: c.ArchivedAt,
		Objections: []objectionDoc{}, Acceptances: []acceptanceDoc{}, Photos: []photoDoc{},
		Warnings: []warningDoc{}, History: []historyDoc{},

		TownshipCode:  domain.TownshipOf(c.VillageCode),
		HeadName:      c.Household.HeadName,
		HasWarnings:   len(c.Warnings) > 0,
		WarningsCount: len(c.Warnings),
		FilingHash:    filingHash,
		HistoryLen:    len(c.History),
	}
	if id := domain.NormalizeNumber(c.Household.IDNumber); id != "" {
		d.IDHash = IDNumberHash(id)
		d.IDTail = idTail(id)
	}
	for _, m := range c.Household.Members {
		d.Household.Members = append(d.Household.Members, memberDoc(m))
	}
	if v := c.VillageReview; v != nil {
		x := villageReviewDoc(*v)
		d.VillageReview = &x
	}
	if p := c.VillagePublicity; p != nil {
		x := publicityDoc(*p)
		d.VillagePub = &x
	}
	if p := c.TownshipPublicity; p != nil {
		x := publicityDoc(*p)
		d.TownshipPub = &x
	}
	for _, o := range c.Objections {
		d.Objections = append(d.Objections, objectionDoc(o))
	}
	if v := c.Verification; v != nil {
		x := verificationDoc(*v)
		d.Verification = &x
	}
	if v := c.Appraisal; v != nil {
		x := appraisalDoc(*v)
		d.Appraisal = &x
	}
	if v := c.Approval; v != nil {
		x := approvalDoc(*v)
		d.Approval = &x
	}
	if v := c.Agreement; v != nil {
		x := agreementDoc(*v)
		d.Agreement = &x
	}
	for _, a := range c.Acceptances {
		x := acceptanceDoc{
			Passed: a.Passed, MeasuredAreaM2: a.MeasuredAreaM2, Storeys: a.Storeys,
			Checklist: checklistDoc(a.Checklist), ItemsToFix: a.ItemsToFix, Signatures: []signatureDoc{},
			FormSHA256: a.FormSHA256, SubsidyYuan: a.SubsidyYuan, BlockReason: a.BlockReason, Version: a.Version, At: a.At, By: a.By,
		}
		for _, s := range a.Signatures {
			x.Signatures = append(x.Signatures, signatureDoc(s))
		}
		d.Acceptances = append(d.Acceptances, x)
	}
	if v := c.Payment; v != nil {
		x := paymentDoc(*v)
		d.Payment = &x
	}
	for _, p := range c.Photos {
		d.Photos = append(d.Photos, photoDoc{
			ID: p.ID, Kind: p.Kind, TakenAt: p.TakenAt, Lat: p.Lat, Lng: p.Lng, Accuracy: p.Accuracy,
			ReceivedAt: p.ReceivedAt, UploadedBy: p.UploadedBy, SHA256: p.SHA256, PHash: int64(p.PHash),
			Size: p.Size, Width: p.Width, Height: p.Height, Format: p.Format, ObjectKey: p.ObjectKey, ThumbKey: p.ThumbKey,
		})
	}
	for _, w := range c.Warnings {
		d.Warnings = append(d.Warnings, warningDoc(w))
	}
	for _, h := range c.History {
		d.History = append(d.History, historyDoc(h))
	}
	return d
}

// utc undoes the driver's decoding of BSON dates into local time, and
// keeps the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() || t.Unix() == (time.Time{}).Unix() {
		return time.Time{}
	}
	return t.UTC()
}

func toDomain(d caseDoc) domain.Case {
	c := domain.Case{
		ID: d.ID, ProgramYear: d.ProgramYear, VillageCode: d.VillageCode,
		Household: domain.Household{
			HeadName: d.Household.HeadName, IDNumber: d.Household.IDNumber, Phone: d.Household.Phone,
			HukouNo: d.Household.HukouNo, Type: d.Household.Type,
		},
		House:         domain.House(d.House),
		Method:        d.Method,
		Flags:         domain.Flags(d.Flags),
		Reapplication: d.Reapplication,
		Stage:         d.Stage, Version: d.Version,
		FiledAt: utc(d.FiledAt), CreatedAt: utc(d.CreatedAt), CreatedBy: d.CreatedBy, UpdatedAt: utc(d.UpdatedAt),
		DecidedAt:    utc(d.DecidedAt),
		ReturnReason: d.ReturnReason, ReturnedBy: d.ReturnedBy, CloseReason: d.CloseReason,
		TownshipReviewAt: utc(d.TownshipAt), SelfCheckAt: utc(d.SelfCheckAt), ArchivedAt: utc(d.ArchivedAt),
	}
	for _, m := range d.Household.Members {
		c.Household.Members = append(c.Household.Members, domain.Member(m))
	}
	if v := d.VillageReview; v != nil {
		x := domain.VillageReview(*v)
		x.At = utc(x.At)
		c.VillageReview = &x
	}
	if p := d.VillagePub; p != nil {
		x := domain.Publicity(*p)
		c.VillagePublicity = &x
	}
	if p := d.TownshipPub; p != nil {
		x := domain.Publicity(*p)
		c.TownshipPublicity = &x
	}
	for _, o := range d.Objections {
		x := domain.Objection(o)
		x.ResolvedAt = utc(x.ResolvedAt)
		c.Objections = append(c.Objections, x)
	}
	if v := d.Verification; v != nil {
		x := domain.Verification(*v)
		x.At = utc(x.At)
		c.Verification = &x
	}
	if v := d.Appraisal; v != nil {
		x := domain.Appraisal(*v)
		x.At = utc(x.At)
		c.Appraisal = &x
	}
	if v := d.Approval; v != nil {
		x := domain.Approval(*v)
		x.At = utc(x.At)
		c.Approval = &x
	}
	if v := d.Agreement; v != nil {
		x := domain.Agreement(*v)
		x.At = utc(x.At)
		c.Agreement = &x
	}
	for _, a := range d.Acceptances {
		x := domain.Acceptance{
			Passed: a.Passed, MeasuredAreaM2: a.MeasuredAreaM2, Storeys: a.Storeys,
			Checklist: domain.Checklist(a.Checklist), ItemsToFix: a.ItemsToFix,
			FormSHA256: a.FormSHA256, SubsidyYuan: a.SubsidyYuan, BlockReason: a.BlockReason, Version: a.Version, At: utc(a.At), By: a.By,
		}
		for _, s := range a.Signatures {
			x.Signatures = append(x.Signatures, domain.Signature(s))
		}
		c.Acceptances = append(c.Acceptances, x)
	}
	if v := d.Payment; v != nil {
		x := domain.Payment(*v)
		x.At = utc(x.At)
		c.Payment = &x
	}
	for _, p := range d.Photos {
		c.Photos = append(c.Photos, domain.Photo{
			ID: p.ID, Kind: p.Kind, TakenAt: utc(p.TakenAt), Lat: p.Lat, Lng: p.Lng, Accuracy: p.Accuracy,
			ReceivedAt: utc(p.ReceivedAt), UploadedBy: p.UploadedBy, SHA256: p.SHA256, PHash: uint64(p.PHash),
			Size: p.Size, Width: p.Width, Height: p.Height, Format: p.Format, ObjectKey: p.ObjectKey, ThumbKey: p.ThumbKey,
		})
	}
	for _, w := range d.Warnings {
		x := domain.Warning(w)
		x.At = utc(x.At)
		c.Warnings = append(c.Warnings, x)
	}
	for _, h := range d.History {
		x := domain.HistoryEntry(h)
		x.At = utc(x.At)
		c.History = append(c.History, x)
	}
	if c.DecidedAt.IsZero() { // stored before the time of the last decision was kept
		c.DecidedAt = domain.DecidedAtOf(c.History)
	}
	return c
}
