package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// client is how one phone (or the final checker) talks to the API. Its
// HTTP client keeps no connection alive, so every request is one
// connection of its own through the proxy. It signs in once and then
// refreshes its tokens, signing in again only when a refresh fails.
type client struct {
	name           string // prefix of its request ids, e.g. "c3"
	base           string // http://127.0.0.1:port
	hc             *http.Client
	user, password string
	rec            *recorder

	seq atomic.Int64

	authMu   sync.Mutex // one sign-in or refresh at a time
	mu       sync.Mutex
	rng      *rand.Rand
	access   string
	refresh  string
	issuedAt time.Time
	userID   string
}

// newClient makes a client for base signing in as user.
func newClient(name, base, user, password string, rec *recorder, seed uint64) *client {
	tr := &http.Transport{DisableKeepAlives: true}
	return &client{
		name: name, base: base, user: user, password: password, rec: rec,
		hc:  &http.Client{Transport: tr, Timeout: 30 * time.Second},
		rng: rand.New(rand.NewPCG(seed, 0xc11e)),
	}
}

// request is one API call, sent again unchanged on every retry.
type request struct {
	method, path string
	body         []byte
	ctype        string
	caseID       string // the case it is about, for the ledger's timeline
	what         string // what it is about, e.g. "photo 6c1… (hukou)"
	anonymous    bool   // no access token (sign-in)
}

// jsonRequest makes a request with v as its JSON body.
func jsonRequest(method, path string, v any) request {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are marshalled
	}
	return request{method: method, path: path, body: b, ctype: "application/json"}
}

// answer is a complete HTTP answer.
type answer struct {
	Status int
	Body   []byte
	ReqID  string
}

// apiError is the error body of every error answer.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
		Details map[string]string `json:"details"`
	} `json:"error"`
}

// errorOf decodes an error answer (zero when it is none).
func (a answer) errorOf() apiError {
	var e apiError
	if a.Status >= 400 {
		_ = json.Unmarshal(a.Body, &e)
	}
	return e
}

// code is the error code of an error answer ("" otherwise).
func (a answer) code() string { return a.errorOf().Error.Code }

// decode reads a JSON answer into v.
func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("decode answer of %s: %w", a.ReqID, err)
	}
	return nil
}

// String is the answer in short, for the evidence.
func (a answer) String() string {
	if a.Status >= 400 {
		e := a.errorOf().Error
		s := fmt.Sprintf("%d %s", a.Status, e.Code)
		if len(e.Details) > 0 {
			s += fmt.Sprintf(" %v", e.Details)
		}
		return s
	}
	return strconv.Itoa(a.Status)
}

// do sends r until the answer is definitive: any status below 500 but
// 401, which makes the client sign in again first. Transport errors,
// incomplete answers and 5xx are retried with the same body after a
// backoff, until ctx ends.
func (c *client) do(ctx context.Context, r request) (answer, error) {
	unauthorized := 0
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return answer{}, err
		}
		if !r.anonymous {
			if err := c.ensureToken(ctx); err != nil {
				return answer{}, err
			}
		}
		ans, err := c.once(ctx, r)
		switch {
		case err != nil:
		case ans.Status == http.StatusUnauthorized && !r.anonymous && unauthorized < 5:
			unauthorized++
			c.forgetAccess()
			continue
		case ans.Status < 500:
			return ans, nil
		}
		if err := c.sleep(ctx, try); err != nil {
			return answer{}, err
		}
	}
}

