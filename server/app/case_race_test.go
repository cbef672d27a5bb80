package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
	"github.com/yongjing/anju/uploads"
)

// race sends n copies of one request at once and counts answers by status
// and error code ("200", "409 stale_version", …).
func race(t *testing.T, ts *testServer, n int, method, path, token string, body any) map[string]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, b := ts.do(t, method, path, token, body)
			k := fmt.Sprint(res.StatusCode)
			if c := errorCode(b); c != "" {
				k += " " + c
			}
			mu.Lock()
			got[k]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

func TestConcurrentCreatesMakeOneCase(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	cadre := ts.userToken(t, domain.RoleVillageCadre, vilA)
	got := race(t, ts, 20, "POST", "/api/cases", cadre, filing("race-create", vilA, 9))
	if got["201"] != 1 || got["200"] != 19 {
		t.Fatalf("20 concurrent identical filings: %v, want one 201 and nineteen 200", got)
	}
	n, err := ts.App.DB.Database().Collection("cases").CountDocuments(context.Background(), map[string]any{})
	if err != nil || n != 1 {
		t.Fatalf("%d cases stored (%v), want 1", n, err)
	}
	res, body := ts.do(t, "GET", "/api/dashboard?program_year=2024&area="+vilA, cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"totals":{"total":1,`) {
		t.Fatalf("dashboard after racing filings: %s", body)
	}
}

func TestConcurrentDecisionsOnOneVersion(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "race-1", vilA, 1)
	addEvidence(t, ts, "race-1", domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore)
	got := race(t, ts, 50, "POST", "/api/cases/race-1/actions/village_review", s.cadre,
		map[string]any{"version": 1, "result": "pass", "meeting_date": "2024-03-01", "publicity_start": "2024-03-01"})
	if got["200"] != 1 || got["409 stale_version"] != 49 {
		t.Fatalf("50 concurrent decisions on version 1: %v, want one 200 and 49 stale_version", got)
	}
	c, err := ts.App.DB.Cases.Get(context.Background(), "race-1")
	if err != nil {
		t.Fatal(err)
	}
	reviews := 0
	for _, h := range c.History {
		if h.Action == "village_review" {
			reviews++
		}
	}
	if c.Version != 2 || reviews != 1 {
		t.Fatalf("version %d with %d reviews in the history", c.Version, reviews)
	}
	if ok, _ := domain.VerifyHistory(c.History); !ok {
		t.Fatal("history does not verify after the race")
	}
}

func TestConcurrentPaymentsPayOnce(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	fileCase(t, ts, s.cadre, "race-pay", vilA, 2)
	c := walkTo(t, ts, s, "race-pay", 2, domain.StageAccepted)
	got := race(t, ts, 20, "POST", "/api/cases/race-pay/actions/disburse", s.disburser, map[string]any{
		"version": c.Version, "bank": "甘肃农信", "account_no": "6228480123456789012", "payee_name": "马2",
		"voucher_no": "PZ-9", "paid_on": string(domain.DateOf(ts.now()))})
	if got["200"] != 1 || got["409 stale_version"] != 19 {
		t.Fatalf("20 concurrent payments: %v, want one 200 and 19 stale_version", got)
	}
	// Even a payment on the new version is refused: paid exactly once.
	status, b := act(t, ts, s.disburser, "race-pay", "disburse", c.Version+1, map[string]any{
		"bank": "甘肃农信", "account_no": "6228480123456789012", "payee_name": "马2", "voucher_no": "PZ-10",
		"paid_on": string(domain.DateOf(ts.now()))})
	if status == http.StatusOK {
		t.Fatalf("second payment on the current version succeeded: %s", b)
	}
	res, body := ts.do(t, "GET", "/api/dashboard?program_year=2024", s.leader, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"paid_yuan":30000`) || strings.Contains(string(body), `"paid_yuan":60000`) {
		t.Fatalf("dashboard after racing payments: %s", body)
	}
}

// TestNoFullIdentifierInListsOrLogs files cases, walks one to payment and
// reveals both identifiers, capturing everything the App logs; neither the
// full 身份证号 nor the account number may appear in any list answer or
// log line.
func TestNoFullIdentifierInListsOrLogs(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	store, err := uploads.NewDisk(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{}
	app, err := newApp(context.Background(), testConfig(dir), deps{DB: dbtest.New(t), Store: store, Log: logger, Out: io.Discard, Now: ts.now})
	if err != nil {
		t.Fatal(err)
	}
	ts.App = app
	ts.Server = httptest.NewServer(app.Handler())
	t.Cleanup(func() { ts.Server.Close(); app.Close() })
	ts.SetNow(walkStart)

	s := newStaff(t, ts, vilA)
	const account = "6228480123456789012"
	for i := 1; i <= 3; i++ {
		fileCase(t, ts, s.cadre, fmt.Sprintf("pii-%d", i), vilA, i)
	}
	walkTo(t, ts, s, "pii-1", 1, domain.StagePaid)
	for _, q := range []string{"", "?q=" + validID(1), "?q=" + validID(1)[12:], "?q=马1", "?stage=paid"} {
		for _, tok := range []string{s.cadre, s.officer, s.leader, s.disburser} {
			res, body := ts.do(t, "GET", "/api/cases"+q, tok, nil)
			mustStatus(t, res, body, http.StatusOK)
			for i := 1; i <= 3; i++ {
				if strings.Contains(string(body), validID(i)) {
					t.Fatalf("GET /api/cases%s shows a full 身份证号: %s", q, body)
				}
			}
			if strings.Contains(string(body), account) {
				t.Fatalf("GET /api/cases%s shows the account number", q)
			}
		}
	}
	// A search by the full number finds the case without echoing it.
	res, body := ts.do(t, "GET", "/api/cases?q="+validID(1), s.cadre, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"id":"pii-1"`) {
		t.Fatalf("search by the full number: %s", body)
	}
	for _, r := range []struct{ tok, field string }{{s.cadre, "id_number"}, {s.disburser, "account_no"}} {
		res, body := ts.do(t, "GET", "/api/cases/pii-1/reveal?field="+r.field, r.tok, nil)
		mustStatus(t, res, body, http.StatusOK)
	}
	mu.Lock()
	defer mu.Unlock()
	if logs.Len() == 0 {
		t.Fatal("nothing was logged")
	}
	for _, secret := range []string{validID(1), validID(2), validID(3), account} {
		if i := strings.Index(logs.String(), secret); i >= 0 {
			t.Fatalf("a log line shows %s: …%s…", domain.MaskID(secret), logs.String()[max(0, i-200):i])
		}
	}
}

// TestRacingApprovalsGetConsecutiveArchiveNumbers approves two households
// at the same moment, while a second approver races each decision on the
// same version: the two cases get 永靖危改〔2024〕0001号 and 0002号, one
// each, and the losing approvals leave no gap for the next case.
func TestRacingApprovalsGetConsecutiveArchiveNumbers(t *testing.T) {
	ts := newTestServer(t)
	ts.SetNow(walkStart)
	s := newStaff(t, ts, vilA)
	ids := []string{"num-1", "num-2", "num-3"}
	versions := map[string]int{}
	for i, id := range ids {
		fileCase(t, ts, s.cadre, id, vilA, 20+i)
		walkTo(t, ts, s, id, 20+i, domain.StageCountyReview)
		mustAct(t, ts, s.civil, id, "verify_household", caseVersion(t, ts, id), map[string]any{"result": "pass", "certificate_ref": "永民低保〔2024〕12号"})
		c := mustAct(t, ts, s.inspector, id, "appraise", caseVersion(t, ts, id), map[string]any{"grade": "D", "structure": "earth", "built_year": 1976})
		versions[id] = c.Version
	}
	approver2 := ts.userToken(t, domain.RoleCountyApprover, domain.CountyCode) // signed in after the walks' time travel
	type answer struct {
		id, archiveNo string
		status        int
	}
	answers := make(chan answer, 4)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, id := range ids[:2] {
		for _, tok := range []string{s.approver, approver2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				status, b := act(t, ts, tok, id, "approve", versions[id], map[string]any{"method": "rebuild"})
				var c struct {
					ArchiveNo string `json:"archive_no"`
				}
				_ = json.Unmarshal(b, &c)
				answers <- answer{id, c.ArchiveNo, status}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(answers)
	got := map[string]string{}
	for a := range answers {
		switch a.status {
		case http.StatusOK:
			if got[a.id] != "" {
				t.Fatalf("case %s approved twice", a.id)
			}
			got[a.id] = a.archiveNo
		case http.StatusConflict:
		default:
			t.Fatalf("approve %s: status %d", a.id, a.status)
		}
	}
	numbers := []string{got["num-1"], got["num-2"]}
	sort.Strings(numbers)
	if want := []string{"永靖危改〔2024〕0001号", "永靖危改〔2024〕0002号"}; !slices.Equal(numbers, want) {
		t.Fatalf("racing approvals got %q, want %q", numbers, want)
	}
	c := mustAct(t, ts, s.approver, "num-3", "approve", versions["num-3"], map[string]any{"method": "rebuild"})
	stored, err := ts.App.DB.Cases.Get(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.ArchiveNo() != "永靖危改〔2024〕0003号" {
		t.Fatalf("the approval after the race got %q, want 0003号", stored.ArchiveNo())
	}
	// The number is shown in the file and in the list.
	res, body := ts.do(t, "GET", "/api/cases?stage=approved", s.leader, nil)
	mustStatus(t, res, body, http.StatusOK)
	for _, n := range append(numbers, stored.ArchiveNo()) {
		if !strings.Contains(string(body), n) {
			t.Fatalf("the case list does not show %s: %s", n, body)
		}
	}
}

// caseVersion is the stored version of case id.
func caseVersion(t *testing.T, ts *testServer, id string) int {
	t.Helper()
	c, err := ts.App.DB.Cases.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Version
}
