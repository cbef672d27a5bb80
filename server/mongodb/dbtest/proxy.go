package dbtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Proxy is a TCP proxy in front of the test database server that can make
// one kind of command arrive late, or lose its answer, on purpose: what a
// phone hanging up mid-request, or a cut connection, does to the server's
// database calls. Commands are recognised by their name in the wire bytes
// and collection (e.g. "update" of "cases").
type Proxy struct {
	URI string

	upstream string
	ln       net.Listener

	mu       sync.Mutex
	hold     []byte        // command whose bytes are held back ...
	holdFor  time.Duration // ... this long, then delivered even if the client left
	drop     []byte        // command whose answer is lost once (the command is applied)
	dropped  int
	holdDone chan struct{}
}

// NewProxy starts a proxy in front of the shared test server; it stops
// when the test ends.
func NewProxy(t testing.TB) *Proxy {
	t.Helper()
	u, err := url.Parse(URI(t))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{upstream: u.Host, ln: ln}
	pu := *u
	pu.Host = ln.Addr().String()
	p.URI = pu.String()
	go p.accept()
	t.Cleanup(func() { ln.Close() })
	return p
}

// Database returns database name (e.g. that of New) through the proxy,
// on a client of its own.
func (p *Proxy) Database(t testing.TB, name string) *mongo.Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(p.URI).SetMaxPoolSize(8))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(name)
}

// Hold makes every message of command on collection arrive d late,
// delivered even when the client has given up meanwhile; an empty command
// ends it. The channel it returns is closed once a held message was
// delivered.
func (p *Proxy) Hold(command, collection string, d time.Duration) (released <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold, p.holdFor = nil, 0
	if command != "" {
		p.hold, p.holdFor = marker(command, collection), d
	}
	p.holdDone = make(chan struct{})
	return p.holdDone
}

// DropAnswer makes the next message of command on collection reach the
// server, which applies it, and its answer never reach the client: the
// client's connection is cut instead.
func (p *Proxy) DropAnswer(command, collection string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop, p.dropped = marker(command, collection), 0
}

// Dropped is how many answers DropAnswer has cut.
func (p *Proxy) Dropped() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// marker is how a command on a collection starts its document in the
// wire bytes: a BSON string element named command whose value is the
// collection's name.
func marker(command, collection string) []byte {
	b := append([]byte{0x02}, command...)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(collection)+1))
	b = append(b, collection...)
	return append(b, 0)
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		client.Close()
		return
	}
	cut := make(chan struct{})
	var once sync.Once
	closeClient := func() { once.Do(func() { close(cut); client.Close() }) }
	// server → client, unless an answer is to be lost.
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				select {
				case <-cut:
				default:
					if _, werr := client.Write(buf[:n]); werr != nil {
						closeClient()
					}
				}
			}
			if err != nil {
				closeClient()
				return
			}
		}
	}()
	// client → server, held or answered into the void as configured.
	defer server.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			p.mu.Lock()
			hold, holdFor, done := p.hold, p.holdFor, p.holdDone
			dropNow := p.drop != nil && bytes.Contains(chunk, p.drop)
			if dropNow {
				p.drop = nil
				p.dropped++
			}
			p.mu.Unlock()
			held := hold != nil && bytes.Contains(chunk, hold)
			if held {
				time.Sleep(holdFor)
			}
			if dropNow {
				closeClient() // the answer that follows is read and thrown away
			}
			if _, werr := server.Write(chunk); werr != nil {
				return
			}
			if held {
				p.mu.Lock()
				select {
				case <-done:
				default:
					close(done)
				}
				p.mu.Unlock()
			}
			if dropNow {
				// Let the server answer (and so apply it) before the
				// connection goes; the answer is thrown away.
				time.Sleep(200 * time.Millisecond)
				return
			}
		}
		if err != nil {
			// The client left: what was received is still delivered
			// (above), then the server sees the connection close.
			time.Sleep(50 * time.Millisecond)
			return
		}
	}
}
