package documents

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// xlsx writes an Office Open XML workbook straight into a zip stream,
// sheet after sheet, row after row: nothing of a sheet is kept once its
// row is written, so a 台账 of any length takes the same memory. (A general
// library buffers 16 MB of each sheet before it spills to a temporary
// file.) It writes only what the 台账 needs: inline strings, numbers,
// dates, one formula kind, five styles, column widths and frozen heads.
type xlsx struct {
	zw     *zip.Writer
	bw     *bufio.Writer
	sheets []string
	row    int
	err    error
}

// Cell styles of styles.xml, by index.
const (
	styleNone = iota
	styleText
	styleDate
	styleMoney
	styleHead
	styleTitle
)

// xcell is one cell to write.
type xcell struct {
	kind  byte // 's' text, 'n' number, 'd' date, 'f' formula with its text value, 0 empty
	s     string
	n     int64
	t     time.Time
	style int
}

func text(s string) xcell { return xcell{kind: 's', s: s, style: styleText} }
func head(s string) xcell { return xcell{kind: 's', s: s, style: styleHead} }
func num(n int64) xcell   { return xcell{kind: 'n', n: n} }
func money(n int64) xcell { return xcell{kind: 'n', n: n, style: styleMoney} }

// formula is a cell computed by f, showing shown until recalculated.
func formula(f, shown string) xcell { return xcell{kind: 'f', s: f + "\x00" + shown} }

func date(t time.Time) xcell {
	if t.IsZero() {
		return xcell{}
	}
	return xcell{kind: 'd', t: t, style: styleDate}
}

func newXLSX(w io.Writer) *xlsx {
	zw := zip.NewWriter(w)
	return &xlsx{zw: zw}
}

func (x *xlsx) put(s string) {
	if x.err == nil {
		_, x.err = x.bw.WriteString(s)
	}
}

func (x *xlsx) esc(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.bw, []byte(s))
	}
}

// entry starts a file of the zip, written through x.bw.
func (x *xlsx) entry(name string) {
	if x.err != nil {
		return
	}
	if x.bw != nil {
		x.err = x.bw.Flush()
	}
	var w io.Writer
	if x.err == nil {
		w, x.err = x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	if x.err == nil {
		x.bw = bufio.NewWriterSize(w, 64<<10)
	}
}

// sheet starts the next worksheet: column widths, and the first frozen
// rows (0: none).
func (x *xlsx) sheet(name string, widths []float64, frozen int) {
	x.sheets = append(x.sheets, name)
	x.row = 0
	x.entry(fmt.Sprintf("xl/worksheets/sheet%d.xml", len(x.sheets)))
	x.put(xml.Header + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	if frozen > 0 {
		x.put(fmt.Sprintf(`<sheetViews><sheetView workbookViewId="0"%s><pane ySplit="%d" topLeftCell="A%d" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`,
			map[bool]string{true: ` tabSelected="1"`, false: ""}[len(x.sheets) == 1], frozen, frozen+1))
	}
	if len(widths) > 0 {
		x.put("<cols>")
		for i, w := range widths {
			x.put(fmt.Sprintf(`<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(w, 'f', -1, 64)))
		}
		x.put("</cols>")
	}
	x.put("<sheetData>")
}

// excelEpoch is day 0 of Excel's date serials (1900 system, after its leap-year bug).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// add writes the next row; height 0 keeps the default.
func (x *xlsx) add(height float64, cells ...xcell) {
	x.row++
	if height > 0 {
		x.put(fmt.Sprintf(`<row r="%d" ht="%s" customHeight="1">`, x.row, strconv.FormatFloat(height, 'f', -1, 64)))
	} else {
		x.put(`<row r="` + strconv.Itoa(x.row) + `">`)
	}
	for i, c := range cells {
		if c.kind == 0 {
			continue
		}
		ref := colName(i+1) + strconv.Itoa(x.row)
		style := ""
		if c.style != styleNone {
			style = ` s="` + strconv.Itoa(c.style) + `"`
		}
		switch c.kind {
		case 's':
			x.put(`<c r="` + ref + `"` + style + ` t="inlineStr"><is><t xml:space="preserve">`)
			x.esc(c.s)
			x.put(`</t></is></c>`)
		case 'n':
			x.put(`<c r="` + ref + `"` + style + `><v>` + strconv.FormatInt(c.n, 10) + `</v></c>`)
		case 'd':
			days := int64(c.t.Sub(excelEpoch).Hours() / 24)
			x.put(`<c r="` + ref + `"` + style + `><v>` + strconv.FormatInt(days, 10) + `</v></c>`)
		case 'f':
			f, shown, _ := cut(c.s)
			x.put(`<c r="` + ref + `"` + style + ` t="str"><f>`)
			x.esc(f)
			x.put(`</f><v>`)
			x.esc(shown)
			x.put(`</v></c>`)
		}
	}
	x.put("</row>")
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// endSheet closes the worksheet.
func (x *xlsx) endSheet() {
	x.put(`</sheetData><pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
}

// colName is the letters of column n (1-based): 1 A, 27 AA.
func colName(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('A'+n%26)) + s
		n /= 26
	}
	return s
}

// close writes the workbook's parts and ends the zip.
func (x *xlsx) close(title string) error {
	x.entry("xl/styles.xml")
	x.put(xml.Header + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="#,##0"/></numFmts>` +
		`<fonts count="3"><font><sz val="11"/><name val="等线"/><family val="2"/></font><font><b/><sz val="11"/><name val="等线"/><family val="2"/></font>` +
		`<font><b/><sz val="14"/><name val="等线"/><family val="2"/></font></fonts>` +
		`<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
		`<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>` +
		`<xf numFmtId="49" fontId="2" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`)
	x.entry("xl/workbook.xml")
	x.put(xml.Header + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i, name := range x.sheets {
		x.put(fmt.Sprintf(`<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlAttr(name), i+1, i+1))
	}
	x.put(`</sheets><calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>`)
	x.entry("xl/_rels/workbook.xml.rels")
	x.put(xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := range x.sheets {
		x.put(fmt.Sprintf(`<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1))
	}
	x.put(fmt.Sprintf(`<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`, len(x.sheets)+1))
	x.entry("docProps/core.xml")
	x.put(xml.Header + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` +
		xmlAttr(title) + `</dc:title><dc:creator>安居 Anju</dc:creator></cp:coreProperties>`)
	x.entry("_rels/.rels")
	x.put(xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`)
	x.entry("[Content_Types].xml")
	x.put(xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>`)
	for i := range x.sheets {
		x.put(fmt.Sprintf(`<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1))
	}
	x.put(`</Types>`)
	if x.err == nil {
		x.err = x.bw.Flush()
	}
	if x.err == nil {
		x.err = x.zw.Close()
	}
	if x.err != nil {
		return fmt.Errorf("write xlsx: %w", x.err)
	}
	return nil
}

// xmlAttr escapes s for an XML attribute or text.
func xmlAttr(s string) string {
	var b []byte
	w := &byteWriter{&b}
	_ = xml.EscapeText(w, []byte(s))
	return string(b)
}

type byteWriter struct{ b *[]byte }

func (w *byteWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }
