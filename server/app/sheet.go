package app

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yongjing/anju/domain"
)

// A sheet is the rows of an uploaded table — CSV (UTF-8, or GBK as Excel
// on a Chinese Windows saves it) or an Excel workbook (.xlsx, its first
// worksheet) — with the first row as the header. Only what an admin's
// list of users or villages needs is read: text and numbers, no formulas.
type sheet struct {
	format string         // "csv" or "xlsx"
	header map[string]int // lower-cased column name → index
	rows   []sheetRow
}

// sheetRow is one data row and its line (row number) in the file.
type sheetRow struct {
	line  int
	cells []string
	bad   string // why the row could not be read (a CSV syntax error), or ""
}

// get is the trimmed value of column name in r ("" if absent).
func (s sheet) get(r sheetRow, name string) string {
	if i, ok := s.header[name]; ok && i < len(r.cells) {
		return strings.TrimSpace(r.cells[i])
	}
	return ""
}

// has reports whether the header names every column.
func (s sheet) has(names ...string) bool {
	for _, n := range names {
		if _, ok := s.header[n]; !ok {
			return false
		}
	}
	return true
}

// errSheet is a file that cannot be read as a table: bad_csv or bad_xlsx.
func errSheet(format, msg string) error {
	return &domain.Error{Kind: domain.KindInvalid, Code: "bad_" + format, Message: msg}
}

// errHeader is a table without the columns it needs.
func (s sheet) errHeader(names ...string) error {
	return errSheet(s.format, "第一行应为表头 "+strings.Join(names, ",")+"（可下载模板填写）")
}

// readSheet reads an uploaded CSV or .xlsx file (told apart by content,
// not name). Blank rows are skipped.
func readSheet(body []byte) (sheet, error) {
	var rows []sheetRow
	var err error
	format := "csv"
	if bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		format = "xlsx"
		rows, err = readXLSX(body)
	} else {
		rows, err = readCSV(body)
	}
	if err != nil {
		return sheet{}, err
	}
	if len(rows) == 0 {
		return sheet{}, errSheet(format, "文件为空")
	}
	s := sheet{format: format, header: map[string]int{}}
	for i, h := range rows[0].cells {
		s.header[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, r := range rows[1:] {
		blank := r.bad == ""
		for _, c := range r.cells {
			if strings.TrimSpace(c) != "" {
				blank = false
			}
		}
		if !blank {
			s.rows = append(s.rows, r)
		}
	}
	return s, nil
}

func readCSV(body []byte) ([]sheetRow, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(body) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(body)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, &domain.Error{Kind: domain.KindInvalid, Code: "bad_encoding",
				Message: "无法识别文件编码：请上传Excel文件(.xlsx)，或在Excel中“另存为 CSV UTF-8(逗号分隔)”后再导入"}
		}
		body = dec
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var rows []sheetRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// One malformed row is reported as such; the others are read.
				rows = append(rows, sheetRow{line: pe.Line, bad: "CSV格式错误"})
				continue
			}
			return nil, errSheet("csv", "文件不是CSV或Excel(.xlsx)格式")
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, sheetRow{line: line, cells: rec})
	}
}

// maxSheetPart bounds what one part of a workbook may unpack to.
const maxSheetPart = 32 << 20

