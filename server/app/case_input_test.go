package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
)

// errorAnswer is an error answer as the tests read it.
type errorAnswer struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
		Details map[string]string `json:"details"`
	} `json:"error"`
}

func mustError(t *testing.T, res *http.Response, body []byte, status int, code string) errorAnswer {
	t.Helper()
	mustStatus(t, res, body, status)
	var e errorAnswer
	mustJSON(t, body, &e)
	if e.Error.Code != code {
		t.Fatalf("code %q, want %q: %s", e.Error.Code, code, body)
	}
	return e
}

// fileOf reads the parts of a case the input tests look at.
type fileOf struct {
	FiledAt          time.Time `json:"filed_at"`
	CreatedAt        time.Time `json:"created_at"`
	Version          int       `json:"version"`
	Stage            string    `json:"stage"`
	VillagePublicity *struct {
		Start  string `json:"start"`
		EndsOn string `json:"ends_on"`
	} `json:"village_publicity"`
	Household struct {
		HeadName string `json:"head_name"`
		Members  []struct {
			Name     string `json:"name"`
			Relation string `json:"relation"`
		} `json:"members"`
	} `json:"household"`
	House struct {
		Address string `json:"address"`
	} `json:"house"`
	Photos []struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	} `json:"photos"`
	History []struct {
		Action string `json:"action"`
		Input  string `json:"input"`
	} `json:"history"`
}

func getFile(t *testing.T, ts *testServer, token, id string) fileOf {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/cases/"+id, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var f fileOf
	mustJSON(t, body, &f)
	return f
}

