// Command benchlogin measures whether a flood of sign-ins starves the
// people at work: the p95 of a village cadre's case list (GET /api/cases
// on a few hundred cases) idle, and while 40 clients hammer POST
// /api/auth/login with wrong passwords, and the ratio (the goal: ≤ 2×).
//
//	go run ./scripts/benchlogin [-cases 300] [-n 500] [-clients 40] [-slots 0] [-cost 0]
//
// It runs the real server in this process (server/app, over HTTP on a
// loopback port) on an embedded FerretDB in a temporary folder, with the
// product's bcrypt cost (-cost to try another). The flood comes two ways:
// from one address, which the per-address limit soon refuses (held a
// second, before any hashing), and from a new address per request
// (ANJU_TRUSTED_PROXIES=127.0.0.1, X-Forwarded-For), a botnet the limits
// never stop, so every attempt is hashed — the case the hashing slots are
// for. -slots sets how many hashes may run at once (0: the product's
// default, half the CPUs). The machine's other load drifts, so idle and
// the two floods take turns, 5 rounds, and each pools its turns.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/app"
	"github.com/yongjing/anju/server/mongodb"
)

// rounds is how many turns each condition takes.
const rounds = 5

const (
	adminPassword = "bench-county-secret"
	cadrePassword = "bench-village-secret"
	village       = "622923100201"
)

func main() {
	cases := flag.Int("cases", 300, "cases in the cadre's village")
	n := flag.Int("n", 500, "case list requests timed per condition, over all rounds")
	clients := flag.Int("clients", 40, "clients hammering the sign-in")
	slots := flag.Int("slots", 0, "password hashes at once (0: the product's default)")
	cost := flag.Int("cost", 0, "bcrypt cost (0: the product's)")
	flag.Parse()
	if err := run(*cases, *n, *clients, *slots, *cost); err != nil {
		fmt.Fprintln(os.Stderr, "benchlogin:", err)
		os.Exit(1)
	}
}

func run(cases, n, clients, slots, cost int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "benchlogin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	emb, err := mongodb.StartEmbedded(filepath.Join(dir, "db"))
	if err != nil {
		return err
	}
	defer emb.Close()
	if err := load(ctx, emb.URI, cases); err != nil {
		return err
	}

	cfg, err := app.LoadConfig(func(k string) string {
		return map[string]string{"ANJU_ADDR": "127.0.0.1:0", "ANJU_DATA_DIR": filepath.Join(dir, "data"),
			"ANJU_MONGO_URI": emb.URI, "ANJU_ADMIN_PASSWORD": adminPassword, "ANJU_TRUSTED_PROXIES": "127.0.0.1"}[k]
	})
	if err != nil {
		return err
	}
	cfg.HashSlots, cfg.BcryptCost = slots, cost
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	a.Log = slog.New(slog.NewJSONHandler(io.Discard, nil)) // a line per request would drown the figures
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler()}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	c := &client{base: base, http: &http.Client{Timeout: time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients + 4}}}
	tok, err := c.cadreToken()
	if err != nil {
		return err
	}
	list := "/api/cases?program_year=2024&limit=100"
	var listed struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := c.call("GET", list, tok, nil, nil, &listed); err != nil {
		return err
	}
	fmt.Printf("%d CPUs, %d hashing slots, bcrypt cost %d; the cadre's list shows %d of %d cases\n",
		runtime.NumCPU(), a.Cfg.HashSlots, a.Cfg.BcryptCost, len(listed.Items), cases)

	// timeList times the case list n times.
	timeList := func(n int) ([]time.Duration, error) {
		var out []time.Duration
		for i := 0; i < n; i++ {
			t := time.Now()
			if err := c.call("GET", list, tok, nil, nil, nil); err != nil {
				return nil, err
			}
			out = append(out, time.Since(t))
		}
		return out, nil
	}
	if _, err := timeList(20); err != nil { // warm up connections and caches
		return err
	}

	// flood hammers the sign-in with wrong passwords from clients
	// goroutines until stop is called, which answers the count of answers
	// by status.
	flood := func(spread bool) (stop func() map[int]int) {
		var done atomic.Bool
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for k := 0; k < clients; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(k), uint64(time.Now().UnixNano())))
				for i := 0; !done.Load(); i++ {
					hdr := map[string]string{}
					if spread {
						hdr["X-Forwarded-For"] = fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
					}
					body, _ := json.Marshal(map[string]string{"username": fmt.Sprintf("guess-%d-%d", k, r.IntN(1000)), "password": fmt.Sprintf("wrong-%d", i)})
					status, err := c.status("POST", "/api/auth/login", hdr, body)
					if err != nil {
						status = 0
					}
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}
			}(k)
		}
		return func() map[int]int {
			done.Store(true)
			wg.Wait()
			return statuses
		}
	}

	// The machine's other load drifts, so the three conditions take turns,
	// rounds times, and each one's figures pool its turns.
	type condition struct {
		name     string
		flood    bool
		spread   bool
		list     []time.Duration
		statuses map[int]int
		busy     time.Duration
	}
	conds := []*condition{
		{name: "idle"},
		{name: "flood from one address", flood: true},
		{name: "flood from a new address each", flood: true, spread: true},
	}
	for _, cd := range conds {
		cd.statuses = map[int]int{}
	}
	per := max(1, n/rounds)
	for r := 0; r < rounds; r++ {
		for _, cd := range conds {
			var stop func() map[int]int
			if cd.flood {
				stop = flood(cd.spread)
				time.Sleep(time.Second) // let the flood build up
			}
			t0 := time.Now()
			times, err := timeList(per)
			if stop != nil {
				cd.busy += time.Since(t0) + time.Second
				for s, k := range stop() {
					cd.statuses[s] += k
				}
			}
			if err != nil {
				return err
			}
			cd.list = append(cd.list, times...)
		}
	}
	fmt.Println()
	idle := conds[0].list
	for _, cd := range conds {
		line := fmt.Sprintf("%-30s case list %s", cd.name+":", pcts(cd.list))
		if cd.flood {
			total := 0
			for _, k := range cd.statuses {
				total += k
			}
			line += fmt.Sprintf("  ×%.2f   sign-ins answered %.0f/s, by status %v", ratio(pct(cd.list, 95), pct(idle, 95)),
				float64(total)/cd.busy.Seconds(), cd.statuses)
		}
		fmt.Println(line)
	}
	fmt.Println("(×: case list p95 under the flood / idle; goal ≤ 2)")
	return nil
}

