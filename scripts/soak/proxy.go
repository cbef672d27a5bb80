package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// faultKind is what the proxy does to one connection (one request: the
// phones do not keep connections alive).
type faultKind int

const (
	faultNone faultKind = iota
	// faultDropBefore reads the request and closes without forwarding it.
	faultDropBefore
	// faultCutRequest forwards the headers and part of the body, then
	// closes both sides: a phone losing signal during an upload.
	faultCutRequest
	// faultHangUp forwards the whole request, then closes both sides a
	// moment later (0–300 ms, mostly under 60), whether or not the answer
	// has begun: the server sees its client hang up while it works, or
	// its answer is lost.
	faultHangUp
	// faultCutAnswer lets the server answer completely but relays only a
	// part of the answer.
	faultCutAnswer
	// faultDelay relays the complete answer 0.5–3 s late.
	faultDelay
	numFaults
)

var faultNames = [numFaults]string{"none", "drop_before", "cut_request", "hang_up", "cut_answer", "delay"}

func (k faultKind) String() string { return faultNames[k] }

// faultNote is what happened to one request in the proxy.
type faultNote struct {
	Kind   faultKind
	Detail string
}

// proxy is a fault-injecting HTTP proxy in front of the server on the
// loopback interface. It reads each request itself (so a fault can be
// placed exactly before, during or after it) and remembers the fault it
// injected under the request's X-Request-ID.
type proxy struct {
	ln      net.Listener
	backend string

	mu   sync.Mutex
	rng  *rand.Rand
	rate float64 // 0 when faults are off

	conns       atomic.Int64 // connections with a request, while faults were on
	faulted     [numFaults]atomic.Int64
	backendDown atomic.Int64 // connections refused because the server was down
	notes       sync.Map     // request id → faultNote
	wg          sync.WaitGroup
}

// newProxy listens on a free loopback port in front of backend.
func newProxy(backend string, rate float64, seed uint64) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, backend: backend, rng: rand.New(rand.NewPCG(seed, 0x70786)), rate: rate}
	go p.accept()
	return p, nil
}

// addr is where the phones connect.
func (p *proxy) addr() string { return p.ln.Addr().String() }

// close stops accepting and waits for the connections in flight.
func (p *proxy) close() {
	p.ln.Close()
	p.wg.Wait()
}

// setRate changes the fault rate (0 turns faults off).
func (p *proxy) setRate(r float64) {
	p.mu.Lock()
	p.rate = r
	p.mu.Unlock()
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

// choice is a fault with its random parameters, drawn under the lock.
type choice struct {
	kind  faultKind
	frac  float64       // cut_request, cut_answer: how much gets through
	after time.Duration // hang_up: when to hang up; delay: how late
}

// pick draws the fault of a connection whose request has a body of n bytes.
func (p *proxy) pick(n int64) (choice, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rate == 0 {
		return choice{}, false
	}
	c := choice{frac: p.rng.Float64()}
	if p.rng.Float64() >= p.rate {
		return c, true
	}
	kinds := []faultKind{faultDropBefore, faultHangUp, faultCutAnswer, faultDelay}
	if n > 0 {
		kinds = append(kinds, faultCutRequest)
	}
	c.kind = kinds[p.rng.IntN(len(kinds))]
	switch c.kind {
	case faultHangUp:
		// Most requests take 5–50 ms: hang up within that more often than
		// not, so the server is often cut off mid-work, not only after.
		if p.rng.IntN(5) < 3 {
			c.after = time.Duration(p.rng.IntN(60)) * time.Millisecond
		} else {
			c.after = 60*time.Millisecond + time.Duration(p.rng.IntN(240))*time.Millisecond
		}
	case faultDelay:
		c.after = 500*time.Millisecond + time.Duration(p.rng.IntN(2500))*time.Millisecond
	}
	return c, true
}

// serve handles one connection: one request and its answer.
func (p *proxy) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Minute))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	ch, on := p.pick(req.ContentLength)
	if on {
		p.conns.Add(1)
	}
	id := req.Header.Get("X-Request-ID")
	if ch.kind == faultDropBefore {
		p.note(id, ch.kind, "closed before forwarding the request")
		return
	}
	b, err := net.DialTimeout("tcp", p.backend, 2*time.Second)
	if err != nil {
		p.backendDown.Add(1)
		p.notes.Store(id, faultNote{Kind: faultNone, Detail: "server down: connection refused"})
		return
	}
	defer b.Close()
	_ = b.SetDeadline(time.Now().Add(2 * time.Minute))
	if ch.kind == faultCutRequest {
		keep := int64(ch.frac * float64(req.ContentLength))
		req.Body = &cutBody{r: req.Body, left: keep}
		// Request.Write drops what its own buffer holds when the body
		// fails; with ours, what was read goes out.
		bw := bufio.NewWriter(b)
		_ = req.Write(bw)
		_ = bw.Flush()
		p.note(id, ch.kind, fmt.Sprintf("forwarded %d of %d body bytes, then closed both sides", keep, req.ContentLength))
		return
	}
	if err := req.Write(b); err != nil {
		return
	}
	switch ch.kind {
	case faultHangUp:
		p.hangUp(id, b, ch.after)
	case faultCutAnswer:
		ans, _ := io.ReadAll(b)
		n := 0
		if len(ans) > 1 {
			n = 1 + int(ch.frac*float64(len(ans)-1))
		}
		_, _ = c.Write(ans[:n])
		p.note(id, ch.kind, fmt.Sprintf("relayed %d of %d answer bytes (%s)", n, len(ans), statusLine(ans)))
	case faultDelay:
		ans, _ := io.ReadAll(b)
		time.Sleep(ch.after)
		_, _ = c.Write(ans)
		p.note(id, ch.kind, fmt.Sprintf("relayed the answer (%s) %v late", statusLine(ans), ch.after))
	default:
		_, _ = io.Copy(c, b)
	}
}

