package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The field app in real headless Chromium at a phone's 360×740, against the
// whole product (newTestServer). Skipped when Chromium is missing, unless CI
// is set: then it fails.

// chromiumPath is $ANJU_TEST_CHROMIUM or Debian's /usr/bin/chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("ANJU_TEST_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests need Chromium at %s (set ANJU_TEST_CHROMIUM): %v", p, err)
		}
		t.Skipf("no Chromium at %s (set ANJU_TEST_CHROMIUM); browser tests skipped", p)
	}
	return p
}

var (
	shotsOnce sync.Once
	shotsDir  string
)

// screenshotDir is $ANJU_SCREENSHOTS or a folder under the first test's
// temporary directory; its path is printed once.
func screenshotDir(t *testing.T) string {
	shotsOnce.Do(func() {
		shotsDir = os.Getenv("ANJU_SCREENSHOTS")
		if shotsDir == "" {
			shotsDir = filepath.Join(os.TempDir(), fmt.Sprintf("anju-screenshots-%d", os.Getpid()))
		}
		if err := os.MkdirAll(shotsDir, 0o755); err != nil {
			t.Fatalf("screenshot folder: %v", err)
		}
		fmt.Fprintf(os.Stderr, "browser screenshots: %s\n", shotsDir)
	})
	return shotsDir
}

// browser is one phone: its own Chromium with a fresh profile.
type browser struct {
	t   *testing.T
	ctx context.Context
	url string
}

