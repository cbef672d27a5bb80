package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// soak is one run: the server, the proxy, the phones' shared state and
// what the chaos goroutine did.
type soak struct {
	cfg    config
	out    io.Writer
	dir    string
	srv    *server
	px     *proxy
	ppl    people
	ledger *ledger
	rec    *recorder
	start  time.Time

	handoff  chan *casePlan // cases ready for the township review
	progress atomic.Int64   // two units per case: the cadre's part and the officer's

	pairMu    sync.Mutex
	pairReady map[int]chan struct{} // closed when a pair's first copy is acknowledged

	crashMu sync.Mutex
	crashes []string
}

// result is what a run found.
type result struct {
	Cfg      config
	Totals   totals
	Faults   faultStats
	Crashes  []string
	Phases   []*phaseResult
	Took     time.Duration
	PhonesOK bool // the phones finished before their deadline
	LogPath  string
	Report   string // the file with every finding's evidence
	Attempts int
}

// run does the whole soak and prints its progress and figures to out.
func run(ctx context.Context, cfg config, out io.Writer) (*result, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "anju-soak-")
	if err != nil {
		return nil, err
	}
	s := &soak{cfg: cfg, out: out, dir: dir, ledger: newLedger(), rec: newRecorder(), start: time.Now(),
		handoff: make(chan *casePlan, cfg.Cases), pairReady: map[int]chan struct{}{}}
	res := &result{Cfg: cfg, LogPath: filepath.Join(dir, "server.log"), Report: filepath.Join(dir, "soak-report.txt")}
	err = s.do(ctx, res)
	res.Took = time.Since(s.start)
	if s.srv != nil {
		s.srv.close()
	}
	if s.px != nil {
		s.px.close()
	}
	res.Crashes = s.crashList()
	if s.px != nil {
		res.Faults = s.px.stats()
	}
	res.Totals = s.ledger.totals()
	res.Attempts = s.rec.count()
	failed := err != nil || res.failed()
	if len(res.Phases) > 0 {
		if werr := s.writeReport(res); werr != nil {
			fmt.Fprintln(out, "soak: write report:", werr)
		}
	}
	s.print(res)
	s.cleanUp(failed, res)
	return res, err
}

