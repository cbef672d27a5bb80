package app

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/yongjing/anju/domain"
)

func TestLoginAnswersTokensAndMe(t *testing.T) {
	ts := newTestServer(t)
	tr := ts.login(t, " Admin ", testAdminPassword)
	if tr.AccessToken == "" || tr.RefreshToken == "" {
		t.Fatalf("tokens missing: %+v", tr)
	}
	if tr.ExpiresIn <= 0 || tr.ExpiresIn > 15*60 {
		t.Errorf("expires_in %d, want 1..900", tr.ExpiresIn)
	}
	res, body := ts.do(t, "GET", "/api/me", tr.AccessToken, nil)
	mustStatus(t, res, body, http.StatusOK)
	var me userResponse
	mustJSON(t, body, &me)
	if me.Username != "admin" || me.Role != domain.RoleAdmin || me.AreaCode != domain.CountyCode || me.AreaName != "永靖县" {
		t.Errorf("me = %+v", me)
	}
	// The answer says whether the password must change, never the password or its hash.
	if strings.Contains(string(body), "password_hash") || strings.Contains(string(body), "$2a$") || strings.Contains(string(body), testAdminPassword) {
		t.Errorf("user answer mentions the password: %s", body)
	}
}

func TestProtectedRoutesNeedAToken(t *testing.T) {
	ts := newTestServer(t)
	for _, tc := range []struct{ name, header, code string }{
		{"no header", "", "unauthorized"},
		{"not bearer", "Basic YWRtaW46eA==", "unauthorized"},
		{"garbage", "Bearer not-a-jwt", "token_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+"/api/me", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res, body := ts.send(t, req)
			mustStatus(t, res, body, http.StatusUnauthorized)
			if got := errorCode(body); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func TestUnknownUserAndWrongPasswordLookAlike(t *testing.T) {
	ts := newTestServer(t)
	r1, b1 := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": "wrong-password"})
	r2, b2 := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "nobody", "password": "wrong-password"})
	mustStatus(t, r1, b1, http.StatusUnauthorized)
	mustStatus(t, r2, b2, http.StatusUnauthorized)
	if string(b1) != string(b2) {
		t.Errorf("answers differ:\n wrong password: %s\n unknown user:   %s", b1, b2)
	}
	if errorCode(b1) != "bad_credentials" {
		t.Errorf("code %q, want bad_credentials", errorCode(b1))
	}
}

func TestLoginLocksAccountAfterTenFailures(t *testing.T) {
	ts := newTestServer(t)
	start := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	ts.SetNow(start)
	cadre, _ := ts.user(t, domain.RoleVillageCadre, "622923100201")
	_ = cadre
	for i := 1; i <= lockAfter; i++ {
		ts.Advance(time.Minute)
		res, body := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": "guess-" + string(rune('a'+i))})
		mustStatus(t, res, body, http.StatusUnauthorized)
	}
	// The 11th attempt is refused even with the right password.
	res, body := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": testAdminPassword})
	mustStatus(t, res, body, http.StatusTooManyRequests)
	if errorCode(body) != "too_many_attempts" || res.Header.Get("Retry-After") == "" {
		t.Errorf("429 answer: code %q, Retry-After %q", errorCode(body), res.Header.Get("Retry-After"))
	}
	// Unknown usernames are locked the same way, so a lock reveals nothing.
	for i := 0; i < lockAfter; i++ {
		ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "nobody", "password": "x-password"})
	}
	res, body = ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "nobody", "password": "x-password"})
	mustStatus(t, res, body, http.StatusTooManyRequests)

	// Another account is not affected.
	ts.login(t, "village-cadre-1", testPassword)

	// A second server instance on the same database agrees.
	other, err := newApp(context.Background(), testConfig(t.TempDir()), deps{DB: ts.App.DB.Database(), Store: ts.App.Store, Log: testLogger(t), Now: ts.now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ts2 := &testServer{App: other}
	ts2.Server = newHTTPServer(t, other)
	res, body = ts2.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": testAdminPassword})
	mustStatus(t, res, body, http.StatusTooManyRequests)

	// The lock lasts until 15 minutes after the first of the ten failures.
	ts.SetNow(start.Add(time.Minute + lockWindow - time.Second))
	res, body = ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": testAdminPassword})
	mustStatus(t, res, body, http.StatusTooManyRequests)
	ts.SetNow(start.Add(2*time.Minute + lockWindow))
	ts.login(t, "admin", testAdminPassword)
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC))
	first := ts.login(t, "admin", testAdminPassword)

	refresh := func(tok string) (*http.Response, []byte) {
		return ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tok})
	}
	res, body := refresh(first.RefreshToken)
	mustStatus(t, res, body, http.StatusOK)
	var second tokenResponse
	mustJSON(t, body, &second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" || second.User.Username != "admin" {
		t.Fatalf("refresh did not rotate: %+v", second)
	}

	// Within the grace window a reuse is refused but the family lives on.
	ts.Advance(10 * time.Second)
	res, body = refresh(first.RefreshToken)
	mustStatus(t, res, body, http.StatusUnauthorized)
	if errorCode(body) != "refresh_reused" {
		t.Errorf("reuse within grace: code %q", errorCode(body))
	}
	res, body = refresh(second.RefreshToken)
	mustStatus(t, res, body, http.StatusOK)
	var third tokenResponse
	mustJSON(t, body, &third)

	// Beyond the grace a reuse revokes the whole family, the newest token too.
	ts.Advance(reuseGrace + time.Second)
	res, body = refresh(first.RefreshToken)
	mustStatus(t, res, body, http.StatusUnauthorized)
	if errorCode(body) != "refresh_reused" {
		t.Errorf("reuse after grace: code %q", errorCode(body))
	}
	res, body = refresh(third.RefreshToken)
	mustStatus(t, res, body, http.StatusUnauthorized)
	if errorCode(body) != "refresh_invalid" {
		t.Errorf("newest token after family revoked: code %q", errorCode(body))
	}

	// Another sign-in (another family) is unaffected.
	other := ts.login(t, "admin", testAdminPassword)
	res, body = refresh(other.RefreshToken)
	mustStatus(t, res, body, http.StatusOK)

	// Unknown and expired tokens.
	res, body = refresh("made-up")
	mustStatus(t, res, body, http.StatusUnauthorized)
	late := ts.login(t, "admin", testAdminPassword)
	ts.Advance(refreshTTL + time.Minute)
	res, body = refresh(late.RefreshToken)
	mustStatus(t, res, body, http.StatusUnauthorized)
}