func newBrowser(t *testing.T, ts *testServer) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// With RenderDocument (on by default in current Chromium) a reload
		// gets a new document host that loses the DevTools offline override
		// of navigator.onLine (requests stay blocked, onLine reads true),
		// unlike a phone without signal. Keep one host per frame.
		chromedp.Flag("disable-features", "RenderDocument"),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	b := &browser{t: t, ctx: ctx, url: ts.URL}
	// The first Run starts the browser: no timeout on it (it would stop the browser).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2),
		chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// do runs steps with a time limit, failing the test on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates JavaScript (awaiting a promise) and decodes its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shot("failed-eval")
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitJS polls until the expression is truthy.
func (b *browser) waitJS(what, js string, limit time.Duration) {
	b.t.Helper()
	// The limits are what a phone should manage; a 2-core CI machine
	// compiling and running other packages' tests beside the browser may
	// take several times longer, and waiting costs nothing when it is quick.
	limit *= waitSlack
	deadline := time.Now().Add(limit)
	for {
		ok := eval[bool](b, "(async () => Boolean(await ("+js+")))()")
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("timeout-" + strings.ReplaceAll(what, " ", "-"))
			b.t.Fatalf("waited %v for %s (%s)", limit, what, js)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// waitSlack stretches every waitJS limit (see there).
const waitSlack = 4

// shot saves a screenshot of the whole page.
func (b *browser) shot(name string) {
	dir := screenshotDir(b.t)
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// fill sets a form control's value and fires the events typing would.
func (b *browser) fill(selector, value string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
		el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, selector, value)
	if !eval[bool](b, js) {
		b.shot("missing-control")
		b.t.Fatalf("no control %s", selector)
	}
}

// click clicks the first element matching a CSS selector (by JavaScript, so
// it works for elements under the fixed tab bar too).
func (b *browser) click(selector string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.scrollIntoView({block: 'center'}); el.click(); return true; })()`, selector)
	if !eval[bool](b, js) {
		b.shot("missing-element")
		b.t.Fatalf("nothing to click at %s", selector)
	}
}

// networkConditions is Network.emulateNetworkConditions, gone from cdproto
// but still accepted by Chrome (see shared/VERIFIED.md).
type networkConditions struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}

var emulateNetworkConditions = cdp.Command[networkConditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}

// setOffline cuts (or restores) the network for the page AND its service
// worker: the worker is a target of its own and would still reach the server.
func (b *browser) setOffline(off bool) {
	b.t.Helper()
	cond := networkConditions{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatalf("network enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulateNetworkConditions, cond); err != nil {
		b.t.Fatalf("emulate network on the page: %v", err)
	}
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		b.t.Fatalf("targets: %v", err)
	}
	workers := 0
	for _, info := range infos {
		if info.Type != "service_worker" {
			continue
		}
		wctx, _ := chromedp.NewContext(b.ctx, chromedp.WithTargetID(info.TargetID))
		cctx, cancelW := context.WithTimeout(wctx, 20*time.Second)
		if _, err := chromedp.Call(cctx, network.Enable, network.EnableParams{}); err != nil {
			b.t.Fatalf("network enable on the worker: %v", err)
		}
		if _, err := chromedp.Call(cctx, emulateNetworkConditions, cond); err != nil {
			b.t.Fatalf("emulate network on the worker: %v", err)
		}
		cancelW()
		workers++
	}
	if workers == 0 {
		b.t.Fatalf("no service worker target to take offline")
	}
}

// signIn opens the app, signs in through the form and waits until the
// service worker controls the page (so the shell is cached).
func (b *browser) signIn(username, password string) {
	b.t.Helper()
	b.do("open the app", chromedp.Navigate(b.url+"/"))
	b.waitJS("the sign-in form", `document.querySelector('input[name=username]')`, 15*time.Second)
	b.fill("input[name=username]", username)
	b.fill("input[name=password]", password)
	b.click("form.login button[type=submit]")
	b.waitJS("signed in", `window.anju && window.anju.user && document.querySelector('header.top')`, 15*time.Second)
	b.waitJS("the service worker in control", `navigator.serviceWorker.ready.then(() => Boolean(navigator.serviceWorker.controller))`, 60*time.Second)
}

func TestBrowserShellLoadsOffline(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	b := newBrowser(t, ts)
	// First visit: what the phone downloads for the shell (page, styles, modules).
	var fmu sync.Mutex
	shellReq := map[network.RequestID]bool{}
	var firstBytes float64
	fctx, cancelF := context.WithCancel(b.ctx)
	if err := chromedp.Listen(fctx, func(ev any) {
		fmu.Lock()
		defer fmu.Unlock()
		switch e := ev.(type) {
		case *network.EventResponseReceived:
			if !strings.Contains(e.Response.URL, "/api/") {
				shellReq[e.RequestID] = true
			}
		case *network.EventLoadingFinished:
			if shellReq[e.RequestID] {
				firstBytes += e.EncodedDataLength
			}
		}
	}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("network enable: %v", err)
	}
	b.do("open the app", chromedp.Navigate(ts.URL+"/"))
	b.waitJS("the sign-in form", `document.querySelector('input[name=username]')`, 15*time.Second)
	time.Sleep(300 * time.Millisecond)
	cancelF()
	fmu.Lock()
	t.Logf("first visit: %d shell responses, %.1f KB over the network (headers included)", len(shellReq), firstBytes/1024)
	if firstBytes > 110*1024 {
		t.Errorf("first visit transferred %.1f KB for the shell; budget 100 KB of HTML, CSS and JS (+ headers)", firstBytes/1024)
	}
	fmu.Unlock()
	b.shot("01-sign-in")

	// A wrong password is told in Chinese, on the form.
	b.fill("input[name=username]", "admin")
	b.fill("input[name=password]", "not-the-password")
	b.click("form.login button[type=submit]")
	b.waitJS("the refusal", `document.querySelector('form.login .err').textContent.length > 0`, 10*time.Second)

	b.signIn("admin", testAdminPassword)
	b.waitJS("the admin page", `document.querySelector('main section.card')`, 10*time.Second)

	// Signed in once per device: an expired access token is refreshed quietly.
	before := eval[string](b, `JSON.parse(localStorage.getItem('anju.tokens')).access_token`)
	ts.Advance(accessTTL + time.Minute)
	b.do("reopen the app later", chromedp.Reload())
	b.waitJS("the users list after a quiet refresh", `document.querySelector('#userlist .item') && !document.querySelector('input[name=password]:not([autocomplete=new-password])')`, 15*time.Second)
	if after := eval[string](b, `JSON.parse(localStorage.getItem('anju.tokens')).access_token`); after == before {
		t.Errorf("the access token was not refreshed")
	}

	// The admin's page: villages from a CSV file, a new cadre, disabling.
	csv := filepath.Join(t.TempDir(), "villages.csv")
	if err := os.WriteFile(csv, []byte("code,name,parent_code\n622923103201,样例村甲,622923103\n622923103202,样例村乙,622923103\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("pick the CSV", chromedp.SetUploadFiles(chromedp.CSS(`input[name=csv]`), []string{csv}))
	b.click(`input[name=csv] + button`)
	b.waitJS("the villages listed", `document.body.textContent.includes('样例村甲') && document.body.textContent.includes('样例村乙')`, 10*time.Second)
	b.fill("form [name=username]", "cadre-jia")
	b.fill("form [name=password]", "jia-village-secret")
	b.fill("form [name=name]", "甲村干部")
	b.fill("form [name=role]", "village_cadre")
	b.fill("form [name=area_code]", "622923103201")
	b.click(`form [name=area_code]`)
	eval[any](b, `document.querySelector('form [name=username]').form.requestSubmit(), null`)
	b.waitJS("the new user listed", `Boolean(document.querySelector('#userlist .item[data-user="cadre-jia"]'))`, 10*time.Second)
	b.shot("01b-admin")
	eval[any](b, `window.confirm = () => true, null`)
	b.click(`#userlist .item[data-user="cadre-jia"] button`)
	b.waitJS("disabled", `document.querySelector('#userlist .item[data-user="cadre-jia"]').textContent.includes('已停用')`, 10*time.Second)
	res, body := ts.do(t, "POST", "/api/auth/login", "", map[string]string{"username": "cadre-jia", "password": "jia-village-secret"})
	if res.StatusCode == http.StatusOK {
		t.Errorf("a disabled user signed in: %s", body)
	}

	// Offline, a reload is served by the worker: no byte from the network.
	b.setOffline(true)
	var mu sync.Mutex
	var fromNetwork, fromWorker, failed int
	var bytes float64
	lctx, cancelL := context.WithCancel(b.ctx)
	defer cancelL()
	if err := chromedp.Listen(lctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventResponseReceived:
			if e.Response.FromServiceWorker {
				fromWorker++
			} else {
				fromNetwork++
			}
		case *network.EventLoadingFinished:
			bytes += e.EncodedDataLength
		case *network.EventLoadingFailed:
			failed++
		}
	}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	b.do("reload offline", chromedp.Reload())
	b.waitJS("the app after an offline reload", `window.anju && window.anju.user && document.querySelector('header.top') && document.getElementById('net').textContent === '离线'`, 15*time.Second)
	b.shot("02-offline-reload")
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("offline repeat load: %d responses from the service worker, %d from the network, %.0f bytes over the network, %d failed", fromWorker, fromNetwork, bytes, failed)
	if fromWorker < 5 {
		t.Errorf("offline reload: %d responses from the service worker, want the page, styles and modules (≥5)", fromWorker)
	}
	if fromNetwork != 0 {
		t.Errorf("offline reload: %d responses from the network, want 0", fromNetwork)
	}
}