// load puts cases, filed in the sample village, into the database.
func load(ctx context.Context, uri string, count int) error {
	cl, err := mongodb.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer cl.Disconnect(ctx)
	d, err := mongodb.Open(ctx, cl.Database(app.DefaultMongoDB), mongodb.Options{})
	if err != nil {
		return err
	}
	at := time.Date(2024, 4, 1, 2, 0, 0, 0, time.UTC)
	cs := make([]domain.Case, 0, count)
	for i := 0; i < count; i++ {
		cs = append(cs, domain.Case{
			ID: fmt.Sprintf("bench-%06d", i), ProgramYear: 2024, VillageCode: village,
			Household: domain.Household{HeadName: fmt.Sprintf("样例户%d", i), IDNumber: fmt.Sprintf("622923197001%06d", i),
				HukouNo: fmt.Sprintf("HK%07d", i), Phone: "13800000000", Type: domain.TypeSubsistenceAllowance},
			House: domain.House{Address: "样例地址", BuiltYear: 1975, Structure: domain.StructureEarth, FloorAreaM2: 60,
				OnlyHouse: true, Lat: 35.9, Lng: 103.3},
			Method: domain.MethodRebuild, Stage: domain.StageApplied, Version: 1,
			CreatedAt: at.Add(time.Duration(i) * time.Minute), CreatedBy: "bench", UpdatedAt: at.Add(time.Duration(i) * time.Minute),
			History: []domain.HistoryEntry{{Seq: 1, Action: "create", ActorID: "bench", ActorName: "压测",
				ActorRole: domain.RoleVillageCadre, At: at, ToStage: domain.StageApplied, Hash: fmt.Sprintf("%064d", i)}},
		})
	}
	return d.Cases.Load(ctx, cs)
}

type client struct {
	base string
	http *http.Client
}

func (c *client) status(method, path string, hdr map[string]string, body []byte) (int, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func (c *client) call(method, path, token string, hdr map[string]string, body any, out any) error {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
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

// cadreToken signs in as admin, adds the sample village and a cadre there,
// and signs in as the cadre.
func (c *client) cadreToken() (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	login := func(u, pw string) error {
		return c.call("POST", "/api/auth/login", "", nil, map[string]string{"username": u, "password": pw}, &tok)
	}
	if err := login("admin", adminPassword); err != nil {
		return "", err
	}
	if err := c.call("POST", "/api/areas", tok.AccessToken, nil,
		map[string]string{"code": village, "name": "示例村（压测样例）", "parent_code": domain.TownshipOf(village)}, nil); err != nil {
		return "", err
	}
	if err := c.call("POST", "/api/users", tok.AccessToken, nil, map[string]string{"username": "bench-cadre",
		"password": cadrePassword, "name": "压测村干部", "role": "village_cadre", "area_code": village}, nil); err != nil {
		return "", err
	}
	if err := login("bench-cadre", cadrePassword); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

func pcts(ds []time.Duration) string {
	return fmt.Sprintf("p50 %-9v p95 %-9v", pct(ds, 50).Round(10*time.Microsecond), pct(ds, 95).Round(10*time.Microsecond))
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
