package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	ts := newTestServer(t)
	e := ts.App.Handler().(*echo.Echo)
	started := make(chan struct{})
	e.GET("/test/slow", func(c echo.Context) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ts.App, ln, e) }()

	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- answer{status: res.StatusCode, body: string(b)}
	}()
	<-started
	stop() // SIGTERM arrives while the request runs
	a := <-got
	if a.err != nil || a.status != 200 || a.body != "finished" {
		t.Errorf("request in flight: %+v", a)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	// No longer accepting.
	if _, err := http.Get("http://" + ln.Addr().String() + "/api/health"); err == nil {
		t.Error("server still answers after shutdown")
	}
}
