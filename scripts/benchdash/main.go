// Command benchdash measures GET /api/dashboard of the real server over
// HTTP on the embedded database at 1,000 and at 20,000 cases, and prints
// p50/p95 at both sizes and their ratio (the goal: p95 ≤ 100 ms at 20,000
// and 20,000 within 1.5× of 1,000). For comparison it also times the case
// list and one case file, which read cases rather than counters, and the
// work lists (issue 13's goal: ≤ 30 ms p95 at 20,000, within 1.5× of
// 1,000): a search by the last 4 digits of an ID, the list filtered by
// township and stage, a township officer's grouped 待办 and the county
// inspector's.
//
//	go run ./scripts/benchdash [-n 200] [-server path/to/built/server]
//
// It starts an embedded FerretDB in a temporary folder, bulk-loads
// generated program-2024 cases in every stage across 17 townships × 10
// sample villages, starts the server against it (whose start rebuilds the
// dashboard counters from the cases), signs in as a county leader and
// times the requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

const adminPassword = "bench-county-secret"

func main() {
	n := flag.Int("n", 200, "requests timed per measurement")
	serverBin := flag.String("server", "", "built server binary (default: go build ./server)")
	flag.Parse()
	if err := run(*n, *serverBin); err != nil {
		fmt.Fprintln(os.Stderr, "benchdash:", err)
		os.Exit(1)
	}
}

func run(n int, serverBin string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchdash-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if serverBin == "" {
		serverBin = filepath.Join(dir, "anju")
		build := exec.Command("go", "build", "-o", serverBin, "./server")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build server: %w", err)
		}
	}
	emb, err := mongodb.StartEmbedded(filepath.Join(dir, "db"))
	if err != nil {
		return err
	}
	defer emb.Close()
	client, err := mongodb.Connect(ctx, emb.URI)
	if err != nil {
		return err
	}
	defer client.Disconnect(ctx)
	db := client.Database("anju")
	villages := sampleVillages()

	type result struct {
		cases                  int
		start                  time.Duration
		county, township, list []time.Duration
		file                   []time.Duration
		search, filter         []time.Duration
		officerQ, inspectorQ   []time.Duration
	}
	var results []result
	r := rand.New(rand.NewPCG(1, 2))
	loaded := 0
	for _, size := range []int{1000, 20000} {
		t0 := time.Now()
		if err := load(ctx, db, r, villages, loaded, size-loaded); err != nil {
			return err
		}
		fmt.Printf("loaded %d cases in %v\n", size-loaded, time.Since(t0).Round(time.Millisecond))
		loaded = size
		srv, err := startServer(serverBin, emb.URI, filepath.Join(dir, "data"))
		if err != nil {
			return err
		}
		res := result{cases: size, start: srv.startup}
		tok, err := srv.leaderToken(villages)
		if err != nil {
			srv.stop()
			return err
		}
		officer, err := srv.roleToken("township_officer", "622923100")
		if err != nil {
			srv.stop()
			return err
		}
		inspector, err := srv.roleToken("county_inspector", domain.CountyCode)
		if err != nil {
			srv.stop()
			return err
		}
		getAs := func(who, path string, times int) ([]time.Duration, error) {
			var out []time.Duration
			for i := 0; i < times+5; i++ {
				t := time.Now()
				if err := srv.get(path, who); err != nil {
					return nil, err
				}
				if i >= 5 { // the first few warm up connections and caches
					out = append(out, time.Since(t))
				}
			}
			return out, nil
		}
		steps := []struct {
			into  *[]time.Duration
			who   string
			path  string
			times int
		}{
			{&res.county, tok, "/api/dashboard?program_year=2024&area=622923", n},
			{&res.township, tok, "/api/dashboard?program_year=2024&area=622923100", n},
			{&res.list, tok, "/api/cases?program_year=2024&limit=50", max(5, n/20)},
			{&res.file, tok, "/api/cases/bench-000500", max(5, n/20)},
			{&res.search, tok, "/api/cases?program_year=2024&limit=50&q=0123", max(20, n/4)},
			{&res.filter, tok, "/api/cases?program_year=2024&limit=50&township=622923100&stage=construction", max(20, n/4)},
			{&res.officerQ, officer, "/api/queue?program_year=2024", max(20, n/4)},
			{&res.inspectorQ, inspector, "/api/queue?program_year=2024", max(20, n/4)},
		}
		for _, s := range steps {
			if *s.into, err = getAs(s.who, s.path, s.times); err != nil {
				srv.stop()
				return err
			}
		}
		srv.stop()
		results = append(results, res)
	}
	fmt.Printf("\n%-8s %-9s %-24s %-24s %-22s %-22s\n", "cases", "start", "county dashboard", "township dashboard", "case list (50)", "one case file")
	for _, r := range results {
		fmt.Printf("%-8d %-9v %-24s %-24s %-22s %-22s\n", r.cases, r.start.Round(time.Millisecond),
			pcts(r.county), pcts(r.township), pcts(r.list), pcts(r.file))
	}
	a, b := results[0], results[1]
	fmt.Printf("\ncounty dashboard p95 at 20,000 / at 1,000: %.2f (goal ≤ 1.5); p95 at 20,000: %v (goal ≤ 100ms)\n",
		ratio(pct(b.county, 95), pct(a.county, 95)), pct(b.county, 95).Round(10*time.Microsecond))
	fmt.Printf("township dashboard p95 at 20,000 / at 1,000: %.2f; p95 at 20,000: %v\n",
		ratio(pct(b.township, 95), pct(a.township, 95)), pct(b.township, 95).Round(10*time.Microsecond))
	fmt.Printf("\n%-8s %-26s %-26s %-26s %-26s\n", "cases", "search (ID last 4)", "list by township+stage", "township officer 待办", "county inspector 待办")
	for _, r := range results {
		fmt.Printf("%-8d %-26s %-26s %-26s %-26s\n", r.cases, pcts(r.search), pcts(r.filter), pcts(r.officerQ), pcts(r.inspectorQ))
	}
	for _, m := range []struct {
		name string
		a, b []time.Duration
	}{{"case list (50)", a.list, b.list}, {"search", a.search, b.search}, {"list by township+stage", a.filter, b.filter},
		{"township officer 待办", a.officerQ, b.officerQ}, {"county inspector 待办", a.inspectorQ, b.inspectorQ}} {
		fmt.Printf("%s p95 at 20,000 / at 1,000: %.2f (goal ≤ 1.5); p95 at 20,000: %v (goal ≤ 30ms)\n",
			m.name, ratio(pct(m.b, 95), pct(m.a, 95)), pct(m.b, 95).Round(10*time.Microsecond))
	}
	return nil
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

