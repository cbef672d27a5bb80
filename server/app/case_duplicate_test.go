package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
)

// fullWidth types s as a Chinese input method in full-width mode does.
func fullWidth(s string) string {
	r := []rune(s)
	for i, c := range r {
		if c > 0x20 && c < 0x7F {
			r[i] = c + 0xFF01 - 0x21
		}
	}
	return string(r)
}

// withHousehold is filing(id, village, n) with the household's fields in
// set replaced.
func withHousehold(id, village string, n int, set map[string]any) map[string]any {
	f := filing(id, village, n)
	h := f["household"].(map[string]any)
	for k, v := range set {
		h[k] = v
	}
	return f
}

// TestDuplicateRefusalTellsOutsidersNothing: a number already in an
// active application is refused everywhere; inside the caller's own
// village the refusal names the other file, outside it names no
// household, case, village or stage, only whom to ask — the township for
// another village of the caller's township, the county for another
// township. Numbers typed full-width, in lower case or with spaces and
// invisible characters are the same number.
func TestDuplicateRefusalTellsOutsidersNothing(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	cadreA := ts.userToken(t, domain.RoleVillageCadre, vilA)
	cadreA2 := ts.userToken(t, domain.RoleVillageCadre, vilA2) // same township
	cadreB := ts.userToken(t, domain.RoleVillageCadre, vilB)   // another township
	first := filing("dup-1", vilA, 1)
	first["household"].(map[string]any)["members"] = []any{map[string]any{"name": "马妻", "id_number": validID(50), "relation": "配偶"}}
	res, body := ts.do(t, "POST", "/api/cases", cadreA, first)
	mustStatus(t, res, body, http.StatusCreated)
	fileCase(t, ts, cadreA, "own-a", vilA, 4)
	fileCase(t, ts, cadreB, "own-b", vilB, 5)

	inside := map[string]string{"case_id": "dup-1", "head_name": "马1", "id_number_masked": domain.MaskID(validID(1)),
		"village_code": vilA, "stage": "applied"}
	township := map[string]string{"contact": "township"}
	county := map[string]string{"contact": "county"}
	spaced := "\u200b" + validID(1)[:6] + " " + validID(1)[6:14] + "\u3000" + strings.ToLower(validID(1)[14:]) + "\ufeff"
	household := func(id string, hukou string) map[string]any {
		return map[string]any{"household": map[string]any{"head_name": "马某", "id_number": id, "hukou_no": hukou,
			"type": "subsistence_allowance", "members": []any{}}}
	}
	tests := []struct {
		name, token, method, path string
		body                      any
		wantField                 string
		wantDetails               map[string]string
		wantSays                  string
	}{
		{"own village, same head", cadreA, "POST", "/api/cases", withHousehold("dup-2", vilA, 1, map[string]any{"hukou_no": "HK-NEW-2"}),
			"household.id_number", inside, "马1（" + domain.MaskID(validID(1)) + "）"},
		{"own village, head typed full-width", cadreA, "POST", "/api/cases",
			withHousehold("dup-3", vilA, 1, map[string]any{"id_number": fullWidth(validID(1)), "hukou_no": "HK-NEW-3"}),
			"household.id_number", inside, "马1"},
		{"own village, correcting another file into it", cadreA, "PATCH", "/api/cases/own-a",
			household(spaced, "HK-NEW-4"), "household.id_number", inside, "马1"},
		{"township's other village, same head", cadreA2, "POST", "/api/cases", withHousehold("dup-5", vilA2, 1, map[string]any{"hukou_no": "HK-NEW-5"}),
			"household.id_number", township, "请联系乡镇核实"},
		{"township's other village, the member files as head", cadreA2, "POST", "/api/cases", filing("dup-6", vilA2, 50),
			"household.id_number", township, "本乡镇其他村"},
		{"township's other village, same 户口簿 in lower case with a zero-width space", cadreA2, "POST", "/api/cases",
			withHousehold("dup-7", vilA2, 7, map[string]any{"hukou_no": "hk\u200b０0001"}),
			"household.hukou_no", township, "该户口簿"},
		{"another township, same head", cadreB, "POST", "/api/cases", withHousehold("dup-8", vilB, 1, map[string]any{"hukou_no": "HK-NEW-8"}),
			"household.id_number", county, "请联系县住建局核实"},
		{"another township, head full-width with spaces", cadreB, "POST", "/api/cases",
			withHousehold("dup-9", vilB, 9, map[string]any{"id_number": fullWidth(spaced)}),
			"household.id_number", county, "其他乡镇"},
		{"another township, correcting its own file into it", cadreB, "PATCH", "/api/cases/own-b",
			household(validID(1), "HK-NEW-10"), "household.id_number", county, "请联系县住建局核实"},
	}
	secrets := []string{"dup-1", "马1", "马妻", vilA, "applied", "已申请", domain.MaskID(validID(1)), validID(1), validID(50)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res *http.Response
			var b []byte
			if tt.method == "PATCH" {
				j, _ := json.Marshal(tt.body)
				req, _ := http.NewRequest("PATCH", ts.URL+tt.path, bytes.NewReader(j))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tt.token)
				req.Header.Set("If-Match", `"1"`)
				res, b = ts.send(t, req)
			} else {
				res, b = ts.do(t, tt.method, tt.path, tt.token, tt.body)
			}
			var e errorAnswer
			mustJSON(t, b, &e)
			if res.StatusCode != http.StatusConflict || e.Error.Code != "duplicate_application" || e.Error.Fields[tt.wantField] == "" {
				t.Fatalf("got %d %s, want 409 duplicate_application on %s", res.StatusCode, b, tt.wantField)
			}
			if len(e.Error.Details) != len(tt.wantDetails) {
				t.Errorf("details %v, want %v", e.Error.Details, tt.wantDetails)
			}
			for k, v := range tt.wantDetails {
				if e.Error.Details[k] != v {
					t.Errorf("details[%s] = %q, want %q (%s)", k, e.Error.Details[k], v, b)
				}
			}
			if !strings.Contains(e.Error.Message, tt.wantSays) {
				t.Errorf("message %q does not say %q", e.Error.Message, tt.wantSays)
			}
			if strings.Contains(string(b), validID(1)) {
				t.Errorf("the answer shows the full number: %s", b)
			}
			if tt.wantDetails["case_id"] == "" {
				for _, s := range secrets {
					if strings.Contains(string(b), s) {
						t.Errorf("an outsider is told %q: %s", s, b)
					}
				}
			}
		})
	}
	// Withdrawn, the household may file again, in another village too.
	mustAct(t, ts, cadreA, "dup-1", "withdraw", 1, map[string]any{"reason": "户主自愿放弃"})
	res, body = ts.do(t, "POST", "/api/cases", cadreA2, filing("dup-5", vilA2, 1))
	mustStatus(t, res, body, http.StatusCreated)
}

