package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"
)

// Test fixtures: a household in a sample village of 刘家峡镇 walked along
// the happy path by the real actions, so a case at any stage is cheap.

const (
	testVillage  = "622923100201"
	testTownship = "622923100"
	testHeadID   = "622923196001010015" // valid check digit (computed independently)
	testAccount  = "6228480123456789012"
)

// t0 is 2024-04-01 10:00 in Shanghai.
var t0 = time.Date(2024, 4, 1, 2, 0, 0, 0, time.UTC)

func areaFor(r Role) string {
	switch r {
	case RoleVillageCadre:
		return testVillage
	case RoleTownshipOfficer:
		return testTownship
	}
	return CountyCode
}

// actorFor is the test's one user with role r, in the area of the case.
func actorFor(r Role) Actor {
	return Actor{UserID: "u-" + string(r), Username: string(r), Name: r.Label() + "张三", Role: r, AreaCode: areaFor(r)}
}

func newFiling() Case {
	return Case{
		ID:          "c-0001",
		ProgramYear: 2024,
		VillageCode: testVillage,
		Household: Household{
			HeadName: "马有福", IDNumber: testHeadID, Phone: "13909301234", HukouNo: "HK-100201-017",
			Type:    TypeSubsistenceAllowance,
			Members: []Member{{Name: "马小花", IDNumber: "622923199012310076", Relation: "女儿"}},
		},
		House: House{Address: "刘家峡镇样例村三社17号", BuiltYear: 1978, Structure: StructureEarth,
			FloorAreaM2: 62, OnlyHouse: true, Lat: 35.93, Lng: 103.31},
		Method: MethodRebuild,
	}
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func photo(id string, k PhotoKind, at time.Time) Photo {
	return Photo{ID: id, Kind: k, TakenAt: at, Lat: 35.93, Lng: 103.31, SHA256: hash(id), Size: 1000, Width: 800, Height: 600, Format: "jpeg"}
}

// walker drives a case through the lifecycle with a test clock.
type walker struct {
	t   testing.TB
	p   Program
	c   Case
	now time.Time
	seq int
}

func (w *walker) must(c Case, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("at %s: %v", w.c.Stage, err)
	}
	w.c = c
	w.now = w.now.Add(time.Hour)
}

func (w *walker) photo(r Role, kinds ...PhotoKind) {
	w.t.Helper()
	for _, k := range kinds {
		w.seq++
		w.must(AddPhoto(w.c, photo(fmt.Sprintf("ph-%02d-%s", w.seq, k), k, w.now), actorFor(r), w.now))
	}
}

func (w *walker) do(r Role, a Action, in ActionInput) {
	w.t.Helper()
	in.Version = w.c.Version
	w.must(Apply(w.c, w.p, actorFor(r), a, in, w.now))
}

func (w *walker) today() Date { return DateOf(w.now) }

// signatures are the three signatures of a passed acceptance form.
func signatures() []Signature {
	return []Signature{
		{SignerRole: SignerHouseholdHead, SignerName: "马有福", ObjectKey: "sig/1.png", SHA256: hash("sig1"), Size: 900},
		{SignerRole: SignerInspector, SignerName: "李工", ObjectKey: "sig/2.png", SHA256: hash("sig2"), Size: 900},
		{SignerRole: SignerTownshipOfficer, SignerName: "王乡长", ObjectKey: "sig/3.png", SHA256: hash("sig3"), Size: 900},
	}
}

func passChecklist() Checklist {
	return Checklist{RingBeams: CheckPass, TieColumns: CheckPass, TieBars: CheckPass, Foundation: CheckPass, Walls: CheckPass, Roof: CheckNA}
}

