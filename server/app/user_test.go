package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
)

func TestUserScenarios(t *testing.T) {
	ts := newTestServer(t)
	ts.village(t, "622923100201", "示例村一")
	admin := ts.adminToken(t)
	officer := ts.userToken(t, domain.RoleTownshipOfficer, "622923100")
	leader := ts.userToken(t, domain.RoleLeader, domain.CountyCode)
	valid := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"username": "li.wei", "password": "long-enough", "name": "李伟",
			"role": "village_cadre", "area_code": "622923100201"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		status int
		want   string // fragment of the answer
	}{
		{"admin creates a cadre", "POST", "/api/users", admin, valid(nil), 201, `"area_name":"示例村一"`},
		{"username taken (case folded)", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"] = "LI.WEI" }), 409, "username_taken"},
		{"short password", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"], m["password"] = "a1b", "short" }), 400, `"password":"密码至少8个字符"`},
		{"bad username", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"] = "张三" }), 400, `"username"`},
		{"unknown role", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"], m["role"] = "x12", "mayor" }), 400, `"role":"角色不存在"`},
		{"cadre at a township", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"], m["area_code"] = "x13", "622923100" }), 400, `"area_code"`},
		{"officer at the county", "POST", "/api/users", admin, valid(func(m map[string]any) {
			m["username"], m["role"], m["area_code"] = "x14", "township_officer", domain.CountyCode
		}), 400, `"area_code"`},
		{"unknown village", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"], m["area_code"] = "x15", "622923100299" }), 400, "区域不存在"},
		{"another county", "POST", "/api/users", admin, valid(func(m map[string]any) {
			m["username"], m["role"], m["area_code"] = "x16", "leader", "622924"
		}), 400, `"area_code"`},
		{"missing name", "POST", "/api/users", admin, valid(func(m map[string]any) { m["username"], m["name"] = "x17", "" }), 400, `"name"`},
		{"officer cannot create users", "POST", "/api/users", officer, valid(func(m map[string]any) { m["username"] = "x18" }), 403, "forbidden"},
		{"leader cannot list users", "GET", "/api/users", leader, nil, 403, "forbidden"},
		{"anonymous cannot list users", "GET", "/api/users", "", nil, 401, "unauthorized"},
		{"admin lists users", "GET", "/api/users", admin, nil, 200, `"username":"li.wei"`},
		{"filter by role", "GET", "/api/users?role=leader", admin, nil, 200, `"role":"leader"`},
		{"filter by area", "GET", "/api/users?area=622923100", admin, nil, 200, `"username":"li.wei"`},
		{"search", "GET", "/api/users?q=李", admin, nil, 200, `"name":"李伟"`},
		{"bad filter", "GET", "/api/users?role=mayor&limit=0", admin, nil, 400, `"limit"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.do(t, tc.method, tc.path, tc.token, tc.body)
			mustStatus(t, res, body, tc.status)
			if !strings.Contains(string(body), tc.want) {
				t.Errorf("answer lacks %s: %s", tc.want, body)
			}
			if strings.Contains(string(body), "password_hash") || strings.Contains(string(body), "$2a$") {
				t.Errorf("answer leaks a password hash: %s", body)
			}
		})
	}

	res, body := ts.do(t, "GET", "/api/users?role=leader", admin, nil)
	var list userList
	mustJSON(t, body, &list)
	if res.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].Role != domain.RoleLeader {
		t.Errorf("role filter: %s", body)
	}
}

func TestAdminEditsUsers(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.adminToken(t)
	ts.village(t, "622923101201", "示例村二")
	tok, u := ts.user(t, domain.RoleVillageCadre, "622923101201")

	patch := func(token, id string, body any) (*http.Response, []byte) {
		return ts.do(t, "PATCH", "/api/users/"+id, token, body)
	}
	// Promote the cadre to township officer of its township.
	res, body := patch(admin, u.ID, map[string]any{"role": "township_officer", "area_code": "622923101", "name": "王芳"})
	mustStatus(t, res, body, http.StatusOK)
	var got userResponse
	mustJSON(t, body, &got)
	if got.Role != domain.RoleTownshipOfficer || got.AreaCode != "622923101" || got.Name != "王芳" || got.AreaName != "盐锅峡镇" {
		t.Errorf("after promotion: %+v", got)
	}
	// The change applies to the user's current token at once.
	res, body = ts.do(t, "GET", "/api/me", tok, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"role":"township_officer"`) {
		t.Errorf("me after promotion: %s", body)
	}
	// Role without a matching area is refused as a whole.
	res, body = patch(admin, u.ID, map[string]any{"role": "village_cadre"})
	mustStatus(t, res, body, http.StatusBadRequest)
	for _, tc := range []struct {
		name string
		body any
		code string
	}{
		{"short password", map[string]any{"password": "short"}, "invalid_input"},
		{"unknown field", map[string]any{"username": "renamed"}, "unknown_field"},
		{"null name", `{"name":""}`, "invalid_input"},
	} {
		res, body = patch(admin, u.ID, tc.body)
		if res.StatusCode != 400 || errorCode(body) != tc.code {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
	// The admin cannot lock themselves out.
	me := ts.login(t, "admin", testAdminPassword)
	res, body = patch(admin, me.User.ID, map[string]any{"disabled": true})
	mustStatus(t, res, body, http.StatusConflict)
	res, body = patch(admin, me.User.ID, map[string]any{"role": "leader"})
	mustStatus(t, res, body, http.StatusConflict)
	// A non-admin cannot edit anyone, not even themselves.
	res, body = patch(tok, u.ID, map[string]any{"name": "自封"})
	mustStatus(t, res, body, http.StatusForbidden)
}
