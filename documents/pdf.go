// Package documents makes the papers of the program from data the caller
// has already read, checked and masked: the printed forms (竣工验收合格表,
// 公示名单) as PDF. It knows layout, not rules: what a form says comes in
// its struct, so the same struct gives the same paper and the same digest.
package documents

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// fontTTF is WenQuanYi Micro Hei (fonts/README.md): Chinese, Latin and
// digits in one TrueType face, so a machine without fonts prints forms.
//
//go:embed fonts/wqy-microhei.ttf
var fontTTF []byte

const (
	pageW, pageH = 210.0, 297.0 // A4 portrait, mm
	margin       = 15.0
	contentW     = pageW - 2*margin
	fontName     = "wqy"
)

// Print is what every printed form says about its printing: who printed
// it when, and the link (in the QR code) that tells whether it still
// matches the record.
type Print struct {
	At        time.Time // printed at (shown in Asia/Shanghai time)
	By        string    // the name of the person who printed it
	VerifyURL string    // the verification link, e.g. https://host/v/<token>
}

// page is a PDF being written.
type page struct {
	*fpdf.Fpdf
	footer    string
	onNewPage func() // runs after row breaks to a new page (a table repeats its head)
}

func newPage(title string, at time.Time) *page {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin+8)
	f.AddUTF8FontFromBytes(fontName, "", fontTTF)
	f.SetTitle(title, true)
	f.SetSubject(title, true)
	f.SetCreator("安居 Anju", true)
	f.SetProducer("安居 Anju", true)
	f.SetCreationDate(at)
	f.SetModificationDate(at)
	f.SetCompression(true)
	f.AliasNbPages("{nb}")
	p := &page{Fpdf: f}
	f.SetFooterFunc(func() {
		f.SetY(pageH - margin - 4)
		p.font(8)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(contentW*0.75, 4, p.footer, "", 0, "L", false, 0, "")
		f.CellFormat(contentW*0.25, 4, fmt.Sprintf("第 %d 页 共 {nb} 页", f.PageNo()), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	return p
}

func (p *page) font(size float64) { p.SetFont(fontName, "", size) }

// lines breaks s into lines no wider than w mm at the current font (by
// character, as Chinese is written; explicit newlines kept).
func (p *page) lines(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, r := range para {
			if line != "" && p.GetStringWidth(line+string(r)) > w-2 {
				out = append(out, line)
				line = ""
			}
			line += string(r)
		}
		out = append(out, line)
	}
	return out
}

// cell is one cell of a table row: its text, width, and alignment.
type cell struct {
	text  string
	w     float64
	align string // "L", "C" or "R"; "" is L
	fill  bool   // a label cell, shaded
}

// row draws cells as one bordered row, as tall as its tallest wrapped
// cell, starting a new page first when it would not fit.
func (p *page) row(lineH float64, cells ...cell) {
	n := 1
	wrapped := make([][]string, len(cells))
	for i, c := range cells {
		wrapped[i] = p.lines(c.text, c.w)
		n = max(n, len(wrapped[i]))
	}
	h := float64(n)*lineH + 2
	if p.GetY()+h > pageH-margin-8 {
		p.AddPage()
		if p.onNewPage != nil {
			p.onNewPage()
		}
	}
	x, y := p.GetX(), p.GetY()
	for i, c := range cells {
		if c.fill {
			p.SetFillColor(238, 238, 238)
			p.Rect(x, y, c.w, h, "FD")
		} else {
			p.Rect(x, y, c.w, h, "D")
		}
		align := c.align
		if align == "" {
			align = "L"
		}
		ty := y + (h-float64(len(wrapped[i]))*lineH)/2
		for k, l := range wrapped[i] {
			p.SetXY(x, ty+float64(k)*lineH)
			p.CellFormat(c.w, lineH, l, "", 0, align, false, 0, "")
		}
		x += c.w
	}
	p.SetXY(margin, y+h)
}

// heading writes a section heading.
func (p *page) heading(s string) {
	p.Ln(2)
	p.font(11)
	p.CellFormat(contentW, 7, s, "", 1, "L", false, 0, "")
	p.font(10)
}

// title writes the form's two-line title, centred.
func (p *page) title(first, second string) {
	p.font(14)
	p.CellFormat(contentW, 8, first, "", 1, "C", false, 0, "")
	p.font(18)
	p.CellFormat(contentW, 10, second, "", 1, "C", false, 0, "")
	p.font(10)
}

// qr places a QR code of url, size mm wide, at x, y.
func (p *page) qr(url string, x, y, size float64) error {
	png, err := QRCode(url)
	if err != nil {
		return err
	}
	name := "qr-" + url
	p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	p.ImageOptions(name, x, y, size, size, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	return nil
}

// QRCode is the PNG of the QR code printed for url (medium error
// correction, 256 px): tests regenerate it to compare with what a PDF holds.
func QRCode(url string) ([]byte, error) {
	b, err := qrcode.Encode(url, qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	return b, nil
}

// image places a PNG (a signature) fitted into w × h mm at x, y, keeping
// its proportions; an unreadable image leaves the box empty.
func (p *page) image(name string, png []byte, x, y, w, h float64) {
	if len(png) == 0 {
		return
	}
	info := p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	if p.Err() || info == nil {
		p.ClearError()
		return
	}
	iw, ih := info.Width(), info.Height()
	if iw <= 0 || ih <= 0 {
		return
	}
	s := min(w/iw, h/ih)
	dw, dh := iw*s, ih*s
	p.ImageOptions(name, x+(w-dw)/2, y+(h-dh)/2, dw, dh, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
}

// write finishes the document into w.
func (p *page) write(w io.Writer) error {
	if err := p.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// shanghai is the time zone dates and times are printed in.
var shanghai = time.FixedZone("CST", 8*3600)

// printedLine is the line at the bottom of a printed form.
func printedLine(pr Print) string {
	s := "打印时间：" + pr.At.In(shanghai).Format("2006-01-02 15:04")
	if pr.By != "" {
		s += "　打印人：" + pr.By
	}
	return s
}

// Yuan writes an amount of yuan as people read money: 30,000 元.
func Yuan(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := fmt.Sprint(v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s + " 元"
}

// YuanInWords writes whole yuan in the capital numerals of financial
// papers (大写金额): 30000 → 叁万元整, 10500 → 壹万零伍佰元整.
func YuanInWords(v int64) string {
	if v == 0 {
		return "零元整"
	}
	if v < 0 || v >= 1_0000_0000_0000 {
		return ""
	}
	digits := []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	units := []string{"", "拾", "佰", "仟"}
	groups := []string{"", "万", "亿"}
	var out string
	zero := false
	for g := 2; g >= 0; g-- {
		part := v / pow10(4*g) % 10000
		if part == 0 {
			if out != "" {
				zero = true
			}
			continue
		}
		if out != "" && part < 1000 {
			zero = true
		}
		for u := 3; u >= 0; u-- {
			d := part / pow10(u) % 10
			if d == 0 {
				if out != "" {
					zero = true
				}
				continue
			}
			if zero {
				out += "零"
				zero = false
			}
			out += digits[d] + units[u]
		}
		out += groups[g]
	}
	return out + "元整"
}

func pow10(n int) int64 {
	r := int64(1)
	for ; n > 0; n-- {
		r *= 10
	}
	return r
}
