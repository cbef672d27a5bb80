package app

import (
	"context"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// Sign-in limits. Failures count for 15 minutes, by account and by the
// client's address, so that a guesser is stopped without the person whose
// account it guesses being stopped too:
//   - one account from one address: after 10 failures that address may
//     not try that account (the person mistyping is told when to retry);
//   - one address, whatever the accounts: after 50 failures it may not
//     sign in at all (one address cannot go through every account);
//   - one account from everywhere: after 50 failures (so from 5 addresses
//     at least) it is locked for everyone until the window passes or an
//     admin unlocks it (a guesser spread over many addresses).
//
// A township office behind one address has 50 failures to share.
const (
	lockAfter        = 10
	addressLockAfter = 50
	accountLockAfter = 50
	lockWindow       = 15 * time.Minute
)

// hashWait is how long a sign-in waits for a free hashing slot before it
// is told the service is busy.
const hashWait = 10 * time.Second

// hashNice is the nice value of the hashing threads: a busy CPU gives them
// about a tenth of what it gives the server's other threads, so while
// people work a flood's hashes wait, and when the CPU is idle they run at
// full speed.
const hashNice = 10

// defaultHashSlots is how many bcrypt hashes run at once: half the CPUs
// (at least one), so a flood of sign-ins leaves the other half to the
// people at work (scripts/benchlogin measures it).
func defaultHashSlots() int { return max(1, runtime.NumCPU()/2) }

func errHashBusy() error {
	return &domain.Error{Kind: domain.KindUnavailable, Code: "sign_in_busy",
		Message: "现在登录的人太多，请稍等几秒再试", Details: map[string]string{"retry_after_seconds": "5"}}
}

// hasher runs password hashes and checks on a few OS threads of their own
// (the hashing slots), each at a lower priority. bcrypt takes a CPU for
// tens of milliseconds: unbounded, or at the priority of everything else,
// a flood of sign-ins starves every other request. The hashing threads
// also get Go processors of their own (GOMAXPROCS grows by the slots
// once), or a low-priority thread the OS seldom runs would sit on one of
// the processors the rest of the server needs. scripts/benchlogin, on 2
// CPUs: a cadre's case list p95 ×1.55 under 40 clients flooding from new
// addresses, against ×7.85 with the same one slot at normal priority and
// ×2.97 with a slot per CPU.
type hasher struct {
	jobs chan func()
	quit chan struct{}
}

func newHasher(slots int) *hasher {
	extraProcs.Do(func() { runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + slots) })
	h := &hasher{jobs: make(chan func()), quit: make(chan struct{})}
	for i := 0; i < slots; i++ {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			lowerThreadPriority()
			for {
				select {
				case job := <-h.jobs:
					job()
				case <-h.quit:
					return
				}
			}
		}()
	}
	return h
}

// close stops the hashing threads; a hash asked for after waits hashWait
// and is told the service is busy.
func (h *hasher) close() { close(h.quit) }

var extraProcs sync.Once

