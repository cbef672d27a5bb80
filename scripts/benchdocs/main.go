// Command benchdocs measures the 台账 export of the real server over HTTP:
// GET /api/ledger.xlsx of 20,000 households on the embedded database, its
// time and the server's peak resident memory while it streams (the goal:
// ≤ 10 s and ≤ 150 MB), and one 竣工验收合格表 PDF.
//
//	go run ./scripts/benchdocs [-cases 20000] [-server path/to/built/server]
//
// It starts an embedded FerretDB in a temporary folder, bulk-loads
// generated program-2024 cases in every stage across 17 townships × 10
// sample villages (named as samples), starts the server against it,
// resets the server's peak-memory mark (Linux /proc/PID/clear_refs) once
// it has started, signs in as a county leader and downloads the 台账.
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
	"strings"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

const adminPassword = "bench-admin-password"

func main() {
	n := flag.Int("cases", 20000, "households to load")
	serverBin := flag.String("server", "", "built server binary (default: go build ./server)")
	flag.Parse()
	if err := run(*n, *serverBin); err != nil {
		fmt.Fprintln(os.Stderr, "benchdocs:", err)
		os.Exit(1)
	}
}

func run(n int, serverBin string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchdocs-")
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
	d, err := mongodb.Open(ctx, client.Database("anju"), mongodb.Options{})
	if err != nil {
		return err
	}
	villages := sampleVillages()
	r := rand.New(rand.NewPCG(1, 2))
	p := domain.Program2024()
	cs := make([]domain.Case, 0, n)
	seq := 0
	for i := 0; i < n; i++ {
		c := sampleCase(r, p, villages[r.IntN(len(villages))], i)
		if c.Approval != nil {
			seq++
			c.Approval.ArchiveSeq, c.Approval.ArchiveNo = seq, domain.FormatArchiveNo(p.Year, seq)
		}
		cs = append(cs, c)
	}
	t0 := time.Now()
	if err := d.Cases.Load(ctx, cs); err != nil {
		return err
	}
	fmt.Printf("loaded %d cases in %v\n", n, time.Since(t0).Round(time.Millisecond))

	srv, err := startServer(serverBin, emb.URI, filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server started in %v (peak RSS while starting %.1f MB)\n", srv.startup.Round(time.Millisecond), mb(srv.peakRSS()))
	tok, err := srv.leaderToken(villages)
	if err != nil {
		return err
	}
	for _, step := range []struct{ name, path string }{
		{"台账 (all households)", "/api/ledger.xlsx?program_year=2024"},
		{"台账 (one township)", "/api/ledger.xlsx?program_year=2024&township=622923100"},
	} {
		if err := srv.resetPeak(); err != nil {
			return err
		}
		base := srv.rss()
		t := time.Now()
		size, err := srv.download(step.path, tok)
		if err != nil {
			return err
		}
		el := time.Since(t)
		fmt.Printf("%-22s %8.2f s  %7.1f KB  server RSS before %.1f MB, peak while streaming %.1f MB\n",
			step.name, el.Seconds(), float64(size)/1024, mb(base), mb(srv.peakRSS()))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "server.log")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "ledger exported") || strings.Contains(l, `"level":"ERROR"`) {
				fmt.Println("server:", l)
			}
		}
	}
	fmt.Println("goal for 20,000 households: ≤ 10 s and ≤ 150 MB peak RSS of the server")
	return nil
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

// village is a sample village (clearly named as one).
type village struct{ code, name string }

// townships are the county's 17 township codes (server/app/data).
var townships = []string{"622923100", "622923101", "622923102", "622923103", "622923104", "622923105", "622923106",
	"622923107", "622923108", "622923109", "622923200", "622923201", "622923202", "622923203", "622923206", "622923207", "622923208"}

// sampleVillages are 10 sample villages in each township.
func sampleVillages() []village {
	var out []village
	for _, tw := range townships {
		for v := 1; v <= 10; v++ {
			out = append(out, village{fmt.Sprintf("%s2%02d", tw, v), fmt.Sprintf("测试村%s-%02d（压测样例）", tw[6:], v)})
		}
	}
	return out
}

