package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// sameMask returns a 身份证号 other than id with the same mask (first 6,
// last 4, so the same check character): another birth date whose digits
// weigh the same, its day different so that even the last 6 differ.
func sameMask(t *testing.T, id string) string {
	t.Helper()
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	for y := 1940; y < 2000; y++ {
		for m := 1; m <= 12; m++ {
			for d := 10; d <= 28; d++ {
				first17 := id[:6] + fmt.Sprintf("%04d%02d%02d", y, m, d) + id[14:17]
				sum := 0
				for i := 0; i < 17; i++ {
					sum += int(first17[i]-'0') * w[i]
				}
				c := first17 + string("10X98765432"[sum%11])
				if c != id && c[12:14] != id[12:14] && domain.MaskID(c) == domain.MaskID(id) {
					if code, _ := domain.CheckIDNumber(c, walkStart); code != "" {
						t.Fatalf("made an invalid number %s: %s", c, code)
					}
					return c
				}
			}
		}
	}
	t.Fatal("no number with the same mask")
	return ""
}

// listAnswer is the part of GET /api/cases the search tests read.
type listAnswer struct {
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
	Search *struct {
		By     string `json:"by"`
		IDTail string `json:"id_tail"`
		Notice string `json:"notice"`
	} `json:"search"`
}

func (l listAnswer) ids() []string {
	out := []string{}
	for _, it := range l.Items {
		out = append(out, it.ID)
	}
	return out
}

// search sends GET /api/cases?q=text as token and decodes a 200 answer.
func search(t *testing.T, ts *testServer, token, text string) listAnswer {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/cases?q="+url.QueryEscape(text), token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var l listAnswer
	mustJSON(t, body, &l)
	return l
}

// TestSearchCannotConfirmAMaskedIDNumber: a role that may not see a full
// 身份证号 gets the same answer for the right number and for a wrong one
// with the same mask, whole or by its last digits; a role that may reveal
// tells them apart (and is recorded, see the next test).
func TestSearchCannotConfirmAMaskedIDNumber(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	right := validID(31)
	wrong := sameMask(t, right)
	fileCase(t, ts, s.cadre, "mask-1", vilA, 31)
	fileCase(t, ts, s.cadre, "mask-2", vilA, 32)
	pairs := []struct{ name, right, wrong string }{
		{"whole number", right, wrong},
		{"whole number full-width", fullWidth(right), fullWidth(wrong)},
		{"last 6", right[12:], wrong[12:]},
		{"last 5", right[13:], wrong[13:]},
		{"last 11", right[7:], wrong[7:]},
	}
	for _, who := range []struct {
		name, token string
	}{{"leader", s.leader}, {"inspector", s.inspector}, {"approver", s.approver}, {"disburser", s.disburser}} {
		for _, p := range pairs {
			t.Run(who.name+"/"+p.name, func(t *testing.T) {
				a, b := search(t, ts, who.token, p.right), search(t, ts, who.token, p.wrong)
				if !reflect.DeepEqual(a.ids(), b.ids()) {
					t.Fatalf("the right number finds %v, a wrong one with the same mask %v", a.ids(), b.ids())
				}
				if !reflect.DeepEqual(a.ids(), []string{"mask-1"}) {
					t.Errorf("found %v, want the household by its last 4 digits", a.ids())
				}
				if a.Search == nil || a.Search.By != "id_tail" || a.Search.IDTail != right[14:] || !strings.Contains(a.Search.Notice, "后4位") {
					t.Errorf("search %+v", a.Search)
				}
			})
		}
	}
	for _, who := range []struct {
		name, token string
	}{{"cadre", s.cadre}, {"township officer", s.officer}, {"civil affairs", s.civil}} {
		t.Run(who.name+" may look the whole number up", func(t *testing.T) {
			if got := search(t, ts, who.token, right).ids(); !reflect.DeepEqual(got, []string{"mask-1"}) {
				t.Errorf("right number: %v", got)
			}
			if got := search(t, ts, who.token, wrong).ids(); len(got) != 0 {
				t.Errorf("wrong number: %v", got)
			}
		})
	}
	// Nothing the roles that may not reveal searched is recorded as a reveal.
	recs, err := ts.App.DB.IDSearches.List(context.Background(), mongodb.IDSearchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if !domain.RoleHas(r.ActorRole, domain.PermRevealID) {
			t.Errorf("recorded a search by %s", r.ActorRole)
		}
	}
}