// do runs the stages in order; the caller prints and cleans up.
func (s *soak) do(ctx context.Context, res *result) error {
	cfg := s.cfg
	bin := cfg.Bin
	if bin == "" {
		s.logf("building ./server …")
		b, err := buildServer(ctx, s.dir)
		if err != nil {
			return err
		}
		bin = b
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	s.srv = &server{bin: bin, dataDir: filepath.Join(s.dir, "data"), addr: addr, password: secret(),
		logPath: res.LogPath}
	if err := s.srv.start(ctx); err != nil {
		return err
	}
	officers := max(1, cfg.Phones/4)
	cadres := cfg.Phones - officers
	if s.ppl, err = setUp(ctx, "http://"+addr, s.srv.password, cadres, officers); err != nil {
		return fmt.Errorf("set up: %w (log: %s)", err, res.LogPath)
	}
	if s.px, err = newProxy(addr, cfg.Fault, cfg.Seed); err != nil {
		return err
	}
	s.logf("server %s (data %s), proxy %s; %d cases, %d cadres in %d villages of %s, %d officers; fault %.2f, crashes %d, seed %d",
		addr, s.srv.dataDir, s.px.addr(), cfg.Cases, cadres, len(s.ppl.Villages), s.ppl.Township, officers,
		cfg.Fault, cfg.Crashes, cfg.Seed)
	res.PhonesOK = s.phones(ctx, cadres)
	s.px.setRate(0)
	s.logf("phones done: %+v", s.ledger.totals())
	if !res.PhonesOK && ctx.Err() != nil {
		return fmt.Errorf("deadline passed while the phones worked: %w", ctx.Err())
	}
	// Writes of hung-up requests may still land; give them a moment.
	time.Sleep(3 * time.Second)
	if err := s.checkPhase(ctx, res, "live"); err != nil {
		return err
	}
	s.logf("clean restart (SIGTERM) …")
	if err := s.srv.stop(); err != nil {
		return err
	}
	if err := s.srv.start(ctx); err != nil {
		return err
	}
	if err := s.checkPhase(ctx, res, "after restart"); err != nil {
		return err
	}
	if !res.PhonesOK {
		return errors.New("the phones did not finish before their deadline")
	}
	return nil
}

// checkPhase runs the final checks once and keeps their result.
func (s *soak) checkPhase(ctx context.Context, res *result, name string) error {
	s.logf("checking (%s) …", name)
	ph, err := s.check(ctx, name, len(res.Phases))
	if ph != nil {
		res.Phases = append(res.Phases, ph)
		s.logf("checked (%s) in %v (%s): %s", name, ph.Took.Round(time.Second), ph.StepsTook, ph.Fig.line())
	}
	return err
}

// phones runs the cadre and officer phones and the chaos goroutine, and
// reports whether the phones finished before their share of the deadline
// (60 % of it; the checks get the rest).
func (s *soak) phones(ctx context.Context, cadres int) bool {
	share := time.Duration(float64(time.Until(deadlineOf(ctx))) * 0.6)
	pctx, cancel := context.WithTimeoutCause(ctx, share, errors.New("phones' deadline"))
	defer cancel()
	villageOf := func(i int) string { return s.ppl.Cadres[i%cadres].Area }
	// The village review is dated eight days back so that the 7-day
	// village 公示 can close: a server that bounds review dates by the
	// filing day is told the phone filed ten days ago.
	filedAt := ""
	if s.ppl.FiledAt {
		filedAt = time.Now().In(shanghai).AddDate(0, 0, -10).Format(time.RFC3339)
	}
	plans := makePlans(s.cfg.Seed, s.cfg.Cases, villageOf, filedAt, max(2, s.cfg.Cases/50))
	s.preparePairs(plans)
	base := "http://" + s.px.addr()
	var cw, ow sync.WaitGroup
	for j, cr := range s.ppl.Cadres {
		var mine []*casePlan
		for i := j; i < len(plans); i += cadres {
			mine = append(mine, plans[i])
		}
		p := &phone{c: newClient(fmt.Sprintf("c%d", j+1), base, cr.Username, cr.Password, s.rec, s.cfg.Seed+uint64(j)), s: s}
		cw.Add(1)
		go func() { defer cw.Done(); p.runCadre(pctx, mine) }()
	}
	for j, o := range s.ppl.Officers {
		p := &phone{c: newClient(fmt.Sprintf("o%d", j+1), base, o.Username, o.Password, s.rec, s.cfg.Seed+100+uint64(j)), s: s}
		ow.Add(1)
		go func() { defer ow.Done(); p.runOfficer(pctx) }()
	}
	done := make(chan struct{})
	chaosDone := make(chan struct{})
	go func() { defer close(chaosDone); s.chaos(pctx, done, cancel) }()
	reportDone := make(chan struct{})
	go func() { defer close(reportDone); s.report(pctx, done) }()
	cw.Wait()
	close(s.handoff)
	ow.Wait()
	close(done)
	<-chaosDone
	<-reportDone
	return pctx.Err() == nil
}

// deadlineOf is ctx's deadline (in an hour when it has none).
func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(time.Hour)
}

// preparePairs marks, for each deliberate duplicate pair, its first case.
func (s *soak) preparePairs(plans []*casePlan) {
	for _, pl := range plans {
		for _, ph := range pl.Before {
			if ph.Pair < 0 {
				continue
			}
			pr := s.ledger.pair(ph.Pair)
			s.ledger.update(func() {
				if pr.Leader == "" {
					pr.Leader = pl.ID()
				} else {
					pr.Follower = pl.ID()
				}
			})
			s.pairReady[ph.Pair] = make(chan struct{})
		}
	}
}

// pairOf is the pair a planned photo belongs to and whether this case
// files the second copy.
func (s *soak) pairOf(pp photoPlan, pl *casePlan) (*pairRec, bool) {
	if pp.Pair < 0 {
		return nil, false
	}
	pr := s.ledger.pair(pp.Pair)
	return pr, pr.Leader != pl.ID()
}

// waitLeader waits up to three minutes for a pair's first copy.
func (s *soak) waitLeader(ctx context.Context, pr *pairRec) bool {
	select {
	case <-s.pairReady[pr.Index]:
		return true
	case <-ctx.Done():
	case <-time.After(3 * time.Minute):
	}
	return false
}

