package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
	"github.com/yongjing/anju/uploads/storetest"
)

// testScene draws a stand-in for a phone photo: sky, ground, a few blocks
// placed by seed, and sensor noise.
func testScene(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed*31+7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type block struct {
		x0, y0, x1, y1 int
		c              color.RGBA
	}
	var blocks []block
	for i := 0; i < 5; i++ {
		x0, y0 := r.IntN(w*3/4), r.IntN(h*3/4)
		blocks = append(blocks, block{x0, y0, x0 + w/8 + r.IntN(w/4), y0 + h/8 + r.IntN(h/4),
			color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}})
	}
	horizon := h/3 + r.IntN(h/3)
	noise := rand.New(rand.NewPCG(seed, 5))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{90, 80, 50, 255}
			if y < horizon {
				c = color.RGBA{120, uint8(150 + 60*y/horizon), 230, 255}
			}
			for _, b := range blocks {
				if x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1 {
					c = b.c
				}
			}
			n := int(noise.NormFloat64() * 5)
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(max(0, min(255, int(c.R)+n)))
			img.Pix[i+1] = uint8(max(0, min(255, int(c.G)+n)))
			img.Pix[i+2] = uint8(max(0, min(255, int(c.B)+n)))
			img.Pix[i+3] = 255
		}
	}
	return img
}