// sampleCase makes case i at a random stage with the records that stage
// implies, so every column of the 台账 has something to print.
func sampleCase(r *rand.Rand, p domain.Program, v village, i int) domain.Case {
	at := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(150*24)) * time.Hour)
	st := domain.Stages[r.IntN(len(domain.Stages))]
	idx := func(s domain.Stage) int {
		for k, x := range domain.Stages {
			if x == s {
				return k
			}
		}
		return -1
	}
	reached := func(s domain.Stage) bool {
		return idx(st) >= idx(s) && st != domain.StageRejected && st != domain.StageWithdrawn
	}
	c := domain.Case{
		ID: fmt.Sprintf("bench-%06d", i), ProgramYear: p.Year, VillageCode: v.code,
		Household: domain.Household{HeadName: fmt.Sprintf("样例户%d", i), IDNumber: fmt.Sprintf("622923197001%06d", i),
			HukouNo: fmt.Sprintf("HK%07d", i), Phone: "13800000000", Type: domain.TypeSubsistenceAllowance,
			Members: []domain.Member{{Name: "配偶", IDNumber: fmt.Sprintf("622923197501%06d", i), Relation: "配偶"}}},
		House:  domain.House{Address: fmt.Sprintf("%d社%d号", 1+i%5, 1+i%40), BuiltYear: 1975, Structure: domain.StructureEarth, FloorAreaM2: 60, OnlyHouse: true, Lat: 35.9, Lng: 103.3},
		Method: domain.MethodRebuild, Stage: st, Version: 1 + r.IntN(14), CreatedAt: at, CreatedBy: "bench", UpdatedAt: at,
	}
	day := domain.DateOf(at)
	if reached(domain.StageVillagePublicity) {
		c.VillageReview = &domain.VillageReview{Passed: true, MeetingDate: day, At: at, By: "bench"}
		c.VillagePublicity = &domain.Publicity{Start: day, EndsOn: day.AddDays(7)}
	}
	if reached(domain.StageTownshipPublicity) {
		c.TownshipReviewAt = at
		c.TownshipPublicity = &domain.Publicity{Start: day.AddDays(10), EndsOn: day.AddDays(17)}
	}
	if reached(domain.StageApproved) {
		c.Verification = &domain.Verification{Passed: true, Department: domain.RoleCivilAffairs, At: at, By: "bench"}
		c.Appraisal = &domain.Appraisal{Grade: domain.GradeD, Structure: domain.StructureEarth, BuiltYear: 1975,
			Bases: []domain.Basis{domain.BasisAppraisedDangerous, domain.BasisEarth}, At: at, By: "bench"}
		c.Approval = &domain.Approval{Method: domain.MethodRebuild, PlannedSubsidy: p.RebuildSubsidyYuan, At: at, By: "bench"}
	}
	if reached(domain.StageConstruction) {
		c.Agreement = &domain.Agreement{BuilderName: "样例工匠", BuilderCertNo: "GJ-1", StartDate: day.AddDays(20), At: at, By: "bench"}
	}
	if reached(domain.StageAccepted) {
		c.SelfCheckAt = at
		c.Acceptances = []domain.Acceptance{{Passed: true, MeasuredAreaM2: 60, Storeys: 1, SubsidyYuan: p.RebuildSubsidyYuan, At: at, By: "bench"}}
	}
	if reached(domain.StagePaid) {
		c.Payment = &domain.Payment{AmountYuan: p.RebuildSubsidyYuan, Bank: "样例银行", AccountNo: "6228480000000000000",
			PayeeName: c.Household.HeadName, PaidOn: day, At: at, By: "bench"}
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

// server is the real server process under measurement.
type server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	base    string
	startup time.Duration
	client  *http.Client
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
	logf, err := os.Create(filepath.Join(filepath.Dir(dataDir), "server.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{}), base: "http://" + addr, client: &http.Client{Timeout: 5 * time.Minute}}
	go func() { _ = cmd.Wait(); close(s.done) }()
	for time.Since(t0) < 10*time.Minute {
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited while starting")
		default:
		}
		res, err := s.client.Get(s.base + "/api/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				s.startup = time.Since(t0)
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
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

// status reads a field (in kB) of /proc/PID/status.
func (s *server) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, field+":")), "%d", &kb)
			return kb
		}
	}
	return -1
}

func (s *server) rss() int64     { return s.status("VmRSS") }
func (s *server) peakRSS() int64 { return s.status("VmHWM") }

// resetPeak sets the server's peak-RSS mark to what it uses now.
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
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

// download fetches path and returns how many bytes came.
func (s *server) download(path, token string) (int64, error) {
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return 0, fmt.Errorf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return io.Copy(io.Discard, res.Body)
}

// leaderToken signs in as admin, adds the sample villages and a county
// leader, and signs in as the leader.
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
	var csv strings.Builder
	csv.WriteString("code,name,parent_code\n")
	for _, v := range villages {
		fmt.Fprintf(&csv, "%s,%s,%s\n", v.code, v.name, domain.TownshipOf(v.code))
	}
	if err := s.call("POST", "/api/areas/import", tok.AccessToken, "text/csv", []byte(csv.String()), nil); err != nil {
		return "", err
	}
	b, _ := json.Marshal(map[string]string{"username": "leader", "password": "bench-leader-pw", "name": "压测县领导",
		"role": "leader", "area_code": domain.CountyCode})
	if err := s.call("POST", "/api/users", tok.AccessToken, "application/json", b, nil); err != nil {
		return "", err
	}
	if err := login("leader", "bench-leader-pw"); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}
