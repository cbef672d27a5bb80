package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

// behindProxy is a test server that believes X-Forwarded-For from its
// loopback peer, as behind a reverse proxy, so a test can speak from many
// client addresses.
func behindProxy(t *testing.T) *testServer {
	t.Helper()
	return newTestServerConfig(t, func(c *Config) { c.TrustedProxies = "127.0.0.1" })
}

// loginFrom tries a sign-in as if from the client address addr (sent as
// X-Forwarded-For).
func (ts *testServer) loginFrom(t *testing.T, addr, username, password string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", ts.URL+"/api/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	return ts.send(t, req)
}

// mustRefuseUntil checks a 429 answer: its code, a message naming the
// minutes to wait, and the same wait in seconds in details and Retry-After.
func mustRefuseUntil(t *testing.T, res *http.Response, body []byte, code string, wait time.Duration) {
	t.Helper()
	mustStatus(t, res, body, http.StatusTooManyRequests)
	var e errorBody
	mustJSON(t, body, &e)
	if e.Error.Code != code {
		t.Errorf("code %q, want %q: %s", e.Error.Code, code, body)
	}
	secs := strconv.Itoa(int(wait.Seconds()))
	if e.Error.Details["retry_after_seconds"] != secs || res.Header.Get("Retry-After") != secs {
		t.Errorf("retry after: details %q, header %q, want %s", e.Error.Details["retry_after_seconds"], res.Header.Get("Retry-After"), secs)
	}
	mins := strconv.Itoa(int((wait + time.Minute - 1) / time.Minute))
	if !strings.Contains(e.Error.Message, mins+"分钟后再试") {
		t.Errorf("message %q does not say %s minutes", e.Error.Message, mins)
	}
}

// TestOneAddressCannotLockOthersOut: an address guessing at accounts is
// stopped, per account after 10 failures and altogether after 50, while
// the people whose accounts it guessed sign in from their own phones.
func TestOneAddressCannotLockOthersOut(t *testing.T) {
	ts := behindProxy(t)
	start := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	ts.SetNow(start)
	const guesser = "203.0.113.9"
	var victims []userResponse
	for i := 0; i < addressLockAfter/lockAfter; i++ {
		_, u := ts.user(t, domain.RoleVillageCadre, "622923100201")
		victims = append(victims, u)
	}
	for i, u := range victims {
		for k := 0; k < lockAfter; k++ {
			res, body := ts.loginFrom(t, guesser, u.Username, fmt.Sprintf("guess-%d-%d", i, k))
			mustStatus(t, res, body, http.StatusUnauthorized)
		}
		if i == 0 {
			// The guesser may not try this account any more, even with the
			// right password; the cadre, from the village, signs in.
			ts.Advance(time.Minute)
			res, body := ts.loginFrom(t, guesser, u.Username, testPassword)
			mustRefuseUntil(t, res, body, "too_many_attempts", lockWindow-time.Minute)
			res, body = ts.loginFrom(t, "198.51.100.20", u.Username, testPassword)
			mustStatus(t, res, body, http.StatusOK)
		}
	}
	// 50 failures: the guesser's address may not sign in at all …
	res, body := ts.loginFrom(t, guesser, "admin", testAdminPassword)
	mustRefuseUntil(t, res, body, "address_throttled", lockWindow-time.Minute)
	res, body = ts.loginFrom(t, guesser, "nobody-yet", "another-guess")
	mustStatus(t, res, body, http.StatusTooManyRequests)
	// … and every cadre it guessed at still signs in from elsewhere.
	for i, u := range victims {
		res, body := ts.loginFrom(t, fmt.Sprintf("198.51.100.%d", 30+i), u.Username, testPassword)
		mustStatus(t, res, body, http.StatusOK)
	}
	// The window passes for the guesser too.
	ts.SetNow(start.Add(lockWindow + 2*time.Minute))
	res, body = ts.loginFrom(t, guesser, "admin", testAdminPassword)
	mustStatus(t, res, body, http.StatusOK)
}

// TestManyAddressesLockAnAccountUntilAdminUnlocks: guessing one account
// from many addresses locks it for everyone; the person is told when to
// try again, and the admin can unlock at once.
func TestManyAddressesLockAnAccountUntilAdminUnlocks(t *testing.T) {
	ts := behindProxy(t)
	start := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	ts.SetNow(start)
	cadre, u := ts.user(t, domain.RoleVillageCadre, "622923100201")
	for a := 0; a < accountLockAfter/lockAfter; a++ {
		for k := 0; k < lockAfter; k++ {
			res, body := ts.loginFrom(t, fmt.Sprintf("203.0.113.%d", 10+a), u.Username, "guess-"+strconv.Itoa(a*100+k))
			mustStatus(t, res, body, http.StatusUnauthorized)
		}
	}
	ts.Advance(4 * time.Minute)
	res, body := ts.loginFrom(t, "198.51.100.20", u.Username, testPassword)
	mustRefuseUntil(t, res, body, "account_locked", lockWindow-4*time.Minute)
	if !strings.Contains(string(body), "管理员解锁") {
		t.Errorf("the locked person is not told the admin can unlock: %s", body)
	}

	unlock := func(token, id string) (*http.Response, []byte) {
		return ts.do(t, "POST", "/api/users/"+id+"/unlock", token, nil)
	}
	res, body = unlock(cadre, u.ID)
	mustStatus(t, res, body, http.StatusForbidden)
	res, body = unlock(ts.adminToken(t), "no-such-user")
	mustStatus(t, res, body, http.StatusNotFound)
	res, body = unlock(ts.adminToken(t), u.ID)
	mustStatus(t, res, body, http.StatusNoContent)
	res, body = ts.loginFrom(t, "198.51.100.20", u.Username, testPassword)
	mustStatus(t, res, body, http.StatusOK)
}

// TestForwardedForIsNotBelievedWithoutATrustedProxy: without
// ANJU_TRUSTED_PROXIES a guesser cannot pose as many addresses by writing
// X-Forwarded-For: its failures all count against its own.
func TestForwardedForIsNotBelievedWithoutATrustedProxy(t *testing.T) {
	ts := newTestServer(t)
	for i := 0; i < addressLockAfter; i++ {
		res, body := ts.loginFrom(t, fmt.Sprintf("198.51.100.%d", i), fmt.Sprintf("someone-%d", i), "a-guess-"+strconv.Itoa(i))
		mustStatus(t, res, body, http.StatusUnauthorized)
	}
	res, body := ts.loginFrom(t, "192.0.2.1", "someone-else", "a-guess")
	mustStatus(t, res, body, http.StatusTooManyRequests)
	if errorCode(body) != "address_throttled" {
		t.Errorf("code %q, want address_throttled", errorCode(body))
	}
}

// TestPasswordHashesRunFewAtATime: however many sign-ins arrive at once,
// no more bcrypt hashes run together than there are slots.
func TestPasswordHashesRunFewAtATime(t *testing.T) {
	ts := newTestServerConfig(t, func(c *Config) { c.HashSlots = 2 })
	var mu sync.Mutex
	running, most := 0, 0
	ts.App.inHashSlot = func() {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // a slow hash, so sign-ins overlap
		mu.Lock()
		running--
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, _ := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": fmt.Sprintf("flood-%d", i), "password": "wrong-guess"})
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("sign-in %d answered %d", i, res.StatusCode)
			}
		}(i)
	}
	wg.Wait()
	if most != 2 {
		t.Errorf("at most %d hashes ran at once, want 2 (the slots)", most)
	}
}