// TestNumbersAndIdsAreCheckedOverHTTP: NaN, ±Inf and out-of-range numbers
// in a photo's multipart fields and in JSON bodies are a 400 naming the
// field and never stored; case and photo ids outside the stated alphabet
// are refused at create, so nothing is stored that its own URL cannot read.
func TestNumbersAndIdsAreCheckedOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	id := "6e3f9c74-4d10-4e3f-a081-2c3d4e5f6a02"
	fileCase(t, ts, cadre, id, vilA, 1)
	jpg := jpegOf(t, testScene(51, 640, 480), 85)
	for i, tc := range []struct{ field, value string }{
		{"lat", "NaN"}, {"lng", "Inf"}, {"lat", "-Inf"}, {"lng", "+Infinity"}, {"lat", "1e309"}, {"lat", "91"},
		{"lng", "-180.5"}, {"lat", "北纬35"},
		{"accuracy", "NaN"}, {"accuracy", "nan"}, {"accuracy", "Inf"}, {"accuracy", "1e309"}, {"accuracy", "-1"},
		{"accuracy", "10001"},
		{"id", "a/b"}, {"id", "a?b"}, {"id", "a%2Fb"}, {"id", "a b"}, {"id", "照片1"}, {"id", strings.Repeat("p", 65)},
		{"id", "../../etc"},
	} {
		fields := photoFields(ts, "num-"+string(rune('a'+i)), domain.PhotoHouseBefore)
		fields[tc.field] = tc.value
		res, body := postPhoto(t, ts, cadre, id, fields, jpg, "image/jpeg")
		if res.StatusCode != http.StatusBadRequest || errorCode(body) != "invalid_input" {
			t.Errorf("photo %s=%q: %d %s", tc.field, tc.value, res.StatusCode, body)
			continue
		}
		var e errorAnswer
		mustJSON(t, body, &e)
		if e.Error.Fields[tc.field] == "" {
			t.Errorf("photo %s=%q: fields %v", tc.field, tc.value, e.Error.Fields)
		}
	}
	if f := getFile(t, ts, cadre, id); len(f.Photos) != 0 {
		t.Errorf("refused photos stored: %+v", f.Photos)
	}
	// The largest accuracy allowed is stored and read back.
	ok := photoFields(ts, "num-ok", domain.PhotoHouseBefore)
	ok["accuracy"] = "10000"
	mustUpload(t, ts, cadre, id, ok, jpg, "image/jpeg", http.StatusCreated)

	for _, bad := range []string{"a/b", "a?b", "a%2Fb", "a b", " ", "申请1", "a.b", strings.Repeat("c", 65), "c#1"} {
		res, body := ts.do(t, "POST", "/api/cases", cadre, filing(bad, vilA, 2))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"id"`) {
			t.Errorf("case id %q: %d %s", bad, res.StatusCode, body)
		}
		res, body = ts.do(t, "GET", "/api/cases/"+url.PathEscape(bad), cadre, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("case id %q was stored: %d %s", bad, res.StatusCode, body)
		}
	}

	raw := func(field, number string) string {
		b, _ := json.Marshal(filing("7e3f9c74-4d10-4e3f-a081-2c3d4e5f6a03", vilA, 3))
		// Replace the filed value with a number JSON can carry but Go cannot hold.
		s := string(b)
		old := map[string]string{"floor_area_m2": `"floor_area_m2":58`, "built_year": `"built_year":1976`, "lat": `"lat":35.93`}[field]
		if !strings.Contains(s, old) {
			t.Fatalf("filing has no %s", old)
		}
		return strings.Replace(s, old, `"`+field+`":`+number, 1)
	}
	for _, tc := range []struct{ field, number string }{
		{"floor_area_m2", "1e309"}, {"floor_area_m2", "-1e309"}, {"floor_area_m2", "100000"}, {"floor_area_m2", "-5"},
		{"built_year", "99999999999999999999"}, {"built_year", "1.5e300"}, {"built_year", "1976.5"}, {"built_year", "-2024"},
		{"lat", "1e309"}, {"lat", "-90.001"},
	} {
		res, body := ts.do(t, "POST", "/api/cases", cadre, raw(tc.field, tc.number))
		var e errorAnswer
		mustJSON(t, body, &e)
		if res.StatusCode != http.StatusBadRequest || e.Error.Fields["house."+tc.field] == "" {
			t.Errorf("house.%s=%s: %d %s", tc.field, tc.number, res.StatusCode, body)
		}
	}
	big := filing("7e3f9c74-4d10-4e3f-a081-2c3d4e5f6a04", vilA, 4)
	members := []any{}
	for i := 0; i < 31; i++ {
		members = append(members, map[string]any{"name": "成员", "relation": "子"})
	}
	big["household"].(map[string]any)["members"] = members
	res, body := ts.do(t, "POST", "/api/cases", cadre, big)
	if e := mustError(t, res, body, http.StatusBadRequest, "invalid_input"); e.Error.Fields["household.members"] == "" {
		t.Errorf("31 members: %s", body)
	}
	// Numbers of a step: a version JSON cannot fit in an int.
	res, body = ts.do(t, "POST", "/api/cases/"+id+"/actions/village_review", cadre,
		`{"version":99999999999999999999,"result":"pass"}`)
	if e := mustError(t, res, body, http.StatusBadRequest, "invalid_input"); e.Error.Fields["version"] == "" {
		t.Errorf("huge version: %s", body)
	}
	// Every case in the list reads back (no NaN in any answer).
	res, body = ts.do(t, "GET", "/api/cases", cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
}

// TestFreeTextIsCleanedOverHTTP: names, addresses and reasons are stored
// in NFC without zero-width characters, found by a search typed either
// way, and hidden direction changes or control characters are refused
// naming the field; admin-typed names follow the same rule.
func TestFreeTextIsCleanedOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	id := "8f4a0d85-5e21-4f40-b192-3d4e5f6a7b01"
	b := filing(id, vilA, 1)
	hh := b["household"].(map[string]any)
	hh["head_name"] = "马\u200b明Jose\u0301"
	hh["members"] = []any{map[string]any{"name": " 马\ufeff小花 ", "relation": "女儿\u200d"}}
	b["house"].(map[string]any)["address"] = "三社\u200b12号"
	res, body := ts.do(t, "POST", "/api/cases", cadre, b)
	mustStatus(t, res, body, http.StatusCreated)
	f := getFile(t, ts, cadre, id)
	if f.Household.HeadName != "马明José" || f.Household.Members[0].Name != "马小花" || f.Household.Members[0].Relation != "女儿" ||
		f.House.Address != "三社12号" {
		t.Fatalf("stored %+v %+v", f.Household, f.House)
	}
	// The retry of the same filing is the same case.
	res, body = ts.do(t, "POST", "/api/cases", cadre, b)
	mustStatus(t, res, body, http.StatusOK)
	res, body = ts.do(t, "GET", "/api/cases?q="+url.QueryEscape("马明Jose\u0301"), cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), id) {
		t.Errorf("a decomposed search does not find the household: %s", body)
	}

	for _, tc := range []struct{ field, value string }{
		{"house.address", "三社\u202e12号"},
		{"household.head_name", "马\u2066明"},
		{"household.head_name", "马\x00明"},
		{"household.head_name", "马\n明"},
		{"household.head_name", strings.Repeat("马", 33)},
		{"house.address", strings.Repeat("村", 129)},
		{"household.hukou_no", "HK\u200f01"},
	} {
		g := filing("9a5b1e96-6f32-4051-83a3-4e5f6a7b8c01", vilA, 2)
		parts := strings.SplitN(tc.field, ".", 2)
		g[parts[0]].(map[string]any)[parts[1]] = tc.value
		res, body := ts.do(t, "POST", "/api/cases", cadre, g)
		var e errorAnswer
		mustJSON(t, body, &e)
		if res.StatusCode != http.StatusBadRequest || e.Error.Fields[tc.field] == "" {
			t.Errorf("%s=%q: %d %s", tc.field, tc.value, res.StatusCode, body)
		}
	}
	// A step's free text: refused naming the field, never stored.
	for _, reason := range []string{"家中\u202e另有住房", strings.Repeat("房", 501)} {
		status, body := act(t, ts, cadre, id, "village_review", 1, map[string]any{"result": "fail", "reason": reason})
		var e errorAnswer
		mustJSON(t, body, &e)
		if status != http.StatusBadRequest || e.Error.Fields["reason"] == "" {
			t.Errorf("reason %q: %d %s", reason[:12], status, body)
		}
	}
	if f := getFile(t, ts, cadre, id); f.Stage != "applied" || f.Version != 1 {
		t.Errorf("a refused step changed the file: %s v%d", f.Stage, f.Version)
	}
	// Names an admin types.
	admin := ts.adminToken(t)
	res, body = ts.do(t, "POST", "/api/users", admin, map[string]any{"username": "cadre-bidi", "password": testPassword,
		"name": "王\u202e五", "role": "village_cadre", "area_code": vilA})
	if e := mustError(t, res, body, http.StatusBadRequest, "invalid_input"); e.Error.Fields["name"] == "" {
		t.Errorf("user name with an override: %s", body)
	}
	res, body = ts.do(t, "POST", "/api/areas", admin, map[string]string{"code": "622923100299", "name": " 新\u200b村 ", "parent_code": "622923100"})
	mustStatus(t, res, body, http.StatusCreated)
	if !strings.Contains(string(body), `"name":"新村"`) {
		t.Errorf("village name not cleaned: %s", body)
	}
}
