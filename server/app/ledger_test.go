package app

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yongjing/anju/documents"
	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// openLedger fetches a 台账 and opens it with excelize.
func openLedger(t *testing.T, ts *testServer, token, query string) *excelize.File {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/ledger.xlsx"+query, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("Content-Type %q", ct)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open the 台账: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// column is the 1-based column of head in the households sheet.
func column(t *testing.T, head string) int {
	t.Helper()
	i := slices.Index(documents.LedgerColumns(), head)
	if i < 0 {
		t.Fatalf("no column %s", head)
	}
	return i + 1
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

func TestLedgerHasARowPerHouseholdWithTypedCellsAndMaskedIDs(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "l-1", vilA, 61)
	walkTo(t, ts, s, "l-1", 61, domain.StagePaid)
	// A household whose name a spreadsheet would run as a formula.
	body := filing("l-2", vilA, 62)
	body["household"].(map[string]any)["head_name"] = "=1+1"
	body["house"].(map[string]any)["address"] = "@SUM(A1:A9)"
	res, b := ts.do(t, "POST", "/api/cases", s.cadre, body)
	mustStatus(t, res, b, http.StatusCreated)
	other := ts.userToken(t, domain.RoleVillageCadre, vilB)
	fileCase(t, ts, other, "l-3", vilB, 63)

	f := openLedger(t, ts, s.leader, "?program_year=2024")
	rows, err := f.GetRows(documents.LedgerSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows[0][0], "永靖县2024年农村危房改造及农房抗震改造台账") {
		t.Errorf("title %q", rows[0][0])
	}
	if !slices.Equal(rows[1], documents.LedgerColumns()) {
		t.Fatalf("columns %q\nwant %q", rows[1], documents.LedgerColumns())
	}
	if len(rows) != 2+3 {
		t.Fatalf("%d households in the 台账, want 3", len(rows)-2)
	}
	byName := map[string]int{}
	for r := 3; r <= len(rows); r++ {
		v, _ := f.GetCellValue(documents.LedgerSheet, cellName(column(t, "户主"), r))
		byName[v] = r
	}
	paid, formula := byName["马61"], byName["=1+1"]
	if paid == 0 || formula == 0 || byName["马63"] == 0 {
		t.Fatalf("households by name: %v", byName)
	}
	get := func(head string, row int) string {
		v, err := f.GetCellValue(documents.LedgerSheet, cellName(column(t, head), row))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	raw := func(head string, row int) string {
		v, err := f.GetCellValue(documents.LedgerSheet, cellName(column(t, head), row), excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	kind := func(head string, row int) excelize.CellType {
		k, err := f.GetCellType(documents.LedgerSheet, cellName(column(t, head), row))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	// Identifiers masked; the paid household's record in full.
	if got := get("身份证号", paid); got != domain.MaskID(validID(61)) {
		t.Errorf("身份证号 %q, want masked %q", got, domain.MaskID(validID(61)))
	}
	for head, want := range map[string]string{"档案编号": "永靖危改〔2024〕0001号", "当前阶段": domain.StagePaid.Label(), "农户类型": "低保户",
		"改造方式": "拆除重建", "鉴定等级": "D级", "家庭人口": "1", "审批日期": string(domain.DateOf(walkStart.AddDate(0, 0, 14)))} {
		if got := get(head, paid); got != want {
			t.Errorf("%s: %q, want %q", head, got, want)
		}
	}
	// Dates are dates, money numbers, text text.
	for _, head := range []string{"申请日期", "审批日期", "拨付日期"} {
		if k := kind(head, paid); k != excelize.CellTypeUnset && k != excelize.CellTypeNumber {
			t.Errorf("%s is of type %v, want a number (a date)", head, k)
		}
		if v := raw(head, paid); !regexpDigits(v) {
			t.Errorf("%s raw value %q, want an Excel date serial", head, v)
		}
	}
	if v := raw("已拨付(元)", paid); v != "30000" {
		t.Errorf("已拨付 raw %q, want 30000", v)
	}
	if k := kind("已拨付(元)", paid); k != excelize.CellTypeUnset && k != excelize.CellTypeNumber {
		t.Errorf("已拨付 is of type %v, want a number", k)
	}
	// The formula-looking name stays text.
	for _, head := range []string{"户主"} {
		cell := cellName(column(t, head), formula)
		if fm, _ := f.GetCellFormula(documents.LedgerSheet, cell); fm != "" {
			t.Errorf("%s %q became the formula %q", head, get(head, formula), fm)
		}
		if k := kind(head, formula); k != excelize.CellTypeInlineString && k != excelize.CellTypeSharedString {
			t.Errorf("%s is of type %v, want a string", head, k)
		}
		if get(head, formula) != "=1+1" {
			t.Errorf("%s = %q", head, get(head, formula))
		}
	}
	if get("档案编号", formula) != "" || get("审批日期", formula) != "" {
		t.Error("a household not approved has an archive number or approval date")
	}
	if fm, _ := f.GetCellFormula(documents.LedgerSheet, cellName(column(t, "档案链接"), paid)); !strings.Contains(fm, "/#/case/l-1") {
		t.Errorf("link formula %q", fm)
	}
	// No full identifier anywhere.
	for _, sheet := range f.GetSheetList() {
		all, _ := f.GetRows(sheet)
		for _, r := range all {
			for _, v := range r {
				for _, n := range []int{61, 62, 63} {
					if strings.Contains(v, validID(n)) {
						t.Fatalf("sheet %s shows a full 身份证号", sheet)
					}
				}
				if strings.Contains(v, "6228480123456789012") {
					t.Fatalf("sheet %s shows the account number", sheet)
				}
			}
		}
	}
	// 进度调度: a row per township, then the total.
	prog, err := f.GetRows(documents.ProgressSheet)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"区域", "任务户数", "已批准", "已开工", "已竣工", "已验收", "已拨付", "拨付金额(元)", "超期", "有风险"},
		{ts.App.areaName(t.Context(), domain.TownshipOf(vilA)), "2", "1", "1", "1", "1", "1", "30,000", "0", "0"},
		{ts.App.areaName(t.Context(), domain.TownshipOf(vilB)), "1", "0", "0", "0", "0", "0", "0", "0", "0"},
		{"合计", "3", "1", "1", "1", "1", "1", "30,000", "0", "0"},
	}
	if len(prog) != len(want)+1 {
		t.Fatalf("进度调度 rows %q", prog)
	}
	for i, w := range want {
		if !slices.Equal(prog[i+1], w) {
			t.Errorf("进度调度 row %d: %q, want %q", i+2, prog[i+1], w)
		}
	}

	// The list's filters apply; a township officer sees its township, by village.
	if rows, _ := openLedger(t, ts, s.leader, "?program_year=2024&stage=paid").GetRows(documents.LedgerSheet); len(rows) != 3 {
		t.Errorf("stage=paid: %d rows, want 1 household", len(rows)-2)
	}
	tf := openLedger(t, ts, s.officer, "")
	if rows, _ := tf.GetRows(documents.LedgerSheet); len(rows) != 4 {
		t.Errorf("the township officer's 台账 has %d households, want 2", len(rows)-2)
	}
	if prog, _ := tf.GetRows(documents.ProgressSheet); len(prog) != 4 || !strings.HasSuffix(prog[2][0], "测试村201") {
		t.Errorf("the township's 进度调度 is not by village: %q", prog)
	}
	for _, tc := range []struct {
		name, token, query string
		status             int
	}{
		{"the admin reads no households", s.admin, "", 403},
		{"a bad filter", s.leader, "?stage=nope", 400},
	} {
		res, body := ts.do(t, "GET", "/api/ledger.xlsx"+tc.query, tc.token, nil)
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
}

func regexpDigits(s string) bool {
	if s == "" {
		return false
	}
	return strings.Trim(s, "0123456789.") == ""
}

// TestLedgerSearchesAsTheListDoes: the 台账's q is planned, counted and
// recorded as the case list's: a whole 身份证号 from a role that may reveal
// finds the household and is recorded with it; from one that may not, it
// is searched by the last 4 digits and not recorded.
func TestLedgerSearchesAsTheListDoes(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	right := validID(64)
	fileCase(t, ts, s.cadre, "ls-1", vilA, 64)
	fileCase(t, ts, s.cadre, "ls-2", vilA, 65)

	households := func(token string) int {
		t.Helper()
		rows, err := openLedger(t, ts, token, "?program_year=2024&q="+right).GetRows(documents.LedgerSheet)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows) - 2
	}
	if n := households(s.cadre); n != 1 {
		t.Fatalf("cadre, whole number: %d households, want 1", n)
	}
	if n := households(s.leader); n != 1 {
		t.Fatalf("leader, whole number (by the last 4): %d households, want 1", n)
	}
	recs, err := ts.App.DB.IDSearches.List(context.Background(), mongodb.IDSearchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].ActorRole != domain.RoleVillageCadre || recs[0].IDHash != mongodb.IDNumberHash(right) ||
		!slices.Equal(recs[0].CaseIDs, []string{"ls-1"}) {
		t.Fatalf("recorded %+v, want the cadre's search with ls-1", recs)
	}
	res, body := ts.do(t, "GET", "/api/ledger.xlsx?q="+right[5:], s.cadre, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"q"`) {
		t.Fatalf("13 digits: %d %s", res.StatusCode, body)
	}
}
