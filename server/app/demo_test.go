package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb/dbtest"
	"github.com/yongjing/anju/uploads"
)

func TestDemoDataIsConsistentAndLoadedOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Demo = true
	store, err := uploads.NewDisk(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.New(t)
	var out bytes.Buffer
	ts := &testServer{}
	app, err := newApp(context.Background(), cfg, deps{DB: db, Store: store, Log: testLogger(t), Out: &out, Now: ts.now})
	if err != nil {
		t.Fatal(err)
	}
	ts.App = app
	ts.Server = httptest.NewServer(app.Handler())
	t.Cleanup(func() { ts.Server.Close(); app.Close() })

	// Every role has a printed password that signs in.
	m := regexp.MustCompile(`demo-leader\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no leader password printed:\n%s", out.String())
	}
	leader := ts.login(t, "demo-leader", m[1]).AccessToken
	for _, u := range []string{"demo-cadre-1", "demo-officer-100", "demo-civil", "demo-rural", "demo-inspector", "demo-approver", "demo-disburser"} {
		if !regexp.MustCompile(u + `\s+\S+`).MatchString(out.String()) {
			t.Errorf("no password printed for %s", u)
		}
	}
	// Sample cases in every stage, each one's history intact and its
	// evidence in the object store.
	ctx := context.Background()
	stages := map[domain.Stage]int{}
	n := 0
	var approvals []domain.Approval
	err = app.DB.Cases.All(ctx, 2024, func(c domain.Case) error {
		n++
		stages[c.Stage]++
		if c.Approval != nil {
			approvals = append(approvals, *c.Approval)
		}
		if ok, bad := domain.VerifyHistory(c.History); !ok {
			t.Errorf("case %s: history breaks at %d", c.ID, bad)
		}
		if c.Stage == domain.StageArchived && len(c.FileMissing()) > 0 {
			t.Errorf("archived case %s lacks %v", c.ID, c.FileMissing())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != demoCases {
		t.Fatalf("%d demo cases, want %d", n, demoCases)
	}
	// The approved ones are numbered 1…N in approval order.
	sort.Slice(approvals, func(i, j int) bool { return approvals[i].ArchiveSeq < approvals[j].ArchiveSeq })
	for i, ap := range approvals {
		if ap.ArchiveSeq != i+1 || ap.ArchiveNo != domain.FormatArchiveNo(2024, i+1) {
			t.Fatalf("approval %d has number %d %q", i+1, ap.ArchiveSeq, ap.ArchiveNo)
		}
		if i > 0 && ap.At.Before(approvals[i-1].At) {
			t.Fatalf("%s was approved before %s", ap.ArchiveNo, approvals[i-1].ArchiveNo)
		}
	}
	for _, s := range domain.Stages {
		if stages[s] == 0 {
			t.Errorf("no demo case at %s", s)
		}
	}
	objs, err := store.List(ctx, "cases/")
	if err != nil || len(objs) < demoCases*3 {
		t.Fatalf("%d objects in the store (%v)", len(objs), err)
	}
	res, body := ts.do(t, "GET", "/api/dashboard?program_year=2024", leader, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !bytes.Contains(body, []byte(`"totals":{"total":208,`)) {
		t.Fatalf("dashboard: %s", body)
	}
	res, body = ts.do(t, "GET", "/api/areas", leader, nil)
	mustStatus(t, res, body, http.StatusOK)
	if !bytes.Contains(body, []byte("示例村一（演示）")) {
		t.Fatalf("sample villages missing: %s", body)
	}
	// A second start on the same database adds nothing.
	app2, err := newApp(ctx, cfg, deps{DB: db, Store: store, Log: testLogger(t), Out: io.Discard, Now: ts.now})
	if err != nil {
		t.Fatal(err)
	}
	defer app2.Close()
	cnt, _ := db.Collection("cases").CountDocuments(ctx, map[string]any{})
	if cnt != demoCases {
		t.Fatalf("after a restart %d cases, want %d", cnt, demoCases)
	}
}
