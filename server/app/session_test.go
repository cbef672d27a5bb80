package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

// mustBeSignedOut checks that the access token is refused at once with code.
func mustBeSignedOut(t *testing.T, ts *testServer, access, code string) {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/cases", access, nil)
	mustStatus(t, res, body, http.StatusUnauthorized)
	if got := errorCode(body); got != code {
		t.Errorf("code %q, want %q: %s", got, code, body)
	}
}

func mustBeSignedIn(t *testing.T, ts *testServer, access string) {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/me", access, nil)
	mustStatus(t, res, body, http.StatusOK)
}

// TestSignOutEndsThatSessionAtOnce: after signing out on one phone its
// access token is refused at once, not 15 minutes later; the same
// person's other phone goes on.
func TestSignOutEndsThatSessionAtOnce(t *testing.T) {
	ts := newTestServer(t)
	_, u := ts.user(t, domain.RoleVillageCadre, "622923100201")
	phone := ts.login(t, u.Username, testPassword)
	tablet := ts.login(t, u.Username, testPassword)
	mustBeSignedIn(t, ts, phone.AccessToken)

	res, body := ts.do(t, "POST", "/api/auth/logout", "", map[string]string{"refresh_token": phone.RefreshToken})
	mustStatus(t, res, body, http.StatusNoContent)
	mustBeSignedOut(t, ts, phone.AccessToken, "session_ended")
	mustBeSignedIn(t, ts, tablet.AccessToken)
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tablet.RefreshToken})
	mustStatus(t, res, body, http.StatusOK)
}

// TestPasswordChangeEndsEveryAccessToken: changing one's password signs
// every phone out at once, access tokens included; the phone that
// changed it goes on with the pair it was given.
func TestPasswordChangeEndsEveryAccessToken(t *testing.T) {
	ts := newTestServer(t)
	_, u := ts.user(t, domain.RoleTownshipOfficer, "622923101")
	phone := ts.login(t, u.Username, testPassword)
	lost := ts.login(t, u.Username, testPassword) // a phone left on the bus
	res, body := ts.do(t, "POST", "/api/me/password", phone.AccessToken,
		map[string]string{"old_password": testPassword, "new_password": "river-bridge-2024"})
	mustStatus(t, res, body, http.StatusOK)
	var fresh tokenResponse
	mustJSON(t, body, &fresh)

	mustBeSignedOut(t, ts, lost.AccessToken, "session_ended")
	mustBeSignedOut(t, ts, phone.AccessToken, "session_ended")
	mustBeSignedIn(t, ts, fresh.AccessToken)
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": lost.RefreshToken})
	mustStatus(t, res, body, http.StatusUnauthorized)
}

// TestAdminResetAndDisableEndAccessAtOnce: a password reset by the admin,
// and disabling, end every access token of the person at once; enabling
// the account again does not bring them back.
func TestAdminResetAndDisableEndAccessAtOnce(t *testing.T) {
	ts := newTestServer(t)
	old, u := ts.user(t, domain.RoleCountyInspector, domain.CountyCode)
	res, body := ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"password": "bright-field-77"})
	mustStatus(t, res, body, http.StatusOK)
	mustBeSignedOut(t, ts, old, "session_ended")

	after := ts.login(t, u.Username, "bright-field-77")
	mustBeSignedIn(t, ts, after.AccessToken)
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"disabled": true})
	mustStatus(t, res, body, http.StatusOK)
	mustBeSignedOut(t, ts, after.AccessToken, "account_disabled")
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"disabled": false})
	mustStatus(t, res, body, http.StatusOK)
	mustBeSignedOut(t, ts, after.AccessToken, "session_ended")
	mustBeSignedIn(t, ts, ts.login(t, u.Username, "bright-field-77").AccessToken)

	// A rename changes nothing for the person's sign-ins.
	now := ts.login(t, u.Username, "bright-field-77")
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"name": "改名后"})
	mustStatus(t, res, body, http.StatusOK)
	mustBeSignedIn(t, ts, now.AccessToken)
}

// TestSessionLastsThirtyDaysFromSignIn: refreshing keeps a phone signed in
// for 30 days from the sign-in, not for ever; the last access token ends
// with the session.
func TestSessionLastsThirtyDaysFromSignIn(t *testing.T) {
	ts := newTestServer(t)
	start := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	ts.SetNow(start)
	_, u := ts.user(t, domain.RoleVillageCadre, "622923100201")
	tr := ts.login(t, u.Username, testPassword)
	refresh := func() (*http.Response, []byte) {
		return ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken})
	}
	for day := 1; day < 30; day++ {
		ts.SetNow(start.Add(time.Duration(day) * 24 * time.Hour))
		res, body := refresh()
		mustStatus(t, res, body, http.StatusOK)
		mustJSON(t, body, &tr)
	}
	ts.SetNow(start.Add(refreshTTL - 5*time.Minute))
	res, body := refresh()
	mustStatus(t, res, body, http.StatusOK)
	mustJSON(t, body, &tr)
	if tr.ExpiresIn > 5*60 {
		t.Errorf("the last access token lasts %d s, past the session's end in 300 s", tr.ExpiresIn)
	}
	ts.SetNow(start.Add(refreshTTL))
	res, body = refresh()
	mustStatus(t, res, body, http.StatusUnauthorized)
	if errorCode(body) != "session_expired" {
		t.Errorf("code %q, want session_expired", errorCode(body))
	}
	mustBeSignedIn(t, ts, ts.login(t, u.Username, testPassword).AccessToken)
}