func readXLSX(body []byte) ([]sheetRow, error) {
	bad := errSheet("xlsx", "无法读取Excel文件：请确认是 .xlsx 格式（Excel 2007 及以后），或另存为CSV")
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, bad
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) ([]byte, error) {
		f, ok := files[name]
		if !ok {
			return nil, nil
		}
		rc, err := f.Open()
		if err != nil {
			return nil, bad
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxSheetPart+1))
		if err != nil || len(b) > maxSheetPart {
			return nil, bad
		}
		return b, nil
	}
	sheetPath, err := firstSheet(read)
	if err != nil {
		return nil, bad
	}
	var shared []string
	if b, err := read("xl/sharedStrings.xml"); err != nil {
		return nil, err
	} else if b != nil {
		var sst struct {
			SI []struct {
				T string `xml:"t"`
				R []struct {
					T string `xml:"t"`
				} `xml:"r"`
			} `xml:"si"`
		}
		if err := xml.Unmarshal(b, &sst); err != nil {
			return nil, bad
		}
		for _, si := range sst.SI {
			t := si.T
			for _, r := range si.R {
				t += r.T
			}
			shared = append(shared, t)
		}
	}
	b, err := read(sheetPath)
	if err != nil || b == nil {
		return nil, bad
	}
	var ws struct {
		Rows []struct {
			R     int `xml:"r,attr"`
			Cells []struct {
				Ref string `xml:"r,attr"`
				T   string `xml:"t,attr"`
				V   string `xml:"v"`
				IS  struct {
					T string `xml:"t"`
					R []struct {
						T string `xml:"t"`
					} `xml:"r"`
				} `xml:"is"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal(b, &ws); err != nil {
		return nil, bad
	}
	var rows []sheetRow
	for i, r := range ws.Rows {
		line := r.R
		if line == 0 {
			line = i + 1
		}
		var cells []string
		for k, c := range r.Cells {
			col := k
			if c.Ref != "" {
				col = columnIndex(c.Ref)
			}
			if col < 0 || col > 200 {
				continue
			}
			for len(cells) <= col {
				cells = append(cells, "")
			}
			switch c.T {
			case "s":
				n, err := strconv.Atoi(strings.TrimSpace(c.V))
				if err == nil && n >= 0 && n < len(shared) {
					cells[col] = shared[n]
				}
			case "inlineStr":
				t := c.IS.T
				for _, x := range c.IS.R {
					t += x.T
				}
				cells[col] = t
			case "str", "b", "e":
				cells[col] = c.V
			default:
				cells[col] = numberText(c.V)
			}
		}
		rows = append(rows, sheetRow{line: line, cells: cells})
	}
	return rows, nil
}

// firstSheet is the path of the workbook's first worksheet.
func firstSheet(read func(string) ([]byte, error)) (string, error) {
	wb, err := read("xl/workbook.xml")
	if err != nil || wb == nil {
		return "", errors.New("no workbook")
	}
	var w struct {
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wb, &w); err != nil || len(w.Sheets) == 0 {
		return "", errors.New("no sheet")
	}
	rels, err := read("xl/_rels/workbook.xml.rels")
	if err != nil {
		return "", err
	}
	if rels != nil {
		var rs struct {
			R []struct {
				ID     string `xml:"Id,attr"`
				Target string `xml:"Target,attr"`
			} `xml:"Relationship"`
		}
		if xml.Unmarshal(rels, &rs) == nil {
			for _, r := range rs.R {
				if r.ID == w.Sheets[0].RID {
					if strings.HasPrefix(r.Target, "/") {
						return strings.TrimPrefix(r.Target, "/"), nil
					}
					return path.Clean(path.Join("xl", r.Target)), nil
				}
			}
		}
	}
	return "xl/worksheets/sheet1.xml", nil
}

// columnIndex is the 0-based column of a cell reference like "C12".
func columnIndex(ref string) int {
	n := 0
	for _, r := range ref {
		if r < 'A' || r > 'Z' {
			break
		}
		n = n*26 + int(r-'A'+1)
	}
	return n - 1
}

// numberText writes a numeric cell as people typed it: a code of 12 digits
// stays 12 digits (Excel keeps it as 622923100201 or 6.22923100201E+11).
func numberText(v string) string {
	v = strings.TrimSpace(v)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if f == float64(int64(f)) && f < 1e15 && f > -1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return v
}

// writeXLSX makes a one-sheet workbook of rows (the first the header), all
// cells text, so codes keep their digits. It is what the import templates
// are downloaded as.
func writeXLSX(sheetName string, rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, content string) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, content)
		return err
	}
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	var data strings.Builder
	for i, r := range rows {
		fmt.Fprintf(&data, `<row r="%d">`, i+1)
		for k, c := range r {
			fmt.Fprintf(&data, `<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>`, columnName(k), i+1, esc(c))
		}
		data.WriteString(`</row>`)
	}
	parts := []struct{ name, content string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="` + esc(sheetName) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`</Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + data.String() + `</sheetData></worksheet>`},
	}
	for _, p := range parts {
		if err := put(p.name, p.content); err != nil {
			return nil, fmt.Errorf("write template: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write template: %w", err)
	}
	return buf.Bytes(), nil
}

// columnName is the letters of 0-based column k ("A", …, "Z", "AA").
func columnName(k int) string {
	s := ""
	for k++; k > 0; k = (k - 1) / 26 {
		s = string(rune('A'+(k-1)%26)) + s
	}
	return s
}

// writeCSV is rows as UTF-8 CSV with a byte-order mark, which Excel opens
// with the Chinese intact.
func writeCSV(rows [][]string) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(rows)
	return buf.Bytes()
}
