package main

import (
	"errors"
	"flag"
	"time"
)

// config is what one soak run does.
type config struct {
	Cases   int           // cases the phones file
	Phones  int           // simulated phones: village cadres and township officers
	Fault   float64       // fraction of the phones' connections that get a fault
	Crashes int           // SIGKILLs of the server during the run
	Seed    uint64        // makes cases, photos, faults and crash moments repeatable
	Timeout time.Duration // the whole run, checks included
	Refile  float64       // fraction of cleanly uploaded photos filed again to test the duplicate index
	Bin     string        // a built server; empty: go build ./server
	Keep    bool          // keep the temporary folder (data, logs)
	Short   bool          // the CI version
}

// defaultConfig is the full soak. It takes 20–30 minutes on two idle
// cores; the deadline leaves room for a machine shared with others.
func defaultConfig() config {
	return config{Cases: 500, Phones: 8, Fault: 0.27, Crashes: 3, Seed: 1, Refile: 0.1, Timeout: time.Hour}
}

// shortConfig is the CI version: about 40 cases and one crash, done in
// about a minute on two idle cores (the deadline allows for a busy machine).
func shortConfig() config {
	c := defaultConfig()
	c.Cases, c.Crashes, c.Refile, c.Timeout, c.Short = 40, 1, 1, 8*time.Minute, true
	return c
}

// parseFlags reads the command line. With -short, the flags given
// explicitly still win over the short defaults.
func parseFlags(args []string) (config, error) {
	c := defaultConfig()
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.IntVar(&c.Cases, "cases", c.Cases, "cases to file")
	fs.IntVar(&c.Phones, "phones", c.Phones, "simulated phones (at least 2: a quarter are township officers, the rest village cadres)")
	fs.Float64Var(&c.Fault, "fault", c.Fault, "fraction of connections that get a fault (0–1)")
	fs.IntVar(&c.Crashes, "crashes", c.Crashes, "times the server is killed with SIGKILL during the run")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed")
	fs.Float64Var(&c.Refile, "refile", c.Refile, "fraction of the photos uploaded at the first try that the duplicate-index check files again (those whose upload was retried are always filed again)")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "deadline of the whole run")
	fs.StringVar(&c.Bin, "bin", "", "server binary to run (default: go build -o <tmp> ./server)")
	fs.BoolVar(&c.Keep, "keep", false, "keep the temporary folder with the data and logs")
	short := fs.Bool("short", false, "the CI version: 40 cases, 1 crash, every photo filed again, 8 minute deadline")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if *short {
		s := shortConfig()
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["cases"] {
			c.Cases = s.Cases
		}
		if !set["crashes"] {
			c.Crashes = s.Crashes
		}
		if !set["timeout"] {
			c.Timeout = s.Timeout
		}
		if !set["refile"] {
			c.Refile = s.Refile
		}
		c.Short = true
	}
	return c, c.validate()
}

// validate checks the ranges the run needs.
func (c config) validate() error {
	switch {
	case c.Cases < 2 || c.Cases > 20000:
		return errors.New("-cases must be between 2 and 20000")
	case c.Phones < 2 || c.Phones > 64:
		return errors.New("-phones must be between 2 and 64")
	case c.Fault < 0 || c.Fault > 1:
		return errors.New("-fault must be between 0 and 1")
	case c.Refile < 0 || c.Refile > 1:
		return errors.New("-refile must be between 0 and 1")
	case c.Crashes < 0 || c.Crashes > 50:
		return errors.New("-crashes must be between 0 and 50")
	case c.Timeout < 30*time.Second:
		return errors.New("-timeout must be at least 30s")
	}
	return nil
}
