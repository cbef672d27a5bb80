package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/domain"
)

// Places of the case tests: two villages of one township, one of another.
const (
	vilA  = "622923100201"
	vilA2 = "622923100202"
	vilB  = "622923101201"
)

// validID is a 身份证号 with a correct check character, distinct per n.
func validID(n int) string {
	first17 := fmt.Sprintf("62292319%02d0101%03d", 60+n/1000%40, n%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// filing is the body of POST /api/cases for household n in village.
func filing(id, village string, n int) map[string]any {
	return map[string]any{
		"id": id, "program_year": 2024, "village_code": village,
		"household": map[string]any{"head_name": fmt.Sprintf("马%d", n), "id_number": validID(n), "phone": "13909301234",
			"hukou_no": fmt.Sprintf("HK%05d", n), "type": "subsistence_allowance", "members": []any{}},
		"house":  map[string]any{"address": "三社12号", "built_year": 1976, "structure": "earth", "floor_area_m2": 58, "only_house": true, "lat": 35.93, "lng": 103.32},
		"method": "rebuild",
		"flags":  map[string]bool{},
	}
}

// caseAnswer is the part of a case answer the tests read.
type caseAnswer struct {
	ID        string `json:"id"`
	Stage     string `json:"stage"`
	Version   int    `json:"version"`
	Household struct {
		IDNumber string `json:"id_number"`
	} `json:"household"`
	Payment *struct {
		AccountNo  string `json:"account_no"`
		AmountYuan int64  `json:"amount_yuan"`
	} `json:"payment"`
	Next struct {
		Actions []string `json:"actions"`
	} `json:"next"`
	History []struct {
		Action string `json:"action"`
	} `json:"history"`
}

// fileCase files household n in village as cadre and returns the case.
func fileCase(t testing.TB, ts *testServer, cadre, id, village string, n int) caseAnswer {
	t.Helper()
	res, body := ts.do(t, "POST", "/api/cases", cadre, filing(id, village, n))
	mustStatus(t, res, body, http.StatusCreated)
	var c caseAnswer
	mustJSON(t, body, &c)
	return c
}

// addEvidence adds photo records of kinds to a case through the domain and
// the store, as the photo upload does (the photo bytes are not needed by
// any rule).
func addEvidence(t testing.TB, ts *testServer, caseID string, kinds ...domain.PhotoKind) {
	t.Helper()
	ctx := context.Background()
	c, err := ts.App.DB.Cases.Get(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	staff := domain.Actor{UserID: "photographer", Name: "摄影", Role: domain.RoleTownshipOfficer, AreaCode: domain.TownshipOf(c.VillageCode)}
	for _, k := range kinds {
		_, _, err := ts.App.changeCase(ctx, staff, caseID, func(c domain.Case, _ domain.Program) (domain.Case, error) {
			sum := sha256.Sum256([]byte(caseID + string(k) + fmt.Sprint(len(c.Photos))))
			return domain.AddPhoto(c, domain.Photo{
				ID: fmt.Sprintf("%s-%s-%d", caseID, k, len(c.Photos)), Kind: k, TakenAt: ts.now().Add(-time.Minute),
				Lat: 35.93, Lng: 103.32, SHA256: hex.EncodeToString(sum[:]), Size: 1000, Width: 640, Height: 480, Format: "jpeg",
			}, staff, ts.now())
		})
		if err != nil {
			t.Fatalf("add %s photo: %v", k, err)
		}
	}
}

// act takes an action and returns status and body.
func act(t testing.TB, ts *testServer, token, caseID, action string, version int, fields map[string]any) (int, []byte) {
	t.Helper()
	body := map[string]any{"version": version}
	for k, v := range fields {
		body[k] = v
	}
	res, b := ts.do(t, "POST", "/api/cases/"+caseID+"/actions/"+action, token, body)
	return res.StatusCode, b
}

// mustAct takes an action that must succeed and returns the case.
func mustAct(t testing.TB, ts *testServer, token, caseID, action string, version int, fields map[string]any) caseAnswer {
	t.Helper()
	status, b := act(t, ts, token, caseID, action, version, fields)
	if status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", action, status, b)
	}
	var c caseAnswer
	mustJSON(t, b, &c)
	return c
}

// signaturePNG draws a small signature.
func signaturePNG(t testing.TB, seed int) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 120, 40))
	for x := 0; x < 120; x++ {
		img.Set(x, 20+(x*seed)%15, color.Gray{Y: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// staff are the people of every role around a village. Their tokens are
// signed in again after the clock travels (access tokens expire).
type staff struct {
	cadre, officer, civil, rural, inspector, inspector2, approver, disburser, leader, admin string
	names                                                                                   map[*string]string
	// viaHTTP uploads photos through POST /api/cases/{id}/photos, as the
	// phone does, instead of adding photo records directly.
	viaHTTP bool
}

// evidence adds photos of kinds to case id.
func (s *staff) evidence(t testing.TB, ts *testServer, id string, kinds ...domain.PhotoKind) {
	t.Helper()
	if !s.viaHTTP {
		addEvidence(t, ts, id, kinds...)
		return
	}
	for _, k := range kinds {
		uploadCasePhoto(t, ts, s.officer, id, k)
	}
}

var photoSeq atomic.Int64

// uploadCasePhoto uploads a generated JPEG of kind to case id over HTTP.
func uploadCasePhoto(t testing.TB, ts *testServer, token, id string, kind domain.PhotoKind) {
	t.Helper()
	n := photoSeq.Add(1)
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	r := mrand.New(mrand.NewPCG(uint64(n), 99))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(r.IntN(256)), uint8(x*int(n)) + uint8(r.IntN(30)), uint8(y * 3), 255})
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("id", fmt.Sprintf("%s-photo-%d", id, n))
	mw.WriteField("kind", string(kind))
	mw.WriteField("taken_at", ts.now().Add(-time.Minute).UTC().Format(time.RFC3339))
	mw.WriteField("lat", "35.93")
	mw.WriteField("lng", "103.32")
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="file"; filename="p.jpg"`)
	hdr.Set("Content-Type", "image/jpeg")
	fw, _ := mw.CreatePart(hdr)
	fw.Write(jpg.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/cases/"+id+"/photos", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, body := ts.send(t, req)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s photo: %d %s", kind, res.StatusCode, body)
	}
}

func newStaff(t testing.TB, ts *testServer, village string) *staff {
	t.Helper()
	s := &staff{names: map[*string]string{}}
	for p, ra := range map[*string]struct {
		r    domain.Role
		area string
	}{
		&s.cadre: {domain.RoleVillageCadre, village}, &s.officer: {domain.RoleTownshipOfficer, domain.TownshipOf(village)},
		&s.civil: {domain.RoleCivilAffairs, domain.CountyCode}, &s.rural: {domain.RoleRuralRevitalization, domain.CountyCode},
		&s.inspector: {domain.RoleCountyInspector, domain.CountyCode}, &s.inspector2: {domain.RoleCountyInspector, domain.CountyCode},
		&s.approver: {domain.RoleCountyApprover, domain.CountyCode}, &s.disburser: {domain.RoleDisburser, domain.CountyCode},
		&s.leader: {domain.RoleLeader, domain.CountyCode},
	} {
		tok, u := ts.user(t, ra.r, ra.area)
		*p = tok
		s.names[p] = u.Username
	}
	s.admin = ts.adminToken(t)
	return s
}

// travel moves the server clock by d and signs everyone in again.
func (s *staff) travel(t testing.TB, ts *testServer, d time.Duration) {
	t.Helper()
	ts.Advance(d)
	for p, name := range s.names {
		*p = ts.login(t, name, testPassword).AccessToken
	}
	s.admin = ts.login(t, "admin", testAdminPassword).AccessToken
	ts.mu.Lock()
	ts.admin = s.admin
	ts.mu.Unlock()
}

// walkTo takes case id (household n) from applied to stage `to`, as the
// people of each role would, and returns the case there.
func walkTo(t testing.TB, ts *testServer, s *staff, id string, n int, to domain.Stage) caseAnswer {
	t.Helper()
	c, err := ts.App.DB.Cases.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Version
	cur := c.Stage
	today := func() string { return string(domain.DateOf(ts.now())) }
	var out caseAnswer
	step := func(token, action string, fields map[string]any) {
		out = mustAct(t, ts, token, id, action, v, fields)
		v, cur = out.Version, domain.Stage(out.Stage)
	}
	for cur != to {
		switch cur {
		case domain.StageApplied:
			s.evidence(t, ts, id, domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
			step(s.cadre, "village_review", map[string]any{"result": "pass", "meeting_date": today(), "publicity_start": today()})
		case domain.StageVillagePublicity:
			s.evidence(t, ts, id, domain.PhotoNoticeVillage)
			s.travel(t, ts, 7*24*time.Hour)
			step(s.cadre, "close_village_publicity", nil)
		case domain.StageTownshipReview:
			step(s.officer, "township_review", map[string]any{"result": "pass", "publicity_start": today()})
		case domain.StageTownshipPublicity:
			s.evidence(t, ts, id, domain.PhotoNoticeTownship)
			s.travel(t, ts, 7*24*time.Hour)
			step(s.officer, "close_township_publicity", nil)
		case domain.StageCountyReview:
			step(s.civil, "verify_household", map[string]any{"result": "pass", "certificate_ref": "永民低保〔2024〕12号"})
			step(s.inspector, "appraise", map[string]any{"grade": "D", "structure": "earth", "built_year": 1976, "notes": "墙体开裂"})
			step(s.approver, "approve", map[string]any{"method": "rebuild"})
		case domain.StageApproved:
			s.evidence(t, ts, id, domain.PhotoAgreement)
			step(s.cadre, "start_construction", map[string]any{"builder_name": "王师傅", "builder_cert_no": "GJ-0012",
				"start_date": today(), "planned_finish": string(domain.DateOf(ts.now()).AddDays(60))})
		case domain.StageConstruction:
			s.evidence(t, ts, id, domain.PhotoProgress, domain.PhotoCompletion)
			step(s.officer, "request_acceptance", nil)
		case domain.StageAcceptance:
			s.evidence(t, ts, id, domain.PhotoAcceptance, domain.PhotoDemolition)
			step(s.inspector2, "accept", map[string]any{"result": "pass", "measured_area_m2": 62.5, "storeys": 1,
				"checklist": map[string]string{"ring_beams": "pass", "tie_columns": "pass", "tie_bars": "pass", "foundation": "pass", "walls": "pass", "roof": "na"},
				"signatures": []map[string]string{
					{"signer_role": "household_head", "signer_name": fmt.Sprintf("马%d", n), "image_png_base64": signaturePNG(t, 1)},
					{"signer_role": "inspector", "signer_name": "李工", "image_png_base64": signaturePNG(t, 2)},
					{"signer_role": "township_officer", "signer_name": "张干部", "image_png_base64": signaturePNG(t, 3)},
				}})
		case domain.StageAccepted:
			step(s.disburser, "disburse", map[string]any{"bank": "甘肃农信", "account_no": "6228480123456789012",
				"payee_name": fmt.Sprintf("马%d", n), "voucher_no": "PZ-001", "paid_on": today()})
		case domain.StagePaid:
			step(s.officer, "archive", nil)
		default:
			t.Fatalf("cannot walk from %s to %s", cur, to)
		}
	}
	return out
}

// walkStart is the Shanghai morning the walks start on.
var walkStart = time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC)

func TestCaseWalksFromFilingToArchive(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	s.viaHTTP = true
	id := "0a7c6f5e-1111-4c55-9d7e-2b1a0c9e7f11"
	c := fileCase(t, ts, s.cadre, id, vilA, 1)
	if c.Stage != "applied" || c.Version != 1 || c.Household.IDNumber != domain.MaskID(validID(1)) {
		t.Fatalf("filed: %+v", c)
	}
	// The phone retries the same filing: the same case comes back.
	res, body := ts.do(t, "POST", "/api/cases", s.cadre, filing(id, vilA, 1))
	mustStatus(t, res, body, http.StatusOK)
	// The same id with another household is refused.
	res, body = ts.do(t, "POST", "/api/cases", s.cadre, filing(id, vilA, 2))
	if res.StatusCode != http.StatusConflict || errorCode(body) != "id_conflict" {
		t.Fatalf("reused id: %d %s", res.StatusCode, body)
	}
	// Village review without the evidence is refused with 422.
	if status, b := act(t, ts, s.cadre, id, "village_review", 1, map[string]any{"result": "pass",
		"meeting_date": "2024-03-01", "publicity_start": "2024-03-01"}); status != http.StatusUnprocessableEntity || errorCode(b) != "missing_evidence" {
		t.Fatalf("review without photos: %d %s", status, b)
	}
	c = walkTo(t, ts, s, id, 1, domain.StageArchived)
	if c.Stage != "archived" || c.Payment == nil || c.Payment.AmountYuan != 30000 || c.Payment.AccountNo != "622848*********9012" {
		t.Fatalf("archived: %+v", c)
	}
	var full map[string]any
	res, body = ts.do(t, "GET", "/api/cases/"+id, s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &full)
	if res.Header.Get("ETag") != fmt.Sprintf(`"%d"`, c.Version) {
		t.Fatalf("ETag %q, version %d", res.Header.Get("ETag"), c.Version)
	}
	for _, k := range []string{"assessment", "village_review", "village_publicity", "township_publicity", "verification",
		"appraisal", "approval", "agreement", "payment", "deadline", "next", "history"} {
		if full[k] == nil {
			t.Errorf("file lacks %s", k)
		}
	}
	if strings.Contains(string(body), validID(1)) || strings.Contains(string(body), "6228480123456789012") {
		t.Fatalf("the file shows a full identifier: %s", body)
	}
	// The signatures are in the object store under the case's folder,
	// next to the photos.
	objs, err := ts.App.Store.List(context.Background(), "cases/"+id+"/")
	sigs := 0
	for _, o := range objs {
		if strings.Contains(o.Key, "/sig-") {
			sigs++
		}
	}
	if err != nil || sigs != 3 || len(objs) < 3+13 {
		t.Fatalf("objects: %d signatures of %d (%v)", sigs, len(objs), err)
	}
	// The audit chain holds.
	res, body = ts.do(t, "GET", "/api/cases/"+id+"/audit", s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	var audit struct {
		Entries  []map[string]any `json:"entries"`
		Verified bool             `json:"verified"`
	}
	mustJSON(t, body, &audit)
	if !audit.Verified || len(audit.Entries) != len(c.History) {
		t.Fatalf("audit: verified %v, %d entries, case history %d", audit.Verified, len(audit.Entries), len(c.History))
	}
}

func TestEditNeedsIfMatchAndTheCurrentVersion(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	id := "edit-1"
	fileCase(t, ts, s.cadre, id, vilA, 1)
	fileCase(t, ts, s.cadre, "edit-2", vilA, 2)
	patch := func(ifMatch string, body any, token string) (*http.Response, []byte) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("PATCH", ts.URL+"/api/cases/"+id, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		return ts.send(t, req)
	}
	house := map[string]any{"house": map[string]any{"address": "四社1号", "built_year": 1970, "structure": "brick_earth",
		"floor_area_m2": 70, "only_house": true, "lat": 35.9, "lng": 103.3}}
	tests := []struct {
		name     string
		ifMatch  string
		body     any
		token    string
		want     int
		wantCode string
	}{
		{"no If-Match", "", house, s.cadre, http.StatusPreconditionRequired, "precondition_required"},
		{"stale", `"7"`, house, s.cadre, http.StatusPreconditionFailed, "stale_version"},
		{"officer may not edit", `"1"`, house, s.officer, http.StatusForbidden, "forbidden"},
		{"bad house", `"1"`, map[string]any{"house": map[string]any{"built_year": 1800}}, s.cadre, http.StatusBadRequest, "invalid_input"},
		{"takes another household's identity", `"1"`, map[string]any{"household": map[string]any{"head_name": "马1",
			"id_number": validID(2), "hukou_no": "HK-X", "type": "subsistence_allowance"}}, s.cadre, http.StatusConflict, "duplicate_application"},
		{"ok", `"1"`, house, s.cadre, http.StatusOK, ""},
		{"now stale", `"1"`, house, s.cadre, http.StatusPreconditionFailed, "stale_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := patch(tt.ifMatch, tt.body, tt.token)
			if res.StatusCode != tt.want || errorCode(body) != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, body, tt.want, tt.wantCode)
			}
		})
	}
	res, body := ts.do(t, "GET", "/api/cases/"+id, s.cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	if res.Header.Get("ETag") != `"2"` || !strings.Contains(string(body), "四社1号") {
		t.Fatalf("after edit: ETag %s %s", res.Header.Get("ETag"), body)
	}
}

func TestRevealIsAuditedAndLimitedToRolesThatNeedIt(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	id := "reveal-1"
	fileCase(t, ts, s.cadre, id, vilA, 7)
	otherCadre := ts.userToken(t, domain.RoleVillageCadre, vilB)
	tests := []struct {
		name, token, field string
		want               int
	}{
		{"cadre sees the ID", s.cadre, "id_number", http.StatusOK},
		{"township officer sees the ID", s.officer, "id_number", http.StatusOK},
		{"inspector may not", s.inspector, "id_number", http.StatusForbidden},
		{"leader may not", s.leader, "id_number", http.StatusForbidden},
		{"cadre of another village: not found", otherCadre, "id_number", http.StatusNotFound},
		{"no payment yet", s.disburser, "account_no", http.StatusNotFound},
		{"bad field", s.cadre, "phone", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := ts.do(t, "GET", "/api/cases/"+id+"/reveal?field="+tt.field, tt.token, nil)
			if res.StatusCode != tt.want {
				t.Fatalf("got %d %s, want %d", res.StatusCode, body, tt.want)
			}
			if tt.want == http.StatusOK && !strings.Contains(string(body), validID(7)) {
				t.Fatalf("reveal answered %s", body)
			}
		})
	}
	c, err := ts.App.DB.Cases.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	reveals := 0
	for _, h := range c.History {
		if h.Action == "reveal" {
			reveals++
		}
	}
	if reveals != 2 || c.Version != 1 {
		t.Fatalf("history has %d reveals (want 2), version %d", reveals, c.Version)
	}
}

func TestAuditSeesATamperedHistory(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	id := "audit-1"
	fileCase(t, ts, cadre, id, vilA, 3)
	mustAct(t, ts, cadre, id, "withdraw", 1, map[string]any{"reason": "搬迁"})
	verified := func() bool {
		res, body := ts.do(t, "GET", "/api/cases/"+id+"/audit", cadre, nil)
		mustStatus(t, res, body, http.StatusOK)
		var a struct {
			Verified bool `json:"verified"`
			FirstBad int  `json:"first_bad"`
		}
		mustJSON(t, body, &a)
		return a.Verified
	}
	if !verified() {
		t.Fatal("untouched history does not verify")
	}
	_, err := ts.App.DB.Database().Collection("cases").UpdateOne(context.Background(), bson.M{"_id": id},
		bson.M{"$set": bson.M{"history.1.input": `{"reason":"户主自愿放弃"}`}})
	if err != nil {
		t.Fatal(err)
	}
	if verified() {
		t.Fatal("a history edited in the database still verifies")
	}
}

func TestAssessAndPrograms(t *testing.T) {
	ts := newTestServer(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	tests := []struct {
		name, token string
		method      string
		path        string
		body        any
		want        int
		fragment    string
	}{
		{"assess earth house", cadre, "POST", "/api/assess", map[string]any{"program_year": 2024, "household_type": "subsistence_allowance",
			"only_house": true, "built_year": 1976, "structure": "earth", "method": "rebuild", "floor_area_m2": 60}, 200, `"subsidy_yuan":30000`},
		{"assess bad type", cadre, "POST", "/api/assess", map[string]any{"program_year": 2024, "household_type": "rich"}, 400, `"household_type"`},
		{"assess unknown year", cadre, "POST", "/api/assess", map[string]any{"program_year": 1999, "household_type": "subsistence_allowance"}, 400, `"program_year"`},
		{"programs list", cadre, "GET", "/api/programs", nil, 200, `"deadline":"2024-09-30"`},
		{"cadre may not add a program", cadre, "POST", "/api/programs", map[string]any{"year": 2025}, 403, "forbidden"},
		{"admin adds 2025", ts.adminToken(t), "POST", "/api/programs", map[string]any{"year": 2025, "deadline": "2025-09-30",
			"rebuild_subsidy_yuan": 32000, "reinforce_subsidy_yuan": 12000, "min_rebuild_area_m2": 45, "old_house_years": 40,
			"village_publicity_days": 7, "township_publicity_days": 7, "payment_due_days": 30, "at_risk_days": 90}, 201, `"year":2025`},
		{"admin bad program", ts.adminToken(t), "POST", "/api/programs", map[string]any{"year": 2026, "deadline": "x"}, 400, "invalid"},
		{"assess under 2025 rules", cadre, "POST", "/api/assess", map[string]any{"program_year": 2025, "household_type": "subsistence_allowance",
			"only_house": true, "built_year": 1976, "structure": "earth", "method": "reinforce"}, 200, `"subsidy_yuan":12000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := ts.do(t, tt.method, tt.path, tt.token, tt.body)
			if res.StatusCode != tt.want || !strings.Contains(string(body), tt.fragment) {
				t.Fatalf("got %d %s, want %d with %s", res.StatusCode, body, tt.want, tt.fragment)
			}
		})
	}
}