func TestConcurrentRefreshIssuesOnePair(t *testing.T) {
	ts := newTestServer(t)
	tr := ts.login(t, "admin", testAdminPassword)
	type result struct{ status int }
	out := make(chan int, 4)
	for i := 0; i < 4; i++ {
		go func() {
			res, _ := ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken})
			out <- res.StatusCode
		}()
	}
	ok := 0
	for i := 0; i < 4; i++ {
		if <-out == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of 4 concurrent refreshes of one token succeeded, want 1", ok)
	}
}

func TestLogoutEndsTheFamily(t *testing.T) {
	ts := newTestServer(t)
	tr := ts.login(t, "admin", testAdminPassword)
	res, body := ts.do(t, "POST", "/api/auth/logout", "", map[string]string{"refresh_token": tr.RefreshToken})
	mustStatus(t, res, body, http.StatusNoContent)
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken})
	mustStatus(t, res, body, http.StatusUnauthorized)
	// Logging out twice is fine.
	res, body = ts.do(t, "POST", "/api/auth/logout", "", map[string]string{"refresh_token": tr.RefreshToken})
	mustStatus(t, res, body, http.StatusNoContent)
}

func TestForgedAccessTokensAreRefused(t *testing.T) {
	ts := newTestServer(t)
	good := ts.login(t, "admin", testAdminPassword)
	admin, err := ts.App.DB.Users.ByUsername(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	// A genuine token's session and generation, so only the tampering differs.
	var genuine accessClaims
	if _, _, err := jwt.NewParser().ParseUnverified(good.AccessToken, &genuine); err != nil {
		t.Fatal(err)
	}
	claims := func(mod func(*jwt.RegisteredClaims)) accessClaims {
		c := jwt.RegisteredClaims{Issuer: jwtIssuer, Subject: admin.ID, Audience: jwt.ClaimStrings{jwtAud},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute))}
		if mod != nil {
			mod(&c)
		}
		return accessClaims{RegisteredClaims: c, Session: genuine.Session, SessionGen: genuine.SessionGen}
	}
	sign := func(m jwt.SigningMethod, key any, c accessClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	key := ts.App.jwtKey
	parts := strings.Split(good.AccessToken, ".")
	sig := []byte(parts[2])
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	// Payload swapped for another subject, signature kept.
	otherPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"anju","sub":"someone-else","aud":["anju-app"],"exp":` +
		jwt.NewNumericDate(now.Add(time.Hour)).String() + `}`))

	for _, tc := range []struct {
		name  string
		token string
		code  string
	}{
		{"control: genuine", sign(jwt.SigningMethodHS256, key, claims(nil)), ""},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), "token_invalid"},
		{"tampered signature", tampered, "token_invalid"},
		{"swapped payload", parts[0] + "." + otherPayload + "." + parts[2], "token_invalid"},
		{"other key", sign(jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), claims(nil)), "token_invalid"},
		{"HS512 with the right key", sign(jwt.SigningMethodHS512, key, claims(nil)), "token_invalid"},
		{"expired", sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})), "token_expired"},
		{"no expiry", sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })), "token_invalid"},
		{"wrong audience", sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) {
			c.Audience = jwt.ClaimStrings{"another-app"}
		})), "token_invalid"},
		{"wrong issuer", sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })), "token_invalid"},
		{"issued in the future", sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour))
		})), "token_invalid"},
		{"unknown user", sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.Subject = "nobody" })), "token_invalid"},
		{"no session", sign(jwt.SigningMethodHS256, key, accessClaims{RegisteredClaims: claims(nil).RegisteredClaims}), "token_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.do(t, "GET", "/api/me", tc.token, nil)
			if tc.code == "" {
				mustStatus(t, res, body, http.StatusOK)
				return
			}
			mustStatus(t, res, body, http.StatusUnauthorized)
			if got := errorCode(body); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}

	// A genuine token stops working once its 15 minutes are over.
	ts.SetNow(now.Add(accessTTL + time.Minute))
	res, body := ts.do(t, "GET", "/api/me", good.AccessToken, nil)
	mustStatus(t, res, body, http.StatusUnauthorized)
}

func TestDisabledUserIsSignedOutEverywhere(t *testing.T) {
	ts := newTestServer(t)
	tok, u := ts.user(t, domain.RoleTownshipOfficer, "622923101")
	tr := ts.login(t, u.Username, testPassword)

	res, body := ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"disabled": true})
	mustStatus(t, res, body, http.StatusOK)

	res, body = ts.do(t, "GET", "/api/me", tok, nil)
	mustStatus(t, res, body, http.StatusUnauthorized)
	if errorCode(body) != "account_disabled" {
		t.Errorf("access token of disabled user: code %q", errorCode(body))
	}
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken})
	mustStatus(t, res, body, http.StatusUnauthorized)
	res, body = ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": testPassword})
	mustStatus(t, res, body, http.StatusUnauthorized)
	if errorCode(body) != "account_disabled" {
		t.Errorf("login of disabled user: code %q", errorCode(body))
	}
	// A wrong password of a disabled account still says only "wrong".
	res, body = ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": "not-the-password"})
	if errorCode(body) != "bad_credentials" {
		t.Errorf("wrong password of disabled user: code %q", errorCode(body))
	}

	// Enabled again: signs in, but the old refresh token stays dead.
	res, body = ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"disabled": false})
	mustStatus(t, res, body, http.StatusOK)
	ts.login(t, u.Username, testPassword)
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken})
	mustStatus(t, res, body, http.StatusUnauthorized)
}

func TestPasswordResetSignsOutAndChangesPassword(t *testing.T) {
	ts := newTestServer(t)
	_, u := ts.user(t, domain.RoleCountyInspector, domain.CountyCode)
	tr := ts.login(t, u.Username, testPassword)
	res, body := ts.do(t, "PATCH", "/api/users/"+u.ID, ts.adminToken(t), map[string]any{"password": "brand-new-secret"})
	mustStatus(t, res, body, http.StatusOK)
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": tr.RefreshToken})
	mustStatus(t, res, body, http.StatusUnauthorized)
	res, body = ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": testPassword})
	mustStatus(t, res, body, http.StatusUnauthorized)
	ts.login(t, u.Username, "brand-new-secret")
	stored, err := ts.App.DB.Users.ByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(stored.PasswordHash), []byte("brand-new-secret")) != nil {
		t.Error("stored hash does not match the new password")
	}
}

func TestConcurrentFailuresAreAllCounted(t *testing.T) {
	ts := newTestServer(t)
	done := make(chan int, lockAfter)
	for i := 0; i < lockAfter; i++ {
		go func() {
			res, _ := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": "parallel-guess"})
			done <- res.StatusCode
		}()
	}
	for i := 0; i < lockAfter; i++ {
		if s := <-done; s != http.StatusUnauthorized {
			t.Errorf("parallel failure answered %d", s)
		}
	}
	// Ten failures at once lock the account as surely as ten in a row.
	res, body := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": testAdminPassword})
	mustStatus(t, res, body, http.StatusTooManyRequests)
}

func TestUserChangesOwnPassword(t *testing.T) {
	ts := newTestServer(t)
	_, u := ts.user(t, domain.RoleVillageCadre, "622923100201")
	first := ts.login(t, u.Username, testPassword)
	second := ts.login(t, u.Username, testPassword) // another phone
	change := func(tok string, body any) (*http.Response, []byte) {
		return ts.do(t, "POST", "/api/me/password", tok, body)
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"wrong old password", map[string]string{"old_password": "not-it-at-all", "new_password": "new-secret-1"}, "old_password"},
		{"short new password", map[string]string{"old_password": testPassword, "new_password": "short"}, "new_password"},
		{"same as before", map[string]string{"old_password": testPassword, "new_password": testPassword}, "new_password"},
		{"missing old password", map[string]string{"new_password": "new-secret-1"}, "old_password"},
	} {
		res, body := change(first.AccessToken, tc.body)
		var e errorBody
		mustJSON(t, body, &e)
		if res.StatusCode != 400 || e.Error.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
	res, body := change("", map[string]string{"old_password": testPassword, "new_password": "new-secret-1"})
	mustStatus(t, res, body, http.StatusUnauthorized)

	res, body = change(first.AccessToken, map[string]string{"old_password": testPassword, "new_password": "new-secret-1"})
	mustStatus(t, res, body, http.StatusOK)
	var fresh tokenResponse
	mustJSON(t, body, &fresh)
	// The other phone is signed out; this one goes on with the fresh pair.
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": second.RefreshToken})
	mustStatus(t, res, body, http.StatusUnauthorized)
	res, body = ts.do(t, "POST", "/api/auth/refresh", "", map[string]string{"refresh_token": fresh.RefreshToken})
	mustStatus(t, res, body, http.StatusOK)
	ts.login(t, u.Username, "new-secret-1")
	res, body = ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": testPassword})
	mustStatus(t, res, body, http.StatusUnauthorized)

	// Guessing the old password counts toward the sign-in lock.
	for i := 0; i < lockAfter; i++ {
		change(fresh.AccessToken, map[string]string{"old_password": "guess-guess", "new_password": "another-secret"})
	}
	res, body = change(fresh.AccessToken, map[string]string{"old_password": "new-secret-1", "new_password": "another-secret"})
	mustStatus(t, res, body, http.StatusTooManyRequests)
}
