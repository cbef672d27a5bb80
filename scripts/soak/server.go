package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is the child process under test, restarted on the same data
// folder and port after each crash.
type server struct {
	bin      string
	dataDir  string
	addr     string // 127.0.0.1:port
	password string // admin's
	logPath  string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	log     *os.File
	starts  int
	started time.Time // of the running process
}

// buildServer runs go build -o <dir>/anju ./server at the module root.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "anju")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./server: %w\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the folder of the go.mod this program belongs to.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// freeAddr is a loopback address nothing listens on right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// env is the child's environment: ours without any ANJU_ setting, plus
// the data folder, address and admin password (embedded database, photos
// on disk, no demo data).
func (s *server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANJU_") {
			env = append(env, kv)
		}
	}
	return append(env, "ANJU_ADDR="+s.addr, "ANJU_DATA_DIR="+s.dataDir, "ANJU_ADMIN_PASSWORD="+s.password)
}

// start launches the server and waits until GET /api/ready answers 200.
func (s *server) start(ctx context.Context) error {
	s.mu.Lock()
	if s.log == nil {
		f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		s.log = f
	}
	s.starts++
	s.started = time.Now()
	fmt.Fprintf(s.log, "=== soak: start %d of the server at %s ===\n", s.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin)
	cmd.Env = s.env()
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// Its own process group keeps a Ctrl-C in the terminal for us; the
	// death signal takes it down with us if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("start server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return s.waitReady(ctx, exited)
}

// waitReady polls /api/ready directly (no proxy) for up to two minutes.
func (s *server) waitReady(ctx context.Context, exited <-chan struct{}) error {
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+"/api/ready", nil)
		if res, err := hc.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("server exited before it was ready (log: %s)", s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready on %s after 2 minutes (log: %s)", s.addr, s.logPath)
		}
	}
}

// startedAt is when the running process was started: its start rebuilt
// the list view, the counters and the photo index from the database.
func (s *server) startedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// kill sends SIGKILL and waits for the process to be gone: a crash.
func (s *server) kill() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("server not running")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill server: %w", err)
	}
	<-exited
	s.mu.Lock()
	fmt.Fprintf(s.log, "=== soak: server killed with SIGKILL at %s ===\n", time.Now().Format(time.RFC3339Nano))
	s.mu.Unlock()
	return nil
}

// stop sends SIGTERM (requests in flight finish, the database is closed)
// and waits up to 45 s before killing.
func (s *server) stop() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(45 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		return fmt.Errorf("server did not stop within 45 s of SIGTERM (log: %s)", s.logPath)
	}
	if st := cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("server stopped with %v (log: %s)", st, s.logPath)
	}
	return nil
}

// close stops the server if it still runs and closes its log.
func (s *server) close() {
	_ = s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log != nil {
		s.log.Close()
		s.log = nil
	}
}

// statuses maps the request ids of the soak's requests to the status the
// server logged for them.
func (s *server) statuses() map[string]string {
	out := map[string]string{}
	f, err := os.Open(s.logPath)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `"msg":"request"`) {
			continue
		}
		id, st := jsonField(line, "request_id"), jsonField(line, "status")
		if id != "" && st != "" {
			out[id] = st
		}
	}
	return out
}

// jsonField is the value of a top-level field of a log line, read
// without decoding the whole line (strings lose their quotes).
func jsonField(line, name string) string {
	i := strings.Index(line, `"`+name+`":`)
	if i < 0 {
		return ""
	}
	v := line[i+len(name)+3:]
	if strings.HasPrefix(v, `"`) {
		end := strings.IndexByte(v[1:], '"')
		if end < 0 {
			return ""
		}
		return v[1 : 1+end]
	}
	end := strings.IndexAny(v, ",}")
	if end < 0 {
		return ""
	}
	return v[:end]
}

// logLines returns up to max lines of the server's log that carry the
// request id (its request_id field).
func (s *server) logLines(reqID string, max int) []string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	needle := `"request_id":"` + reqID + `"`
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < max {
		if strings.Contains(sc.Text(), needle) {
			out = append(out, sc.Text())
		}
	}
	return out
}