func TestAcceptanceSignaturesAreChecked(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "sig-1", vilA, 4)
	c := walkTo(t, ts, s, "sig-1", 4, domain.StageAcceptance)
	addEvidence(t, ts, "sig-1", domain.PhotoAcceptance, domain.PhotoDemolition)
	big := base64.StdEncoding.EncodeToString(make([]byte, 210<<10))
	form := func(img string) map[string]any {
		return map[string]any{"result": "pass", "measured_area_m2": 60, "storeys": 1,
			"checklist": map[string]string{"ring_beams": "pass", "tie_columns": "pass", "tie_bars": "pass", "foundation": "pass", "walls": "pass", "roof": "pass"},
			"signatures": []map[string]string{
				{"signer_role": "household_head", "signer_name": "马4", "image_png_base64": img},
				{"signer_role": "inspector", "signer_name": "李工", "image_png_base64": signaturePNG(t, 2)},
				{"signer_role": "township_officer", "signer_name": "张干部", "image_png_base64": signaturePNG(t, 3)},
			}}
	}
	for name, img := range map[string]string{"not base64": "%%%", "not a PNG": base64.StdEncoding.EncodeToString([]byte("GIF89a....")),
		"over 200 KB": big} {
		status, b := act(t, ts, s.inspector2, "sig-1", "accept", c.Version, form(img))
		if status != http.StatusBadRequest || !strings.Contains(string(b), "signatures[0].image_png_base64") {
			t.Errorf("%s: %d %s", name, status, b)
		}
	}
	objs, _ := ts.App.Store.List(context.Background(), "cases/sig-1/")
	for _, o := range objs {
		if strings.Contains(o.Key, "/sig-") {
			t.Fatalf("a refused form left signature %s in the store", o.Key)
		}
	}
	mustAct(t, ts, s.inspector2, "sig-1", "accept", c.Version, form(signaturePNG(t, 1)))
}
