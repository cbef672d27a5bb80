package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

// TestCommonPasswordsAreRefusedWhereverSet: creating a user, resetting a
// password and changing one's own refuse the passwords everyone guesses,
// passwords containing the username and (on a change) the current one,
// each with a Chinese message on the field.
func TestCommonPasswordsAreRefusedWhereverSet(t *testing.T) {
	ts := newTestServer(t)
	ts.village(t, "622923100201", "示例村一")
	admin := ts.adminToken(t)
	tok, u := ts.user(t, domain.RoleVillageCadre, "622923100201")
	const common, withName = "太常见", "不能包含用户名"
	for _, tc := range []struct {
		name, method, path, token string
		body                      map[string]any
		field, want               string
	}{
		{"create: woaini1314", "POST", "/api/users", admin, map[string]any{"username": "zhao.lei", "password": "woaini1314"}, "password", common},
		{"create: 88888888", "POST", "/api/users", admin, map[string]any{"username": "zhao.lei", "password": "88888888"}, "password", common},
		{"create: QQ123456", "POST", "/api/users", admin, map[string]any{"username": "zhao.lei", "password": "QQ123456"}, "password", common},
		{"create: password", "POST", "/api/users", admin, map[string]any{"username": "zhao.lei", "password": "password"}, "password", common},
		{"create: the username", "POST", "/api/users", admin, map[string]any{"username": "zhao.lei", "password": "Zhao.Lei2024"}, "password", withName},
		{"reset: 1qaz2wsx", "PATCH", "/api/users/" + u.ID, admin, map[string]any{"password": "1qaz2wsx"}, "password", common},
		{"reset: the username", "PATCH", "/api/users/" + u.ID, admin, map[string]any{"password": u.Username + "-pw"}, "password", withName},
		{"change: abc123456", "POST", "/api/me/password", tok, map[string]any{"old_password": testPassword, "new_password": "abc123456"}, "new_password", common},
		{"change: the username", "POST", "/api/me/password", tok, map[string]any{"old_password": testPassword, "new_password": "my " + u.Username}, "new_password", withName},
		{"change: the current one", "POST", "/api/me/password", tok, map[string]any{"old_password": testPassword, "new_password": testPassword}, "new_password", "不能与原密码相同"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if tc.path == "/api/users" {
				body["name"], body["role"], body["area_code"] = "赵磊", "village_cadre", "622923100201"
			}
			res, b := ts.do(t, tc.method, tc.path, tc.token, body)
			mustStatus(t, res, b, http.StatusBadRequest)
			var e errorBody
			mustJSON(t, b, &e)
			if !strings.Contains(e.Error.Fields[tc.field], tc.want) {
				t.Errorf("fields.%s = %q, want it to say %s: %s", tc.field, e.Error.Fields[tc.field], tc.want, b)
			}
		})
	}
	// Nothing was set: the cadre still signs in with the old password.
	ts.login(t, u.Username, testPassword)
}

// TestFirstAdminPasswordMustNotBeCommon: a weak ANJU_ADMIN_PASSWORD stops
// the first start with a message naming the variable.
func TestFirstAdminPasswordMustNotBeCommon(t *testing.T) {
	for _, pw := range []string{"88888888", "Admin@2024", "password123"} {
		cfg := testConfig(t.TempDir())
		cfg.AdminPassword = pw
		a, err := newApp(context.Background(), cfg, deps{DB: dbtest.New(t), Log: testLogger(t), Out: io.Discard})
		if err == nil {
			a.Close()
			t.Errorf("ANJU_ADMIN_PASSWORD=%s: started", pw)
			continue
		}
		if !strings.Contains(err.Error(), "ANJU_ADMIN_PASSWORD") {
			t.Errorf("ANJU_ADMIN_PASSWORD=%s: error %q does not name the variable", pw, err)
		}
	}
}