// pairFiled records an acknowledged copy of a deliberate duplicate: the
// first one lets the second go; the second's answer must warn.
func (s *soak) pairFiled(pr *pairRec, follower bool, photoID, reqID string, ws []warningFile) {
	if !follower {
		s.ledger.update(func() { pr.LeaderPhoto = photoID })
		s.pairMu.Lock()
		select {
		case <-s.pairReady[pr.Index]:
		default:
			close(s.pairReady[pr.Index])
		}
		s.pairMu.Unlock()
		return
	}
	warned := false
	for _, w := range ws {
		if w.Code == "duplicate_photo" && w.PhotoID == photoID && w.OtherCaseID == pr.Leader {
			warned = true
		}
	}
	s.ledger.update(func() {
		pr.Filed, pr.FollowerPhoto, pr.AnswerWarned, pr.ReqID = true, photoID, warned, reqID
	})
}

// chaos kills the server with SIGKILL at random moments, cfg.Crashes
// times, each when the phones' progress passes a random point between 10
// and 90 %, and restarts it on the same folder and port. When a restart
// fails it stops the phones with abort.
func (s *soak) chaos(ctx context.Context, done <-chan struct{}, abort context.CancelFunc) {
	r := rand.New(rand.NewPCG(s.cfg.Seed, 0xc4a05))
	points := make([]float64, s.cfg.Crashes)
	for i := range points {
		points[i] = 0.1 + 0.8*r.Float64()
	}
	sort.Float64s(points)
	total := float64(2 * s.cfg.Cases)
	for i, pt := range points {
		for float64(s.progress.Load()) < pt*total {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		time.Sleep(time.Duration(r.IntN(1500)) * time.Millisecond)
		at := time.Now()
		inflight := s.rec.count()
		if err := s.srv.kill(); err != nil {
			s.logf("crash %d: %v", i+1, err)
			return
		}
		err := s.srv.start(context.WithoutCancel(ctx))
		line := fmt.Sprintf("crash %d at %s (progress %.0f%%, after %d requests): SIGKILL, ready again after %v",
			i+1, at.Format("15:04:05.000"), 100*float64(s.progress.Load())/total, inflight, time.Since(at).Round(time.Millisecond))
		if err != nil {
			line += ": restart failed: " + err.Error()
		}
		s.crashMu.Lock()
		s.crashes = append(s.crashes, line)
		s.crashMu.Unlock()
		s.logf("%s", line)
		if err != nil {
			abort() // the phones cannot get anywhere now
			return
		}
	}
}

func (s *soak) crashList() []string {
	s.crashMu.Lock()
	defer s.crashMu.Unlock()
	return append([]string(nil), s.crashes...)
}

// report prints the progress every 15 s until done.
func (s *soak) report(ctx context.Context, done <-chan struct{}) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			st := s.px.stats()
			tt := s.ledger.totals()
			s.logf("progress %.0f%%: cases %d, photos %d, steps %d (+%d read back); %d connections, %.1f%% faulty; crashes %d",
				100*float64(s.progress.Load())/float64(2*s.cfg.Cases), tt.Cases, tt.Photos, tt.Steps, tt.StepsRead,
				st.Conns, pct(st.Faulted(), st.Conns), len(s.crashList()))
		}
	}
}

// logf prints a progress line with the time since the start.
func (s *soak) logf(format string, args ...any) {
	fmt.Fprintf(s.out, "[%6.1fs] %s\n", time.Since(s.start).Seconds(), fmt.Sprintf(format, args...))
}

// cleanUp removes the temporary folder, or keeps it (all of it with
// -keep, else only the logs when the run failed).
func (s *soak) cleanUp(failed bool, res *result) {
	switch {
	case s.cfg.Keep:
		fmt.Fprintf(s.out, "kept %s (server log %s, report %s)\n", s.dir, res.LogPath, res.Report)
	case failed:
		_ = os.RemoveAll(filepath.Join(s.dir, "data"))
		_ = os.Remove(filepath.Join(s.dir, "anju"))
		fmt.Fprintf(s.out, "server log: %s\nreport with every finding's evidence: %s\n", res.LogPath, res.Report)
	default:
		_ = os.RemoveAll(s.dir)
	}
}

func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