// TestNumbersAreStoredInOneForm: a filing typed full-width, in lower case
// and with invisible characters is stored, shown and found in the one
// normal form.
func TestNumbersAreStoredInOneForm(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	id := validID(21)
	typed := withHousehold("norm-1", vilA, 21, map[string]any{
		"id_number": "\ufeff" + fullWidth(id[:9]) + " " + id[9:17] + strings.ToLower(id[17:]) + "\u200d",
		"hukou_no":  "ｈｋ\u200b 00021",
		"members":   []any{map[string]any{"name": "马妻", "id_number": fullWidth(validID(22)), "relation": "配偶"}},
	})
	res, body := ts.do(t, "POST", "/api/cases", cadre, typed)
	mustStatus(t, res, body, http.StatusCreated)
	var c struct {
		Household struct {
			IDNumber string `json:"id_number"`
			HukouNo  string `json:"hukou_no"`
			Members  []struct {
				IDNumber string `json:"id_number"`
			} `json:"members"`
		} `json:"household"`
	}
	mustJSON(t, body, &c)
	if c.Household.IDNumber != domain.MaskID(id) || c.Household.HukouNo != "HK00021" ||
		len(c.Household.Members) != 1 || c.Household.Members[0].IDNumber != domain.MaskID(validID(22)) {
		t.Fatalf("stored as %+v", c.Household)
	}
	res, body = ts.do(t, "GET", "/api/cases/norm-1/reveal?field=id_number", cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"value":"`+id+`"`) {
		t.Fatalf("revealed %s, want %s", body, id)
	}
	// The same filing again (a retry from the phone) is the same case.
	res, body = ts.do(t, "POST", "/api/cases", cadre, typed)
	mustStatus(t, res, body, http.StatusOK)
	// Found by the number typed full-width, and by its last digits.
	for _, q := range []string{fullWidth(id), id[12:], fullWidth(id[14:])} {
		res, body = ts.do(t, "GET", "/api/cases?q="+url.QueryEscape(q), cadre, nil)
		mustStatus(t, res, body, http.StatusOK)
		if !strings.Contains(string(body), `"id":"norm-1"`) {
			t.Errorf("search %q: %s", q, body)
		}
	}
}