func pcts(ds []time.Duration) string {
	return fmt.Sprintf("p50 %v p95 %v", pct(ds, 50).Round(10*time.Microsecond), pct(ds, 95).Round(10*time.Microsecond))
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// village is a sample village (clearly named as one).
type village struct{ code, name string }

// sampleVillages are 10 sample villages in each of the county's 17
// townships (their official codes: a village of a township that does not
// exist would not be imported, and its name would be looked up in the
// database for every row that shows it).
func sampleVillages() []village {
	var out []village
	for _, tw := range []int{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 200, 201, 202, 203, 206, 207, 208} {
		for v := 1; v <= 10; v++ {
			out = append(out, village{fmt.Sprintf("622923%03d2%02d", tw, v), fmt.Sprintf("测试村%03d-%02d（压测样例）", tw, v)})
		}
	}
	return out
}

// load bulk-inserts count generated cases numbered from first.
func load(ctx context.Context, db *mongo.Database, r *rand.Rand, villages []village, first, count int) error {
	p := domain.Program2024()
	cs := make([]domain.Case, 0, count)
	for i := first; i < first+count; i++ {
		cs = append(cs, sampleCase(r, p, villages[r.IntN(len(villages))].code, i))
	}
	d, err := mongodb.Open(ctx, db, mongodb.Options{})
	if err != nil {
		return err
	}
	return d.Cases.Load(ctx, cs)
}

// sampleCase makes case i at a random stage with the records that stage
// implies (enough for every dashboard figure).
func sampleCase(r *rand.Rand, p domain.Program, village string, i int) domain.Case {
	at := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(150*24)) * time.Hour)
	st := domain.Stages[r.IntN(len(domain.Stages))]
	c := domain.Case{
		ID: fmt.Sprintf("bench-%06d", i), ProgramYear: p.Year, VillageCode: village,
		Household: domain.Household{HeadName: fmt.Sprintf("样例户%d", i), IDNumber: fmt.Sprintf("622923197001%06d", i),
			HukouNo: fmt.Sprintf("HK%07d", i), Phone: "13800000000", Type: domain.TypeSubsistenceAllowance,
			Members: []domain.Member{{Name: "配偶", IDNumber: fmt.Sprintf("622923197501%06d", i), Relation: "配偶"}}},
		House:  domain.House{Address: "样例地址", BuiltYear: 1975, Structure: domain.StructureEarth, FloorAreaM2: 60, OnlyHouse: true, Lat: 35.9, Lng: 103.3},
		Method: domain.MethodRebuild, Stage: st, Version: 1 + r.IntN(14), CreatedAt: at, CreatedBy: "bench", UpdatedAt: at,
	}
	if slicesIndex(st) >= slicesIndex(domain.StageApproved) && st != domain.StageRejected && st != domain.StageWithdrawn {
		c.Approval = &domain.Approval{Method: domain.MethodRebuild, PlannedSubsidy: p.RebuildSubsidyYuan, At: at, By: "bench"}
	}
	if st == domain.StageAccepted || st == domain.StagePaid || st == domain.StageArchived {
		c.Acceptances = []domain.Acceptance{{Passed: true, MeasuredAreaM2: 60, Storeys: 1, SubsidyYuan: p.RebuildSubsidyYuan, At: at, By: "bench"}}
	}
	if st == domain.StagePaid || st == domain.StageArchived {
		c.Payment = &domain.Payment{AmountYuan: p.RebuildSubsidyYuan, Bank: "样例银行", AccountNo: "6228480000000000000",
			PayeeName: c.Household.HeadName, PaidOn: domain.DateOf(at), At: at, By: "bench"}
	}
	if r.IntN(20) == 0 {
		c.Warnings = []domain.Warning{{Code: domain.WarnFarFromHouse, PhotoID: "p", Message: "照片拍摄地点距房屋较远", At: at}}
	}
	for k := 0; k < 3+r.IntN(6); k++ {
		c.History = append(c.History, domain.HistoryEntry{Seq: k + 1, Action: "create", ActorID: "bench", ActorName: "压测",
			ActorRole: domain.RoleVillageCadre, At: at, ToStage: st, Input: `{"note":"` + strings.Repeat("样", 60) + `"}`,
			Hash: fmt.Sprintf("%064d", k)})
	}
	return c
}

