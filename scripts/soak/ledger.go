package main

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// caseFile is the part of a case file (GET /api/cases/{id} and every
// action's answer) the soak looks at.
type caseFile struct {
	ID          string `json:"id"`
	VillageCode string `json:"village_code"`
	Stage       string `json:"stage"`
	Version     int    `json:"version"`
	Household   struct {
		HeadName string `json:"head_name"`
		IDNumber string `json:"id_number"`
	} `json:"household"`
	Photos     []photoFile     `json:"photos"`
	Warnings   []warningFile   `json:"warnings"`
	Objections []objectionFile `json:"objections"`
	History    []historyFile   `json:"history"`
}

type photoFile struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	SHA256   string `json:"sha256"`
	URL      string `json:"url"`
	ThumbURL string `json:"thumb_url"`
}

type warningFile struct {
	Code        string `json:"code"`
	PhotoID     string `json:"photo_id"`
	OtherCaseID string `json:"other_case_id"`
}

type objectionFile struct {
	ID      string `json:"id"`
	Level   string `json:"level"`
	Outcome string `json:"outcome"`
}

type historyFile struct {
	Seq       int       `json:"seq"`
	Action    string    `json:"action"`
	ActorID   string    `json:"actor_id"`
	FromStage string    `json:"from_stage"`
	ToStage   string    `json:"to_stage"`
	At        time.Time `json:"at"`
}

// photoAnswer is the answer to an upload.
type photoAnswer struct {
	photoFile
	Warnings []warningFile `json:"warnings"`
}

// lastSeq is the seq of the file's last history entry (0 without any).
func (c caseFile) lastSeq() int {
	if len(c.History) == 0 {
		return 0
	}
	return c.History[len(c.History)-1].Seq
}

// photo finds a photo of the file by id.
func (c caseFile) photo(id string) (photoFile, bool) {
	for _, p := range c.Photos {
		if p.ID == id {
			return p, true
		}
	}
	return photoFile{}, false
}

// entry finds the history entry with seq.
func (c caseFile) entry(seq int) (historyFile, bool) {
	for _, h := range c.History {
		if h.Seq == seq {
			return h, true
		}
	}
	return historyFile{}, false
}

// historyText is the file's history in short: "1 create, 2 add_photo…".
func (c caseFile) historyText() string {
	s := ""
	for i, h := range c.History {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", h.Seq, h.Action)
	}
	return s
}

// stepRec is a decision the ledger knows landed: acknowledged by its
// answer (How "answer"), or found in the file after a retry whose first
// attempt's answer was lost (How "read").
type stepRec struct {
	Action  string
	From    string // the stage it was taken at
	Seq     int    // its history entry
	Version int    // the case version it made
	Stage   string // the stage it moved the case to
	How     string
	ReqID   string
	At      time.Time
}

// photoRec is a photo a phone filed.
type photoRec struct {
	ID, Kind, SHA string
	Bytes         []byte
	Acked         bool
	ReqID         string
	Pair          int // deliberate duplicate pair, or -1
	Tries         int // attempts its upload took
}

// caseRec is what the ledger knows of one case.
type caseRec struct {
	ID, Village, IDNumber, HeadName string
	Check                           bool // made by the final check, not a phone
	Acked                           bool
	ReqID                           string
	MaxVersion                      int // the highest version any answer showed
	Photos                          []*photoRec
	Steps                           []stepRec
	Notes                           []string // what the phones saw that did not add up
	GaveUp                          string   // why the phone stopped working on it
}

// pairRec is a deliberate duplicate: the same bytes on two cases.
type pairRec struct {
	Index                      int
	Leader, Follower           string // case ids
	LeaderPhoto, FollowerPhoto string // photo ids
	Filed                      bool   // the follower's copy was acknowledged
	AnswerWarned               bool   // its answer named the leader's case
	ReqID                      string
}

// ledger is what the phones attempted and what the server acknowledged.
type ledger struct {
	mu    sync.Mutex
	cases map[string]*caseRec
	order []*caseRec
	pairs map[int]*pairRec
}

func newLedger() *ledger {
	return &ledger{cases: map[string]*caseRec{}, pairs: map[int]*pairRec{}}
}

// attempt registers a case a phone is about to file.
func (l *ledger) attempt(id, village, idNumber, head string, check bool) *caseRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.cases[id]; ok {
		return c
	}
	c := &caseRec{ID: id, Village: village, IDNumber: idNumber, HeadName: head, Check: check}
	l.cases[id] = c
	l.order = append(l.order, c)
	return c
}

// caseAcked records the filing's acknowledgement.
func (l *ledger) caseAcked(c *caseRec, reqID string, f caseFile) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !c.Acked {
		c.Acked, c.ReqID = true, reqID
	}
	c.MaxVersion = max(c.MaxVersion, f.Version)
}

