package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runHTTP uploads n photos at once over HTTP to a real server: the one at
// ANJU_URL (signing in as admin with ANJU_ADMIN_PASSWORD; peak RSS read
// from /proc/$ANJU_PID when set), or else one built from ./server and
// started here on a fresh data folder (embedded database; photos on disk,
// or on S3 when ANJU_TEST_S3_ENDPOINT is set).
func runHTTP(photo []byte, n int) error {
	base, pid := os.Getenv("ANJU_URL"), os.Getenv("ANJU_PID")
	password := os.Getenv("ANJU_ADMIN_PASSWORD")
	if base == "" {
		srv, err := startServer()
		if err != nil {
			return err
		}
		defer srv.stop()
		base, pid, password = srv.url, strconv.Itoa(srv.cmd.Process.Pid), srv.password
	}
	if password == "" {
		return errors.New("ANJU_URL needs ANJU_ADMIN_PASSWORD")
	}
	c := &client{base: strings.TrimRight(base, "/")}
	caseIDs, err := c.setUp(password, (n+7)/8)
	if err != nil {
		return err
	}
	if pid != "" {
		if err := os.WriteFile("/proc/"+pid+"/clear_refs", []byte("5"), 0); err != nil {
			fmt.Println("cannot reset the server's peak RSS:", err)
		}
		fmt.Printf("server before: RSS %d MB\n", vmRSS(pid)>>20)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	warned := 0
	var mu sync.Mutex
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := c.upload(caseIDs[i%len(caseIDs)], fmt.Sprintf("uploadmem-%d", i), photo, i)
			mu.Lock()
			warned += w
			mu.Unlock()
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	took := time.Since(start)
	fmt.Printf("%d uploads over HTTP in %v (%.1f/s), %d duplicate warnings raised\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds(), warned)
	if pid == "" {
		fmt.Println("peak RSS unknown: set ANJU_PID to the server's process id")
		return nil
	}
	fmt.Printf("server peak RSS (VmHWM): %d MB (target ≤ 200 MB)\n", vmHWM(pid)>>20)
	return nil
}

type server struct {
	cmd      *exec.Cmd
	dir      string
	url      string
	password string
}

func startServer() (*server, error) {
	dir, err := os.MkdirTemp("", "anju-uploadmem-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, password: "uploadmem-county-secret"}
	bin := filepath.Join(dir, "anju")
	fmt.Println("building ./server …")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("build server: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s.url = "http://" + addr
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(os.Environ(), "ANJU_ADDR="+addr, "ANJU_DATA_DIR="+filepath.Join(dir, "data"),
		"ANJU_ADMIN_PASSWORD="+s.password, "ANJU_S3_ENDPOINT=", "ANJU_MONGO_URI=")
	if ep := os.Getenv("ANJU_TEST_S3_ENDPOINT"); ep != "" {
		s.cmd.Env = append(s.cmd.Env, "ANJU_S3_ENDPOINT="+ep, "ANJU_S3_ACCESS_KEY="+os.Getenv("ANJU_TEST_S3_ACCESS_KEY"),
			"ANJU_S3_SECRET_KEY="+os.Getenv("ANJU_TEST_S3_SECRET_KEY"), "ANJU_S3_BUCKET=anju-uploadmem")
		fmt.Println("server photos on S3 at", ep)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		res, err := http.Get(s.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server did not answer on %s (log: %s)", addr, logf.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("server pid %d on %s\n", s.cmd.Process.Pid, addr)
	return s, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(s.dir)
}

type client struct {
	base  string
	token string
}

func (c *client) call(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// setUp signs in as admin, adds a sample village and a cadre, and files
// cases households; it leaves the client signed in as the cadre.
func (c *client) setUp(adminPassword string, cases int) ([]string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.call("POST", "/api/auth/login", map[string]string{"username": "admin", "password": adminPassword}, &tok); err != nil {
		return nil, err
	}
	c.token = tok.AccessToken
	const village = "622923100299"
	if err := c.call("POST", "/api/areas", map[string]string{"code": village, "name": "示例村（内存测试）", "parent_code": "622923100"}, nil); err != nil {
		return nil, err
	}
	user := fmt.Sprintf("uploadmem-%d", time.Now().UnixNano())
	if err := c.call("POST", "/api/users", map[string]string{"username": user, "password": "uploadmem-password",
		"name": "内存测试村干部", "role": "village_cadre", "area_code": village}, nil); err != nil {
		return nil, err
	}
	if err := c.call("POST", "/api/auth/login", map[string]string{"username": user, "password": "uploadmem-password"}, &tok); err != nil {
		return nil, err
	}
	c.token = tok.AccessToken
	var ids []string
	for i := 0; i < cases; i++ {
		id := fmt.Sprintf("0a0b0c0d-0000-4000-8000-%012d", time.Now().UnixNano()%1e12+int64(i))
		err := c.call("POST", "/api/cases", map[string]any{
			"id": id, "program_year": 2024, "village_code": village,
			"household": map[string]any{"head_name": fmt.Sprintf("测试户%d", i), "id_number": idNumber(i), "phone": "13900000000",
				"hukou_no": fmt.Sprintf("UM%06d", i), "type": "subsistence_allowance", "members": []any{}},
			"house":  map[string]any{"address": "示例村一社", "built_year": 1975, "structure": "earth", "floor_area_m2": 60, "only_house": true, "lat": 35.93, "lng": 103.32},
			"method": "rebuild", "flags": map[string]bool{},
		}, nil)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// idNumber is a 身份证号 with a valid GB 11643 check character.
func idNumber(n int) string {
	first17 := fmt.Sprintf("62292319700101%03d", n%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// upload streams one multipart upload (the body is produced while sent,
// so the client does not hold a copy per upload) and returns how many
// warnings the server raised.
func (c *client) upload(caseID, photoID string, photo []byte, i int) (int, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fields := map[string]string{"id": photoID, "kind": "progress",
			"taken_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "lat": "35.9301", "lng": "103.3201"}
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="photo.jpg"`)
		h.Set("Content-Type", "image/jpeg")
		w, err := mw.CreatePart(h)
		if err == nil {
			body, _ := withComment(photo, i)
			_, err = io.Copy(w, body)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", c.base+"/api/cases/"+caseID+"/photos", pr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("upload %s: %d %s", photoID, res.StatusCode, b)
	}
	var ans struct {
		Warnings []json.RawMessage `json:"warnings"`
	}
	json.Unmarshal(b, &ans)
	return len(ans.Warnings), nil
}