// hangUp closes both sides after d, reading meanwhile what the server
// answers, to tell whether the answer was lost or the work cut short.
func (p *proxy) hangUp(id string, b net.Conn, d time.Duration) {
	done := make(chan []byte, 1)
	go func() {
		ans, _ := io.ReadAll(b)
		done <- ans
	}()
	select {
	case ans := <-done:
		p.note(id, faultHangUp, fmt.Sprintf("answer (%s) complete within %v, discarded; closed", statusLine(ans), d))
	case <-time.After(d):
		b.Close()
		p.note(id, faultHangUp, fmt.Sprintf("hung up %v after forwarding the request, before the answer was complete", d))
		<-done
	}
}

func (p *proxy) note(id string, k faultKind, detail string) {
	p.faulted[k].Add(1)
	p.notes.Store(id, faultNote{Kind: k, Detail: detail})
}

// noteOf is the fault injected into request id, if any.
func (p *proxy) noteOf(id string) (faultNote, bool) {
	v, ok := p.notes.Load(id)
	if !ok {
		return faultNote{}, false
	}
	return v.(faultNote), true
}

// faultStats are the proxy's counts.
type faultStats struct {
	Conns       int64
	ByKind      [numFaults]int64
	BackendDown int64
}

// Faulted is the number of connections that got a fault.
func (s faultStats) Faulted() int64 {
	var n int64
	for k := faultDropBefore; k < numFaults; k++ {
		n += s.ByKind[k]
	}
	return n
}

func (p *proxy) stats() faultStats {
	s := faultStats{Conns: p.conns.Load(), BackendDown: p.backendDown.Load()}
	for k := range s.ByKind {
		s.ByKind[k] = p.faulted[k].Load()
	}
	return s
}

// statusLine is the first line of an HTTP answer, or a word for none.
func statusLine(ans []byte) string {
	if len(ans) == 0 {
		return "no answer"
	}
	for i, b := range ans {
		if b == '\r' || b == '\n' || i == 40 {
			return string(ans[:i])
		}
	}
	return string(ans)
}

// cutBody passes on left bytes of r, then fails: the request stops there.
type cutBody struct {
	r    io.ReadCloser
	left int64
}

var errCut = errors.New("request cut by the soak proxy")

func (c *cutBody) Read(b []byte) (int, error) {
	if c.left <= 0 {
		return 0, errCut
	}
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	n, err := c.r.Read(b)
	c.left -= int64(n)
	return n, err
}

func (c *cutBody) Close() error { return c.r.Close() }
