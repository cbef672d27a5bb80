// Command soak is a fault soak of the Anju server: it looks for data lost
// when phones hang up mid-request and the server crashes.
//
//	go run ./scripts/soak          # 500 cases, 8 phones, 27 % faulty connections, 3 crashes
//	go run ./scripts/soak -short   # the CI version: 40 cases, 1 crash, about 2 minutes
//
// It builds the server from ./server (or takes -bin), starts it on a fresh
// data folder (embedded database, photos on disk) on a free loopback port,
// creates villages of one township, village cadres and township officers
// as admin, and puts a fault-injecting proxy in front of it. Simulated
// phones (goroutines, one connection per request) file cases with valid
// households, upload photos and take the cadre's and the township
// officer's steps, retrying every request with the same client ids and
// versions until the answer is definitive, and keep a ledger of what was
// acknowledged. Meanwhile the server is killed with SIGKILL and restarted
// on the same folder. At the end, with faults off, the ledger is checked
// against the server twice: as it runs, then after one clean restart.
//
// It prints the figures (lost, duplicated, stale_rows, stale_counts,
// forgotten_photos, audit_failures, unreadable_photos, …), with the
// evidence of each finding (the requests, the faults injected into them,
// the answers and the server's log lines), and exits with status 1 when
// any figure is not zero.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
	}
	if err != nil || res.failed() {
		os.Exit(1)
	}
}
