package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yongjing/anju/domain"
)

// TestBrowserAdminOpensANewYearAndTheCadreFilesIntoIt: on 2026-12-01, at
// 360 × 740, the admin opens 2026 from 2024's rules on the 年度方案
// screen; a cadre's app then files into 2026 by default, and its list has
// a year selector; an amendment shows in the admin's screen with old and
// new values.
func TestBrowserAdminOpensANewYearAndTheCadreFilesIntoIt(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	ts.SetNow(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	_, cadre := ts.user(t, domain.RoleVillageCadre, vilA)

	ab := newBrowser(t, ts)
	ab.signIn("admin", testAdminPassword)
	ab.do("open the programs", chromedp.Navigate(ts.URL+"/#/programs"))
	ab.waitJS("the programs", `document.querySelector('#opennew') && document.querySelector('[data-program="2024"]')`, 15*time.Second)
	ab.click("#opennew")
	if got := eval[string](ab, `document.querySelector('#newprogram [name=year]').value`); got != "2025" {
		t.Fatalf("the new year offered is %s, want 2025 (after 2024)", got)
	}
	if got := eval[string](ab, `document.querySelector('#newprogram [name=deadline]').value`); got != "2025-09-30" {
		t.Fatalf("the deadline offered is %s, want 2024's moved a year", got)
	}
	ab.fill("#newprogram [name=year]", "2026")
	ab.fill("#newprogram [name=starts_on]", "2026-01-01")
	ab.fill("#newprogram [name=deadline]", "2027-06-30")
	ab.fill("#newprogram [name=rebuild_subsidy_yuan]", "35000")
	ab.fill("#newprogram [name=supervision_phone]", "0930-8812345")
	ab.click("#newprogram button[type=submit]")
	ab.waitJS("2026 listed as current", `(document.querySelector('[data-program="2026"]') || {textContent: ''}).textContent.includes('当前年度')`, 15*time.Second)
	ab.shot("20-admin-programs")
	// Touch targets stay 44 px on the new screen.
	if small := eval[int](ab, `[...document.querySelectorAll('main button, main input, main select')].filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44).length`); small > 0 {
		t.Errorf("%d controls on the programs screen are under 44 px high", small)
	}

	cb := newBrowser(t, ts)
	cb.signIn(cadre.Username, testPassword)
	cb.waitJS("the village list with its year", `document.querySelector('main [name=program_year]') && document.querySelector('main [name=program_year]').value === '2026'`, 15*time.Second)
	cb.shot("21-cadre-list-2026")
	cb.do("new application", chromedp.Navigate(ts.URL+"/#/new"))
	cb.waitJS("the form", `document.querySelector('form [name=head_name]')`, 15*time.Second)
	if y := eval[int](cb, `window.anju.program.year`); y != 2026 {
		t.Fatalf("the app files into %d, want the current 2026", y)
	}
	if got := eval[string](cb, `(document.querySelector('form [name=program_year]') || {value: ''}).value`); got != "2026" {
		t.Fatalf("the filing year offered is %q, want 2026", got)
	}
	// The list's year selector shows another year's cases.
	cb.do("back to the list", chromedp.Navigate(ts.URL+"/#/cases"))
	cb.waitJS("the list", `document.querySelector('main [name=program_year]')`, 15*time.Second)
	cb.fill("main [name=program_year]", "2024")
	cb.waitJS("2024 chosen", `window.anju.year === 2024 && (document.querySelector('main [name=program_year]') || {}).value === '2024'`, 15*time.Second)

	// A case in 2026, then an amendment: the admin's screen shows it.
	f := filing("br-26", vilA, 7)
	f["program_year"] = 2026
	res, body := ts.do(t, "POST", "/api/cases", ts.login(t, cadre.Username, testPassword).AccessToken, f)
	mustStatus(t, res, body, http.StatusCreated)
	ab.do("reload the programs", chromedp.Navigate(ts.URL+"/#/admin"))
	ab.do("the programs again", chromedp.Navigate(ts.URL+"/#/programs"))
	ab.waitJS("2026 in use", `(document.querySelector('[data-program="2026"]') || {textContent: ''}).textContent.includes('1 户')`, 15*time.Second)
	ab.click(`[data-program="2026"] .row.wrap button`)
	ab.fill(`[data-program="2026"] form [name=rebuild_subsidy_yuan]`, "36000")
	ab.fill(`[data-program="2026"] form [name=reason]`, "按省住建厅通知提高补助标准")
	ab.click(`[data-program="2026"] form button[type=submit]`)
	ab.waitJS("the amendment recorded", `(document.querySelector('[data-program="2026"] .result') || {textContent: ''}).textContent.includes('第1号修订')`, 15*time.Second)
	ab.waitJS("the record listed", `(document.querySelector('[data-program="2026"] [data-amendment="1"]') || {textContent: ''}).textContent.includes('35,000 元 → 36,000 元')`, 20*time.Second)
	ab.shot("22-admin-amendment")
	if txt := eval[string](ab, `document.querySelector('[data-program="2026"] [data-amendment="1"]').textContent`); !strings.Contains(txt, "按省住建厅通知提高补助标准") {
		t.Errorf("the amendment record lacks its reason: %s", txt)
	}
}
