package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// summary is the figures of the whole run: for each, the largest of the
// check phases (live, after restart).
func (r *result) summary() figures {
	var f figures
	for _, ph := range r.Phases {
		for _, n := range figureNames {
			*f.field(n) = max(*f.field(n), *ph.Fig.field(n))
		}
	}
	return f
}

// failed reports whether any figure is not zero, a phone gave up, the
// phones missed their deadline, a crash was not done, or no check ran.
func (r *result) failed() bool {
	f := r.summary()
	for _, n := range figureNames {
		if *f.field(n) != 0 {
			return true
		}
	}
	return r.Totals.GaveUp > 0 || !r.PhonesOK || len(r.Crashes) < r.Cfg.Crashes || len(r.Phases) < 2 ||
		strings.Contains(strings.Join(r.Crashes, "\n"), "restart failed")
}

// print writes the figures, then a few findings of each figure with their
// evidence (every finding is in the report file).
func (s *soak) print(r *result) {
	w := s.out
	fmt.Fprintln(w, "\n== soak figures ==")
	t := r.Totals
	fmt.Fprintf(w, "cases_acknowledged %d of %d planned\n", t.Cases, r.Cfg.Cases)
	fmt.Fprintf(w, "photos_acknowledged %d\n", t.Photos)
	fmt.Fprintf(w, "steps_acknowledged %d (+%d found in the file after a retry answered a conflict)\n", t.Steps, t.StepsRead)
	fmt.Fprintf(w, "gave_up %d\n", t.GaveUp)
	f := r.Faults
	fmt.Fprintf(w, "requests %d (transport errors or cut answers %d, 5xx answers %d)\n", r.Attempts, s.rec.errs.Load(), s.rec.s5xx.Load())
	fmt.Fprintf(w, "faulty_connections %.1f%% (%d of %d):", pct(f.Faulted(), f.Conns), f.Faulted(), f.Conns)
	for k := faultDropBefore; k < numFaults; k++ {
		fmt.Fprintf(w, " %s %d", k, f.ByKind[k])
	}
	fmt.Fprintf(w, "; refused while the server was down %d\n", f.BackendDown)
	fmt.Fprintf(w, "crashes %d of %d\n", len(r.Crashes), r.Cfg.Crashes)
	for _, c := range r.Crashes {
		fmt.Fprintln(w, "  "+c)
	}
	sum := r.summary()
	for _, n := range figureNames {
		fmt.Fprintf(w, "%s %d%s\n", n, *sum.field(n), r.perPhase(n))
	}
	fmt.Fprintf(w, "took %v\n", r.Took.Round(time.Second))
	s.printFindings(w, r, 4)
}

// perPhase is "  (live 2, after restart 0)" for a figure.
func (r *result) perPhase(name string) string {
	if len(r.Phases) == 0 {
		return "  (no check ran)"
	}
	parts := make([]string, len(r.Phases))
	for i, ph := range r.Phases {
		parts[i] = fmt.Sprintf("%s %d", ph.Name, *ph.Fig.field(name))
		switch name {
		case "stale_counts":
			parts[i] += fmt.Sprintf(" [cells differing from the list %d, from the files %d]", ph.StaleVsList, ph.StaleVsFiles)
		case "forgotten_photos":
			parts[i] += fmt.Sprintf(" [%d filed again of %d chosen: %d whose upload was retried, %d sampled]",
				ph.Refiled, ph.RefileRetried+ph.RefileSampled, ph.RefileRetried, ph.RefileSampled)
		case "unreadable_photos":
			parts[i] += fmt.Sprintf(" [of %d read]", ph.Photos)
		}
	}
	return "  (" + strings.Join(parts, ", ") + ")"
}