// TestSearchByAWholeIDNumberIsRecordedLikeAReveal: every search by a whole
// number, hit or miss, is recorded with who, when, the number's hash and
// what it found; searches by name or last digits are not.
func TestSearchByAWholeIDNumberIsRecordedLikeAReveal(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	right := validID(41)
	wrong := sameMask(t, right)
	fileCase(t, ts, s.cadre, "rec-1", vilA, 41)
	officer, officerUser := ts.user(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilA))

	l := search(t, ts, s.cadre, fullWidth(right))
	if !reflect.DeepEqual(l.ids(), []string{"rec-1"}) || l.Search == nil || l.Search.By != "id_number" || !strings.Contains(l.Search.Notice, "已记录") {
		t.Fatalf("cadre, whole number: %+v %+v", l.ids(), l.Search)
	}
	ts.Advance(time.Second)
	if got := search(t, ts, officer, wrong).ids(); len(got) != 0 {
		t.Fatalf("officer, wrong number: %v", got)
	}
	ts.Advance(time.Second)
	search(t, ts, s.cadre, right[12:]) // last 6: not a reveal
	search(t, ts, s.cadre, "马41")      // name
	search(t, ts, s.leader, right)     // may not reveal: searched by the last 4
	res, body := ts.do(t, "GET", "/api/cases?q="+right[5:], s.cadre, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"q"`) {
		t.Fatalf("13 digits: %d %s", res.StatusCode, body)
	}

	recs, err := ts.App.DB.IDSearches.List(context.Background(), mongodb.IDSearchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("recorded %d searches, want 2: %+v", len(recs), recs)
	}
	miss, hit := recs[0], recs[1]
	if hit.ActorRole != domain.RoleVillageCadre || hit.ActorArea != vilA || hit.ActorName == "" || hit.ActorID == "" ||
		hit.IDHash != mongodb.IDNumberHash(right) || hit.Results != 1 || !reflect.DeepEqual(hit.CaseIDs, []string{"rec-1"}) ||
		!hit.At.Equal(walkStart) {
		t.Errorf("hit recorded as %+v", hit)
	}
	if miss.ActorID != officerUser.ID || miss.ActorRole != domain.RoleTownshipOfficer || miss.IDHash != mongodb.IDNumberHash(wrong) ||
		miss.Results != 0 || len(miss.CaseIDs) != 0 || !miss.At.Equal(walkStart.Add(time.Second)) {
		t.Errorf("miss recorded as %+v", miss)
	}
	// An auditor finds every search of one number, and the case it found.
	byNumber, err := ts.App.DB.IDSearches.List(context.Background(), mongodb.IDSearchQuery{IDHash: mongodb.IDNumberHash(right)})
	if err != nil || len(byNumber) != 1 || byNumber[0].ID != hit.ID {
		t.Errorf("by number: %+v %v", byNumber, err)
	}
	for _, r := range recs {
		if strings.Contains(fmt.Sprintf("%+v", r), right) || strings.Contains(fmt.Sprintf("%+v", r), wrong) {
			t.Errorf("a record holds the number: %+v", r)
		}
	}
}

// TestSearchesAreRateLimitedPerUser: 30 searches a minute per person;
// the 31st is refused with 429, a Chinese message and Retry-After, until
// the oldest leaves the minute. Others, and lists without q, go on.
func TestSearchesAreRateLimitedPerUser(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	officer := ts.userToken(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilA))
	fileCase(t, ts, cadre, "rate-1", vilA, 51)
	queries := []string{"马", "0101", validID(51), "马5"}
	for i := 0; i < domain.SearchLimit; i++ {
		search(t, ts, cadre, queries[i%len(queries)])
	}
	refused := func(wantRetry string) {
		t.Helper()
		res, body := ts.do(t, "GET", "/api/cases?q="+url.QueryEscape("马"), cadre, nil)
		var e errorAnswer
		mustJSON(t, body, &e)
		if res.StatusCode != http.StatusTooManyRequests || e.Error.Code != "too_many_searches" ||
			res.Header.Get("Retry-After") != wantRetry || e.Error.Details["retry_after_seconds"] != wantRetry ||
			!strings.Contains(e.Error.Message, wantRetry+"秒后再试") {
			t.Fatalf("got %d Retry-After %q %s, want 429 after %s s", res.StatusCode, res.Header.Get("Retry-After"), body, wantRetry)
		}
	}
	refused("60")
	// The list without a search, and another person's search, still answer.
	res, body := ts.do(t, "GET", "/api/cases", cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	search(t, ts, officer, "马")
	ts.Advance(45 * time.Second)
	refused("15")
	ts.Advance(15 * time.Second)
	if got := search(t, ts, cadre, "马").ids(); !reflect.DeepEqual(got, []string{"rate-1"}) {
		t.Fatalf("after the minute: %v", got)
	}
}