// sleep waits before retry try: 50 ms doubling to 2 s, with jitter.
func (c *client) sleep(ctx context.Context, try int) error {
	d := 50 * time.Millisecond << min(try, 6)
	d = min(d, 2*time.Second)
	c.mu.Lock()
	d = d/2 + time.Duration(c.rng.Int64N(int64(d/2)+1))
	c.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// once sends r once and reads the whole answer; a cut answer is an error.
func (c *client) once(ctx context.Context, r request) (answer, error) {
	id := fmt.Sprintf("soak-%s-%05d", c.name, c.seq.Add(1))
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("X-Request-ID", id)
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if !r.anonymous {
		c.mu.Lock()
		req.Header.Set("Authorization", "Bearer "+c.access)
		c.mu.Unlock()
	}
	start := time.Now()
	ans := answer{ReqID: id}
	res, err := c.hc.Do(req)
	if err == nil {
		ans.Status = res.StatusCode
		ans.Body, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	c.rec.add(attempt{ReqID: id, Phone: c.name, Method: r.method, Path: r.path, CaseID: r.caseID, What: r.what,
		At: start, Took: time.Since(start), Answer: ans, Err: errText(err)})
	if err != nil {
		return answer{ReqID: id}, err
	}
	return ans, nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// tokenAnswer is the answer of sign-in and refresh.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

// accessLife is how long an access token is used before it is refreshed
// (the server's last 15 minutes).
const accessLife = 12 * time.Minute

// ensureToken makes sure the client holds a fresh access token.
func (c *client) ensureToken(ctx context.Context) error {
	c.mu.Lock()
	fresh := c.access != "" && time.Since(c.issuedAt) < accessLife
	refresh := c.refresh
	c.mu.Unlock()
	if fresh {
		return nil
	}
	c.authMu.Lock()
	defer c.authMu.Unlock()
	c.mu.Lock()
	fresh = c.access != "" && time.Since(c.issuedAt) < accessLife
	refresh = c.refresh
	c.mu.Unlock()
	if fresh {
		return nil // another goroutine signed in meanwhile
	}
	if refresh != "" && c.refreshOnce(ctx, refresh) {
		return nil
	}
	return c.login(ctx)
}

// forgetAccess drops the access token after a 401.
func (c *client) forgetAccess() {
	c.mu.Lock()
	c.access = ""
	c.mu.Unlock()
}

// refreshOnce tries one refresh. A refresh token works once: when the
// answer is lost, a second try would be refused, so any failure leads to
// signing in again instead.
func (c *client) refreshOnce(ctx context.Context, token string) bool {
	r := jsonRequest(http.MethodPost, "/api/auth/refresh", map[string]string{"refresh_token": token})
	r.anonymous, r.what = true, "refresh"
	ans, err := c.once(ctx, r)
	if err != nil || ans.Status != http.StatusOK {
		c.mu.Lock()
		c.refresh = ""
		c.mu.Unlock()
		return false
	}
	return c.keep(ans) == nil
}

// login signs in, waiting out a lockout (429) if the server has one.
func (c *client) login(ctx context.Context) error {
	r := jsonRequest(http.MethodPost, "/api/auth/login", map[string]string{"username": c.user, "password": c.password})
	r.anonymous, r.what = true, "sign-in"
	for try := 0; ; try++ {
		ans, err := c.do(ctx, r)
		if err != nil {
			return err
		}
		switch ans.Status {
		case http.StatusOK:
			return c.keep(ans)
		case http.StatusTooManyRequests:
			if try > 20 {
				return fmt.Errorf("sign-in of %s: still locked out", c.user)
			}
			if err := c.sleep(ctx, 6); err != nil {
				return err
			}
		default:
			return fmt.Errorf("sign-in of %s: %s", c.user, ans)
		}
	}
}

// keep stores the tokens of a sign-in or refresh answer.
func (c *client) keep(ans answer) error {
	var t tokenAnswer
	if err := ans.decode(&t); err != nil {
		return err
	}
	if t.AccessToken == "" {
		return errors.New("sign-in answer without an access token")
	}
	c.mu.Lock()
	c.access, c.refresh, c.issuedAt, c.userID = t.AccessToken, t.RefreshToken, time.Now(), t.User.ID
	c.mu.Unlock()
	return nil
}

// id is the signed-in user's id.
func (c *client) id() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userID
}

// attempt is one try of a request as the phone saw it.
type attempt struct {
	ReqID, Phone, Method, Path, CaseID, What string
	At                                       time.Time
	Took                                     time.Duration
	Answer                                   answer
	Err                                      string
}

// recorder keeps every attempt, by case, for the evidence.
type recorder struct {
	mu     sync.Mutex
	all    []attempt
	byCase map[string][]int
	errs   atomic.Int64 // transport errors and cut answers
	s5xx   atomic.Int64 // 5xx answers
}

func newRecorder() *recorder { return &recorder{byCase: map[string][]int{}} }

func (r *recorder) add(a attempt) {
	if r == nil {
		return
	}
	if a.Err != "" {
		r.errs.Add(1)
	} else if a.Answer.Status >= 500 {
		r.s5xx.Add(1)
	}
	// Keep the answer body only when it is an error (small) to bound memory.
	if a.Answer.Status < 400 {
		a.Answer.Body = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, a)
	if a.CaseID != "" {
		r.byCase[a.CaseID] = append(r.byCase[a.CaseID], len(r.all)-1)
	}
}

// ofCase returns the attempts about one case, in order.
func (r *recorder) ofCase(id string) []attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]attempt, 0, len(r.byCase[id]))
	for _, i := range r.byCase[id] {
		out = append(out, r.all[i])
	}
	return out
}

// tries counts the attempts about case id described as what.
func (r *recorder) tries(id, what string) int {
	n := 0
	for _, a := range r.ofCase(id) {
		if a.What == what {
			n++
		}
	}
	return n
}

// count is the number of attempts recorded.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}
