package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var printAt = time.Date(2024, 6, 1, 2, 30, 0, 0, time.UTC)

func sigPNG(seed int) []byte {
	img := image.NewGray(image.Rect(0, 0, 240, 80))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for x := 10; x < 230; x++ {
		for d := 0; d < 3; d++ {
			img.Set(x, 30+(x*seed/7)%30+d, color.Gray{Y: 0})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func sampleAcceptance() AcceptanceForm {
	return AcceptanceForm{
		Program: "永靖县2024年农村危房改造及农房抗震改造", ProgramYear: 2024, ArchiveNo: "永靖危改〔2024〕0001号", Attempt: 1,
		HeadName: "马福山", IDNumber: "622923********1234", IDMasked: "622923********1234", Phone: "13909301234",
		HouseholdType: "低保户", Members: 3, Township: "刘家峡镇", Village: "示例村一（演示）", Address: "三社12号", Method: "拆除重建",
		ApprovedOn: "2024-04-03", StartedOn: "2024-04-08", FinishedOn: "2024-05-20", AcceptedOn: "2024-05-28",
		BuilderName: "王师傅", BuilderCertNo: "GJ-0012",
		Checklist:      []CheckItem{{"上下圈梁", "合格"}, {"构造柱", "合格"}, {"拉结筋", "合格"}, {"基础", "合格"}, {"墙体", "合格"}, {"屋面", "不涉及"}},
		MeasuredAreaM2: 62.5, Storeys: 1, Passed: true, SubsidyYuan: 30000,
		Signatures: []Signer{{"户主", "马福山", "aa", sigPNG(1)}, {"住建局技术人员", "李工", "bb", sigPNG(2)}, {"乡镇干部", "张干部", "cc", sigPNG(3)}},
		FormSHA256: strings.Repeat("ab", 32),
	}
}

// pdfText is the PDF's text as pdftotext reads it (skips without poppler
// on a laptop; fails in CI).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is needed to read printed forms back")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	p := filepath.Join(t.TempDir(), "f.pdf")
	os.WriteFile(p, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	// pdftotext drops or adds spaces between Chinese characters: compare without them.
	return strings.NewReplacer(" ", "", "\u3000", "").Replace(string(out))
}

// keep writes a document into $ANJU_DOCS_OUT, when set, to look at
// (pdftoppm -png -r 70 file.pdf page).
func keep(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("ANJU_DOCS_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func pages(t *testing.T, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.pdf")
	os.WriteFile(p, pdf, 0o644)
	out, err := exec.Command("pdfinfo", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Pages:" {
			return f[1]
		}
	}
	return ""
}

func TestAcceptanceFormReadsBack(t *testing.T) {
	var b bytes.Buffer
	if err := WriteAcceptance(&b, sampleAcceptance(), Print{At: printAt, By: "李工", VerifyURL: "https://anju.example/v/abc"}); err != nil {
		t.Fatal(err)
	}
	keep(t, "acceptance.pdf", b.Bytes())
	text := pdfText(t, b.Bytes())
	for _, want := range []string{"竣工验收合格表", "永靖危改〔2024〕0001号", "马福山", "622923********1234", "上下圈梁", "62.5平方米",
		"30,000元", "叁万元整", "https://anju.example/v/abc", "第1页共1页"} {
		if !strings.Contains(text, want) {
			t.Errorf("form text lacks %q:\n%s", want, text)
		}
	}
	t.Logf("%d bytes", b.Len())
}

func TestYuanInWords(t *testing.T) {
	for v, want := range map[int64]string{0: "零元整", 30000: "叁万元整", 10000: "壹万元整", 10500: "壹万零伍佰元整", 45: "肆拾伍元整", 100001: "壹拾万零壹元整", 1005: "壹仟零伍元整"} {
		if got := YuanInWords(v); got != want {
			t.Errorf("YuanInWords(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestLongNoticeRepeatsItsHeadOnEveryPage(t *testing.T) {
	n := Notice{Program: "永靖县2024年农村危房改造及农房抗震改造", Basis: "《永靖县2024年农村危房改造及农房抗震改造实施方案》（永政办发〔2024〕19号）",
		ProgramYear: 2024, Level: "村级", Stage: "村民代表会议评议", Area: "刘家峡镇示例村一（演示）", Publisher: "示例村一（演示）村民委员会",
		Start: "2024-03-01", End: "2024-03-07", Days: 7,
		Phones: []Phone{{"县住房和城乡建设局监督电话", "0930-8812345"}, {"刘家峡镇人民政府", ""}}}
	for i := 0; i < 60; i++ {
		n.Rows = append(n.Rows, NoticeRow{HeadName: "马福山", Place: "三社12号", Members: 4, HouseholdType: "因病因灾因意外事故刚性支出较大或收入大幅缩减导致基本生活出现严重困难家庭",
			House: "生土承重，1976年建", Method: "拆除重建", PlannedYuan: 30000})
	}
	var b bytes.Buffer
	if err := WriteNotice(&b, n, Print{At: printAt, By: "村干部", VerifyURL: "https://anju.example/v/abcdefghijklmnopqrstuv"}); err != nil {
		t.Fatal(err)
	}
	keep(t, "notice.pdf", b.Bytes())
	text := pdfText(t, b.Bytes())
	np := pages(t, b.Bytes())
	if np == "1" || np == "" {
		t.Fatalf("60 households on %q pages", np)
	}
	if got := strings.Count(text, "拟补助金额(元)"); got != mustAtoi(t, np) {
		t.Errorf("the table head is printed %d times on %s pages", got, np)
	}
	for _, want := range []string{"1,800,000", "0930-8812345", "________________", "https://anju.example/v/abcdefghijklmnopqrstuv", "共" + np + "页"} {
		if !strings.Contains(text, want) {
			t.Errorf("notice lacks %q", want)
		}
	}
	if n.Digest() == (Notice{}).Digest() {
		t.Error("digest ignores the list")
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestLedgerReadsBackWithExcelize(t *testing.T) {
	var b bytes.Buffer
	l := NewLedger(&b, "台账 <&> 标题")
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"=1+1", "+86 139", "-2", "@SUM(A1)", "马\x01福山"} {
		if err := l.Add(LedgerRow{Township: "刘家峡镇", Village: "示例村", HeadName: name, IDNumber: "622923********1234",
			Members: 3, Dates: []time.Time{day}, PlannedYuan: 30000, Link: `https://x/#/case/a"b`}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Finish("进度", []ProgressRow{{Area: "刘家峡镇", Total: 5, PaidYuan: 30000}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("excelize cannot open the 台账: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != LedgerSheet || got[1] != ProgressSheet {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows(LedgerSheet)
	if len(rows) != 7 || rows[0][0] != "台账 <&> 标题" || rows[1][0] != "序号" {
		t.Fatalf("rows %q", rows[:2])
	}
	for i, want := range []string{"=1+1", "+86 139", "-2", "@SUM(A1)"} {
		cell := fmt.Sprintf("D%d", i+3)
		v, _ := f.GetCellValue(LedgerSheet, cell)
		fm, _ := f.GetCellFormula(LedgerSheet, cell)
		if v != want || fm != "" {
			t.Errorf("%s = %q formula %q, want the text %q", cell, v, fm, want)
		}
	}
	if v, _ := f.GetCellValue(LedgerSheet, "N3"); v != "2024-03-01" {
		t.Errorf("date shows %q", v)
	}
	if v, _ := f.GetCellValue(LedgerSheet, "N3", excelize.Options{RawCellValue: true}); v != "45352" {
		t.Errorf("date serial %q, want 45352", v)
	}
	if fm, _ := f.GetCellFormula(LedgerSheet, colName(len(LedgerColumns()))+"3"); fm != `HYPERLINK("https://x/#/case/a""b","查看档案")` {
		t.Errorf("link formula %q", fm)
	}
	prog, _ := f.GetRows(ProgressSheet)
	if len(prog) != 4 || prog[3][0] != "合计" || prog[3][7] != "30,000" {
		t.Errorf("进度调度 %q", prog)
	}
}

func TestColName(t *testing.T) {
	for n, want := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA"} {
		if got := colName(n); got != want {
			t.Errorf("colName(%d) = %s, want %s", n, got, want)
		}
	}
}
