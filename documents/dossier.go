package documents

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"
)

// Dossier is one household's 一户一档 (四(六)) as printed: a cover, the file
// in the plan's order with the photos of each step, the history, and
// whether the audit chain holds.
type Dossier struct {
	Program     string
	ProgramYear int
	ArchiveNo   string // "" before approval
	HeadName    string
	Village     string
	Township    string
	Stage       string
	Sections    []DossierSection
	History     []HistoryLine
	ChainOK     bool
	ChainBadAt  int    // 1-based entry where the chain breaks, when not ChainOK
	ChainHead   string // hash of the last entry
}

// DossierSection is one part of the file: its records and photos.
type DossierSection struct {
	Title  string
	Rows   [][2]string // label, value
	Photos []DossierPhoto
}

// DossierPhoto is a photo of the file, reduced.
type DossierPhoto struct {
	Caption string // kind, time, place, uploader
	JPEG    []byte // the thumbnail; nil prints the caption alone
}

// HistoryLine is one entry of the history.
type HistoryLine struct {
	Seq                       int
	At, Action, Actor, Stages string
}

// WriteDossier prints the dossier: a cover, then the sections.
func WriteDossier(w io.Writer, d Dossier, pr Print) error {
	p := newPage(d.Program+"一户一档", pr.At)
	no := d.ArchiveNo
	if no == "" {
		no = "（审批后编号）"
	}
	p.footer = "档案编号：" + no + "　" + printedLine(pr)
	// Cover.
	p.AddPage()
	p.Ln(30)
	p.font(16)
	p.CellFormat(contentW, 10, d.Program, "", 1, "C", false, 0, "")
	p.font(32)
	p.CellFormat(contentW, 20, "一户一档", "", 1, "C", false, 0, "")
	p.Ln(14)
	p.font(13)
	for _, kv := range [][2]string{{"档案编号", no}, {"农户姓名", d.HeadName}, {"所在村", d.Village}, {"所在乡镇", d.Township},
		{"年　　度", fmt.Sprint(d.ProgramYear)}, {"当前阶段", d.Stage}} {
		p.SetX(margin + 30)
		p.row(8, cell{text: kv[0], w: 35, fill: true, align: "C"}, cell{text: kv[1], w: contentW - 60})
	}
	p.Ln(10)
	if pr.VerifyURL != "" {
		y := p.GetY()
		if err := p.qr(pr.VerifyURL, pageW/2-15, y, 30); err != nil {
			return err
		}
		p.SetY(y + 32)
		p.font(8)
		p.CellFormat(contentW, 4, "扫码核验本档案是否与系统记录一致：", "", 1, "C", false, 0, "")
		p.CellFormat(contentW, 4, pr.VerifyURL, "", 1, "C", false, 0, "")
	}
	// The file.
	p.AddPage()
	p.font(10)
	const lh = 5.5
	for _, s := range d.Sections {
		p.heading(s.Title)
		if len(s.Rows) == 0 && len(s.Photos) == 0 {
			p.row(lh, cell{text: "（尚无记录）", w: contentW})
		}
		for _, kv := range s.Rows {
			p.row(lh, cell{text: kv[0], w: 34, fill: true}, cell{text: kv[1], w: contentW - 34})
		}
		p.photos(s.Photos)
	}
	p.heading("办理记录（审计链）")
	p.font(8)
	p.row(4.2, cell{text: "序号", w: 10, align: "C", fill: true}, cell{text: "时间", w: 30, fill: true},
		cell{text: "事项", w: 30, fill: true}, cell{text: "办理人", w: 50, fill: true}, cell{text: "阶段", w: contentW - 120, fill: true})
	for _, h := range d.History {
		p.row(4.2, cell{text: fmt.Sprint(h.Seq), w: 10, align: "C"}, cell{text: h.At, w: 30}, cell{text: h.Action, w: 30},
			cell{text: h.Actor, w: 50}, cell{text: h.Stages, w: contentW - 120})
	}
	p.font(9)
	p.Ln(2)
	verdict := fmt.Sprintf("审计链核验：通过（共 %d 条，末条摘要 %s）", len(d.History), d.ChainHead)
	if !d.ChainOK {
		verdict = fmt.Sprintf("审计链核验：不通过！第 %d 条记录与其摘要不符，档案可能被改动，请报告管理员。", d.ChainBadAt)
	}
	for _, l := range p.lines(verdict, contentW) {
		p.CellFormat(contentW, 5, l, "", 1, "L", false, 0, "")
	}
	return p.write(w)
}

// photos lays out reduced photos three to a row, each with its caption.
func (p *page) photos(ps []DossierPhoto) {
	if len(ps) == 0 {
		return
	}
	const gap = 3.0
	w := (contentW - 2*gap) / 3
	imgH := w * 0.75
	capH := 11.0
	for i := 0; i < len(ps); i += 3 {
		if p.GetY()+imgH+capH+2 > pageH-margin-8 {
			p.AddPage()
		}
		y := p.GetY() + 1
		for k := 0; k < 3 && i+k < len(ps); k++ {
			ph := ps[i+k]
			x := margin + float64(k)*(w+gap)
			p.SetDrawColor(180, 180, 180)
			p.Rect(x, y, w, imgH, "D")
			p.SetDrawColor(0, 0, 0)
			if len(ph.JPEG) > 0 {
				name := fmt.Sprintf("photo-%d-%d", p.PageNo(), i+k)
				info := p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(ph.JPEG))
				if p.Err() || info == nil {
					p.ClearError()
				} else if iw, ih := info.Width(), info.Height(); iw > 0 && ih > 0 {
					s := min(w/iw, imgH/ih)
					p.ImageOptions(name, x+(w-iw*s)/2, y+(imgH-ih*s)/2, iw*s, ih*s, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
				}
			}
			p.font(7)
			for n, l := range p.lines(ph.Caption, w) {
				if n == 3 {
					break
				}
				p.SetXY(x, y+imgH+0.5+float64(n)*3.4)
				p.CellFormat(w, 3.4, l, "", 0, "L", false, 0, "")
			}
		}
		p.font(10)
		p.SetXY(margin, y+imgH+capH+1)
	}
}