// walkTo files newFiling (changed by edit, if given) and takes it along the
// happy path until it reaches stage; the clock is left where the next step
// may be taken (publicity periods over, evidence for the next step
// uploaded, the county review's certification and appraisal done).
func walkTo(t testing.TB, stage Stage, edit func(*Case)) *walker {
	t.Helper()
	w := &walker{t: t, p: Program2024(), now: t0}
	f := newFiling()
	if edit != nil {
		edit(&f)
	}
	w.must(Create(f, w.p, actorFor(RoleVillageCadre), w.now))
	w.photo(RoleVillageCadre, PhotoHukou, PhotoApplication, PhotoHouseBefore)
	switch stage {
	case StageApplied:
		return w
	case StageRejected:
		w.do(RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultFail, Reason: "经评议家庭有其他住房"})
		return w
	case StageWithdrawn:
		w.do(RoleVillageCadre, ActionWithdraw, ActionInput{Reason: "农户自愿放弃"})
		return w
	}
	w.do(RoleVillageCadre, ActionVillageReview, ActionInput{Result: ResultPass, MeetingDate: w.today(), PublicityStart: w.today()})
	w.photo(RoleVillageCadre, PhotoNoticeVillage)
	w.now = w.now.AddDate(0, 0, w.p.VillagePublicityDays)
	if stage == StageVillagePublicity {
		return w
	}
	w.do(RoleVillageCadre, ActionCloseVillagePublicity, ActionInput{})
	if stage == StageTownshipReview {
		return w
	}
	w.do(RoleTownshipOfficer, ActionTownshipReview, ActionInput{Result: ResultPass, PublicityStart: w.today()})
	w.photo(RoleTownshipOfficer, PhotoNoticeTownship)
	w.now = w.now.AddDate(0, 0, w.p.TownshipPublicityDays)
	if stage == StageTownshipPublicity {
		return w
	}
	w.do(RoleTownshipOfficer, ActionCloseTownshipPublicity, ActionInput{})
	if dep := w.c.Household.Type.Certifier(); dep != "" {
		w.do(dep, ActionVerifyHousehold, ActionInput{Result: ResultPass, CertificateRef: "永民低保〔2024〕017号"})
	}
	w.do(RoleCountyInspector, ActionAppraise, ActionInput{Grade: GradeD, Structure: StructureEarth, BuiltYear: 1978, Notes: "墙体开裂，整幢危房"})
	if stage == StageCountyReview {
		return w
	}
	w.do(RoleCountyApprover, ActionApprove, ActionInput{Method: w.c.Method, ArchiveSeq: 1})
	w.photo(RoleVillageCadre, PhotoAgreement)
	if stage == StageApproved {
		return w
	}
	w.do(RoleTownshipOfficer, ActionStartConstruction, ActionInput{BuilderName: "永靖县刘家峡建筑队", BuilderCertNo: "GJ-2023-0456",
		StartDate: w.today(), PlannedFinish: w.today().AddDays(60)})
	w.now = w.now.AddDate(0, 0, 30)
	w.photo(RoleVillageCadre, PhotoProgress)
	w.now = w.now.AddDate(0, 0, 30)
	w.photo(RoleTownshipOfficer, PhotoCompletion)
	if stage == StageConstruction {
		return w
	}
	w.do(RoleTownshipOfficer, ActionRequestAcceptance, ActionInput{})
	w.photo(RoleCountyInspector, PhotoAcceptance, PhotoDemolition)
	if stage == StageAcceptance {
		return w
	}
	w.do(RoleCountyInspector, ActionAccept, ActionInput{Result: ResultPass, MeasuredAreaM2: 72.5, Storeys: 1,
		Checklist: passChecklist(), Signatures: signatures()})
	w.now = w.now.AddDate(0, 0, 5)
	if stage == StageAccepted {
		return w
	}
	w.do(RoleDisburser, ActionDisburse, ActionInput{Bank: "甘肃省农村信用社", AccountNo: testAccount, PayeeName: "马有福",
		VoucherNo: "YJ-2024-0731", PaidOn: w.today()})
	w.photo(RoleDisburser, PhotoVoucher)
	if stage == StagePaid {
		return w
	}
	w.do(RoleTownshipOfficer, ActionArchive, ActionInput{})
	if stage != StageArchived {
		t.Fatalf("walkTo: unknown stage %q", stage)
	}
	return w
}

// validInput is an input for action that passes validation and guards on
// w's case at w's time, when the action is allowed there at all. For
// resolve_objection it first records an objection (changing w.c).
func validInput(w *walker, a Action) ActionInput {
	today := w.today()
	in := ActionInput{}
	switch a {
	case ActionVillageReview:
		in = ActionInput{Result: ResultPass, MeetingDate: today, PublicityStart: today}
	case ActionRecordObjection:
		in = ActionInput{Text: "村民反映其在县城有商品房", ReceivedOn: today}
	case ActionResolveObjection:
		if w.c.Stage == StageVillagePublicity || w.c.Stage == StageTownshipPublicity {
			r := RoleVillageCadre
			if w.c.Stage == StageTownshipPublicity {
				r = RoleTownshipOfficer
			}
			w.do(r, ActionRecordObjection, ActionInput{Text: "村民反映其在县城有商品房", ReceivedOn: today})
		}
		in = ActionInput{ObjectionID: "obj-1", Outcome: OutcomeDismissed, Explanation: "经核实商品房属其已分户的儿子"}
	case ActionTownshipReview:
		in = ActionInput{Result: ResultPass, PublicityStart: today}
	case ActionVerifyHousehold:
		in = ActionInput{Result: ResultPass, CertificateRef: "永民低保〔2024〕017号"}
	case ActionAppraise:
		in = ActionInput{Grade: GradeD, Structure: StructureEarth, BuiltYear: 1978}
	case ActionApprove:
		in = ActionInput{Method: MethodRebuild, ArchiveSeq: 1}
	case ActionCountyReturn:
		in = ActionInput{Reason: "户口簿照片不清晰"}
	case ActionStartConstruction:
		in = ActionInput{BuilderName: "永靖县刘家峡建筑队", BuilderCertNo: "GJ-2023-0456", StartDate: today, PlannedFinish: today.AddDays(60)}
	case ActionAccept:
		in = ActionInput{Result: ResultPass, MeasuredAreaM2: 72.5, Storeys: 1, Checklist: passChecklist(), Signatures: signatures()}
	case ActionDisburse:
		in = ActionInput{Bank: "甘肃省农村信用社", AccountNo: testAccount, PayeeName: "马有福", VoucherNo: "YJ-2024-0731", PaidOn: today}
	case ActionWithdraw:
		in = ActionInput{Reason: "农户自愿放弃"}
	}
	in.Version = w.c.Version
	return in
}

// wantCode fails unless err is a *Error of the kind and code.
func wantCode(t *testing.T, err error, kind Kind, code string) *Error {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("got error %v, want %s/%s", err, kind, code)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("got %s/%s (%s %v), want %s/%s", e.Kind, e.Code, e.Message, e.Fields, kind, code)
	}
	return e
}
