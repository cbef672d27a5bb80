package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main runs the command with args (without the program name) and returns
// its exit status: no argument serves the app; `healthcheck` probes the
// local server's /api/ready.
func Main(args []string) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck()
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "安居无法启动 (anju cannot start):")
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func run() error {
	start := time.Now()
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()

	app, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer app.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ANJU_ADDR=%s: 无法监听该地址: %w", cfg.Addr, err)
	}
	app.Log.Info("started", "addr", ln.Addr().String(), "tls", cfg.TLS(), "ms", time.Since(start).Milliseconds())
	printWelcome(app, ln.Addr())
	if err := serve(ctx, app, ln, app.Handler()); err != nil {
		return err
	}
	app.Close()
	app.Log.Info("stopped")
	return nil
}

// shutdownGrace is how long requests in flight may take to finish after
// SIGTERM before the server stops anyway.
const shutdownGrace = 30 * time.Second

// serve answers on ln until ctx is done, then stops accepting and waits
// (up to shutdownGrace) for requests in flight to finish.
func serve(ctx context.Context, app *App, ln net.Listener, h http.Handler) error {
	cfg := app.Cfg
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // photos over a slow rural link
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(app.Log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() {
		if cfg.TLS() {
			serveErr <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	app.Log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// printWelcome tells the operator where to open the app (this machine and
// the LAN addresses phones can reach) and how to sign in.
func printWelcome(a *App, addr net.Addr) {
	scheme := "http"
	if a.Cfg.TLS() {
		scheme = "https"
	}
	port := "8080"
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(ta.Port)
	}
	fmt.Fprintf(a.Out, "\n安居 已启动 (anju is running):\n  本机:   %s://localhost:%s/\n", scheme, port)
	for _, ip := range lanAddrs() {
		fmt.Fprintf(a.Out, "  局域网: %s://%s/\n", scheme, net.JoinHostPort(ip, port))
	}
	fmt.Fprintf(a.Out, "登录: 用户名 admin，密码为 ANJU_ADMIN_PASSWORD 或首次启动时显示的密码。\n")
	if !a.Cfg.TLS() {
		fmt.Fprintf(a.Out, "手机拍照定位需要 HTTPS：设置 ANJU_TLS_CERT 和 ANJU_TLS_KEY（见 README.md）。\n")
	}
	fmt.Fprintln(a.Out)
}

// lanAddrs lists this machine's non-loopback IPv4 addresses.
func lanAddrs() []string {
	var out []string
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, ad := range addrs {
		if ipn, ok := ad.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			out = append(out, ipn.IP.String())
		}
	}
	return out
}

// healthcheck asks the server on this machine (ANJU_ADDR, ANJU_TLS_*) whether
// it is ready and exits 0 if so: `anju healthcheck` is the container's
// health probe, as the distroless image has no curl.
func healthcheck() int {
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, port, _ := net.SplitHostPort(cfg.Addr)
	scheme := "http"
	if cfg.TLS() {
		scheme = "https"
	}
	client := &http.Client{Timeout: 4 * time.Second, Transport: &http.Transport{
		// The certificate names the public host, not 127.0.0.1.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback only
	}}
	res, err := client.Get(scheme + "://" + net.JoinHostPort("127.0.0.1", port) + "/api/ready")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "not ready:", res.Status)
		return 1
	}
	return 0
}
