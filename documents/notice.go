package documents

import (
	"fmt"
	"io"
	"strconv"
)

// Notice is one 公示名单 as posted on a notice board: the households whose
// 公示 at one level starts on one day in one area. It names no 身份证号: a
// public notice needs none.
type Notice struct {
	Program     string // 永靖县2024年农村危房改造及农房抗震改造
	Basis       string // the plan, quoted: 《…实施方案》（永政办发〔2024〕19号）
	ProgramYear int
	Level       string // 村级 or 乡镇
	Stage       string // what was done before it: 村民代表会议评议 or 乡镇初审
	Area        string // 川城镇示例村一, or the township
	Publisher   string // who posts it: 示例村一村民委员会, 川城镇人民政府
	Start, End  string // the 公示期, both days included (YYYY-MM-DD)
	Days        int
	Phones      []Phone // where to object
	Rows        []NoticeRow
}

// Phone is a number people may call to object.
type Phone struct {
	Who    string // 县住建局监督电话
	Number string // "" prints a blank to fill in by hand
}

// NoticeRow is one household on the list.
type NoticeRow struct {
	HeadName      string
	Place         string // 村组: village and group or address
	Members       int
	HouseholdType string
	House         string // 房屋现状: structure, built year, appraisal grade
	Method        string
	PlannedYuan   int64
}

// Digest fingerprints the list (never its printing): when a household
// leaves it or its figures change, a printed copy no longer matches.
func (n Notice) Digest() string { return digestOf("anju-notice-pdf/1", n) }

// WriteNotice prints the list, as many A4 pages as it needs, the table's
// head repeated on each.
func WriteNotice(w io.Writer, n Notice, pr Print) error {
	title := n.Level + "公示名单"
	p := newPage(n.Program+title, pr.At)
	p.footer = printedLine(pr)
	p.AddPage()
	p.title(n.Program, title)
	p.font(10)
	intro := fmt.Sprintf("根据%s，经农户申请、%s，现将%s拟纳入%d年农村危房改造及农房抗震改造的农户名单公示如下（共 %d 户）：",
		n.Basis, n.Stage, n.Area, n.ProgramYear, len(n.Rows))
	for _, l := range p.lines(intro, contentW) {
		p.CellFormat(contentW, 6, l, "", 1, "L", false, 0, "")
	}
	p.Ln(2)
	cols := []struct {
		head  string
		w     float64
		align string
	}{
		{"序号", 10, "C"}, {"户主姓名", 20, "C"}, {"村组", 32, "L"}, {"家庭人口", 16, "C"},
		{"农户类型", 28, "L"}, {"房屋现状", 32, "L"}, {"改造方式", 18, "C"}, {"拟补助金额(元)", 24, "R"},
	}
	head := func() {
		var cs []cell
		for _, c := range cols {
			cs = append(cs, cell{text: c.head, w: c.w, align: "C", fill: true})
		}
		p.font(9)
		p.row(4.5, cs...)
	}
	head()
	p.onNewPage = head
	var total int64
	for i, r := range n.Rows {
		total += r.PlannedYuan
		vals := []string{strconv.Itoa(i + 1), r.HeadName, r.Place, strconv.Itoa(r.Members), r.HouseholdType, r.House, r.Method,
			Yuan(r.PlannedYuan)[:len(Yuan(r.PlannedYuan))-len(" 元")]}
		var cs []cell
		for k, c := range cols {
			cs = append(cs, cell{text: vals[k], w: c.w, align: c.align})
		}
		p.row(4.5, cs...)
	}
	if len(n.Rows) == 0 {
		p.row(4.5, cell{text: "（本期无公示农户）", w: contentW, align: "C"})
	}
	p.row(4.5, cell{text: "合计", w: contentW - 24, align: "R", fill: true},
		cell{text: Yuan(total)[:len(Yuan(total))-len(" 元")], w: 24, align: "R"})
	p.onNewPage = nil

	p.Ln(3)
	p.font(10)
	text := []string{
		fmt.Sprintf("公示期：%s 至 %s（%d 天）。", n.Start, n.End, n.Days),
		"公示期间，对名单中的农户有异议的，请以书面或电话形式向" + n.Publisher + "反映，也可拨打以下电话：",
	}
	for _, ph := range n.Phones {
		num := ph.Number
		if num == "" {
			num = "________________"
		}
		text = append(text, "　　"+ph.Who+"："+num)
	}
	text = append(text, "反映情况应实事求是，我们将依法保护反映人的个人信息。")
	for _, s := range text {
		for _, l := range p.lines(s, contentW) {
			p.CellFormat(contentW, 6, l, "", 1, "L", false, 0, "")
		}
	}
	// Publisher and date on the right, then the QR code and its link.
	p.Ln(4)
	if p.GetY()+50 > pageH-margin-8 {
		p.AddPage()
	}
	p.font(11)
	p.CellFormat(contentW, 7, n.Publisher+"（盖章）", "", 1, "R", false, 0, "")
	p.CellFormat(contentW, 7, chineseDate(n.Start), "", 1, "R", false, 0, "")
	p.Ln(2)
	y := p.GetY()
	const qrSize = 26.0
	if pr.VerifyURL != "" {
		if err := p.qr(pr.VerifyURL, margin, y, qrSize); err != nil {
			return err
		}
	}
	p.font(8)
	tw := contentW - qrSize - 4
	p.SetXY(margin+qrSize+4, y+6)
	p.CellFormat(tw, 5, "扫码或打开下面的链接，核验本名单是否与系统记录一致：", "", 1, "L", false, 0, "")
	p.SetX(margin + qrSize + 4)
	p.CellFormat(tw, 5, pr.VerifyURL, "", 1, "L", false, 0, "")
	p.SetY(max(p.GetY(), y+qrSize) + 2)
	return p.write(w)
}

// chineseDate writes 2024-03-01 as 2024年3月1日.
func chineseDate(d string) string {
	var y, m, day int
	if _, err := fmt.Sscanf(d, "%d-%d-%d", &y, &m, &day); err != nil {
		return d
	}
	return fmt.Sprintf("%d年%d月%d日", y, m, day)
}
