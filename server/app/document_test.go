package app

import (
	"bytes"
	"context"
	"encoding/json"
	goflag "flag"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/documents"
	"github.com/yongjing/anju/domain"
)

var update = goflag.Bool("update", false, "rewrite the golden files in testdata")

// needTool skips without a poppler program on a laptop and fails in CI.
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (Debian poppler-utils) is needed to read printed forms back", name)
		}
		t.Skipf("%s (poppler-utils) not installed; printed forms not read back", name)
	}
}

// pdfFile writes b to a temporary file.
func pdfFile(t testing.TB, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.200s", b)
	}
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfText is the text of a PDF as pdftotext reads it, one line per line
// of text, blank lines dropped.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	needTool(t, "pdftotext")
	out, err := exec.Command("pdftotext", pdfFile(t, b), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(strings.Trim(l, "\f")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// pdfPages is the page count pdfinfo reports.
func pdfPages(t *testing.T, b []byte) string {
	t.Helper()
	needTool(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", pdfFile(t, b)).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", out)
	}
	return string(m[1])
}

var verifyURLRe = regexp.MustCompile(`https?://[^\s/]+/v/[A-Za-z0-9_-]{22}`)

// printedLink is the verification link a printed form shows under its QR
// code; it fails unless the QR code in the PDF encodes exactly that link
// (the image pdfimages extracts is the QR code made of it, pixel for pixel).
func printedLink(t *testing.T, pdf []byte, text string) string {
	t.Helper()
	link := verifyURLRe.FindString(strings.ReplaceAll(text, "\n", ""))
	if link == "" {
		t.Fatalf("no verification link in the text:\n%s", text)
	}
	needTool(t, "pdfimages")
	dir := t.TempDir()
	if out, err := exec.Command("pdfimages", "-png", pdfFile(t, pdf), filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v %s", err, out)
	}
	qr, err := documents.QRCode(link)
	if err != nil {
		t.Fatal(err)
	}
	want, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		got, err := png.Decode(bytes.NewReader(b))
		if err == nil && sameImage(got, want) {
			return link
		}
	}
	t.Fatalf("none of the %d images in the PDF is the QR code of %s", len(files), link)
	return ""
}

// sameImage compares two images by grey level, pixel for pixel.
func sameImage(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			if (r1+g1+b1)/3>>8 != (r2+g2+b2)/3>>8 {
				return false
			}
		}
	}
	return true
}

