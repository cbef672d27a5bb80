package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
)

func TestAreaTreeHasCountyAndTownships(t *testing.T) {
	ts := newTestServer(t)
	ts.village(t, "622923100201", "示例村")
	cadre := ts.userToken(t, domain.RoleVillageCadre, "622923100201")
	res, body := ts.do(t, "GET", "/api/areas", cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	var root areaNode
	mustJSON(t, body, &root)
	if root.Code != "622923" || root.Name != "永靖县" || root.Level != "county" {
		t.Fatalf("root %+v", root)
	}
	if len(root.Children) != 17 {
		t.Fatalf("%d townships, want 17", len(root.Children))
	}
	first := root.Children[0]
	if first.Code != "622923100" || first.Name != "刘家峡镇" || first.Level != "township" {
		t.Errorf("first township %+v", first)
	}
	if len(first.Children) != 1 || first.Children[0].Name != "示例村" || first.Children[0].Level != "village" {
		t.Errorf("villages of 刘家峡镇: %+v", first.Children)
	}
	last := root.Children[16]
	if last.Code != "622923208" || last.Name != "杨塔乡" {
		t.Errorf("last township %+v", last)
	}
	if ts.App.areaName(context.Background(), "622923100201") != "示例村" || ts.App.areaName(context.Background(), "622923101") != "盐锅峡镇" {
		t.Error("areaName does not know the names")
	}
	res, _ = ts.do(t, "GET", "/api/areas", "", nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous area tree: status %d", res.StatusCode)
	}
}

func TestAddVillageScenarios(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	officer := ts.userToken(t, domain.RoleTownshipOfficer, "622923100")
	v := func(code, name, parent string) map[string]string {
		return map[string]string{"code": code, "name": name, "parent_code": parent}
	}
	for _, tc := range []struct {
		name   string
		token  string
		body   any
		status int
		want   string
	}{
		{"admin adds a village", admin, v("622923100201", "示例村", "622923100"), 201, `"level":"village"`},
		{"same again is fine", admin, v("622923100201", "示例村", "622923100"), 200, `"code":"622923100201"`},
		{"same code, other name", admin, v("622923100201", "别的村", "622923100"), 409, "area_exists"},
		{"code outside the township", admin, v("622923101201", "示例村", "622923100"), 400, "村编码应以所属乡镇编码开头"},
		{"short code", admin, v("62292310020", "示例村", "622923100"), 400, "12位"},
		{"unknown township", admin, v("622923299201", "示例村", "622923299"), 400, "所属乡镇不存在"},
		{"another county", admin, v("622924100201", "示例村", "622924100"), 400, `"parent_code"`},
		{"township as a village", admin, v("622923100", "示例村", "622923"), 400, `"code"`},
		{"empty name", admin, v("622923100202", "", "622923100"), 400, `"name"`},
		{"not the admin", officer, v("622923100203", "示例村三", "622923100"), 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.do(t, "POST", "/api/areas", tc.token, tc.body)
			mustStatus(t, res, body, tc.status)
			if !strings.Contains(string(body), tc.want) {
				t.Errorf("answer lacks %s: %s", tc.want, body)
			}
		})
	}
}

func TestImportVillagesFromCSV(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	csvBody := "\ufeffcode,name,parent_code\r\n" +
		"622923100201,示例村一,622923100\r\n" +
		"622923100202, 示例村二 ,622923100\r\n" +
		"\r\n" +
		"622923101201,示例村三,622923100\r\n" + // wrong township
		"622923999201,示例村四,622923999\r\n" + // unknown township
		"622923102201,,622923102\r\n" + // no name
		"622923102202,示例村六,622923102\r\n"
	post := func(body, token string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", ts.URL+"/api/areas/import", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+token)
		return ts.send(t, req)
	}
	res, body := post(csvBody, admin)
	mustStatus(t, res, body, http.StatusOK)
	var got importResult
	mustJSON(t, body, &got)
	if got.Created != 3 || got.Unchanged != 0 || len(got.Errors) != 3 {
		t.Fatalf("first import: %s", body)
	}
	wantLines := []int{5, 6, 7}
	for i, e := range got.Errors {
		if e.Line != wantLines[i] || e.Message == "" {
			t.Errorf("error %d: %+v, want line %d", i, e, wantLines[i])
		}
	}
	if ts.App.areaName(context.Background(), "622923100202") != "示例村二" {
		t.Error("name not trimmed or village missing")
	}

	// Sending the same file again changes nothing.
	res, body = post(csvBody, admin)
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &got)
	if got.Created != 0 || got.Unchanged != 3 || len(got.Errors) != 3 {
		t.Errorf("second import: %s", body)
	}

	for _, tc := range []struct {
		name, body, code string
	}{
		{"no header", "622923100203,示例村,622923100\n", "bad_csv"},
		{"empty", "", "bad_csv"},
		{"neither UTF-8 nor GBK", "code,name,parent_code\n622923100203,\xff\xfe\xff,622923100\n", "bad_encoding"},
	} {
		res, body = post(tc.body, admin)
		if res.StatusCode != 400 || errorCode(body) != tc.code {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
	// Excel's plain "CSV" on Chinese Windows is GBK: 示例 is CA BE C0 FD.
	res, body = post("code,name,parent_code\r\n622923100203,\xca\xbe\xc0\xfd\xb4\xe5,622923100\r\n", admin)
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &got)
	if got.Created != 1 || ts.App.areaName(context.Background(), "622923100203") != "示例村" {
		t.Errorf("GBK import: %s, name %q", body, ts.App.areaName(context.Background(), "622923100203"))
	}

	officer := ts.userToken(t, domain.RoleTownshipOfficer, "622923100")
	res, body = post(csvBody, officer)
	mustStatus(t, res, body, http.StatusForbidden)
}
