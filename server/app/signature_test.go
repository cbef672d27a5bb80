package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/yongjing/anju/domain"
)

// An auditor sees the acceptance form's signatures as they were drawn;
// nobody outside the case's area does, and an image changed in the store
// is refused instead of shown.
func TestSignatureImagesAreShownAsSigned(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	id := "0a7c6f5e-5151-4c55-9d7e-2b1a0c9e7f51"
	fileCase(t, ts, s.cadre, id, vilA, 1)
	walkTo(t, ts, s, id, 1, domain.StageAccepted)

	// The case lists where each signature is seen.
	res, body := ts.do(t, "GET", "/api/cases/"+id, s.leader, nil)
	mustStatus(t, res, body, http.StatusOK)
	var full struct {
		Acceptances []struct {
			Signatures []struct {
				SignerRole string `json:"signer_role"`
				SHA256     string `json:"sha256"`
				URL        string `json:"url"`
			} `json:"signatures"`
		} `json:"acceptances"`
	}
	mustJSON(t, body, &full)
	if len(full.Acceptances) != 1 || len(full.Acceptances[0].Signatures) != 3 {
		t.Fatalf("acceptances: %s", body)
	}
	drawn := map[string]int{"household_head": 1, "inspector": 2, "township_officer": 3}
	for _, sg := range full.Acceptances[0].Signatures {
		want := "/api/cases/" + id + "/acceptances/1/signatures/" + sg.SignerRole
		if sg.URL != want {
			t.Fatalf("url %q, want %q", sg.URL, want)
		}
		png, err := base64.StdEncoding.DecodeString(signaturePNG(t, drawn[sg.SignerRole]))
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{s.leader, s.officer, s.inspector} {
			res, img := ts.do(t, "GET", sg.URL, tok, nil)
			mustStatus(t, res, img, http.StatusOK)
			if !bytes.Equal(img, png) {
				t.Fatalf("%s: the image differs from the one signed (%d bytes, want %d)", sg.SignerRole, len(img), len(png))
			}
			h := res.Header
			if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Cache-Control") != "private, max-age=86400" || h.Get("ETag") != `"`+sg.SHA256+`"` {
				t.Fatalf("%s: headers %v", sg.SignerRole, h)
			}
		}
	}

	// Without signing in: 401.
	res, body = ts.do(t, "GET", full.Acceptances[0].Signatures[0].URL, "", nil)
	mustStatus(t, res, body, http.StatusUnauthorized)

	// Another township's officer is told there is no such case.
	other := ts.userToken(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilB))
	res, body = ts.do(t, "GET", "/api/cases/"+id+"/acceptances/1/signatures/household_head", other, nil)
	if res.StatusCode != http.StatusNotFound || errorCode(body) != "not_found" {
		t.Fatalf("other township: %d %s", res.StatusCode, body)
	}

	// Unknown attempts and roles are not found, in the product's error shape.
	for _, p := range []string{"/acceptances/2/signatures/household_head", "/acceptances/0/signatures/inspector",
		"/acceptances/x/signatures/inspector", "/acceptances/1/signatures/mayor", "/acceptances/1/signatures/"} {
		res, body := ts.do(t, "GET", "/api/cases/"+id+p, s.leader, nil)
		if res.StatusCode != http.StatusNotFound || errorCode(body) != "not_found" {
			t.Fatalf("%s: %d %s", p, res.StatusCode, body)
		}
	}

	// Someone overwrites the inspector's signature in the store.
	c, err := ts.App.DB.Cases.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, sg := range c.Acceptances[0].Signatures {
		if sg.SignerRole == "inspector" {
			key = sg.ObjectKey
		}
	}
	forged, _ := base64.StdEncoding.DecodeString(signaturePNG(t, 7))
	if err := ts.App.Store.Put(context.Background(), key, bytes.NewReader(forged), int64(len(forged)), "image/png"); err != nil {
		t.Fatal(err)
	}
	res, body = ts.do(t, "GET", "/api/cases/"+id+"/acceptances/1/signatures/inspector", s.leader, nil)
	if res.StatusCode != http.StatusConflict || errorCode(body) != "signature_tampered" || !strings.Contains(string(body), "篡改") {
		t.Fatalf("tampered: %d %s", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("tampered answer cached: %q", cc)
	}
	// The others still show.
	res, body = ts.do(t, "GET", "/api/cases/"+id+"/acceptances/1/signatures/household_head", s.leader, nil)
	mustStatus(t, res, body, http.StatusOK)
}