// withHashSlot runs fn, which hashes or checks a password, in a hashing
// slot once one is free (at most hashWait), and returns its error.
func (a *App) withHashSlot(ctx context.Context, fn func() error) error {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	done := make(chan error, 1)
	job := func() {
		if a.inHashSlot != nil {
			a.inHashSlot()
		}
		done <- fn()
	}
	select {
	case a.hasher.jobs <- job:
	case <-t.C:
		return errHashBusy()
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-done // fn writes the caller's variables: wait for it even if the caller has gone
}

// refusalDelay is how long a sign-in refused by a limit is held before its
// 429, at most maxHeldRefusals at once: a guesser looping on refusals
// waits instead of costing a CPU, and beyond that many held answers the
// rest are answered at once (a held answer costs a connection).
const (
	refusalDelay    = time.Second
	maxHeldRefusals = 256
)

// holdRefusal waits a.refusalDelay (or until the client hangs up) when
// fewer than maxHeldRefusals are waiting already.
func (a *App) holdRefusal(ctx context.Context) {
	if a.refusalDelay <= 0 {
		return
	}
	select {
	case a.heldRefusals <- struct{}{}:
		defer func() { <-a.heldRefusals }()
	default:
		return
	}
	t := time.NewTimer(a.refusalDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// hashPassword is bcrypt at the configured cost, in a hashing slot.
func (a *App) hashPassword(ctx context.Context, password string) (string, error) {
	var hash []byte
	err := a.withHashSlot(ctx, func() (err error) {
		hash, err = bcrypt.GenerateFromPassword([]byte(password), a.Cfg.BcryptCost)
		return err
	})
	return string(hash), err
}

// clientAddr is the address sign-in failures are counted by: echo's
// RealIP (the peer, or what a trusted proxy forwarded: see ipExtractor),
// an IPv6 address reduced to its /64, which one phone or home is given.
func clientAddr(c echo.Context) string {
	s := c.RealIP()
	ip := net.ParseIP(s)
	if ip == nil {
		if len(s) > 64 {
			s = s[:64]
		}
		return s
	}
	if ip.To4() != nil {
		return ip.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// ipExtractor decides where a request comes from. Without
// ANJU_TRUSTED_PROXIES it is the connection's peer and X-Forwarded-For is
// ignored: anyone can write that header, and believing it would let one
// address pose as many. With trusted proxies, X-Forwarded-For is read from
// the right, skipping those proxies, to the first address not theirs.
func (a *App) ipExtractor() echo.IPExtractor {
	if len(a.trustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range a.trustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// checkSignInLimits refuses a sign-in of account from addr while any
// limit above holds, naming when it may be tried again (the latest of
// the limits that hold); the refusal is held a moment (holdRefusal).
func (a *App) checkSignInLimits(ctx context.Context, account, addr string, now time.Time) error {
	err := a.signInLimit(ctx, account, addr, now)
	if domain.ErrorKind(err) == domain.KindTooMany {
		a.holdRefusal(ctx)
	}
	return err
}

func (a *App) signInLimit(ctx context.Context, account, addr string, now time.Time) error {
	since := now.Add(-lockWindow)
	var refusal error
	var latest time.Time
	for _, l := range []struct {
		f    mongodb.FailureFilter
		n    int
		deny func(until, now time.Time) error
	}{
		{mongodb.FailureFilter{Account: account, Addr: addr}, lockAfter, tooManyAttempts},
		{mongodb.FailureFilter{Account: account}, accountLockAfter, accountLocked},
		{mongodb.FailureFilter{Addr: addr}, addressLockAfter, addressThrottled},
	} {
		recent, err := a.DB.Lockouts.Recent(ctx, l.f, since, l.n)
		if err != nil {
			return err
		}
		if until, locked := lockedUntil(recent, l.n, now); locked && until.After(latest) {
			refusal, latest = l.deny(until, now), until
		}
	}
	return refusal
}

// recordFailure counts a failed sign-in (or a wrong current password) of
// account from addr.
func (a *App) recordFailure(ctx context.Context, account, addr string, now time.Time) error {
	return a.DB.Lockouts.Record(ctx, mongodb.Failure{ID: newID(), Account: account, Addr: addr, At: now})
}

// lockedUntil reports whether the recent failures (newest first, at most
// n of the last lockWindow) hold n failures, and until when: the oldest
// of them leaves the window then.
func lockedUntil(recent []time.Time, n int, now time.Time) (time.Time, bool) {
	if len(recent) < n {
		return time.Time{}, false
	}
	until := recent[n-1].Add(lockWindow)
	return until, now.Before(until)
}

// retryAfter is the wait until until in whole seconds (at least 1) and in
// minutes rounded up, as people read it.
func retryAfter(until, now time.Time) (secs, mins int) {
	secs = max(1, int(math.Ceil(until.Sub(now).Seconds())))
	return secs, (secs + 59) / 60
}

func tooManyAttempts(until, now time.Time) error {
	secs, mins := retryAfter(until, now)
	return &domain.Error{Kind: domain.KindTooMany, Code: "too_many_attempts",
		Message: "密码错误次数过多，请" + strconv.Itoa(mins) + "分钟后再试；急需登录请联系管理员解锁",
		Details: map[string]string{"retry_after_seconds": strconv.Itoa(secs)}}
}

func accountLocked(until, now time.Time) error {
	secs, mins := retryAfter(until, now)
	return &domain.Error{Kind: domain.KindTooMany, Code: "account_locked",
		Message: "此账号近期在多处登录失败，已暂时锁定，请" + strconv.Itoa(mins) + "分钟后再试，或联系管理员解锁",
		Details: map[string]string{"retry_after_seconds": strconv.Itoa(secs)}}
}

func addressThrottled(until, now time.Time) error {
	secs, mins := retryAfter(until, now)
	return &domain.Error{Kind: domain.KindTooMany, Code: "address_throttled",
		Message: "这台手机所在的网络登录失败次数过多，请" + strconv.Itoa(mins) + "分钟后再试",
		Details: map[string]string{"retry_after_seconds": strconv.Itoa(secs)}}
}

// unlockUser lets the admin lift a sign-in lock at once (the person is on
// the phone and the window has not passed): every counted failure of the
// account, from every address, is forgotten. It answers 204.
func (a *App) unlockUser(c echo.Context) error {
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManageUsers, domain.CountyCode); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := a.DB.Users.ByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := a.DB.Lockouts.Clear(ctx, mongodb.FailureFilter{Account: u.Username}); err != nil {
		return err
	}
	logOf(c).Info("sign-in unlocked", "user_id", u.ID, "by", act.UserID)
	return c.NoContent(http.StatusNoContent)
}
