package documents

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// AcceptanceForm is one 竣工验收合格表 (四(五)) as printed: one acceptance
// attempt of one case, with the names the caller resolved and the
// identifiers as this reader may see them.
type AcceptanceForm struct {
	Program     string // 永靖县2024年农村危房改造及农房抗震改造
	ProgramYear int
	ArchiveNo   string
	Attempt     int // 1-based acceptance attempt of the case

	HeadName      string
	IDNumber      string // as printed: masked unless revealed
	IDMasked      string // always masked: what the digest binds
	Phone         string
	HouseholdType string // label, e.g. 低保户
	Members       int    // 家庭人口, the head included
	Township      string
	Village       string
	Address       string
	Method        string // label: 拆除重建 or 维修加固

	ApprovedOn, StartedOn, FinishedOn, AcceptedOn string // YYYY-MM-DD
	BuilderName, BuilderCertNo                    string

	Checklist      []CheckItem
	MeasuredAreaM2 float64
	Storeys        int
	Passed         bool
	ItemsToFix     string
	SubsidyYuan    int64
	BlockReason    string // why nothing is payable (重建面积不足45平方米)

	Signatures []Signer
	FormSHA256 string // the hash the signatures bind to (domain.AcceptanceFormHash)
}

// CheckItem is one line of the acceptance checklist.
type CheckItem struct {
	Item   string // 上下圈梁 …
	Result string // 合格, 不合格 or 不涉及
}

// Signer is one signature on the form.
type Signer struct {
	Role   string // 户主, 住建局技术人员, 乡镇干部
	Name   string
	SHA256 string // of the PNG, as recorded at acceptance
	PNG    []byte // the image; nil prints an empty box
}

// Digest fingerprints what the form says (the masked identifier, never
// the printing): the same record prints the same digest, so a form whose
// case changed no longer matches.
func (f AcceptanceForm) Digest() string {
	g := f
	g.IDNumber = ""
	g.Signatures = nil
	sigs := make([][3]string, len(f.Signatures))
	for i, s := range f.Signatures {
		sigs[i] = [3]string{s.Role, s.Name, s.SHA256}
	}
	return digestOf("anju-acceptance-pdf/1", g, sigs)
}

func digestOf(parts ...any) string {
	b, err := json.Marshal(parts)
	if err != nil {
		panic(fmt.Sprintf("digest: %v", err)) // only plain data goes in
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// WriteAcceptance prints the form on one A4 page.
func WriteAcceptance(w io.Writer, f AcceptanceForm, pr Print) error {
	title := "竣工验收合格表"
	p := newPage(f.Program+title, pr.At)
	p.footer = printedLine(pr)
	p.AddPage()
	p.title(f.Program, title)
	p.font(10)
	p.CellFormat(contentW/2, 7, "档案编号："+f.ArchiveNo, "", 0, "L", false, 0, "")
	p.CellFormat(contentW/2, 7, fmt.Sprintf("第 %d 次验收", f.Attempt), "", 1, "R", false, 0, "")

	const lh = 5.5
	l, v := 28.0, contentW/2-28.0
	pair := func(k1, v1, k2, v2 string) {
		p.row(lh, cell{text: k1, w: l, fill: true}, cell{text: v1, w: v}, cell{text: k2, w: l, fill: true}, cell{text: v2, w: v})
	}
	wide := func(k, val string) {
		p.row(lh, cell{text: k, w: l, fill: true}, cell{text: val, w: contentW - l})
	}
	p.heading("一、农户基本情况")
	pair("户主姓名", f.HeadName, "身份证号", f.IDNumber)
	pair("联系电话", f.Phone, "农户类型", f.HouseholdType)
	pair("所在乡镇", f.Township, "所在村", f.Village)
	pair("家庭人口", fmt.Sprintf("%d 人", f.Members), "改造方式", f.Method)
	wide("房屋地址", f.Address)

	p.heading("二、改造实施情况")
	pair("审批日期", f.ApprovedOn, "开工日期", f.StartedOn)
	pair("竣工日期", f.FinishedOn, "验收日期", f.AcceptedOn)
	pair("施工方", f.BuilderName, "证书编号", f.BuilderCertNo)

	p.heading("三、验收内容")
	p.row(lh, cell{text: "序号", w: 16, align: "C", fill: true}, cell{text: "验收项目", w: contentW - 16 - 40, fill: true},
		cell{text: "验收结果", w: 40, align: "C", fill: true})
	for i, c := range f.Checklist {
		p.row(lh, cell{text: strconv.Itoa(i + 1), w: 16, align: "C"}, cell{text: c.Item, w: contentW - 16 - 40},
			cell{text: c.Result, w: 40, align: "C"})
	}
	pair("实测面积", strconv.FormatFloat(f.MeasuredAreaM2, 'f', -1, 64)+" 平方米", "层数", fmt.Sprintf("%d 层", f.Storeys))
	verdict := "合格"
	if !f.Passed {
		verdict = "不合格，需整改：" + f.ItemsToFix
	}
	wide("验收结论", verdict)
	due := Yuan(f.SubsidyYuan) + "（大写：" + YuanInWords(f.SubsidyYuan) + "）"
	if f.BlockReason != "" {
		due += "　暂停拨付：" + f.BlockReason
	}
	if !f.Passed {
		due = "验收合格后核定"
	}
	wide("应拨付补助", due)

	p.heading("四、签字确认")
	sw := contentW / 3
	var heads, names []cell
	for _, s := range f.Signatures {
		heads = append(heads, cell{text: s.Role, w: sw, align: "C", fill: true})
		names = append(names, cell{text: s.Name, w: sw, align: "C"})
	}
	if len(heads) > 0 {
		p.row(lh, heads...)
		y := p.GetY()
		for i, s := range f.Signatures {
			x := margin + float64(i)*sw
			p.Rect(x, y, sw, 22, "D")
			p.image(fmt.Sprintf("sig-%d", i), s.PNG, x+2, y+2, sw-4, 18)
		}
		p.SetXY(margin, y+22)
		p.row(lh, names...)
	} else {
		wide("签字", "（无）")
	}

	// The form's hash and the verification link, with its QR code.
	p.Ln(3)
	y := p.GetY()
	const qrSize = 30.0
	if pr.VerifyURL != "" {
		if err := p.qr(pr.VerifyURL, pageW-margin-qrSize, y, qrSize); err != nil {
			return err
		}
	}
	p.font(8)
	tw := contentW - qrSize - 4
	for _, s := range []string{
		"表单摘要(SHA-256)：",
		f.FormSHA256,
		"签字时系统对上述验收内容和三方签名计算摘要，任何改动都会使摘要不符。",
		"扫描右侧二维码或打开下方链接，可核验本表是否与系统档案一致：",
		pr.VerifyURL,
	} {
		for _, l := range p.lines(s, tw) {
			p.CellFormat(tw, 4.2, l, "", 1, "L", false, 0, "")
		}
	}
	p.SetY(max(p.GetY(), y+qrSize) + 2)
	return p.write(w)
}