// printFindings writes up to max findings per figure and phase, each with
// the evidence of its case.
func (s *soak) printFindings(w io.Writer, r *result, max int) {
	for _, ph := range r.Phases {
		shown := map[string]int{}
		for _, fd := range ph.Findings {
			if max > 0 && shown[fd.Figure] >= max {
				continue
			}
			if shown[fd.Figure] == 0 {
				fmt.Fprintf(w, "\n-- %s (%s): %d --\n", fd.Figure, ph.Name, *ph.Fig.field(fd.Figure))
			}
			shown[fd.Figure]++
			fmt.Fprintln(w, "* "+fd.Text)
			if fd.CaseID != "" && (max == 0 || shown[fd.Figure] <= 2) {
				for _, line := range s.evidence(fd.CaseID) {
					fmt.Fprintln(w, "    "+line)
				}
			}
		}
		s.printExplain(w, ph, max)
	}
	var gave []string
	for _, c := range s.ledger.all() {
		if c.GaveUp != "" {
			gave = append(gave, fmt.Sprintf("* case %s: %s", c.ID, c.GaveUp))
		}
	}
	if len(gave) > 0 {
		fmt.Fprintf(w, "\n-- gave up: %d --\n", len(gave))
		for i, g := range gave {
			if max > 0 && i >= max {
				break
			}
			fmt.Fprintln(w, g)
		}
	}
}

// printExplain writes the notes that explain the phase's figures.
func (s *soak) printExplain(w io.Writer, ph *phaseResult, max int) {
	for i, e := range ph.Explain {
		if i == 0 {
			fmt.Fprintf(w, "\n-- explaining %s (%s) --\n", e.Figure, ph.Name)
		}
		if max > 0 && i > 2*max {
			fmt.Fprintf(w, "… %d more in the report\n", len(ph.Explain)-i)
			return
		}
		fmt.Fprintln(w, "* "+e.Text)
		if e.CaseID != "" && (max == 0 || i <= 2) {
			for _, line := range s.evidence(e.CaseID) {
				fmt.Fprintln(w, "    "+line)
			}
		}
	}
}

// evidence is what the soak knows about one case: what its phones
// noticed, then every request about it with the fault the proxy put into
// it and the answer, then the server's log lines of the faulted ones.
func (s *soak) evidence(caseID string) []string {
	var out []string
	var notes []string
	s.ledger.update(func() {
		if c := s.ledger.cases[caseID]; c != nil {
			notes = append(notes, c.Notes...)
		}
	})
	for _, n := range notes {
		out = append(out, "phone noticed: "+n)
	}
	var logged []string
	for _, a := range s.rec.ofCase(caseID) {
		line := fmt.Sprintf("%s %s %s %s → ", a.At.Format("15:04:05.000"), a.ReqID, a.What, a.Took.Round(time.Millisecond))
		if a.Err != "" {
			line += "error: " + shorten(a.Err, 60)
		} else {
			line += a.Answer.String()
		}
		if n, ok := s.noteOf(a.ReqID); ok {
			line += fmt.Sprintf("   [proxy: %s: %s]", n.Kind, n.Detail)
			if n.Kind != faultNone && len(logged) < 8 {
				for _, l := range s.srv.logLines(a.ReqID, 3) {
					logged = append(logged, a.ReqID+": "+shorten(l, 400))
				}
			}
		}
		out = append(out, line)
	}
	for _, l := range logged {
		out = append(out, "server log "+l)
	}
	return out
}

// noteOf is the proxy's note on a request (none without a proxy).
func (s *soak) noteOf(reqID string) (faultNote, bool) {
	if s.px == nil {
		return faultNote{}, false
	}
	return s.px.noteOf(reqID)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// writeReport writes every finding with its evidence to r.Report.
func (s *soak) writeReport(r *result) error {
	f, err := os.Create(r.Report)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "soak report %s: %+v\n", time.Now().Format(time.RFC3339), r.Cfg)
	for _, ph := range r.Phases {
		fmt.Fprintf(f, "phase %s: %s (files %d, rows %d, photos read %d, refiled %d, took %v)\n",
			ph.Name, ph.Fig.line(), ph.Files, ph.Rows, ph.Photos, ph.Refiled, ph.Took.Round(time.Second))
	}
	for _, c := range r.Crashes {
		fmt.Fprintln(f, c)
	}
	s.printFindings(f, r, 0)
	return nil
}