// seen notes the version an answer showed and reports the highest seen
// before (a lower version now is a regression).
func (l *ledger) seen(c *caseRec, version int) (before int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	before = c.MaxVersion
	c.MaxVersion = max(c.MaxVersion, version)
	return before
}

// photo registers a photo a phone is about to upload.
func (l *ledger) photo(c *caseRec, id, kind, sha string, b []byte, pair int) *photoRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range c.Photos {
		if p.ID == id {
			return p
		}
	}
	p := &photoRec{ID: id, Kind: kind, SHA: sha, Bytes: b, Pair: pair}
	c.Photos = append(c.Photos, p)
	return p
}

// photoAcked records an upload's acknowledgement after tries attempts.
func (l *ledger) photoAcked(p *photoRec, reqID string, tries int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !p.Acked {
		p.Acked, p.ReqID = true, reqID
	}
	p.Tries += tries
}

// step records a decision that landed.
func (l *ledger) step(c *caseRec, s stepRec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c.Steps = append(c.Steps, s)
	c.MaxVersion = max(c.MaxVersion, s.Version)
}

// note records something a phone saw that did not add up.
func (l *ledger) note(c *caseRec, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c.Notes = append(c.Notes, time.Now().Format("15:04:05.000")+" "+fmt.Sprintf(format, args...))
}

// gaveUp records that a phone stopped working on c.
func (l *ledger) gaveUp(c *caseRec, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.GaveUp == "" {
		c.GaveUp = fmt.Sprintf(format, args...)
	}
}

// pair returns the record of deliberate duplicate pair k.
func (l *ledger) pair(k int) *pairRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pairs[k]
	if !ok {
		p = &pairRec{Index: k}
		l.pairs[k] = p
	}
	return p
}

// update changes a record under the ledger's lock.
func (l *ledger) update(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn()
}

// all returns the cases in the order they were attempted.
func (l *ledger) all() []*caseRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*caseRec(nil), l.order...)
}

// allPairs returns the duplicate pairs by index.
func (l *ledger) allPairs() []*pairRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*pairRec, 0, len(l.pairs))
	for _, p := range l.pairs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// totals are the ledger's counts of what was acknowledged.
type totals struct {
	Cases, Photos, Steps, StepsRead, GaveUp int
}

// totals counts the phones' cases (not the check's).
func (l *ledger) totals() totals {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t totals
	for _, c := range l.order {
		if c.Check {
			continue
		}
		if c.Acked {
			t.Cases++
		}
		for _, p := range c.Photos {
			if p.Acked {
				t.Photos++
			}
		}
		for _, s := range c.Steps {
			if s.How == "answer" {
				t.Steps++
			} else {
				t.StepsRead++
			}
		}
		if c.GaveUp != "" {
			t.GaveUp++
		}
	}
	return t
}

// landedWrite is a write that is in the case file although the server's
// log has its request answered 500: the server took it for failed.
type landedWrite struct {
	CaseID, Village, Action, From, To, ReqID string
}

// failedButLanded finds, among the steps and filings that landed, those
// whose landing attempt the server logged as an internal error (its
// client hung up during the write) and was sent after since: the filing
// of a case no attempt got 201 for, and steps found in the file after
// their retry answered a conflict.
func (s *soak) failedButLanded(since time.Time) []landedWrite {
	status := s.srv.statuses()
	var out []landedWrite
	for _, c := range s.ledger.all() {
		if c.Check || !c.Acked {
			continue
		}
		attempts := s.rec.ofCase(c.ID)
		if w, ok := failedAttempt(attempts, status, "file the case", "201", since); ok {
			out = append(out, landedWrite{CaseID: c.ID, Village: c.Village, Action: "create", To: "applied", ReqID: w})
		}
		var steps []stepRec
		s.ledger.update(func() { steps = append(steps, c.Steps...) })
		for _, st := range steps {
			if st.How != "read" {
				continue
			}
			what := fmt.Sprintf("%s on version %d", st.Action, st.Version-1)
			if w, ok := failedAttempt(attempts, status, what, "200", since); ok {
				out = append(out, landedWrite{CaseID: c.ID, Village: c.Village, Action: st.Action, From: st.From, To: st.Stage, ReqID: w})
			}
		}
	}
	return out
}

// failedAttempt returns the first attempt described as what, sent after
// since, that the server logged with status 500, unless one was logged
// with status ok.
func failedAttempt(attempts []attempt, status map[string]string, what, ok string, since time.Time) (string, bool) {
	failed := ""
	for _, a := range attempts {
		if a.What != what || a.At.Before(since) {
			continue
		}
		switch status[a.ReqID] {
		case ok:
			return "", false
		case "500":
			if failed == "" {
				failed = a.ReqID
			}
		}
	}
	return failed, failed != ""
}
