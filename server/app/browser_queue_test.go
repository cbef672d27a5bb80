package app

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yongjing/anju/domain"
)

// TestBrowserWorkIsGroupedSearchedAndSignalled: at 360 × 740 a township
// officer sees the 待办 grouped with counts, the 公示 that can close today
// signalled on the dashboard, the longest waiting first, and finds a case
// by the last 4 digits of its ID; the cadre sees a returned case marked on
// the tab and at the top of the village's list.
func TestBrowserWorkIsGroupedSearchedAndSignalled(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	for n := 1; n <= 6; n++ {
		fileCase(t, ts, s.cadre, "w"+string(rune('0'+n)), vilA, n)
	}
	walkTo(t, ts, s, "w3", 3, domain.StageTownshipPublicity)
	walkTo(t, ts, s, "w6", 6, domain.StageTownshipPublicity)
	addEvidence(t, ts, "w3", domain.PhotoNoticeTownship) // w6's notice is not photographed
	walkTo(t, ts, s, "w2", 2, domain.StageTownshipReview)
	c5 := walkTo(t, ts, s, "w5", 5, domain.StageTownshipReview)
	mustAct(t, ts, s.officer, "w5", "township_review", c5.Version, map[string]any{"result": "return", "reason": "户口簿照片不清晰"})
	walkTo(t, ts, s, "w4", 4, domain.StageTownshipReview)

	ob := newBrowser(t, ts)
	ob.signIn(s.names[&s.officer], testPassword)
	ob.waitJS("the signal on the dashboard", `document.querySelector('#signals [data-signal="publicity_closable"]')`, 15*time.Second)
	ob.shot("30-officer-dashboard-signal")
	ob.click(`#signals [data-signal="publicity_closable"]`)
	ob.waitJS("the closable group", `document.querySelector('[data-queue="publicity_closable"] [data-case="w3"]')`, 15*time.Second)
	ob.do("the whole queue", chromedp.Navigate(ts.URL+"/#/queue"))
	ob.waitJS("the groups", `document.querySelector('[data-queue="township_review"]') && document.querySelector('.chip[data-group="township_review"] b')`, 15*time.Second)
	ob.shot("31-officer-queue")
	counts := eval[map[string]string](ob, `Object.fromEntries([...document.querySelectorAll('.chip[data-group]')].map((c) => [c.dataset.group, c.querySelector('b').textContent]))`)
	if want := map[string]string{"": "4", "publicity_closable": "2", "township_review": "2"}; !reflect.DeepEqual(counts, want) {
		t.Errorf("group counts %v, want %v", counts, want)
	}
	order := eval[[]string](ob, `[...document.querySelectorAll('[data-queue="township_review"] [data-case]')].map((e) => e.dataset.case)`)
	if !reflect.DeepEqual(order, []string{"w2", "w4"}) {
		t.Errorf("待初审 in order %v, want the longest waiting (w2) first", order)
	}
	if badge := eval[string](ob, `document.querySelector('[data-work-count="total"]').textContent`); badge != "4" {
		t.Errorf("the 待办 tab shows %q, want 4", badge)
	}
	ob.fill(`form.filters [name=q]`, validID(4)[14:])
	eval[any](ob, `document.querySelector('form.filters').requestSubmit(), null`)
	ob.waitJS("the search result", `location.hash.includes('q=') && document.querySelectorAll('#caselist [data-case]').length === 1 && document.querySelector('#caselist [data-case="w4"]')`, 15*time.Second)
	ob.shot("32-officer-search-id")
	if small := eval[int](ob, `[...document.querySelectorAll('main button, main input, main select, .chip')].filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44).length`); small > 0 {
		t.Errorf("%d controls on the work screen are under 44 px high", small)
	}

	// Close the finished 公示 in one go: a preview, then each case's result.
	ob.do("the whole queue again", chromedp.Navigate(ts.URL+"/#/queue"))
	ob.waitJS("the batch button", `document.querySelector('[data-batch="publicity_closable"]')`, 15*time.Second)
	ob.click(`[data-batch="publicity_closable"]`)
	ob.waitJS("the preview", `document.querySelector('.batchrow[data-case="w3"] input[type=checkbox]') && document.querySelector('.batchrow.off[data-case="w6"] .reason')`, 15*time.Second)
	if why := eval[string](ob, `document.querySelector('.batchrow[data-case="w6"] .reason').textContent`); !strings.Contains(why, "乡镇公示") {
		t.Errorf("w6 is held back for %q, want its missing notice photo", why)
	}
	ob.shot("34-batch-preview")
	if small := eval[int](ob, `[...document.querySelectorAll('main button, .batchrow')].filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44).length`); small > 0 {
		t.Errorf("%d rows or buttons of the batch screen are under 44 px high", small)
	}
	ob.click(`main button.primary`)
	ob.waitJS("the results", `document.querySelector('#batchresults [data-result="w3"][data-ok="true"]')`, 15*time.Second)
	ob.shot("35-batch-results")
	if c, _ := ts.App.DB.Cases.Get(t.Context(), "w3"); c.Stage != domain.StageCountyReview {
		t.Errorf("w3 is at %s after the batch, want county_review", c.Stage)
	}

	cb := newBrowser(t, ts)
	cb.signIn(s.names[&s.cadre], testPassword)
	cb.waitJS("the village list", `document.querySelector('#caselist .item')`, 15*time.Second)
	cb.waitJS("the tab marked", `document.querySelector('[data-work-count="returned"]') && document.querySelector('[data-work-count="returned"]').textContent === '1'`, 15*time.Second)
	cb.shot("33-cadre-returned-marked")
	first := eval[string](cb, `document.querySelector('#caselist .item').dataset.case`)
	cls := eval[string](cb, `document.querySelector('#caselist .item').className`)
	if first != "w5" || !strings.Contains(cls, "returned") {
		t.Errorf("first in the cadre's list %s (%s), want the returned w5 marked", first, cls)
	}
}
