package documents

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// LedgerSteps are the dates of the lifecycle a ledger row carries, in
// order, with their column heads.
var LedgerSteps = []string{"申请日期", "村委评议日期", "村级公示开始", "乡镇初审日期", "乡镇公示开始", "类型认定日期",
	"鉴定日期", "审批日期", "开工日期", "自验日期", "验收日期", "拨付日期", "归档日期"}

// LedgerRow is one household of the 台账, with identifiers as the reader
// may see them (masked).
type LedgerRow struct {
	Township, Village string
	HeadName          string
	IDNumber          string // masked
	HouseholdType     string
	Members           int
	Structure         string
	BuiltYear         int
	Grade             string
	Bases             string // 认定依据, joined
	Method            string
	ArchiveNo         string
	Dates             []time.Time // one per LedgerSteps; zero: not yet
	Stage             string
	PlannedYuan       int64
	PaidYuan          int64
	Warnings          string
	Link              string // the case in the field app
}

// ProgressRow is one area's line of the 进度调度 sheet.
type ProgressRow struct {
	Area                                               string
	Total, Approved, Started, Finished, Accepted, Paid int
	PaidYuan                                           int64
	Overdue, AtRisk                                    int
}

// ledgerColumns are the households sheet's column heads.
func ledgerColumns() []string {
	cols := []string{"序号", "乡镇", "村", "户主", "身份证号", "农户类型", "家庭人口", "房屋结构", "建成年份", "鉴定等级", "认定依据", "改造方式", "档案编号"}
	cols = append(cols, LedgerSteps...)
	return append(cols, "当前阶段", "计划补助(元)", "已拨付(元)", "警示", "档案链接")
}

// LedgerColumns lists the households sheet's column heads (row 2).
func LedgerColumns() []string { return ledgerColumns() }

// Sheet names of the 台账.
const (
	LedgerSheet   = "农户台账"
	ProgressSheet = "进度调度"
)

// Ledger writes the 台账 row by row straight into its writer: nothing of a
// row is kept once written, so memory stays flat however many households
// it holds.
type Ledger struct {
	x *xlsx
	n int
}

// NewLedger starts a 台账 titled title (row 1 of the households sheet) on w.
func NewLedger(w io.Writer, title string) *Ledger {
	l := &Ledger{x: newXLSX(w)}
	widths := make([]float64, len(ledgerColumns()))
	for i := range widths {
		widths[i] = 12
	}
	for col, w := range map[int]float64{1: 6, 2: 12, 3: 22, 4: 10, 5: 21, 6: 16, 11: 22, 13: 24,
		14 + len(LedgerSteps): 16, 17 + len(LedgerSteps): 30, 18 + len(LedgerSteps): 12} {
		widths[col-1] = w
	}
	l.x.sheet(LedgerSheet, widths, 2)
	l.x.add(24, xcell{kind: 's', s: title, style: styleTitle})
	var heads []xcell
	for _, h := range ledgerColumns() {
		heads = append(heads, head(h))
	}
	l.x.add(30, heads...)
	return l
}

// Add appends one household. Text goes in as text (inline strings in the
// text format), so a value such as "=1+1" or "+86…" stays what was typed,
// never a formula.
func (l *Ledger) Add(r LedgerRow) error {
	l.n++
	cells := []xcell{num(int64(l.n)), text(r.Township), text(r.Village), text(r.HeadName), text(r.IDNumber), text(r.HouseholdType),
		num(int64(r.Members)), text(r.Structure)}
	if r.BuiltYear > 0 {
		cells = append(cells, num(int64(r.BuiltYear)))
	} else {
		cells = append(cells, xcell{})
	}
	cells = append(cells, text(r.Grade), text(r.Bases), text(r.Method), text(r.ArchiveNo))
	for i := range LedgerSteps {
		if i < len(r.Dates) {
			cells = append(cells, date(r.Dates[i]))
		} else {
			cells = append(cells, xcell{})
		}
	}
	cells = append(cells, text(r.Stage), money(r.PlannedYuan), money(r.PaidYuan), text(r.Warnings))
	if r.Link != "" {
		cells = append(cells, formula(fmt.Sprintf(`HYPERLINK("%s","查看档案")`, escapeFormulaText(r.Link)), "查看档案"))
	}
	l.x.add(0, cells...)
	if l.x.err != nil {
		return fmt.Errorf("ledger row %d: %w", l.n, l.x.err)
	}
	return nil
}

// escapeFormulaText doubles the quotes of a string put inside a formula.
func escapeFormulaText(s string) string { return strings.ReplaceAll(s, `"`, `""`) }

// Rows is how many households were added.
func (l *Ledger) Rows() int { return l.n }

// Finish adds the 进度调度 sheet (one row per area, then the total) and
// ends the workbook.
func (l *Ledger) Finish(progressTitle string, progress []ProgressRow) error {
	x := l.x
	x.endSheet()
	x.sheet(ProgressSheet, []float64{24, 11, 11, 11, 11, 11, 11, 14, 11, 11}, 2)
	x.add(24, xcell{kind: 's', s: progressTitle, style: styleTitle})
	var heads []xcell
	for _, h := range []string{"区域", "任务户数", "已批准", "已开工", "已竣工", "已验收", "已拨付", "拨付金额(元)", "超期", "有风险"} {
		heads = append(heads, head(h))
	}
	x.add(22, heads...)
	total := ProgressRow{Area: "合计"}
	line := func(p ProgressRow) {
		x.add(0, text(p.Area), num(int64(p.Total)), num(int64(p.Approved)), num(int64(p.Started)), num(int64(p.Finished)),
			num(int64(p.Accepted)), num(int64(p.Paid)), money(p.PaidYuan), num(int64(p.Overdue)), num(int64(p.AtRisk)))
	}
	for _, p := range progress {
		line(p)
		total.Total += p.Total
		total.Approved += p.Approved
		total.Started += p.Started
		total.Finished += p.Finished
		total.Accepted += p.Accepted
		total.Paid += p.Paid
		total.PaidYuan += p.PaidYuan
		total.Overdue += p.Overdue
		total.AtRisk += p.AtRisk
	}
	line(total)
	x.endSheet()
	return x.close(progressTitle)
}
