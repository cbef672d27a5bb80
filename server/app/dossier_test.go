package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

func TestDossierHoldsTheWholeFileAndItsChain(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	s.viaHTTP = true // real photos, so the dossier has pictures
	fileCase(t, ts, s.cadre, "dos-1", vilA, 81)
	walkTo(t, ts, s, "dos-1", 81, domain.StagePaid)
	cs, _ := ts.App.DB.Cases.Get(context.Background(), "dos-1")

	pdf := getPDF(t, ts, s.officer, "/api/cases/dos-1/dossier.pdf")
	keepDoc(t, "dossier.pdf", pdf)
	text := pdfText(t, pdf)
	for _, want := range []string{"一户一档", "永靖危改〔2024〕0001号", "马81", domain.MaskID(validID(81)), "一、农户申请", "二、审核审批",
		"三、抗震鉴定", "四、施工协议及施工", "五、竣工验收", "六、资金拨付", "村委评议", "乡镇公示", "农户类型认定", "户口簿",
		"验收照片", "办理记录（审计链）", "审计链核验：通过", domain.MaskAccount("6228480123456789012")} {
		if !strings.Contains(text, want) {
			t.Errorf("the dossier does not say %q", want)
		}
	}
	if strings.Contains(text, validID(81)) || strings.Contains(text, "6228480123456789012") {
		t.Fatal("the dossier shows a full identifier")
	}
	if n := pdfPages(t, pdf); n == "1" || n == "2" {
		t.Errorf("dossier of a paid case on %s pages", n)
	}
	needTool(t, "pdfimages")
	out, err := exec.Command("pdfimages", "-list", pdfFile(t, pdf)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if imgs := strings.Count(string(out), "\n") - 2; imgs < len(cs.Photos)+1 {
		t.Errorf("%d images in the dossier, want the %d photos and the QR code", imgs, len(cs.Photos))
	}
	link := printedLink(t, pdf, text)
	if _, v := verifyLink(t, ts, link); v.Status != "current" || v.Title != "一户一档" {
		t.Fatalf("verification of a fresh dossier: %+v", v)
	}
	uploadCasePhoto(t, ts, s.officer, "dos-1", domain.PhotoVoucher)
	if _, v := verifyLink(t, ts, link); v.Status != "outdated" {
		t.Fatalf("verification after a new photo: %+v, want outdated", v)
	}

	// The zip: the PDF, every original photo, the signatures, the case and its chain.
	res, body := ts.do(t, "GET", "/api/cases/dos-1/dossier.zip", s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("dossier.zip: %v", err)
	}
	cs, _ = ts.App.DB.Cases.Get(context.Background(), "dos-1")
	files := map[string][]byte{}
	photos, sigs := 0, 0
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = b
		switch filepath.Dir(f.Name) {
		case "photos":
			photos++
		case "signatures":
			sigs++
		}
	}
	for _, name := range []string{"一户一档.pdf", "case.json", "audit-chain.json", "README.txt"} {
		if len(files[name]) == 0 {
			t.Errorf("dossier.zip lacks %s", name)
		}
	}
	if photos != len(cs.Photos) || sigs != 3 {
		t.Errorf("dossier.zip holds %d photos and %d signatures, want %d and 3", photos, sigs, len(cs.Photos))
	}
	if bytes.Contains(files["case.json"], []byte(validID(81))) {
		t.Error("case.json shows the full 身份证号")
	}
	var chain []chainEntry
	if err := json.Unmarshal(files["audit-chain.json"], &chain); err != nil || len(chain) != len(cs.History) {
		t.Fatalf("audit-chain.json: %d entries (%v), want %d", len(chain), err, len(cs.History))
	}
	// The chain verifies from the exported file alone, as the README says.
	var h []domain.HistoryEntry
	for _, e := range chain {
		at, err := time.Parse(time.RFC3339Nano, e.At)
		if err != nil {
			t.Fatal(err)
		}
		h = append(h, domain.HistoryEntry{Seq: e.Seq, Action: e.Action, ActorID: e.ActorID, ActorName: e.ActorName, ActorRole: e.ActorRole,
			ActorArea: e.ActorArea, At: at, FromStage: domain.Stage(e.FromStage), ToStage: domain.Stage(e.ToStage), Input: e.Input,
			PrevHash: e.PrevHash, Hash: e.Hash})
	}
	if ok, bad := domain.VerifyHistory(h); !ok {
		t.Fatalf("the exported chain breaks at entry %d", bad+1)
	}
	if !strings.Contains(string(files["README.txt"]), "SHA-256( prev_hash") {
		t.Error("README.txt does not say how to verify the chain")
	}

	// Bulk: every household of the village, a folder each.
	fileCase(t, ts, s.cadre, "dos-2", vilA, 82)
	res, body = ts.do(t, "GET", "/api/dossiers.zip?program_year=2024&area="+vilA, s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	zr, err = zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("dossiers.zip: %v", err)
	}
	folders := map[string]bool{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/一户一档.pdf") {
			folders[filepath.Dir(f.Name)] = true
		}
	}
	if len(folders) != 2 {
		t.Errorf("dossiers.zip has %d case folders, want 2: %v", len(folders), folders)
	}
	for _, tc := range []struct {
		name, token, path string
		status            int
	}{
		{"a whole county at once is refused", s.leader, "/api/dossiers.zip?program_year=2024&area=622923", 400},
		{"another village's cadre", ts.userToken(t, domain.RoleVillageCadre, vilB), "/api/dossiers.zip?program_year=2024&area=" + vilA, 403},
		{"outside the area", ts.userToken(t, domain.RoleVillageCadre, vilB), "/api/cases/dos-1/dossier.pdf", 404},
	} {
		res, body := ts.do(t, "GET", tc.path, tc.token, nil)
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d %.200s", tc.name, res.StatusCode, body)
		}
	}
}

// BenchmarkDossierPDFWith20Photos times GET /api/cases/{id}/dossier.pdf of
// a paid case holding 20 photos (the goal: ≤ 2 s each):
//
//	go test -run '^$' -bench DossierPDF -benchtime 5x ./server/app
func BenchmarkDossierPDFWith20Photos(b *testing.B) {
	ts := newTestServer(b)
	ts.SetNow(walkStart)
	s := newStaff(b, ts, vilA)
	s.viaHTTP = true
	fileCase(b, ts, s.cadre, "bench-dos", vilA, 91)
	walkTo(b, ts, s, "bench-dos", 91, domain.StagePaid)
	cs, _ := ts.App.DB.Cases.Get(context.Background(), "bench-dos")
	for i := len(cs.Photos); i < 20; i++ {
		uploadCasePhoto(b, ts, s.officer, "bench-dos", domain.PhotoProgress)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		getPDF(b, ts, s.officer, "/api/cases/bench-dos/dossier.pdf")
	}
}