func jpegOf(t *testing.T, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// photoFields are the text fields of an upload of kind, taken at the
// house of filing() (35.93, 103.32) an hour before now.
func photoFields(ts *testServer, id string, kind domain.PhotoKind) map[string]string {
	return map[string]string{
		"id": id, "kind": string(kind), "taken_at": ts.now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"lat": "35.9301", "lng": "103.3202", "accuracy": "12",
	}
}

// postPhoto uploads file (sent with Content-Type ctype; nil: no file part)
// to case caseID with the form fields.
func postPhoto(t *testing.T, ts *testServer, token, caseID string, fields map[string]string, file []byte, ctype string) (*http.Response, []byte) {
	t.Helper()
	return ts.send(t, photoRequest(t, ts, token, caseID, fields, file, ctype))
}

// photoRequest is the request postPhoto sends.
func photoRequest(t *testing.T, ts *testServer, token, caseID string, fields map[string]string, file []byte, ctype string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="photo"`)
		h.Set("Content-Type", ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(file)
	}
	mw.Close()
	req, err := http.NewRequest("POST", ts.URL+"/api/cases/"+caseID+"/photos", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// photoReply is the part of an upload's answer the tests read.
type photoReply struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Format   string `json:"format"`
	URL      string `json:"url"`
	ThumbURL string `json:"thumb_url"`
	Warnings []struct {
		Code        string `json:"code"`
		PhotoID     string `json:"photo_id"`
		OtherCaseID string `json:"other_case_id"`
		Message     string `json:"message"`
	} `json:"warnings"`
}

func mustUpload(t *testing.T, ts *testServer, token, caseID string, fields map[string]string, file []byte, ctype string, want int) photoReply {
	t.Helper()
	res, body := postPhoto(t, ts, token, caseID, fields, file, ctype)
	mustStatus(t, res, body, want)
	var p photoReply
	mustJSON(t, body, &p)
	return p
}

func warningCodes(p photoReply) []string {
	var out []string
	for _, w := range p.Warnings {
		out = append(out, w.Code)
	}
	return out
}

// caseWarnings reads the warnings of a case as its reader sees them.
func caseWarningsOf(t *testing.T, ts *testServer, token, caseID string) []warningJSON {
	t.Helper()
	res, body := ts.do(t, "GET", "/api/cases/"+caseID, token, nil)
	mustStatus(t, res, body, http.StatusOK)
	var c struct {
		Warnings []warningJSON `json:"warnings"`
		Photos   []photoJSON   `json:"photos"`
	}
	mustJSON(t, body, &c)
	return c.Warnings
}

// onEachStore runs test against a server keeping photos on the disk and
// one keeping them on the S3 test server (versitygw in scripts/test).
func onEachStore(t *testing.T, test func(t *testing.T, ts *testServer)) {
	t.Run("disk", func(t *testing.T) { test(t, newTestServer(t)) })
	t.Run("s3", func(t *testing.T) { test(t, newTestServerOn(t, storetest.NewS3(t))) })
}

func TestPhotoUploadStoreAndServe(t *testing.T) { onEachStore(t, testPhotoUploadStoreAndServe) }

func testPhotoUploadStoreAndServe(t *testing.T, ts *testServer) {
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	caseID := "7a1b2c3d-0000-4000-8000-000000000001"
	fileCase(t, ts, cadre, caseID, vilA, 1)

	photo := jpegOf(t, testScene(1, 1200, 900), 88)
	sum := sha256.Sum256(photo)
	p := mustUpload(t, ts, cadre, caseID, photoFields(ts, "ph-1", domain.PhotoHouseBefore), photo, "image/jpeg", http.StatusCreated)
	if p.SHA256 != hex.EncodeToString(sum[:]) || p.Size != int64(len(photo)) || p.Format != "jpeg" || p.Width != 1200 || p.Height != 900 {
		t.Errorf("answer %+v, want sha %x size %d jpeg 1200×900", p, sum, len(photo))
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings %v on a photo taken at the house", warningCodes(p))
	}

	req, _ := http.NewRequest("GET", ts.URL+p.URL, nil)
	req.Header.Set("Authorization", "Bearer "+cadre)
	res, body := ts.send(t, req)
	mustStatus(t, res, body, http.StatusOK)
	if !bytes.Equal(body, photo) {
		t.Error("downloaded photo differs from the upload")
	}
	for h, want := range map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff",
		"Cache-Control": "private, max-age=86400"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	res, _ = ts.send(t, req)
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}

	req, _ = http.NewRequest("GET", ts.URL+p.ThumbURL, nil)
	req.Header.Set("Authorization", "Bearer "+cadre)
	res, body = ts.send(t, req)
	mustStatus(t, res, body, http.StatusOK)
	thumb, err := jpeg.Decode(bytes.NewReader(body))
	if err != nil || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %v, type %s", err, res.Header.Get("Content-Type"))
	}
	if b := thumb.Bounds(); b.Dx() != 320 || b.Dy() != 240 {
		t.Errorf("thumbnail %d×%d, want 320×240", b.Dx(), b.Dy())
	}

	// A retry of the same upload (the phone lost the answer) is 200 with the
	// same photo, and files nothing twice.
	again := mustUpload(t, ts, cadre, caseID, photoFields(ts, "ph-1", domain.PhotoHouseBefore), photo, "image/jpeg", http.StatusOK)
	if again.SHA256 != p.SHA256 || again.URL != p.URL {
		t.Errorf("retry answered %+v, want the stored photo", again)
	}
	// The same id with other bytes is refused; the filed photo is untouched.
	res, body = postPhoto(t, ts, cadre, caseID, photoFields(ts, "ph-1", domain.PhotoHouseBefore), jpegOf(t, testScene(2, 640, 480), 80), "image/jpeg")
	if res.StatusCode != http.StatusConflict || errorCode(body) != "id_conflict" {
		t.Errorf("same id, other photo: %d %s, want 409 id_conflict", res.StatusCode, body)
	}
	c, err := ts.App.DB.Cases.Get(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Photos) != 1 || c.Photos[0].SHA256 != p.SHA256 {
		t.Fatalf("case holds %d photos, want the one", len(c.Photos))
	}
	if !storedEqual(t, ts, c.Photos[0].ObjectKey, photo) {
		t.Error("the stored photo changed")
	}

	// PNG and WebP are served as what they are.
	pngPhoto := pngOf(t, testScene(3, 300, 200))
	pp := mustUpload(t, ts, cadre, caseID, photoFields(ts, "ph-png", domain.PhotoHukou), pngPhoto, "image/png", http.StatusCreated)
	webp, err := os.ReadFile(filepath.Join("..", "..", "uploads", "testdata", "good", "blue-purple-pink.lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	wp := mustUpload(t, ts, cadre, caseID, photoFields(ts, "ph-webp", domain.PhotoApplication), webp, "image/webp", http.StatusCreated)
	for _, tt := range []struct {
		url, ctype string
	}{{pp.URL, "image/png"}, {wp.URL, "image/webp"}, {wp.ThumbURL, "image/jpeg"}} {
		req, _ := http.NewRequest("GET", ts.URL+tt.url, nil)
		req.Header.Set("Authorization", "Bearer "+cadre)
		res, body := ts.send(t, req)
		mustStatus(t, res, body, http.StatusOK)
		if got := res.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type %s, want %s", tt.url, got, tt.ctype)
		}
	}

	// The case shows its photos, with links that work.
	res, body = ts.do(t, "GET", "/api/cases/"+caseID, cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	var full struct {
		Photos []photoJSON `json:"photos"`
	}
	mustJSON(t, body, &full)
	if len(full.Photos) != 3 || full.Photos[0].URL != p.URL {
		t.Errorf("case lists %d photos (first %+v), want 3 starting with %s", len(full.Photos), full.Photos, p.URL)
	}
}

func storedEqual(t *testing.T, ts *testServer, key string, want []byte) bool {
	t.Helper()
	rc, _, err := ts.App.Store.Get(context.Background(), key)
	if err != nil {
		t.Errorf("stored %s: %v", key, err)
		return false
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	return bytes.Equal(got, want)
}

func TestPhotoAccessFollowsTheArea(t *testing.T) {
	ts := newTestServer(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	caseID := "7a1b2c3d-0000-4000-8000-000000000002"
	fileCase(t, ts, cadre, caseID, vilA, 2)
	p := mustUpload(t, ts, cadre, caseID, photoFields(ts, "ph-1", domain.PhotoHouseBefore),
		jpegOf(t, testScene(4, 400, 300), 85), "image/jpeg", http.StatusCreated)
	photo := jpegOf(t, testScene(5, 400, 300), 85)

	tests := []struct {
		name           string
		token          string
		upload, view   int
		uploadWantCode string
	}{
		{"cadre of the village", cadre, http.StatusCreated, http.StatusOK, ""},
		{"cadre of a neighbouring village", ts.userToken(t, domain.RoleVillageCadre, vilA2), http.StatusNotFound, http.StatusNotFound, "not_found"},
		{"officer of another township", ts.userToken(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilB)), http.StatusNotFound, http.StatusNotFound, "not_found"},
		{"officer of the township", ts.userToken(t, domain.RoleTownshipOfficer, domain.TownshipOf(vilA)), http.StatusCreated, http.StatusOK, ""},
		{"county leader (reads only)", ts.userToken(t, domain.RoleLeader, domain.CountyCode), http.StatusForbidden, http.StatusOK, "forbidden"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := postPhoto(t, ts, tt.token, caseID, photoFields(ts, fmt.Sprintf("ph-area-%d", i), domain.PhotoProgress), photo, "image/jpeg")
			if res.StatusCode != tt.upload || (tt.uploadWantCode != "" && errorCode(body) != tt.uploadWantCode) {
				t.Errorf("upload: %d %s, want %d %s", res.StatusCode, body, tt.upload, tt.uploadWantCode)
			}
			for _, u := range []string{p.URL, p.ThumbURL} {
				res, body := ts.do(t, "GET", u, tt.token, nil)
				if res.StatusCode != tt.view {
					t.Errorf("GET %s: %d %.100s, want %d", u, res.StatusCode, body, tt.view)
				}
			}
		})
	}
	res, body := ts.do(t, "GET", "/api/cases/"+caseID+"/photos/no-such-photo", cadre, nil)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown photo: %d %s, want 404", res.StatusCode, body)
	}
	res, _ = ts.do(t, "GET", p.URL, "", nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without sign-in: %d, want 401", res.StatusCode)
	}
	// A withdrawn file takes no more photos, but still shows the ones it has.
	c, err := ts.App.DB.Cases.Get(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	mustAct(t, ts, cadre, caseID, "withdraw", c.Version, map[string]any{"reason": "农户自愿放弃"})
	res, body = postPhoto(t, ts, cadre, caseID, photoFields(ts, "after-withdraw", domain.PhotoOther), photo, "image/jpeg")
	if res.StatusCode != http.StatusConflict || errorCode(body) != "wrong_stage" {
		t.Errorf("upload to a withdrawn case: %d %s, want 409 wrong_stage", res.StatusCode, body)
	}
	res, body = ts.do(t, "GET", p.URL, cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
}

func TestPhotoUploadRefusals(t *testing.T) {
	ts := newTestServer(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	caseID := "7a1b2c3d-0000-4000-8000-000000000003"
	fileCase(t, ts, cadre, caseID, vilA, 3)
	bad := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "uploads", "testdata", "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := jpegOf(t, testScene(6, 400, 300), 85)
	big := make([]byte, 16<<20)
	copy(big, good)

	tests := []struct {
		name   string
		fields map[string]string
		file   []byte
		ctype  string
		status int
		code   string
	}{
		{"truncated JPEG", nil, bad("truncated.jpg"), "image/jpeg", 422, "corrupt_image"},
		{"PNG claiming 100000×100000", nil, bad("huge-dimensions.png"), "image/png", 422, "image_too_large"},
		{"HTML behind JPEG magic", nil, bad("html-after-jpeg-magic.jpg"), "image/jpeg", 422, "corrupt_image"},
		{"SVG with script", nil, bad("script.svg"), "image/svg+xml", 422, "unsupported_type"},
		{"text named .jpg", nil, bad("text-renamed.jpg"), "image/jpeg", 422, "unsupported_type"},
		{"empty file", nil, []byte{}, "image/jpeg", 400, "empty_file"},
		{"PNG declared as JPEG", nil, pngOf(t, testScene(7, 64, 48)), "image/jpeg", 422, "type_mismatch"},
		{"16 MB file", nil, big, "image/jpeg", 413, "file_too_large"},
		{"no file", nil, nil, "", 400, "invalid_input"},
		{"unknown kind", map[string]string{"kind": "selfie"}, good, "image/jpeg", 400, "invalid_input"},
		{"no time", map[string]string{"taken_at": ""}, good, "image/jpeg", 400, "invalid_input"},
		{"latitude out of range", map[string]string{"lat": "135"}, good, "image/jpeg", 400, "invalid_input"},
		{"latitude not a number", map[string]string{"lat": "北纬"}, good, "image/jpeg", 400, "invalid_input"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := photoFields(ts, fmt.Sprintf("bad-%d", i), domain.PhotoHouseBefore)
			for k, v := range tt.fields {
				fields[k] = v
			}
			res, body := postPhoto(t, ts, cadre, caseID, fields, tt.file, tt.ctype)
			if res.StatusCode != tt.status || errorCode(body) != tt.code {
				t.Errorf("status %d code %q (%s), want %d %s", res.StatusCode, errorCode(body), body, tt.status, tt.code)
			}
		})
	}
	res, body := ts.do(t, "POST", "/api/cases/"+caseID+"/photos", cadre, map[string]string{"id": "x"})
	if res.StatusCode != 400 || errorCode(body) != "bad_multipart" {
		t.Errorf("JSON body: %d %s, want 400 bad_multipart", res.StatusCode, body)
	}
	objs, err := ts.App.Store.List(context.Background(), "")
	if err != nil || len(objs) != 0 {
		t.Errorf("refused uploads left %d objects (%v)", len(objs), err)
	}
	c, _ := ts.App.DB.Cases.Get(context.Background(), caseID)
	if len(c.Photos) != 0 {
		t.Errorf("refused uploads filed %d photos", len(c.Photos))
	}
}

func TestDuplicatePhotoIsWarnedOnBothCases(t *testing.T) {
	ts := newTestServer(t)
	cadreA := ts.userToken(t, domain.RoleVillageCadre, vilA)
	cadreB := ts.userToken(t, domain.RoleVillageCadre, vilB)
	caseA, caseB := "7a1b2c3d-0000-4000-8000-00000000000a", "7a1b2c3d-0000-4000-8000-00000000000b"
	fileCase(t, ts, cadreA, caseA, vilA, 10)
	fileCase(t, ts, cadreB, caseB, vilB, 11)

	scene := testScene(20, 1600, 1200)
	house := jpegOf(t, scene, 90)
	mustUpload(t, ts, cadreA, caseA, photoFields(ts, "a-1", domain.PhotoHouseBefore), house, "image/jpeg", http.StatusCreated)
	// The same photo filed in the same case again under another id is not
	// a duplicate across households.
	if p := mustUpload(t, ts, cadreA, caseA, photoFields(ts, "a-2", domain.PhotoProgress), house, "image/jpeg", http.StatusCreated); len(p.Warnings) != 0 {
		t.Errorf("same case: warnings %v", warningCodes(p))
	}

	// Case B (another township) files the same bytes, then a shrunk and
	// re-encoded copy, then a different photo.
	same := mustUpload(t, ts, cadreB, caseB, photoFields(ts, "b-1", domain.PhotoHouseBefore), house, "image/jpeg", http.StatusCreated)
	small := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			small.Set(x, y, scene.At(2*x, 2*y))
		}
	}
	near := mustUpload(t, ts, cadreB, caseB, photoFields(ts, "b-2", domain.PhotoCompletion), jpegOf(t, small, 70), "image/jpeg", http.StatusCreated)
	other := mustUpload(t, ts, cadreB, caseB, photoFields(ts, "b-3", domain.PhotoHouseBefore), jpegOf(t, testScene(21, 1600, 1200), 90), "image/jpeg", http.StatusCreated)

	for _, tt := range []struct {
		name string
		p    photoReply
		want int
	}{{"same bytes", same, 2}, {"re-encoded copy", near, 2}, {"different photo", other, 0}} {
		n := 0
		for _, w := range tt.p.Warnings {
			if w.Code == domain.WarnDuplicatePhoto {
				n++
				if w.OtherCaseID != caseA || !strings.Contains(w.Message, caseA) {
					t.Errorf("%s: warning %+v does not name case A", tt.name, w)
				}
			}
		}
		if n != tt.want {
			t.Errorf("%s: %d duplicate warnings, want %d (one per photo of case A)", tt.name, n, tt.want)
		}
	}
	// Case A lists the findings too: photos a-1 and a-2 each match b-1 and b-2.
	var onA []string
	for _, w := range caseWarningsOf(t, ts, cadreA, caseA) {
		if w.Code == domain.WarnDuplicatePhoto && w.OtherCaseID == caseB {
			onA = append(onA, w.PhotoID)
		}
	}
	if len(onA) != 4 {
		t.Errorf("case A lists %d duplicate warnings naming case B (%v), want 4", len(onA), onA)
	}
	// After a restart the index is loaded from the cases: forget it and
	// run the start-up again.
	ts.App.photos.fill(newEvidence(ts.App.maxPhotoDistanceM()))
	if err := ts.App.loadPhotoIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, body := postPhoto(t, ts, cadreB, caseB, photoFields(ts, "b-4", domain.PhotoDemolition), house, "image/jpeg")
	mustStatus(t, res, body, http.StatusCreated)
	var after photoReply
	mustJSON(t, body, &after)
	if len(after.Warnings) == 0 {
		t.Error("after a restart, a duplicate went unwarned")
	}
}

func TestFarAndOutOfOrderPhotosAreWarned(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	caseID := "7a1b2c3d-0000-4000-8000-000000000004"
	fileCase(t, ts, s.cadre, caseID, vilA, 4)
	walkTo(t, ts, s, caseID, 4, domain.StageConstruction)
	c, err := ts.App.DB.Cases.Get(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	start := c.Agreement.StartDate.Time().Add(10 * time.Hour) // 10:00 on the first day of works
	at := func(d time.Duration) string { return start.Add(d).UTC().Format(time.RFC3339) }

	tests := []struct {
		name     string
		kind     domain.PhotoKind
		takenAt  string
		lat, lng string
		want     []string
	}{
		{"progress at the house during works", domain.PhotoProgress, at(24 * time.Hour), "35.9301", "103.3202", nil},
		{"completion 1.1 km away", domain.PhotoCompletion, at(48 * time.Hour), "35.9400", "103.3200", []string{domain.WarnFarFromHouse}},
		{"completion without location", domain.PhotoCompletion, at(48 * time.Hour), "", "", nil},
		{"hukou far away (taken at the office)", domain.PhotoHukou, at(0), "36.0", "103.5", nil},
		{"completion dated before works started", domain.PhotoCompletion, at(-72 * time.Hour), "35.9301", "103.3202", []string{domain.WarnOutOfOrder}},
		{"house before dated after works started", domain.PhotoHouseBefore, at(5 * 24 * time.Hour), "35.9301", "103.3202", []string{domain.WarnOutOfOrder}},
		{"progress far and too early", domain.PhotoProgress, at(-30 * time.Hour), "35.8", "103.3", []string{domain.WarnFarFromHouse, domain.WarnOutOfOrder}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := map[string]string{"id": fmt.Sprintf("geo-%d", i), "kind": string(tt.kind), "taken_at": tt.takenAt, "lat": tt.lat, "lng": tt.lng}
			p := mustUpload(t, ts, s.cadre, caseID, f, jpegOf(t, testScene(uint64(40+i), 320, 240), 80), "image/jpeg", http.StatusCreated)
			if got := strings.Join(warningCodes(p), ","); got != strings.Join(tt.want, ",") {
				t.Errorf("warnings %q, want %q (%+v)", got, strings.Join(tt.want, ","), p.Warnings)
			}
		})
	}
	res, body := ts.do(t, "GET", "/api/cases?has_warnings=1", s.officer, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), caseID) {
		t.Error("the case is not listed among cases with warnings")
	}
}

func TestConcurrentUploadsAreAllFiled(t *testing.T) {
	ts := newTestServer(t)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	caseID := "7a1b2c3d-0000-4000-8000-000000000005"
	fileCase(t, ts, cadre, caseID, vilA, 5)
	const n = 8
	photos := make([][]byte, n)
	for i := range photos {
		photos[i] = jpegOf(t, testScene(uint64(60+i), 320, 240), 80)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body := postPhoto(t, ts, cadre, caseID, photoFields(ts, fmt.Sprintf("c-%d", i), domain.PhotoProgress), photos[i], "image/jpeg")
			if res.StatusCode != http.StatusCreated {
				t.Errorf("upload %d: %d %s", i, res.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	c, err := ts.App.DB.Cases.Get(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Photos) != n {
		t.Errorf("%d photos filed of %d uploaded at once", len(c.Photos), n)
	}
	if ok, _ := domain.VerifyHistory(c.History); !ok {
		t.Error("the history chain broke under concurrent uploads")
	}
}

// TestCrashBetweenStoreAndCaseIsSwept stops an upload after its objects
// are stored and before the case records them, as a crash would: the case
// must not refer to the objects, and the sweep must remove them once they
// are an hour old, and nothing else.
func TestCrashBetweenStoreAndCaseIsSwept(t *testing.T) {
	onEachStore(t, testCrashBetweenStoreAndCaseIsSwept)
}

func testCrashBetweenStoreAndCaseIsSwept(t *testing.T, ts *testServer) {
	cadre, cu := ts.user(t, domain.RoleVillageCadre, vilA)
	caseID := "7a1b2c3d-0000-4000-8000-000000000006"
	fileCase(t, ts, cadre, caseID, vilA, 6)
	kept := mustUpload(t, ts, cadre, caseID, photoFields(ts, "kept", domain.PhotoHouseBefore), jpegOf(t, testScene(70, 400, 300), 85), "image/jpeg", http.StatusCreated)

	ts.App.afterPhotoStored = func(c, p string) error {
		if c == caseID && p == "lost" {
			return errors.New("server killed between storing and filing")
		}
		return nil
	}
	t.Cleanup(func() { ts.App.afterPhotoStored = nil })
	res, body := postPhoto(t, ts, cadre, caseID, photoFields(ts, "lost", domain.PhotoHouseBefore), jpegOf(t, testScene(71, 400, 300), 85), "image/jpeg")
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("interrupted upload: %d %s, want 500", res.StatusCode, body)
	}
	ctx := context.Background()
	objs, _ := ts.App.Store.List(ctx, uploads.CaseDir(caseID)+"/")
	if len(objs) != 4 {
		t.Fatalf("%d objects after the interrupted upload, want 4 (two photos, two thumbnails)", len(objs))
	}
	if removed := ts.App.sweepPhotos(ctx); len(removed) != 0 {
		t.Errorf("sweep removed young objects %v", removed)
	}
	ts.Advance(2 * time.Hour)
	removed := ts.App.sweepPhotos(ctx)
	if len(removed) != 2 {
		t.Errorf("sweep removed %v, want the lost photo and its thumbnail", removed)
	}
	for _, k := range removed {
		if !strings.Contains(k, "/lost-") {
			t.Errorf("sweep removed %s, which is not the lost upload's", k)
		}
	}
	// Every object any case refers to is there, and the kept photo serves.
	err := ts.App.DB.Cases.All(ctx, 0, func(c domain.Case) error {
		for _, p := range c.Photos {
			for _, k := range []string{p.ObjectKey, p.ThumbKey} {
				if _, err := ts.App.Store.Stat(ctx, k); err != nil {
					t.Errorf("case %s photo %s: %s: %v", c.ID, p.ID, k, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cadre = ts.login(t, cu.Username, testPassword).AccessToken // two hours on, sign in again
	res, body = ts.do(t, "GET", kept.URL, cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	// The phone retries the lost upload: it is filed now.
	ts.App.afterPhotoStored = nil
	mustUpload(t, ts, cadre, caseID, photoFields(ts, "lost", domain.PhotoHouseBefore), jpegOf(t, testScene(71, 400, 300), 85), "image/jpeg", http.StatusCreated)
}
