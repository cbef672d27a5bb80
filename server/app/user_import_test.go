package app

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
)

// postFile sends a table to an import route as the admin's screen does.
func postFile(t *testing.T, ts *testServer, path, token string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	return ts.send(t, req)
}

// excelWorkbook is a .xlsx the way Excel saves one: text in the shared
// strings, numbers (the area codes) as numeric cells, one of them in
// Excel's exponent form.
func excelWorkbook(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var shared []string
	index := map[string]int{}
	var data strings.Builder
	for i, r := range rows {
		fmt.Fprintf(&data, `<row r="%d" spans="1:%d">`, i+1, len(r))
		for k, v := range r {
			ref := fmt.Sprintf("%s%d", columnName(k), i+1)
			switch {
			case v == "":
			case strings.HasPrefix(v, "#"): // a number as Excel stores it
				fmt.Fprintf(&data, `<c r="%s"><v>%s</v></c>`, ref, v[1:])
			default:
				n, ok := index[v]
				if !ok {
					n = len(shared)
					index[v] = n
					shared = append(shared, v)
				}
				fmt.Fprintf(&data, `<c r="%s" t="s"><v>%d</v></c>`, ref, n)
			}
		}
		data.WriteString(`</row>`)
	}
	var sst strings.Builder
	for _, s := range shared {
		fmt.Fprintf(&sst, `<si><t>%s</t></si>`, s)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"xl/workbook.xml": `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="用户" sheetId="1" r:id="rId3"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet7.xml"/></Relationships>`,
		"xl/sharedStrings.xml":     `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sst.String() + `</sst>`,
		"xl/worksheets/sheet7.xml": `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + data.String() + `</sheetData></worksheet>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type userImportAnswer struct {
	Created int `json:"created"`
	Users   []struct {
		Line     int    `json:"line"`
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"users"`
	Errors []struct {
		Line     int    `json:"line"`
		Username string `json:"username"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// TestImportUsersAndVillagesReportEveryRow: villages from an Excel
// workbook, then users from CSV and from Excel; every refused row is
// reported with its line and reason, the others are made, and an imported
// person must choose their own password before anything else.
func TestImportUsersAndVillagesReportEveryRow(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)

	villages := excelWorkbook(t, [][]string{
		{"code", "name", "parent_code"},
		{"#622923100201", "示例村一", "#622923100"},
		{"#6.22923100202E+11", "示例村二", "#622923100"},
		{"#622923999201", "示例村三", "#622923999"}, // no such township
	})
	res, body := postFile(t, ts, "/api/areas/import", admin, villages)
	mustStatus(t, res, body, http.StatusOK)
	var vr importResult
	mustJSON(t, body, &vr)
	if vr.Created != 2 || len(vr.Errors) != 1 || vr.Errors[0].Line != 4 || vr.Errors[0].Message == "" {
		t.Fatalf("villages from Excel: %s", body)
	}
	if ts.App.areaName(t.Context(), "622923100202") != "示例村二" {
		t.Fatal("a code in Excel's exponent form lost its digits")
	}

	csvBody := "username,name,role,area_code,password\n" +
		"cadre-one,马一,village_cadre,622923100201,first-password\n" +
		"cadre-two,马二,村干部,622923100202,\n" + // role by its label, password made up
		"cadre-bad,马三,mayor,622923100201,\n" + // no such role
		"cadre-four,马四,village_cadre,622923100299,\n" + // no such village
		"cadre-one,马五,village_cadre,622923100201,\n" + // twice in the file
		"admin,冒名,admin,622923,\n" + // taken
		"officer-one,李一,township_officer,622923100201,\n" // a village for a township role
	res, body = postFile(t, ts, "/api/users/import", admin, []byte(csvBody))
	mustStatus(t, res, body, http.StatusOK)
	var ur userImportAnswer
	mustJSON(t, body, &ur)
	if ur.Created != 2 || len(ur.Users) != 2 || len(ur.Errors) != 5 {
		t.Fatalf("users from CSV: %s", body)
	}
	if ur.Users[0].Password != "" || ur.Users[1].Password == "" {
		t.Errorf("a password given is echoed or a made-up one is missing: %s", body)
	}
	for i, line := range []int{4, 5, 6, 7, 8} {
		if e := ur.Errors[i]; e.Line != line || e.Message == "" {
			t.Errorf("error %d: %+v, want line %d with a reason", i, e, line)
		}
	}

	// Imported: the password works only to choose one's own.
	tok := ts.login(t, "cadre-two", ur.Users[1].Password)
	if !tok.User.MustChangePassword {
		t.Errorf("an imported account need not change its password: %+v", tok.User)
	}
	res, body = ts.do(t, "GET", "/api/cases", tok.AccessToken, nil)
	if res.StatusCode != http.StatusForbidden || errorCode(body) != "password_change_required" {
		t.Fatalf("before the change: %d %s", res.StatusCode, body)
	}
	res, body = ts.do(t, "POST", "/api/me/password", tok.AccessToken, map[string]string{"old_password": ur.Users[1].Password, "new_password": "my-own-password"})
	mustStatus(t, res, body, http.StatusOK)
	var fresh tokenResponse
	mustJSON(t, body, &fresh)
	res, body = ts.do(t, "GET", "/api/cases", fresh.AccessToken, nil)
	mustStatus(t, res, body, http.StatusOK)

	// The same from Excel, with the role's label and a blank password cell.
	users := excelWorkbook(t, [][]string{
		{"username", "name", "role", "area_code", "password"},
		{"officer-two", "李二", "乡镇干部", "#622923100"},
		{"x", "太短", "乡镇干部", "#622923100"},
	})
	res, body = postFile(t, ts, "/api/users/import", admin, users)
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &ur)
	if ur.Created != 1 || len(ur.Errors) != 1 || ur.Errors[0].Line != 3 {
		t.Fatalf("users from Excel: %s", body)
	}
	for _, tc := range []struct {
		name string
		body []byte
		code string
	}{
		{"no header", []byte("cadre-x,马,village_cadre,622923100201\n"), "bad_csv"},
		{"a broken workbook", []byte("PK\x03\x04 not really"), "bad_xlsx"},
	} {
		res, body = postFile(t, ts, "/api/users/import", admin, tc.body)
		if res.StatusCode != http.StatusBadRequest || errorCode(body) != tc.code {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
	cadre := ts.userToken(t, domain.RoleVillageCadre, "622923100201")
	res, body = postFile(t, ts, "/api/users/import", cadre, []byte(csvBody))
	mustStatus(t, res, body, http.StatusForbidden)
}

func TestImportTemplatesAreReadBack(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	for _, tc := range []struct {
		path string
		cols []string
	}{
		{"/api/users/import/template", userImportColumns()},
		{"/api/users/import/template?format=csv", userImportColumns()},
		{"/api/areas/import/template", []string{"code", "name", "parent_code"}},
		{"/api/areas/import/template?format=csv", []string{"code", "name", "parent_code"}},
	} {
		res, body := ts.do(t, "GET", tc.path, admin, nil)
		mustStatus(t, res, body, http.StatusOK)
		if !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: not a download: %v", tc.path, res.Header)
		}
		s, err := readSheet(body)
		if err != nil || !s.has(tc.cols...) || len(s.rows) == 0 {
			t.Errorf("%s: read back %+v, %v", tc.path, s, err)
		}
	}
}

// TestAdminResetsEditsAndDisablesWithARecord: a reset password must be
// changed at the next sign-in; name, role and area changes are recorded
// with who and when; the user list is searched.
func TestAdminResetsEditsAndDisablesWithARecord(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	_, u := ts.user(t, domain.RoleVillageCadre, vilA)
	ts.village(t, vilA2, "测试村202")
	res, body := ts.do(t, "PATCH", "/api/users/"+u.ID, admin, map[string]any{"name": "马新", "area_code": vilA2, "password": "reset-password"})
	mustStatus(t, res, body, http.StatusOK)
	tok := ts.login(t, u.Username, "reset-password")
	if !tok.User.MustChangePassword {
		t.Fatal("a reset password need not be changed")
	}
	res, body = ts.do(t, "GET", "/api/dashboard", tok.AccessToken, nil)
	if errorCode(body) != "password_change_required" {
		t.Fatalf("after a reset: %d %s", res.StatusCode, body)
	}
	res, body = ts.do(t, "GET", "/api/users?q="+u.Username, admin, nil)
	mustStatus(t, res, body, http.StatusOK)
	var list struct {
		Items []struct {
			Username string `json:"username"`
			History  []struct {
				ByName  string   `json:"by_name"`
				Changes []string `json:"changes"`
			} `json:"history"`
		} `json:"items"`
	}
	mustJSON(t, body, &list)
	if len(list.Items) != 1 || len(list.Items[0].History) != 1 {
		t.Fatalf("search and record: %s", body)
	}
	got := strings.Join(list.Items[0].History[0].Changes, "|")
	for _, want := range []string{"姓名：测试村干部 → 马新", "区域：测试村201 → 测试村202", "重置密码"} {
		if !strings.Contains(got, want) {
			t.Errorf("record %q lacks %q", got, want)
		}
	}
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, admin, map[string]any{"disabled": true})
	mustStatus(t, res, body, http.StatusOK)
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, admin, map[string]any{"disabled": false})
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), "停用") || !strings.Contains(string(body), "启用") {
		t.Errorf("disabling and enabling not recorded: %s", body)
	}
}

// TestImportHoldsRowsToSignInRules: each imported row meets the rules of a
// typed account — no common password, none containing the username, the
// name cleaned — a malformed CSV row is refused alone, and an admin's
// reset both ends every session and makes the person choose their own.
func TestImportHoldsRowsToSignInRules(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	csvBody := "username,name,role,area_code,password\n" +
		"officer-a,  李　一 ,township_officer,622923100,long-enough-pass\n" +
		"officer-b,李二,township_officer,622923100,password123\n" + // common
		"officer-c,李三,township_officer,622923100,officer-c-secret\n" + // contains the username
		"officer-d,\"李\"四\",township_officer,622923100,\n" + // malformed
		"officer-e,李五,township_officer,622923100,\n"
	res, body := postFile(t, ts, "/api/users/import", admin, []byte(csvBody))
	mustStatus(t, res, body, http.StatusOK)
	var ur userImportAnswer
	mustJSON(t, body, &ur)
	if ur.Created != 2 || len(ur.Errors) != 3 {
		t.Fatalf("import: %s", body)
	}
	for i, line := range []int{3, 4, 5} {
		if e := ur.Errors[i]; e.Line != line || e.Message == "" {
			t.Errorf("error %d: %+v, want line %d with a reason", i, e, line)
		}
	}
	u, err := ts.App.DB.Users.ByUsername(t.Context(), "officer-a")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := domain.CleanName("  李　一 ", false); u.Name != want {
		t.Errorf("imported name %q, want cleaned %q", u.Name, want)
	}

	// The admin resets a signed-in person's password: the session ends at once.
	tok := ts.login(t, "officer-a", "long-enough-pass")
	res, body = ts.do(t, "POST", "/api/me/password", tok.AccessToken, map[string]string{"old_password": "long-enough-pass", "new_password": "my-chosen-words"})
	mustStatus(t, res, body, http.StatusOK)
	var mine tokenResponse
	mustJSON(t, body, &mine)
	if mine.User.MustChangePassword {
		t.Errorf("choosing one's own password left must_change_password set")
	}
	res, body = ts.do(t, "GET", "/api/cases", mine.AccessToken, nil)
	mustStatus(t, res, body, http.StatusOK)
	before, _ := ts.App.DB.Users.ByID(t.Context(), u.ID)
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, admin, map[string]string{"password": "password123"})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a common password set by the admin: %d %s", res.StatusCode, body)
	}
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, admin, map[string]string{"password": "reset-by-admin-9"})
	mustStatus(t, res, body, http.StatusOK)
	after, _ := ts.App.DB.Users.ByID(t.Context(), u.ID)
	if after.SessionGen <= before.SessionGen || !after.MustChangePassword || len(after.History) == 0 {
		t.Errorf("after a reset: gen %d→%d, must change %v, history %v", before.SessionGen, after.SessionGen, after.MustChangePassword, after.History)
	}
	res, body = ts.do(t, "GET", "/api/me", mine.AccessToken, nil)
	if res.StatusCode != http.StatusUnauthorized || errorCode(body) != "session_ended" {
		t.Errorf("the old session after a reset: %d %s", res.StatusCode, body)
	}
}