// goldenText compares text (with the verification link replaced, as its
// host and token differ per run) with testdata/name, rewriting it with -update.
func goldenText(t *testing.T, name, text string) {
	t.Helper()
	text = verifyURLRe.ReplaceAllString(strings.ReplaceAll(text, "\n", "\n"), "<verification link>")
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if string(want) != text {
		t.Errorf("%s differs from the printed text (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, text, want)
	}
}

// keepDoc writes a document into $ANJU_DOCS_OUT, when set, to look at
// (pdftoppm -png -r 60 file.pdf page).
func keepDoc(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("ANJU_DOCS_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// getPDF fetches a document, failing unless it is a 200 PDF.
func getPDF(t testing.TB, ts *testServer, token, path string) []byte {
	t.Helper()
	res, body := ts.do(t, "GET", path, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	return body
}

// verifyLink asks the verification link (as JSON) what it says.
func verifyLink(t *testing.T, ts *testServer, link string) (int, verifyResponse) {
	t.Helper()
	path := link[strings.Index(link, "/v/"):]
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	res, body := ts.send(t, req)
	var v verifyResponse
	mustJSON(t, body, &v)
	return res.StatusCode, v
}

func TestAcceptanceFormPrintsTheRecordAndItsLinkVerifiesIt(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "print-1", vilA, 31)
	walkTo(t, ts, s, "print-1", 31, domain.StageAccepted)
	s.travel(t, ts, 0)

	pdf := getPDF(t, ts, s.officer, "/api/cases/print-1/acceptances/1.pdf")
	keepDoc(t, "acceptance.pdf", pdf)
	text := pdfText(t, pdf)
	if got := pdfPages(t, pdf); got != "1" {
		t.Errorf("acceptance form has %s pages, want 1", got)
	}
	for _, want := range []string{"竣工验收合格表", "永靖危改〔2024〕0001号", "马31", domain.MaskID(validID(31)), "上下圈梁", "62.5", "叁万元整", "李工", "张干部"} {
		if !strings.Contains(text, want) {
			t.Errorf("the form does not say %q", want)
		}
	}
	if strings.Contains(text, validID(31)) {
		t.Fatal("the form shows the full 身份证号 to a reader who did not ask")
	}
	goldenText(t, "acceptance.txt", text)
	link := printedLink(t, pdf, text)

	// Genuine and current; a reprint has the same link.
	status, v := verifyLink(t, ts, link)
	if status != http.StatusOK || v.Status != "current" || v.ArchiveNo != "永靖危改〔2024〕0001号" || v.HeadName != "马**" || v.StageLabel == "" || len(v.FormSHA256) != 64 {
		t.Fatalf("verification of a fresh form: %d %+v", status, v)
	}
	if again := pdfText(t, getPDF(t, ts, s.officer, "/api/cases/print-1/acceptances/1.pdf")); verifyURLRe.FindString(strings.ReplaceAll(again, "\n", "")) != link {
		t.Error("printing the same form again gave another link")
	}
	// The case moves on (paid): the paper is genuine but outdated.
	c, _ := ts.App.DB.Cases.Get(context.Background(), "print-1")
	mustAct(t, ts, s.disburser, "print-1", "disburse", c.Version, map[string]any{"bank": "甘肃农信", "account_no": "6228480123456789012",
		"payee_name": "马31", "voucher_no": "PZ-1", "paid_on": string(domain.DateOf(ts.now()))})
	if _, v := verifyLink(t, ts, link); v.Status != "outdated" || v.StageLabel != domain.StagePaid.Label() {
		t.Fatalf("verification after payment: %+v, want outdated at %s", v, domain.StagePaid.Label())
	}
	// The record is changed under the paper: it no longer matches.
	if _, err := ts.App.DB.Database().Collection("cases").UpdateOne(context.Background(), bson.M{"_id": "print-1"},
		bson.M{"$set": bson.M{"acceptances.0.measured_area_m2": 44.0}}); err != nil {
		t.Fatal(err)
	}
	if _, v := verifyLink(t, ts, link); v.Status != "changed" {
		t.Fatalf("verification after the record changed: %+v, want changed", v)
	}
	// A made-up token is unknown; the page for people says so too.
	if status, v := verifyLink(t, ts, ts.URL+"/v/AAAAAAAAAAAAAAAAAAAAAA"); status != http.StatusNotFound || v.Status != "unknown" {
		t.Fatalf("unknown token: %d %+v", status, v)
	}
	res, body := ts.do(t, "GET", link[strings.Index(link, "/v/"):], "", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "此件内容与系统档案不一致") || strings.Contains(string(body), "马31") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "style-src 'unsafe-inline'") {
		t.Fatalf("verification page: %d %s", res.StatusCode, body)
	}
}

func TestAcceptanceFormRevealsTheIDOnlyToThoseAllowedAndRecordsIt(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "print-2", vilA, 32)
	walkTo(t, ts, s, "print-2", 32, domain.StageAccepted)
	s.travel(t, ts, 0)
	text := pdfText(t, getPDF(t, ts, s.cadre, "/api/cases/print-2/acceptances/1.pdf?reveal=id_number"))
	if !strings.Contains(text, validID(32)) {
		t.Fatalf("revealed form lacks the full 身份证号:\n%s", text)
	}
	c, _ := ts.App.DB.Cases.Get(context.Background(), "print-2")
	if h := c.History[len(c.History)-1]; h.Action != "reveal" {
		t.Fatalf("the reveal on the form is not in the history: last entry %s", h.Action)
	}
	for _, tc := range []struct {
		name, token, path string
		status            int
		code              string
	}{
		{"the leader may not reveal", s.leader, "/api/cases/print-2/acceptances/1.pdf?reveal=id_number", 403, "forbidden"},
		{"only the 身份证号 is revealed", s.cadre, "/api/cases/print-2/acceptances/1.pdf?reveal=account_no", 400, "invalid_input"},
		{"no second attempt", s.officer, "/api/cases/print-2/acceptances/2.pdf", 404, "not_found"},
		{"not a pdf", s.officer, "/api/cases/print-2/acceptances/1.doc", 404, "not_found"},
		{"outside the area", ts.userToken(t, domain.RoleVillageCadre, vilB), "/api/cases/print-2/acceptances/1.pdf", 404, "not_found"},
		{"the admin reads no files", s.admin, "/api/cases/print-2/acceptances/1.pdf", 403, "forbidden"},
	} {
		res, body := ts.do(t, "GET", tc.path, tc.token, nil)
		if res.StatusCode != tc.status || errorCode(body) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, res.StatusCode, body, tc.status, tc.code)
		}
	}
}

