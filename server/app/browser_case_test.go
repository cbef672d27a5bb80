package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/yongjing/anju/domain"
)

// writeJPEG writes a w×h photo-like JPEG (gradients and grain, so it does
// not compress to nothing) and returns its path.
func writeJPEG(t *testing.T, dir, name string, w, h int, seed uint64) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8(r.IntN(48))
			img.Set(x, y, color.RGBA{uint8(x*200/w) + n, uint8(y*180/h) + n, uint8((x+y)*90/(w+h)) + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// idNumber completes 17 digits with their GB 11643 check character.
func idNumber(first17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// apiCase is the part of a case answer the tests read.
type apiCase struct {
	ID      string `json:"id"`
	Stage   string `json:"stage"`
	Version int    `json:"version"`
	Photos  []struct {
		ID     string `json:"id"`
		Kind   string `json:"kind"`
		Size   int64  `json:"size"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"photos"`
	Acceptances []struct {
		Passed      bool  `json:"passed"`
		SubsidyYuan int64 `json:"subsidy_yuan"`
		Signatures  []struct {
			SignerRole string `json:"signer_role"`
			SignerName string `json:"signer_name"`
			SHA256     string `json:"sha256"`
		} `json:"signatures"`
	} `json:"acceptances"`
}

func (ts *testServer) getCase(t *testing.T, token, id string) apiCase {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/cases/"+id, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var c apiCase
	mustJSON(t, body, &c)
	return c
}

func (ts *testServer) listCases(t *testing.T, token, query string) []apiCase {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/cases?"+query, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var l struct {
		Items []apiCase `json:"items"`
	}
	mustJSON(t, body, &l)
	return l.Items
}

// uploadPhoto sends a photo as the phone does (multipart, client id).
func (ts *testServer) uploadPhoto(t *testing.T, token, caseID, kind string, jpg []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("id", fmt.Sprintf("%08x-0000-4000-8000-%012x", rand.Uint32(), rand.Uint64()&0xffffffffffff))
	mw.WriteField("kind", kind)
	mw.WriteField("taken_at", ts.now().UTC().Format(time.RFC3339))
	mw.WriteField("lat", "35.93")
	mw.WriteField("lng", "103.32")
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="file"; filename="`+kind+`.jpg"`)
	hdr.Set("Content-Type", "image/jpeg")
	fw, _ := mw.CreatePart(hdr)
	fw.Write(jpg)
	mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/cases/"+caseID+"/photos", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, body := ts.send(t, req)
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		t.Fatalf("upload %s photo: status %d: %s", kind, res.StatusCode, body)
	}
}

// act takes an action on the case's current version and returns the case.
func (ts *testServer) act(t *testing.T, token, caseID, action string, fields map[string]any) apiCase {
	t.Helper()
	c := ts.getCase(t, token, caseID)
	body := map[string]any{"version": c.Version}
	for k, v := range fields {
		body[k] = v
	}
	res, b := ts.do(t, "POST", "/api/cases/"+caseID+"/actions/"+action, token, body)
	mustStatus(t, res, b, http.StatusOK)
	var out apiCase
	mustJSON(t, b, &out)
	return out
}

// smallJPEG is an ordinary photo for evidence the test does not look at.
func smallJPEG(t *testing.T, seed uint64) []byte {
	t.Helper()
	b, err := os.ReadFile(writeJPEG(t, t.TempDir(), "p.jpg", 640, 480, seed))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// caseAwaitingAcceptance files a rebuild case in village and takes it
// through every step to 待验收, as the people of each role would.
func caseAwaitingAcceptance(t *testing.T, ts *testServer, village string) (caseID string) {
	t.Helper()
	township := domain.TownshipOf(village)
	// Tokens are taken fresh at each step: the clock jumps over the publicity periods.
	users := map[domain.Role]userResponse{}
	for role, area := range map[domain.Role]string{domain.RoleVillageCadre: village, domain.RoleTownshipOfficer: township,
		domain.RoleCivilAffairs: domain.CountyCode, domain.RoleCountyInspector: domain.CountyCode, domain.RoleCountyApprover: domain.CountyCode} {
		_, users[role] = ts.user(t, role, area)
	}
	as := func(role domain.Role) string { return ts.login(t, users[role].Username, testPassword).AccessToken }
	cadre := as(domain.RoleVillageCadre)
	caseID = "5d1c1f3e-8a4b-4c55-9d7e-2b1a0c9e7f11"
	res, body := ts.do(t, "POST", "/api/cases", cadre, map[string]any{
		"id": caseID, "program_year": 2024, "village_code": village,
		"household": map[string]any{"head_name": "马福山", "id_number": idNumber("62292319580301001"), "phone": "13909301234",
			"hukou_no": "HK-0301", "type": "subsistence_allowance", "members": []any{}},
		"house":  map[string]any{"address": "刘家峡镇样例村三社12号", "built_year": 1976, "structure": "earth", "floor_area_m2": 58, "only_house": true, "lat": 35.93, "lng": 103.32},
		"method": "rebuild",
		"flags":  map[string]bool{},
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("file the case: %d %s", res.StatusCode, body)
	}
	for i, kind := range []string{"hukou", "application", "house_before"} {
		ts.uploadPhoto(t, cadre, caseID, kind, smallJPEG(t, uint64(10+i)))
	}
	today := string(domain.DateOf(ts.now()))
	ts.act(t, cadre, caseID, "village_review", map[string]any{"result": "pass", "meeting_date": today, "publicity_start": today})
	ts.uploadPhoto(t, cadre, caseID, "notice_village", smallJPEG(t, 20))
	ts.Advance(8 * 24 * time.Hour)
	ts.act(t, as(domain.RoleVillageCadre), caseID, "close_village_publicity", nil)
	today = string(domain.DateOf(ts.now()))
	officer := as(domain.RoleTownshipOfficer)
	ts.act(t, officer, caseID, "township_review", map[string]any{"result": "pass", "publicity_start": today})
	ts.uploadPhoto(t, officer, caseID, "notice_township", smallJPEG(t, 21))
	ts.Advance(8 * 24 * time.Hour)
	officer = as(domain.RoleTownshipOfficer)
	ts.act(t, officer, caseID, "close_township_publicity", nil)
	ts.act(t, as(domain.RoleCivilAffairs), caseID, "verify_household", map[string]any{"result": "pass", "certificate_ref": "永民低保〔2024〕0301"})
	ts.act(t, as(domain.RoleCountyInspector), caseID, "appraise", map[string]any{"grade": "D", "structure": "earth", "built_year": 1976, "notes": "墙体开裂，整幢危房"})
	ts.act(t, as(domain.RoleCountyApprover), caseID, "approve", map[string]any{"method": "rebuild"})
	cadre = as(domain.RoleVillageCadre)
	ts.uploadPhoto(t, cadre, caseID, "agreement", smallJPEG(t, 22))
	today = string(domain.DateOf(ts.now()))
	ts.act(t, officer, caseID, "start_construction", map[string]any{"builder_name": "永靖县建安工程队", "builder_cert_no": "甘建工匠2024-117",
		"start_date": today, "planned_finish": string(domain.DateOf(ts.now().Add(90 * 24 * time.Hour)))})
	ts.uploadPhoto(t, officer, caseID, "completion", smallJPEG(t, 23))
	c := ts.act(t, officer, caseID, "request_acceptance", nil)
	if c.Stage != "acceptance" {
		t.Fatalf("case at %s, want acceptance", c.Stage)
	}
	return caseID
}

func TestBrowserCadreFilesOfflineThenSyncs(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	village := "622923100201"
	_, u := ts.user(t, domain.RoleVillageCadre, village)
	b := newBrowser(t, ts)
	b.signIn(u.Username, testPassword)
	b.waitJS("the village list", `document.querySelector('main h2') && !document.querySelector('main .empty') || document.querySelector('main .empty')?.textContent.includes('还没有申请')`, 15*time.Second)
	b.shot("03-cadre-village-list")

	dir := t.TempDir()
	hukou := writeJPEG(t, dir, "hukou.jpg", 1200, 900, 1)
	application := writeJPEG(t, dir, "application.jpg", 900, 1200, 2)
	house := writeJPEG(t, dir, "house.jpg", 4000, 3000, 3) // a phone camera's full size

	// No signal from here on: the form, the rules, the photos and the outbox work on the phone alone.
	b.setOffline(true)
	b.click(`nav.tabs a[href="#/new"]`)
	b.waitJS("the application form", `document.querySelector('form [name=head_name]')`, 10*time.Second)
	b.fill("[name=id_number]", "622923196001010016")
	b.waitJS("the check digit refused as it is typed", `document.querySelector('[data-err="household.id_number"]').textContent === '身份证号校验位不正确，请核对'`, 5*time.Second)
	b.fill("[name=head_name]", "王秀英")
	b.fill("[name=id_number]", "622923196001010015")
	b.fill("[name=phone]", "13809305678")
	b.fill("[name=hukou_no]", "HK-2024-0107")
	b.fill("[name=type]", "subsistence_allowance")
	b.fill("[name=address]", "刘家峡镇测试村二社7号")
	b.fill("[name=built_year]", "1978")
	b.fill("[name=structure]", "earth")
	b.fill("[name=floor_area_m2]", "62")
	b.click("[name=method][value=rebuild]")
	b.waitJS("the offline policy check", `document.querySelector('#assess [data-eligible="true"]') && document.querySelector('#assess [data-subsidy="30000"]') && document.querySelector('#assess').textContent.includes('离线测算')`, 10*time.Second)
	if msg := eval[string](b, `document.querySelector('[data-err="household.id_number"]').textContent`); msg != "" {
		t.Errorf("valid 身份证号 still refused: %q", msg)
	}
	// WeChat may drop the page in the background: what was typed comes back.
	time.Sleep(600 * time.Millisecond) // the draft is saved 400 ms after typing stops
	b.do("the page dropped and reopened", chromedp.Reload())
	b.waitJS("the draft restored", `document.querySelector('form [name=head_name]')?.value === '王秀英' && document.querySelector('form [name=floor_area_m2]').value === '62' && document.querySelector('[name=method][value=rebuild]').checked`, 15*time.Second)
	b.do("pick the photos",
		chromedp.SetUploadFiles(chromedp.CSS(`input[data-kind="hukou"]`), []string{hukou}),
		chromedp.SetUploadFiles(chromedp.CSS(`input[data-kind="application"]`), []string{application}),
		chromedp.SetUploadFiles(chromedp.CSS(`input[data-kind="house_before"]`), []string{house}),
	)
	b.waitJS("three photos shrunk on the phone", `document.querySelectorAll('.photos figure.thumb').length === 3`, 30*time.Second)
	b.shot("04-new-application-offline")
	b.click("form button[type=submit]")
	b.waitJS("the case kept in the outbox", `location.hash.startsWith('#/case/') && window.anju.outbox.count().then((n) => n === 4)`, 15*time.Second)
	b.shot("05-saved-offline")
	b.do("a new form", chromedp.Navigate(ts.URL+"/#/new"))
	b.waitJS("an empty form once the draft was filed", `document.querySelector('form [name=head_name]') && document.querySelector('form [name=head_name]').value === ''`, 10*time.Second)

	// Closing the app and opening it again without signal loses nothing.
	b.do("reopen offline", chromedp.Reload())
	b.waitJS("the app from the service worker", `window.anju && window.anju.user && document.getElementById('net').textContent === '离线'`, 15*time.Second)
	b.do("the village list", chromedp.Navigate(ts.URL+"/#/cases"))
	b.waitJS("the unsent case listed", `document.querySelector('.item.unsent') && document.querySelector('[data-outbox-count]').textContent === '4'`, 15*time.Second)
	b.shot("06-village-list-unsent")

	cadre := ts.login(t, u.Username, testPassword).AccessToken
	if got := ts.listCases(t, cadre, "village="+village); len(got) != 0 {
		t.Fatalf("the server has %d cases while the phone is offline", len(got))
	}

	// Signal again: the outbox sends the case, then its photos.
	b.setOffline(false)
	eval[any](b, `window.dispatchEvent(new Event('online')), null`)
	b.waitJS("the outbox empty", `window.anju.outbox.count().then((n) => n === 0)`, 60*time.Second)
	// A second flush (timer, another online event) sends nothing twice.
	eval[any](b, `window.anju.flush().then(() => null)`)

	cases := ts.listCases(t, cadre, "village="+village)
	if len(cases) != 1 {
		t.Fatalf("the server holds %d cases, want exactly 1", len(cases))
	}
	c := ts.getCase(t, cadre, cases[0].ID)
	if len(c.Photos) != 3 {
		t.Fatalf("the case has %d photos, want 3 (户口簿, 申请, 房屋)", len(c.Photos))
	}
	for _, p := range c.Photos {
		if p.Width > 1600 || p.Height > 1600 || p.Size > 600*1024 {
			t.Errorf("%s photo stored at %d×%d, %d bytes; want ≤ 1600 px and ≤ 600 KB", p.Kind, p.Width, p.Height, p.Size)
		}
		if p.Kind == "house_before" {
			t.Logf("4000×3000 camera photo uploaded as %d×%d, %d KB", p.Width, p.Height, p.Size/1024)
			if p.Width != 1600 || p.Height != 1200 {
				t.Errorf("house photo %d×%d, want 1600×1200 (aspect kept)", p.Width, p.Height)
			}
		}
	}
	b.do("open the synced case", chromedp.Navigate(ts.URL+"/#/case/"+c.ID))
	b.waitJS("the synced file", `document.querySelector('[data-stage="applied"]') && document.querySelectorAll('figure.thumb[data-photo]').length === 3`, 15*time.Second)
	b.shot("07-case-synced")

	// 村委评议 passes, with the notice posted for 公示 and its photo.
	b.click(`button[data-action="village_review"]`)
	b.waitJS("the review form", `document.querySelector('form[data-action="village_review"]')`, 5*time.Second)
	b.click(`form[data-action="village_review"] [name=result][value=pass]`)
	b.do("the notice photo", chromedp.SetUploadFiles(chromedp.CSS(`form[data-action="village_review"] input[data-kind="notice_village"]`), []string{writeJPEG(t, dir, "notice.jpg", 1200, 1600, 4)}))
	b.waitJS("the notice photo shrunk", `document.querySelectorAll('form[data-action="village_review"] figure.thumb').length === 1`, 20*time.Second)
	b.shot("07b-village-review")
	b.click(`form[data-action="village_review"] button[type=submit]`)
	b.waitJS("in village publicity", `document.querySelector('[data-stage="village_publicity"]')`, 20*time.Second)
	c = ts.getCase(t, cadre, c.ID)
	if c.Stage != "village_publicity" || len(c.Photos) != 4 {
		t.Errorf("after the review: stage %s with %d photos, want village_publicity with 4", c.Stage, len(c.Photos))
	}

	// An objection during 公示 is recorded, then dismissed with an explanation.
	b.click(`button[data-action="record_objection"]`)
	b.fill(`form[data-action="record_objection"] [name=text]`, "村民反映该户另有一处住房")
	b.click(`form[data-action="record_objection"] button[type=submit]`)
	b.waitJS("the objection recorded", `document.body.textContent.includes('村民反映该户另有一处住房 → 待处理') && document.querySelector('button[data-action="resolve_objection"]')`, 15*time.Second)
	b.click(`button[data-action="resolve_objection"]`)
	b.waitJS("the open objection offered", `document.querySelector('form[data-action="resolve_objection"] [name=objection_id] option[value]:not([value=""])')`, 5*time.Second)
	eval[any](b, `(() => { const s = document.querySelector('form[data-action="resolve_objection"] [name=objection_id]'); s.value = s.options[1].value; s.dispatchEvent(new Event('change', {bubbles: true})); })(), null`)
	b.click(`form[data-action="resolve_objection"] [name=outcome][value=dismissed]`)
	b.fill(`form[data-action="resolve_objection"] [name=explanation]`, "经核实，另一处为其兄弟所有")
	b.shot("07c-resolve-objection")
	b.click(`form[data-action="resolve_objection"] button[type=submit]`)
	b.waitJS("the objection dismissed", `!document.querySelector('button[data-action="resolve_objection"]') && document.body.textContent.includes('不成立：经核实')`, 15*time.Second)
	var objs struct {
		Objections []struct {
			Outcome string `json:"outcome"`
		} `json:"objections"`
	}
	_, ob := ts.do(t, "GET", "/api/cases/"+c.ID, cadre, nil)
	mustJSON(t, ob, &objs)
	if len(objs.Objections) != 1 || objs.Objections[0].Outcome != "dismissed" {
		t.Errorf("objections on the server: %+v, want one dismissed", objs.Objections)
	}
}

// drawSignature strokes a signature on the pad with mouse input.
func (b *browser) drawSignature(role string) {
	b.t.Helper()
	sel := fmt.Sprintf(`canvas[data-signer=%q]`, role)
	eval[any](b, `document.querySelector('`+sel+`').scrollIntoView({block: 'center'}), null`)
	type rect struct{ X, Y, W, H float64 }
	r := eval[rect](b, `(() => { const r = document.querySelector('`+sel+`').getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`)
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, r.X+r.W*0.15, r.Y+r.H*0.6, chromedp.ButtonLeft)}
	for i := 1; i <= 12; i++ {
		x := r.X + r.W*(0.15+0.06*float64(i))
		y := r.Y + r.H*(0.6-0.3*float64(i%3)/2)
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }))
	}
	steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, r.X+r.W*0.9, r.Y+r.H*0.5, chromedp.ButtonLeft))
	b.do("sign as "+role, steps...)
}

func TestBrowserAcceptanceSignedOnSite(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	village := "622923100202"
	_, insp := ts.user(t, domain.RoleCountyInspector, domain.CountyCode)
	caseID := caseAwaitingAcceptance(t, ts, village)

	b := newBrowser(t, ts)
	b.signIn(insp.Username, testPassword)
	b.waitJS("the inspector's queue", `document.querySelector('#caselist [data-case="`+caseID+`"]')`, 15*time.Second)
	b.shot("08-inspector-queue")
	b.click(`#caselist [data-case="` + caseID + `"]`)
	b.waitJS("the file with its acceptance action", `document.querySelector('button[data-action="accept"]')`, 15*time.Second)
	b.shot("09-case-file")
	b.click(`button[data-action="accept"]`)
	b.waitJS("the acceptance form", `document.querySelector('form[data-action="accept"] canvas[data-signer="township_officer"]')`, 10*time.Second)

	// On site without signal.
	b.setOffline(true)
	for _, item := range []string{"ring_beams", "tie_columns", "tie_bars", "foundation", "walls", "roof"} {
		b.click(fmt.Sprintf(`[name="cl_%s"][value="pass"]`, item))
	}
	b.fill("[name=measured_area_m2]", "42.5")
	b.waitJS("the 45 m² rule, live", `document.querySelector('#arearule').dataset.subsidy === '0' && document.querySelector('#arearule').textContent.includes('不足45平方米')`, 5*time.Second)
	b.fill("[name=measured_area_m2]", "63.2")
	b.waitJS("the 45 m² rule met", `document.querySelector('#arearule').dataset.subsidy === '30000'`, 5*time.Second)
	b.click(`[name=result][value=pass]`)
	dir := t.TempDir()
	b.do("photos of the acceptance and the demolished old house",
		chromedp.SetUploadFiles(chromedp.CSS(`form[data-action="accept"] input[data-kind="acceptance"]`), []string{writeJPEG(t, dir, "acc.jpg", 1600, 1200, 31)}),
		chromedp.SetUploadFiles(chromedp.CSS(`form[data-action="accept"] input[data-kind="demolition"]`), []string{writeJPEG(t, dir, "demo.jpg", 1600, 1200, 32)}),
	)
	b.waitJS("two photos", `document.querySelectorAll('form[data-action="accept"] figure.thumb').length === 2`, 20*time.Second)
	b.fill("[name=signer_township_officer]", "李乡干")
	for _, role := range []string{"household_head", "inspector", "township_officer"} {
		b.drawSignature(role)
	}
	b.shot("10-acceptance-signed-offline")
	b.click(`form[data-action="accept"] button[type=submit]`)
	b.waitJS("the acceptance queued", `window.anju.outbox.count().then((n) => n === 3)`, 15*time.Second)
	b.shot("11-acceptance-queued")

	inspector := ts.login(t, insp.Username, testPassword).AccessToken
	if c := ts.getCase(t, inspector, caseID); c.Stage != "acceptance" {
		t.Fatalf("case at %s while the phone is offline", c.Stage)
	}
	b.setOffline(false)
	eval[any](b, `window.dispatchEvent(new Event('online')), null`)
	b.waitJS("the outbox empty", `window.anju.outbox.count().then((n) => n === 0)`, 60*time.Second)
	c := ts.getCase(t, inspector, caseID)
	if c.Stage != "accepted" {
		t.Fatalf("case at %s after sync, want accepted", c.Stage)
	}
	a := c.Acceptances[len(c.Acceptances)-1]
	if !a.Passed || a.SubsidyYuan != 30000 || len(a.Signatures) != 3 {
		t.Fatalf("acceptance passed=%v subsidy=%d signatures=%d, want passed, 30000, 3", a.Passed, a.SubsidyYuan, len(a.Signatures))
	}
	names := map[string]string{}
	for _, s := range a.Signatures {
		names[s.SignerRole] = s.SignerName
		if s.SHA256 == "" {
			t.Errorf("%s signature stored without its hash", s.SignerRole)
		}
	}
	if names["household_head"] != "马福山" || names["inspector"] != insp.Name || names["township_officer"] != "李乡干" {
		t.Errorf("signers %v", names)
	}
	// The file shows the three signatures as drawn, fetched with the
	// inspector's token.
	b.do("the village list", chromedp.Navigate(ts.URL+"/#/cases"))
	b.do("the accepted file", chromedp.Navigate(ts.URL+"/#/case/"+caseID))
	b.waitJS("the three signatures shown", `document.querySelectorAll('.sigs figure.sig img').length === 3 &&
		[...document.querySelectorAll('.sigs figure.sig img')].every((i) => i.complete && i.naturalWidth > 0)`, 20*time.Second)
	if txt := eval[string](b, `document.querySelector('.sigs figure.sig[data-signer="household_head"]').textContent`); !strings.Contains(txt, "马福山") {
		t.Errorf("household head's signature captioned %q", txt)
	}
	b.shot("12-acceptance-signatures")
}

func TestBrowserConflictIsKeptAndReapplied(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	village := "622923100203"
	cadre, u := ts.user(t, domain.RoleVillageCadre, village)
	caseID := "0b7e3d52-6f1c-4c1e-8f0a-7d2e5c4b3a21"
	res, body := ts.do(t, "POST", "/api/cases", cadre, map[string]any{
		"id": caseID, "program_year": 2024, "village_code": village,
		"household": map[string]any{"head_name": "张有福", "id_number": idNumber("62292319650707003"), "phone": "",
			"hukou_no": "HK-0707", "type": "lifted_from_poverty", "members": []any{}},
		"house":  map[string]any{"address": "刘家峡镇样例村一社3号", "built_year": 1970, "structure": "brick_earth", "floor_area_m2": 50, "only_house": true},
		"method": "reinforce", "flags": map[string]bool{},
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("file the case: %d %s", res.StatusCode, body)
	}

	b := newBrowser(t, ts)
	b.signIn(u.Username, testPassword)
	b.do("open the file", chromedp.Navigate(ts.URL+"/#/case/"+caseID))
	b.waitJS("the withdraw action", `document.querySelector('button[data-action="withdraw"]')`, 15*time.Second)

	// Decided offline on version 1 …
	b.setOffline(true)
	b.click(`button[data-action="withdraw"]`)
	b.fill(`form[data-action="withdraw"] [name=reason]`, "户主已投靠子女，不再申请")
	b.click(`form[data-action="withdraw"] button[type=submit]`)
	b.waitJS("the withdrawal queued", `window.anju.outbox.count().then((n) => n === 1)`, 10*time.Second)

	// … while the file moved on at the village office.
	req, _ := http.NewRequest("PATCH", ts.URL+"/api/cases/"+caseID, strings.NewReader(`{"method":"rebuild"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+cadre)
	req.Header.Set("If-Match", `"1"`)
	res, body = ts.send(t, req)
	mustStatus(t, res, body, http.StatusOK)

	b.setOffline(false)
	eval[any](b, `window.dispatchEvent(new Event('online')), null`)
	b.waitJS("the conflict kept for the person", `window.anju.outbox.list().then((l) => l.length === 1 && l[0].status === 'conflict' && l[0].error.code === 'stale_version')`, 30*time.Second)
	b.do("the outbox page", chromedp.Navigate(ts.URL+"/#/outbox"))
	b.waitJS("the conflict with its choices", `document.querySelector('[data-status="conflict"] button') && document.querySelector('[data-status="conflict"]').textContent.includes('按最新版本重新提交')`, 10*time.Second)
	b.shot("13-conflict")
	// Still there after another flush: never dropped.
	eval[any](b, `window.anju.flush().then(() => null)`)
	if n := eval[int](b, `window.anju.outbox.count()`); n != 1 {
		t.Fatalf("conflict dropped: %d items left", n)
	}
	if c := ts.getCase(t, cadre, caseID); c.Stage != "applied" {
		t.Fatalf("stale decision applied: stage %s", c.Stage)
	}
	b.click(`[data-status="conflict"] button.btn.small:not(.danger)`)
	b.waitJS("re-applied on the latest version", `window.anju.outbox.count().then((n) => n === 0)`, 20*time.Second)
	if c := ts.getCase(t, cadre, caseID); c.Stage != "withdrawn" {
		t.Fatalf("after re-applying: stage %s, want withdrawn", c.Stage)
	}

	// A new application for someone who already has one is refused when it
	// reaches the server; the cadre corrects it from the outbox.
	taken := idNumber("62292319700808005")
	ts.fileCase(t, cadre, village, "0b7e3d52-6f1c-4c1e-8f0a-7d2e5c4b3a22", "刘桂兰", "62292319700808005")
	dir := t.TempDir()
	b.setOffline(true)
	b.do("the application form", chromedp.Navigate(ts.URL+"/#/new"))
	b.waitJS("the form", `document.querySelector('form [name=head_name]')`, 10*time.Second)
	for sel, v := range map[string]string{"[name=head_name]": "刘桂兰", "[name=id_number]": taken, "[name=hukou_no]": "HK-0808",
		"[name=type]": "severe_hardship", "[name=address]": "样例村四社1号", "[name=built_year]": "1980", "[name=structure]": "brick_earth", "[name=floor_area_m2]": "40"} {
		b.fill(sel, v)
	}
	b.click("[name=method][value=reinforce]")
	b.do("photos",
		chromedp.SetUploadFiles(chromedp.CSS(`input[data-kind="hukou"]`), []string{writeJPEG(t, dir, "h.jpg", 800, 600, 41)}),
		chromedp.SetUploadFiles(chromedp.CSS(`input[data-kind="application"]`), []string{writeJPEG(t, dir, "a.jpg", 800, 600, 42)}),
		chromedp.SetUploadFiles(chromedp.CSS(`input[data-kind="house_before"]`), []string{writeJPEG(t, dir, "b.jpg", 800, 600, 43)}))
	b.waitJS("three photos", `document.querySelectorAll('.photos figure.thumb').length === 3`, 20*time.Second)
	b.click("form button[type=submit]")
	b.waitJS("queued", `window.anju.outbox.count().then((n) => n === 4)`, 10*time.Second)
	b.setOffline(false)
	eval[any](b, `window.dispatchEvent(new Event('online')), null`)
	b.waitJS("the duplicate kept as a conflict", `window.anju.outbox.list().then((l) => l[0] && l[0].status === 'conflict' && l[0].error.code === 'duplicate_application')`, 30*time.Second)
	b.do("the outbox page", chromedp.Navigate(ts.URL+"/#/outbox"))
	b.waitJS("the correction offered", `document.querySelector('[data-status="conflict"] a[href^="#/new?fix="]')`, 10*time.Second)
	b.shot("15-duplicate-application")
	b.click(`[data-status="conflict"] a[href^="#/new?fix="]`)
	b.waitJS("the kept application in the form", `document.querySelector('form [name=head_name]')?.value === '刘桂兰'`, 10*time.Second)
	fixed := idNumber("62292319720909006")
	b.fill("[name=id_number]", fixed)
	b.click("form button[type=submit]")
	b.waitJS("the corrected application sent", `window.anju.outbox.list().then((l) => !l.some((i) => i.kind === 'create_case'))`, 30*time.Second)
	found := false
	for _, c := range ts.listCases(t, cadre, "village="+village) {
		var full struct {
			Household struct {
				HeadName string `json:"head_name"`
				IDNumber string `json:"id_number"`
			} `json:"household"`
		}
		_, body := ts.do(t, "GET", "/api/cases/"+c.ID, cadre, nil)
		mustJSON(t, body, &full)
		if full.Household.HeadName == "刘桂兰" && strings.HasSuffix(full.Household.IDNumber, fixed[14:]) && c.ID != "0b7e3d52-6f1c-4c1e-8f0a-7d2e5c4b3a22" {
			found = true
		}
	}
	if !found {
		t.Errorf("the corrected application did not reach the server")
	}
}

// fileCase files a case through the API as the cadre of its village.
func (ts *testServer) fileCase(t *testing.T, token, village, id, head, first17 string) {
	t.Helper()
	res, body := ts.do(t, "POST", "/api/cases", token, map[string]any{
		"id": id, "program_year": 2024, "village_code": village,
		"household": map[string]any{"head_name": head, "id_number": idNumber(first17), "phone": "",
			"hukou_no": "HK-" + first17[10:], "type": "near_subsistence", "members": []any{}},
		"house":  map[string]any{"address": "样例村", "built_year": 1972, "structure": "earth", "floor_area_m2": 48, "only_house": true},
		"method": "rebuild", "flags": map[string]bool{},
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("file case %s: %d %s", head, res.StatusCode, body)
	}
}

func TestBrowserDashboardShowsTheServersNumbers(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	township := "622923101" // 盐锅峡镇
	v1, v2 := township+"201", township+"202"
	c1 := ts.userToken(t, domain.RoleVillageCadre, v1)
	c2 := ts.userToken(t, domain.RoleVillageCadre, v2)
	ts.fileCase(t, c1, v1, "9a0c1e52-1111-4c1e-8f0a-000000000001", "赵一", "62292319600101002")
	ts.fileCase(t, c1, v1, "9a0c1e52-1111-4c1e-8f0a-000000000002", "钱二", "62292319610202003")
	ts.fileCase(t, c2, v2, "9a0c1e52-1111-4c1e-8f0a-000000000003", "孙三", "62292319620303004")
	ts.act(t, c2, "9a0c1e52-1111-4c1e-8f0a-000000000003", "withdraw", map[string]any{"reason": "户主不再申请"})
	// The same picture filed for two households: reviewers must see it.
	same := smallJPEG(t, 60)
	ts.uploadPhoto(t, c1, "9a0c1e52-1111-4c1e-8f0a-000000000001", "house_before", same)
	ts.uploadPhoto(t, c1, "9a0c1e52-1111-4c1e-8f0a-000000000002", "house_before", same)
	_, officer := ts.user(t, domain.RoleTownshipOfficer, township)
	ob := newBrowser(t, ts)
	ob.signIn(officer.Username, testPassword)
	// The township's dashboard shows the server's numbers.
	ob.waitJS("the dashboard", `document.querySelector('[data-k="totals.total"]') && document.querySelector('[data-list="has_warnings=1"]')`, 15*time.Second)
	ob.shot("12-township-dashboard")
	tok := ts.login(t, officer.Username, testPassword).AccessToken
	res, body := ts.do(t, "GET", "/api/dashboard?program_year=2024&area="+township, tok, nil)
	mustStatus(t, res, body, http.StatusOK)
	var d struct {
		DaysLeft int                        `json:"days_left"`
		Totals   map[string]json.RawMessage `json:"totals"`
	}
	mustJSON(t, body, &d)
	shown := eval[map[string]string](ob, `Object.fromEntries([...document.querySelectorAll('[data-k^="totals."]')].map((e) => [e.dataset.k.slice(7), e.textContent]))`)
	checked := 0
	for _, k := range []string{"total", "approved", "accepted", "paid", "overdue", "at_risk", "payment_overdue", "with_warnings"} {
		var n int
		if err := json.Unmarshal(d.Totals[k], &n); err != nil {
			t.Errorf("dashboard totals.%s: %s", k, d.Totals[k])
			continue
		}
		if shown[k] != fmt.Sprint(n) {
			t.Errorf("dashboard shows %s = %q, the API says %d", k, shown[k], n)
		}
		checked++
	}
	var byStage map[string]int
	json.Unmarshal(d.Totals["by_stage"], &byStage)
	if byStage["applied"] != 2 || byStage["withdrawn"] != 1 {
		t.Errorf("API by_stage = %v, want applied 2 and withdrawn 1", byStage)
	}
	for stage, n := range byStage {
		got := eval[string](ob, `(document.querySelector('[data-k="by_stage.`+stage+`"]') || {}).textContent || ''`)
		if got != fmt.Sprint(n) {
			t.Errorf("funnel shows %s = %q, the API says %d", stage, got, n)
		}
	}
	rows := eval[map[string]string](ob, `Object.fromEntries([...document.querySelectorAll('tr[data-row]')].map((r) => [r.dataset.row, r.querySelector('[data-k="total"]').textContent]))`)
	if rows[v1] != "2" || rows[v2] != "1" {
		t.Errorf("village rows show %v, want %s: 2 and %s: 1", rows, v1, v2)
	}
	days := eval[string](ob, `document.querySelector('[data-k="days_left"]').textContent`)
	if want := fmt.Sprint(max(d.DaysLeft, -d.DaysLeft)); days != want {
		t.Errorf("countdown shows %s days, the API says days_left %d", days, d.DaysLeft)
	}
	var warned int
	json.Unmarshal(d.Totals["with_warnings"], &warned)
	if warned == 0 {
		t.Fatalf("the API reports no case with photo warnings after a duplicate photo")
	}
	ob.waitJS("the warned cases listed", `document.querySelectorAll('[data-list="has_warnings=1"] .item').length === `+fmt.Sprint(warned), 10*time.Second)
	ob.click(`[data-list="has_warnings=1"] .item`)
	ob.waitJS("the warning in the file", `document.querySelector('.warnings li[data-code="duplicate_photo"]') && document.querySelector('figure.thumb.warned')`, 15*time.Second)
	ob.shot("12b-photo-warning")
	ob.do("back to the dashboard", chromedp.Navigate(ts.URL+"/#/dashboard"))

	// Comfortable on a desktop too.
	ob.do("a desktop screen", chromedp.EmulateViewport(1280, 800))
	ob.do("reload", chromedp.Reload())
	ob.waitJS("the dashboard", `document.querySelector('[data-k="totals.total"]')`, 15*time.Second)
	ob.shot("14-township-dashboard-desktop")
}

func TestBrowserTownshipReturnReachesTheCadreFirst(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	village := "622923102201"
	township := domain.TownshipOf(village)
	_, cadreU := ts.user(t, domain.RoleVillageCadre, village)
	_, officerU := ts.user(t, domain.RoleTownshipOfficer, township)
	as := func(u userResponse) string { return ts.login(t, u.Username, testPassword).AccessToken }
	cadre := as(cadreU)
	returned := "7c2e9d41-3b5a-4f6e-9a8b-1c0d2e3f4a01"
	ts.fileCase(t, cadre, village, returned, "周大山", "62292319550505007")
	ts.fileCase(t, cadre, village, "7c2e9d41-3b5a-4f6e-9a8b-1c0d2e3f4a02", "吴小梅", "62292319660606008")
	for i, kind := range []string{"hukou", "application", "house_before"} {
		ts.uploadPhoto(t, cadre, returned, kind, smallJPEG(t, uint64(50+i)))
	}
	today := string(domain.DateOf(ts.now()))
	ts.act(t, cadre, returned, "village_review", map[string]any{"result": "pass", "meeting_date": today, "publicity_start": today})
	ts.uploadPhoto(t, cadre, returned, "notice_village", smallJPEG(t, 54))
	ts.Advance(8 * 24 * time.Hour)
	ts.act(t, as(cadreU), returned, "close_village_publicity", nil)

	ob := newBrowser(t, ts)
	ob.signIn(officerU.Username, testPassword)
	ob.do("the officer's queue", chromedp.Navigate(ts.URL+"/#/queue"))
	ob.waitJS("the case awaiting 初审", `document.querySelector('#caselist [data-case="`+returned+`"]')`, 15*time.Second)
	ob.click(`#caselist [data-case="` + returned + `"]`)
	ob.waitJS("the 初审 action", `document.querySelector('button[data-action="township_review"]')`, 15*time.Second)
	ob.click(`button[data-action="township_review"]`)
	ob.click(`form[data-action="township_review"] [name=result][value=return]`)
	ob.click(`form[data-action="township_review"] button[type=submit]`)
	ob.waitJS("the reason required", `document.querySelector('form[data-action="township_review"] [data-err="reason"]').textContent !== ''`, 5*time.Second)
	ob.fill(`form[data-action="township_review"] [name=reason]`, "户口簿照片不清晰，请重新拍摄")
	ob.shot("16-township-review-return")
	ob.click(`form[data-action="township_review"] button[type=submit]`)
	ob.waitJS("returned to the village", `document.querySelector('[data-stage="applied"]')`, 20*time.Second)
	// The other case is touched last, so the server lists it first.
	ts.Advance(time.Minute)
	req, _ := http.NewRequest("PATCH", ts.URL+"/api/cases/7c2e9d41-3b5a-4f6e-9a8b-1c0d2e3f4a02", strings.NewReader(`{"method":"reinforce"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+as(cadreU))
	req.Header.Set("If-Match", `"1"`)
	res, body := ts.send(t, req)
	mustStatus(t, res, body, http.StatusOK)

	cb := newBrowser(t, ts)
	cb.signIn(cadreU.Username, testPassword)
	cb.waitJS("the village list", `document.querySelectorAll('#caselist .item').length === 2`, 15*time.Second)
	cb.shot("17-cadre-returned-first")
	first := eval[string](cb, `document.querySelector('#caselist .item').dataset.case`)
	reason := eval[string](cb, `document.querySelector('#caselist .item .reason')?.textContent || ''`)
	if first != returned || !strings.Contains(reason, "户口簿照片不清晰") {
		t.Errorf("first in the list: %s with reason %q; want the returned case %s with its reason", first, reason, returned)
	}

	// The cadre corrects the returned application: a new 户口簿 photo and the house's area.
	cb.click(`#caselist [data-case="` + returned + `"]`)
	cb.waitJS("the edit action", `document.querySelector('a[data-edit]')`, 15*time.Second)
	cb.click(`a[data-edit]`)
	cb.waitJS("the filed application in the form", `document.querySelector('form [name=head_name]')?.value === '周大山' && document.querySelector('form [name=head_name]').disabled && document.querySelector('form [name=floor_area_m2]').value === '48'`, 15*time.Second)
	cb.fill("[name=floor_area_m2]", "55.5")
	cb.shot("18-cadre-edits-returned")
	cb.click("form button[type=submit]")
	cb.waitJS("back in the file", `location.hash.startsWith('#/case/') && document.querySelector('[data-stage="applied"]')`, 15*time.Second)
	var edited struct {
		Version int `json:"version"`
		House   struct {
			FloorAreaM2 float64 `json:"floor_area_m2"`
		} `json:"house"`
	}
	_, b2 := ts.do(t, "GET", "/api/cases/"+returned, as(cadreU), nil)
	mustJSON(t, b2, &edited)
	if edited.House.FloorAreaM2 != 55.5 {
		t.Errorf("floor area on the server %v, want 55.5", edited.House.FloorAreaM2)
	}
}

// TestBrowserDownloadsPrintedFormsOnAPhone opens an accepted case at
// 360 × 740 as the township officer, downloads its 竣工验收合格表 and the
// village 公示名单 from the case page and the 台账 from the dashboard: each
// comes as a file of the right kind, fetched with the officer's sign-in.
func TestBrowserDownloadsPrintedFormsOnAPhone(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "dl-1", vilA, 71)
	walkTo(t, ts, s, "dl-1", 71, domain.StageAccepted)
	b := newBrowser(t, ts)
	b.signIn(s.names[&s.officer], testPassword)
	// Every download the page starts is caught: its name, type and first bytes.
	// (The page's CSP forbids fetching blob: URLs, so the blob is caught as it is made.)
	catch := `(() => { window.__dl = []; const make = URL.createObjectURL; let last = null;
		URL.createObjectURL = (blob) => { last = blob; return make(blob); };
		HTMLAnchorElement.prototype.click = function () {
			const name = this.download, blob = last;
			blob.slice(0, 5).arrayBuffer().then((b) => {
				window.__dl.push({ name, type: blob.type, size: blob.size, head: String.fromCharCode(...new Uint8Array(b)) });
			});
		}; return true; })()`
	b.do("open the case", chromedp.Navigate(ts.URL+"/#/case/dl-1"))
	b.waitJS("the documents of the case", `document.querySelector('[data-doc="acceptance"]') && document.querySelector('[data-doc="notice-village"]')`, 15*time.Second)
	eval[bool](b, catch)
	b.shot("15-case-documents")
	for i, doc := range []string{"acceptance", "notice-village"} {
		b.click(`[data-doc="` + doc + `"]`)
		b.waitJS(doc+" downloaded", fmt.Sprintf(`window.__dl.length === %d`, i+1), 15*time.Second)
	}
	type dl struct {
		Name, Type, Head string
		Size             int
	}
	got := eval[[]dl](b, `window.__dl`)
	for i, want := range []string{"竣工验收合格表-马71-第1次.pdf", "村级公示名单-"} {
		if !strings.HasPrefix(got[i].Name, want) || got[i].Type != "application/pdf" || got[i].Head != "%PDF-" || got[i].Size < 5000 {
			t.Errorf("download %d: %+v, want a PDF named %s…", i+1, got[i], want)
		}
	}
	b.do("open the dashboard", chromedp.Navigate(ts.URL+"/#/dashboard"))
	b.waitJS("the 台账 button", `document.querySelector('[data-doc="ledger"]') && document.querySelector('[data-doc="notice"]')`, 15*time.Second)
	eval[bool](b, catch)
	b.shot("16-dashboard-documents")
	b.click(`[data-doc="ledger"]`)
	b.waitJS("the 台账 downloaded", `window.__dl.length === 1`, 15*time.Second)
	x := eval[[]dl](b, `window.__dl`)[0]
	if !strings.HasSuffix(x.Name, ".xlsx") || x.Type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || x.Head[:2] != "PK" {
		t.Errorf("台账 download: %+v", x)
	}
}

// printToPDF is Page.printToPDF: what the browser prints of the page.
type printToPDFParams struct {
	PrintBackground   bool    `json:"printBackground"`
	PaperWidth        float64 `json:"paperWidth"`  // inches
	PaperHeight       float64 `json:"paperHeight"` // inches
	PreferCSSPageSize bool    `json:"preferCSSPageSize"`
}

type printToPDFResult struct {
	Data []byte `json:"data"` // base64 in the protocol, decoded by encoding/json
}

var printToPDF = cdp.Command[printToPDFParams, printToPDFResult]{Method: "Page.printToPDF"}

// TestBrowserPrintsTheNoticePage opens the village 公示名单 from a case's
// page at 360 × 740, taps 打印, and prints the page as the browser would:
// the paper holds the list, without the app's header and buttons.
func TestBrowserPrintsTheNoticePage(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	for i, id := range []string{"np-1", "np-2"} {
		fileCase(t, ts, s.cadre, id, vilA, 75+i)
		walkTo(t, ts, s, id, 75+i, domain.StageVillagePublicity)
	}
	b := newBrowser(t, ts)
	b.signIn(s.names[&s.cadre], testPassword)
	b.do("open the case", chromedp.Navigate(ts.URL+"/#/case/np-1"))
	b.waitJS("the notice page link", `document.querySelector('[data-notice-page="village"]')`, 15*time.Second)
	b.click(`[data-notice-page="village"]`)
	b.waitJS("the list", `document.querySelectorAll('[data-notice] tr[data-row]').length === 2`, 15*time.Second)
	b.shot("17-notice-page")
	eval[bool](b, `(() => { window.__printed = 0; window.print = () => { window.__printed++; }; return true; })()`)
	b.click(`[data-print]`)
	if n := eval[int](b, `window.__printed`); n != 1 {
		t.Fatalf("the print button called print %d times", n)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, printToPDF, printToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: true})
	if err != nil {
		t.Fatalf("print the page: %v", err)
	}
	text := pdfText(t, res.Data)
	for _, want := range []string{"村级公示名单", "马75", "马76", "公示期", "（盖章）"} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), want) {
			t.Errorf("the printed page lacks %q:\n%s", want, text)
		}
	}
	for _, chrome := range []string{"退出", "下载 PDF", "待发送"} {
		if strings.Contains(text, chrome) {
			t.Errorf("the printed page shows the app's %q", chrome)
		}
	}
}