func slicesIndex(s domain.Stage) int {
	for i, x := range domain.Stages {
		if x == s {
			return i
		}
	}
	return -1
}

// server is the real server process under test.
type server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	base    string
	startup time.Duration
	client  *http.Client
	admin   string // the admin's token, once leaderToken has signed in
}

func startServer(bin, mongoURI, dataDir string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ANJU_ADDR="+addr, "ANJU_DATA_DIR="+dataDir, "ANJU_MONGO_URI="+mongoURI,
		"ANJU_MONGO_DB=anju", "ANJU_ADMIN_PASSWORD="+adminPassword, "ANJU_DEMO=0")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{}), base: "http://" + addr, client: &http.Client{Timeout: time.Minute}}
	go func() { _ = cmd.Wait(); close(s.done) }()
	for time.Since(t0) < 5*time.Minute {
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited while starting")
		default:
		}
		res, err := s.client.Get(s.base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				s.startup = time.Since(t0)
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("server did not start")
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) call(method, path, token, ctype string, body []byte, out any) error {
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (s *server) get(path, token string) error { return s.call("GET", path, token, "", nil, nil) }

// leaderToken signs in as admin, adds the sample villages (once) and a
// county leader, and signs in as the leader.
func (s *server) leaderToken(villages []village) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	login := func(u, pw string) error {
		b, _ := json.Marshal(map[string]string{"username": u, "password": pw})
		return s.call("POST", "/api/auth/login", "", "application/json", b, &tok)
	}
	if err := login("admin", adminPassword); err != nil {
		return "", err
	}
	adminTok := tok.AccessToken
	var csv strings.Builder
	csv.WriteString("code,name,parent_code\n")
	for _, v := range villages {
		fmt.Fprintf(&csv, "%s,%s,%s\n", v.code, v.name, domain.TownshipOf(v.code))
	}
	if err := s.call("POST", "/api/areas/import", tok.AccessToken, "text/csv", []byte(csv.String()), nil); err != nil {
		return "", err
	}
	user := fmt.Sprintf("leader%d", time.Now().UnixNano()%1e9)
	b, _ := json.Marshal(map[string]string{"username": user, "password": "bench-leader-pw", "name": "压测县领导",
		"role": "leader", "area_code": domain.CountyCode})
	if err := s.call("POST", "/api/users", tok.AccessToken, "application/json", b, nil); err != nil {
		return "", err
	}
	if err := login(user, "bench-leader-pw"); err != nil {
		return "", err
	}
	s.admin = adminTok
	return tok.AccessToken, nil
}

// roleToken adds a user of role in area (leaderToken first) and signs in.
func (s *server) roleToken(role, area string) (string, error) {
	user := fmt.Sprintf("%s-%d", strings.ReplaceAll(role, "_", "-"), time.Now().UnixNano()%1e9)
	b, _ := json.Marshal(map[string]string{"username": user, "password": "bench-user-pw", "name": "压测" + role,
		"role": role, "area_code": area})
	if err := s.call("POST", "/api/users", s.admin, "application/json", b, nil); err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	b, _ = json.Marshal(map[string]string{"username": user, "password": "bench-user-pw"})
	if err := s.call("POST", "/api/auth/login", "", "application/json", b, &tok); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}