func TestNoticeListsTheHouseholdsOnPublicityWithoutIDNumbers(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	func() {
		ctx := context.Background()
		old, err := ts.App.DB.Programs.GetRev(ctx, 2024)
		if err != nil {
			t.Fatal(err)
		}
		p := old.Program
		p.SupervisionPhone = "0930-8812345"
		if err := ts.App.DB.Programs.Update(ctx, old, p); err != nil {
			t.Fatal(err)
		}
	}()
	// Three households of 示例村一 reviewed on 2024-03-01, one of the next
	// village the same day, one of 示例村一 on another day.
	for i, id := range []string{"n-1", "n-2", "n-3"} {
		fileCase(t, ts, s.cadre, id, vilA, 41+i)
	}
	other := ts.userToken(t, domain.RoleVillageCadre, vilA2)
	fileCase(t, ts, other, "n-4", vilA2, 44)
	today := string(domain.DateOf(ts.now()))
	review := map[string]any{"result": "pass", "meeting_date": today, "publicity_start": today}
	for _, id := range []string{"n-1", "n-2", "n-3"} {
		addEvidence(t, ts, id, domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
		mustAct(t, ts, s.cadre, id, "village_review", 1, review)
	}
	addEvidence(t, ts, "n-4", domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
	mustAct(t, ts, other, "n-4", "village_review", 1, review)

	path := "/api/notices/village.pdf?program_year=2024&area=" + vilA + "&start=" + today
	pdf := getPDF(t, ts, s.cadre, path)
	text := pdfText(t, pdf)
	for _, want := range []string{"村级公示名单", "马41", "马42", "马43", "低保户", "拆除重建", "30,000", "90,000", "0930-8812345", today} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice does not say %q", want)
		}
	}
	if strings.Contains(text, "马44") {
		t.Error("the notice lists a household of another village")
	}
	if regexp.MustCompile(`\d{6}[\d*]{8}\d{3}[\dXx]`).MatchString(text) {
		t.Errorf("the notice shows a 身份证号:\n%s", text)
	}
	if got := pdfPages(t, pdf); got != "1" {
		t.Errorf("notice of three households has %s pages, want 1", got)
	}
	goldenText(t, "notice-village.txt", text)
	link := printedLink(t, pdf, text)
	if _, v := verifyLink(t, ts, link); v.Status != "current" || v.Households != 3 {
		t.Fatalf("verification of a fresh notice: %+v", v)
	}
	// An objection is upheld: 马42 leaves the list, the posted copy no longer matches.
	c := mustAct(t, ts, s.cadre, "n-2", "record_objection", 2, map[string]any{"text": "该户另有住房", "received_on": today})
	cs, _ := ts.App.DB.Cases.Get(context.Background(), "n-2")
	mustAct(t, ts, s.cadre, "n-2", "resolve_objection", c.Version, map[string]any{"objection_id": cs.Objections[0].ID,
		"outcome": "upheld", "explanation": "经核实属实"})
	if _, v := verifyLink(t, ts, link); v.Status != "changed" {
		t.Fatalf("verification after a household left the list: %+v, want changed", v)
	}
	if again := pdfText(t, getPDF(t, ts, s.cadre, path)); strings.Contains(again, "马42") || !strings.Contains(again, "马41") {
		t.Errorf("the notice printed again still lists 马42 or lost 马41:\n%s", again)
	}

	// The same list as data, for the field app's printable page.
	res, body := ts.do(t, "GET", "/api/publicity/village?program_year=2024&area="+vilA+"&start="+today, s.cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	var nj struct {
		Title string `json:"title"`
		Rows  []struct {
			HeadName    string `json:"head_name"`
			PlannedYuan int64  `json:"planned_yuan"`
		} `json:"rows"`
		TotalYuan int64 `json:"total_yuan"`
		Phones    []struct {
			Number string `json:"number"`
		} `json:"phones"`
	}
	mustJSON(t, body, &nj)
	if nj.Title != "村级公示名单" || len(nj.Rows) != 2 || nj.Rows[0].HeadName != "马41" || nj.TotalYuan != 60000 || nj.Phones[0].Number != "0930-8812345" {
		t.Errorf("GET /api/publicity/village: %s", body)
	}
	if strings.Contains(string(body), "622923") && regexp.MustCompile(`\d{17}[\dX]`).Match(body) {
		t.Errorf("the notice data shows a 身份证号: %s", body)
	}
	for _, tc := range []struct {
		name, token, path string
		status            int
		code              string
	}{
		{"another village's cadre", other, path, 403, "forbidden"},
		{"another village's cadre, as data", other, "/api/publicity/village?program_year=2024&area=" + vilA + "&start=" + today, 403, "forbidden"},
		{"the township officer", s.officer, path, 200, ""},
		{"a village notice names a village", s.cadre, "/api/notices/village.pdf?program_year=2024&area=622923100&start=" + today, 400, "invalid_input"},
		{"a date is needed", s.cadre, "/api/notices/village.pdf?program_year=2024&area=" + vilA, 400, "invalid_input"},
		{"no county level", s.cadre, "/api/notices/county.pdf?program_year=2024&area=" + vilA + "&start=" + today, 404, "not_found"},
	} {
		res, body := ts.do(t, "GET", tc.path, tc.token, nil)
		if res.StatusCode != tc.status || errorCode(body) != tc.code {
			t.Errorf("%s: %d %.300s, want %d %s", tc.name, res.StatusCode, body, tc.status, tc.code)
		}
	}
}

func TestTownshipNoticeListsItsVillages(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "t-1", vilA, 51)
	walkTo(t, ts, s, "t-1", 51, domain.StageTownshipPublicity)
	s.travel(t, ts, 0)
	cs, _ := ts.App.DB.Cases.Get(context.Background(), "t-1")
	start := string(cs.TownshipPublicity.Start)
	text := pdfText(t, getPDF(t, ts, s.officer, "/api/notices/township.pdf?program_year=2024&area="+domain.TownshipOf(vilA)+"&start="+start))
	for _, want := range []string{"乡镇公示名单", "马51", "人民政府（盖章）", "乡镇初审"} {
		if !strings.Contains(text, want) {
			t.Errorf("township notice does not say %q:\n%s", want, text)
		}
	}
}

func TestVerificationIsRateLimited(t *testing.T) {
	ts := newTestServer(t)
	codes := map[int]int{}
	for i := 0; i < 40; i++ {
		res, _ := ts.do(t, "GET", "/v/AAAAAAAAAAAAAAAAAAAAAA", "", nil)
		codes[res.StatusCode]++
	}
	if codes[http.StatusNotFound] != 30 || codes[http.StatusTooManyRequests] != 10 {
		t.Fatalf("40 quick checks: %v, want 30 answered and 10 refused", codes)
	}
}

var _ = json.Marshal
