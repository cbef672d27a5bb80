package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// figures are the counts of one check; every one must be zero.
type figures struct {
	Lost, Duplicated, StaleRows, StaleCounts, Forgotten, AuditFailures, Unreadable, MissedDupWarnings int
}

// figureNames are the figures in the order they are printed.
var figureNames = []string{"lost", "duplicated", "stale_rows", "stale_counts", "forgotten_photos",
	"audit_failures", "unreadable_photos", "missed_duplicate_warnings"}

// field is the counter of a figure by name.
func (f *figures) field(name string) *int {
	switch name {
	case "lost":
		return &f.Lost
	case "duplicated":
		return &f.Duplicated
	case "stale_rows":
		return &f.StaleRows
	case "stale_counts":
		return &f.StaleCounts
	case "forgotten_photos":
		return &f.Forgotten
	case "audit_failures":
		return &f.AuditFailures
	case "unreadable_photos":
		return &f.Unreadable
	case "missed_duplicate_warnings":
		return &f.MissedDupWarnings
	}
	panic("unknown figure " + name)
}

// line is the figures on one line.
func (f figures) line() string {
	s := ""
	for i, n := range figureNames {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", n, *f.field(n))
	}
	return s
}

// finding is one thing a check found wrong.
type finding struct {
	Figure string
	CaseID string
	Text   string
}

// phaseResult is one run of the final checks.
type phaseResult struct {
	Name     string
	Fig      figures
	Findings []finding
	Files    int // case files read
	Rows     int // list rows
	Photos   int // photo objects read
	Refiled  int // photos filed again for the duplicate-index check
	// RefileRetried and RefileSampled split Refiled: photos whose upload
	// was retried (all of them) and a sample of the others.
	RefileRetried, RefileSampled int
	// Explain are notes that explain a figure (no count of their own).
	Explain []finding
	// StaleVsList and StaleVsFiles split stale_counts: dashboard cells
	// that differ from counting the list, and from counting the files.
	StaleVsList, StaleVsFiles int
	Took                      time.Duration
	StepsTook                 string // each check's time
}

// listRow is a row of GET /api/cases.
type listRow struct {
	ID            string `json:"id"`
	VillageCode   string `json:"village_code"`
	Stage         string `json:"stage"`
	Version       int    `json:"version"`
	WarningsCount int    `json:"warnings_count"`
	HeadName      string `json:"head_name"`
	IDNumber      string `json:"id_number"` // masked
}

// checker runs the final checks directly against the server (no proxy,
// no faults) as the township officer, filing its check cases as a cadre.
type checker struct {
	s       *soak
	ph      *phaseResult
	index   int
	officer *client
	cadre   *client

	mu    sync.Mutex
	rows  []listRow
	files map[string]caseFile
}

// check runs every check once; phase index makes its check cases its own.
func (s *soak) check(ctx context.Context, name string, index int) (*phaseResult, error) {
	base := "http://" + s.srv.addr
	k := &checker{s: s, ph: &phaseResult{Name: name}, index: index, files: map[string]caseFile{},
		officer: newClient(fmt.Sprintf("k%d", index+1), base, s.ppl.CheckOfficer.Username, s.ppl.CheckOfficer.Password, nil, 7),
		cadre:   newClient(fmt.Sprintf("kc%d", index+1), base, s.ppl.CheckCadre.Username, s.ppl.CheckCadre.Password, nil, 8)}
	start := time.Now()
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"list", k.list}, {"files", k.readFiles}, {"lost", k.lost}, {"duplicated", k.duplicates},
		{"stale rows", k.staleRows}, {"stale counts", k.staleCounts}, {"audits", k.audits},
		{"photo objects", k.readPhotos}, {"duplicate pairs", k.dupPairs}, {"duplicate index", k.forgotten},
	}
	var took []string
	for _, st := range steps {
		t := time.Now()
		err := st.fn(ctx)
		took = append(took, fmt.Sprintf("%s %v", st.name, time.Since(t).Round(100*time.Millisecond)))
		if err != nil {
			k.ph.Took = time.Since(start)
			return k.ph, fmt.Errorf("check %s (%s): %w", st.name, name, err)
		}
	}
	k.ph.Took = time.Since(start)
	k.ph.StepsTook = strings.Join(took, ", ")
	return k.ph, nil
}

// find records a finding.
func (k *checker) find(figure, caseID, format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	*k.ph.Fig.field(figure)++
	k.ph.Findings = append(k.ph.Findings, finding{Figure: figure, CaseID: caseID, Text: fmt.Sprintf(format, args...)})
}

// get is a GET as the officer that must answer one of want.
func (k *checker) get(ctx context.Context, path string, want ...int) (answer, error) {
	ans, err := k.officer.do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return ans, err
	}
	for _, w := range want {
		if ans.Status == w {
			return ans, nil
		}
	}
	return ans, fmt.Errorf("GET %s: %s (%s)", path, ans, ans.ReqID)
}

// list reads every row of the township's program-2024 list, page by page.
func (k *checker) list(ctx context.Context) error {
	cursor := ""
	for page := 0; page < 10000; page++ {
		ans, err := k.get(ctx, "/api/cases?program_year=2024&limit=200&cursor="+url.QueryEscape(cursor), http.StatusOK)
		if err != nil {
			return err
		}
		var p struct {
			Items      []listRow `json:"items"`
			NextCursor string    `json:"next_cursor"`
		}
		if err := ans.decode(&p); err != nil {
			return err
		}
		k.rows = append(k.rows, p.Items...)
		if p.NextCursor == "" {
			k.ph.Rows = len(k.rows)
			return nil
		}
		cursor = p.NextCursor
	}
	return fmt.Errorf("the list did not end")
}

// readFiles reads the file of every case the list or the ledger knows.
func (k *checker) readFiles(ctx context.Context) error {
	seen := map[string]bool{}
	var ids []string
	for _, r := range k.rows {
		if !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	for _, c := range k.s.ledger.all() {
		if !seen[c.ID] {
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
	}
	err := parallel(ctx, 4, len(ids), func(i int) error {
		ans, err := k.get(ctx, "/api/cases/"+ids[i], http.StatusOK, http.StatusNotFound)
		if err != nil || ans.Status == http.StatusNotFound {
			return err
		}
		var f caseFile
		if err := ans.decode(&f); err != nil {
			return err
		}
		k.mu.Lock()
		k.files[f.ID] = f
		k.mu.Unlock()
		return nil
	})
	k.ph.Files = len(k.files)
	return err
}

// lost finds what was acknowledged (or read back after a retry) but is
// not in the files: cases, photos (or their bytes replaced) and steps
// (the history entry at the step's position is not that step).
func (k *checker) lost(context.Context) error {
	for _, c := range k.s.ledger.all() {
		f, ok := k.files[c.ID]
		if !ok {
			if c.Acked {
				k.find("lost", c.ID, "case %s (%s) acknowledged by %s: GET answers 404", c.ID, c.HeadName, c.ReqID)
			}
			continue
		}
		for _, p := range c.Photos {
			if !p.Acked {
				continue
			}
			fp, ok := f.photo(p.ID)
			switch {
			case !ok:
				k.find("lost", c.ID, "photo %s (%s) of case %s acknowledged by %s is not in the file (photos: %d, history: %s)",
					p.ID, p.Kind, c.ID, p.ReqID, len(f.Photos), f.historyText())
			case fp.SHA256 != p.SHA:
				k.find("lost", c.ID, "photo %s of case %s acknowledged by %s with sha256 %s now has sha256 %s",
					p.ID, c.ID, p.ReqID, p.SHA, fp.SHA256)
			}
		}
		for _, s := range c.Steps {
			if h, ok := k.files[c.ID].entry(s.Seq); !ok || h.Action != s.Action {
				k.find("lost", c.ID, "step %s of case %s (history seq %d, version %d → stage %s; %s by %s) is gone: file at version %d, stage %s, history: %s",
					s.Action, c.ID, s.Seq, s.Version, s.Stage, ackWord(s.How), s.ReqID, f.Version, f.Stage, f.historyText())
			}
		}
	}
	return nil
}

// ackWord says how the ledger learnt that a step landed.
func ackWord(how string) string {
	if how == "read" {
		return "found in the file after its retry answered a conflict"
	}
	return "acknowledged"
}

// duplicates finds a case listed twice, a photo id twice in a file, a
// case nobody filed, and two cases of one person: a row with the name and
// masked 身份证号 of a case the ledger knows, under another id (the soak's
// names are distinct; searching by number is rate-limited).
func (k *checker) duplicates(context.Context) error {
	count := map[string]int{}
	for _, r := range k.rows {
		count[r.ID]++
	}
	known := map[string]*caseRec{}
	for _, c := range k.s.ledger.all() {
		known[c.ID] = c
	}
	for id, n := range count {
		if n > 1 {
			k.find("duplicated", id, "case %s is listed %d times", id, n)
		}
		if known[id] == nil {
			k.find("duplicated", id, "case %s is listed but no phone or check filed it", id)
		}
	}
	for id, f := range k.files {
		seen := map[string]int{}
		for _, p := range f.Photos {
			seen[p.ID]++
		}
		for pid, n := range seen {
			if n > 1 {
				k.find("duplicated", id, "photo %s appears %d times in case %s", pid, n, id)
			}
		}
	}
	people := map[string]*caseRec{}
	for _, c := range k.s.ledger.all() {
		people[c.HeadName+"|"+maskID(c.IDNumber)] = c
	}
	for _, r := range k.rows {
		if c := people[r.HeadName+"|"+r.IDNumber]; c != nil && c.ID != r.ID {
			k.find("duplicated", c.ID, "person %s (%s) has case %s and also case %s", c.HeadName, c.IDNumber, c.ID, r.ID)
		}
	}
	return nil
}

// maskID is a 身份证号 as lists show it: the first 6 and last 4 characters.
func maskID(id string) string {
	if len(id) < 10 {
		return id
	}
	return id[:6] + strings.Repeat("*", len(id)-10) + id[len(id)-4:]
}

// staleRows compares each list row with its file, and finds files the
// list does not show.
func (k *checker) staleRows(context.Context) error {
	listed := map[string]bool{}
	for _, r := range k.rows {
		listed[r.ID] = true
		f, ok := k.files[r.ID]
		switch {
		case !ok:
			k.find("stale_rows", r.ID, "list row of case %s (stage %s, version %d) but GET answers 404", r.ID, r.Stage, r.Version)
		case r.Stage != f.Stage || r.Version != f.Version:
			k.find("stale_rows", r.ID, "case %s: list row says stage %s version %d, the file says stage %s version %d",
				r.ID, r.Stage, r.Version, f.Stage, f.Version)
		}
	}
	for id, f := range k.files {
		if !listed[id] {
			k.find("stale_rows", id, "case %s (stage %s, version %d) is missing from the list", id, f.Stage, f.Version)
		}
	}
	return nil
}

// staleCounts compares the township dashboard's per-village, per-stage
// counts with counting the list rows and counting the files.
func (k *checker) staleCounts(ctx context.Context) error {
	ans, err := k.get(ctx, "/api/dashboard?program_year=2024&area="+k.s.ppl.Township, http.StatusOK)
	if err != nil {
		return err
	}
	var d struct {
		Rows []struct {
			Code    string         `json:"code"`
			ByStage map[string]int `json:"by_stage"`
		} `json:"rows"`
	}
	if err := ans.decode(&d); err != nil {
		return err
	}
	dash, list, file := counts{}, counts{}, counts{}
	for _, r := range d.Rows {
		for st, n := range r.ByStage {
			dash.add(r.Code, st, n)
		}
	}
	for _, r := range k.rows {
		list.add(r.VillageCode, r.Stage, 1)
	}
	for _, f := range k.files {
		file.add(f.VillageCode, f.Stage, 1)
	}
	for _, cell := range unionCells(dash, list, file) {
		v, st := cell[0], cell[1]
		dn, ln, fn := dash[v][st], list[v][st], file[v][st]
		if dn == ln && dn == fn {
			continue
		}
		if dn != ln {
			k.ph.StaleVsList++
		}
		if dn != fn {
			k.ph.StaleVsFiles++
		}
		k.find("stale_counts", "", "village %s, stage %s: dashboard %d, list %d, files %d", v, st, dn, ln, fn)
	}
	if k.ph.Fig.StaleCounts > 0 {
		k.explainCounts(dash, file)
	}
	return nil
}

// explainCounts compares the dashboard's drift from the files with the
// drift predicted by the writes that landed although the server logged
// them as failed (it moves the counters only after a write it saw
// succeed): each moves one case from one stage to another unseen, and a
// filing adds a case unseen.
func (k *checker) explainCounts(dash, file counts) {
	// Each start rebuilds the counters from the cases: only the writes
	// since the running process started can have moved them.
	ws := k.s.failedButLanded(k.s.srv.startedAt())
	predicted := counts{}
	for _, w := range ws {
		if w.From != "" {
			predicted.add(w.Village, w.From, 1)
		}
		predicted.add(w.Village, w.To, -1)
	}
	observed := counts{}
	for _, cell := range unionCells(dash, file) {
		if d := dash[cell[0]][cell[1]] - file[cell[0]][cell[1]]; d != 0 {
			observed.add(cell[0], cell[1], d)
		}
	}
	match := "they match"
	for _, cell := range unionCells(predicted, observed) {
		if predicted[cell[0]][cell[1]] != observed[cell[0]][cell[1]] {
			match = "they differ"
		}
	}
	k.ph.Explain = append(k.ph.Explain, finding{Figure: "stale_counts", Text: fmt.Sprintf(
		"dashboard minus files: %s; predicted from the %d writes since the last start that landed although the server logged them as failed (500): %s; %s",
		observed, len(ws), predicted, match)})
	for _, w := range ws {
		k.ph.Explain = append(k.ph.Explain, finding{Figure: "stale_counts", CaseID: w.CaseID, Text: fmt.Sprintf(
			"%s of case %s (village %s, %s → %s): request %s answered 500 in the server log, yet the write is in the file",
			w.Action, w.CaseID, w.Village, orDash(w.From), w.To, w.ReqID)})
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// String is the non-zero cells, e.g. "622923100901 applied +1".
func (c counts) String() string {
	var parts []string
	for _, cell := range unionCells(c) {
		if n := c[cell[0]][cell[1]]; n != 0 {
			parts = append(parts, fmt.Sprintf("%s %s %+d", cell[0], cell[1], n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// counts are cases by village and stage.
type counts map[string]map[string]int

func (c counts) add(village, stage string, n int) {
	if c[village] == nil {
		c[village] = map[string]int{}
	}
	c[village][stage] += n
}

// unionCells lists every (village, stage) any of cs has, sorted.
func unionCells(cs ...counts) [][2]string {
	set := map[[2]string]bool{}
	for _, c := range cs {
		for v, m := range c {
			for st := range m {
				set[[2]string{v, st}] = true
			}
		}
	}
	out := make([][2]string, 0, len(set))
	for cell := range set {
		out = append(out, cell)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// audits asks every case's audit whether its history chain verifies.
func (k *checker) audits(ctx context.Context) error {
	ids := k.fileIDs()
	return parallel(ctx, 4, len(ids), func(i int) error {
		ans, err := k.get(ctx, "/api/cases/"+ids[i]+"/audit", http.StatusOK)
		if err != nil {
			k.find("audit_failures", ids[i], "audit of case %s: %v", ids[i], err)
			return nil
		}
		var a struct {
			Verified bool `json:"verified"`
			FirstBad int  `json:"first_bad"`
			Entries  []struct {
				Seq int `json:"seq"`
			} `json:"entries"`
		}
		if err := ans.decode(&a); err != nil {
			return err
		}
		if !a.Verified {
			k.find("audit_failures", ids[i], "audit of case %s does not verify: first bad entry %d of %d", ids[i], a.FirstBad, len(a.Entries))
		}
		return nil
	})
}

// fileIDs are the ids of the files read, sorted.
func (k *checker) fileIDs() []string {
	ids := make([]string, 0, len(k.files))
	for id := range k.files {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// photoRef is one photo of one file.
type photoRef struct {
	caseID string
	p      photoFile
}

// readPhotos reads every photo and thumbnail of the phones' cases (not
// the check cases): the photo's bytes must hash to the SHA-256 its file
// (and the ledger) records.
func (k *checker) readPhotos(ctx context.Context) error {
	ledgerSHA := map[string]string{}
	for _, c := range k.s.ledger.all() {
		for _, p := range c.Photos {
			ledgerSHA[c.ID+"/"+p.ID] = p.SHA
		}
	}
	check := map[string]bool{}
	for _, c := range k.s.ledger.all() {
		check[c.ID] = c.Check
	}
	var refs []photoRef
	for _, id := range k.fileIDs() {
		if check[id] {
			continue // the check's own copies
		}
		for _, p := range k.files[id].Photos {
			refs = append(refs, photoRef{id, p})
		}
	}
	k.ph.Photos = len(refs)
	return parallel(ctx, 4, len(refs), func(i int) error {
		r := refs[i]
		ans, err := k.officer.do(ctx, request{method: http.MethodGet, path: r.p.URL})
		if err != nil {
			return err
		}
		sum := sha256.Sum256(ans.Body)
		got := hex.EncodeToString(sum[:])
		switch want := ledgerSHA[r.caseID+"/"+r.p.ID]; {
		case ans.Status != http.StatusOK:
			k.find("unreadable_photos", r.caseID, "photo %s (%s) of case %s: GET %s answers %s (%s)", r.p.ID, r.p.Kind, r.caseID, r.p.URL, ans, ans.ReqID)
			return nil
		case got != r.p.SHA256 || (want != "" && got != want):
			k.find("unreadable_photos", r.caseID, "photo %s of case %s: %d bytes with sha256 %s, the file records %s, the phone sent %s",
				r.p.ID, r.caseID, len(ans.Body), got, r.p.SHA256, want)
			return nil
		}
		th, err := k.officer.do(ctx, request{method: http.MethodGet, path: r.p.ThumbURL})
		if err != nil {
			return err
		}
		if th.Status != http.StatusOK || len(th.Body) == 0 {
			k.find("unreadable_photos", r.caseID, "thumbnail of photo %s of case %s: GET answers %s, %d bytes (%s)", r.p.ID, r.caseID, th, len(th.Body), th.ReqID)
		}
		return nil
	})
}

// dupPairs checks the deliberate duplicates: the second copy's answer
// (live check only) and both files must carry the duplicate_photo
// warning naming the other case.
func (k *checker) dupPairs(context.Context) error {
	for _, p := range k.s.ledger.allPairs() {
		if !p.Filed {
			continue
		}
		if k.index == 0 && !p.AnswerWarned {
			k.find("missed_duplicate_warnings", p.Follower, "pair %d: the answer %s to the second copy %s (case %s) did not warn about case %s",
				p.Index, p.ReqID, p.FollowerPhoto, p.Follower, p.Leader)
		}
		if !hasDupWarning(k.files[p.Follower], p.FollowerPhoto, p.Leader) {
			k.find("missed_duplicate_warnings", p.Follower, "pair %d: case %s has no duplicate_photo warning on photo %s naming case %s",
				p.Index, p.Follower, p.FollowerPhoto, p.Leader)
		}
		if !hasDupWarning(k.files[p.Leader], p.LeaderPhoto, p.Follower) {
			k.find("missed_duplicate_warnings", p.Leader, "pair %d: case %s has no duplicate_photo warning on photo %s naming case %s",
				p.Index, p.Leader, p.LeaderPhoto, p.Follower)
		}
	}
	return nil
}

// hasDupWarning reports whether f warns that photo matches one of other.
func hasDupWarning(f caseFile, photo, other string) bool {
	for _, w := range f.Warnings {
		if w.Code == "duplicate_photo" && w.PhotoID == photo && w.OtherCaseID == other {
			return true
		}
	}
	return false
}

// casesPerCheck is how many phone cases share one check case: few, as an
// upload costs more the larger its case file is (embedded database).
const casesPerCheck = 2

// forgotten files the very bytes of photos of the phones' cases again, on
// new check cases (casesPerCheck original cases to one): each upload must
// warn duplicate_photo naming the original case, or the duplicate index
// has forgotten the photo. It files every photo whose upload took more
// than one attempt (where the index can go wrong) or is a deliberate
// duplicate, and in the live check a sample (-refile) of the others
// (after a restart the index is rebuilt from the files anyway). It runs
// last: the warnings change the cases.
func (k *checker) forgotten(ctx context.Context) error {
	type item struct {
		caseID string
		p      *photoRec
	}
	var groups [][]item
	var cur []item
	n := 0
	r := rand.New(rand.NewPCG(k.s.cfg.Seed, 0xf0+uint64(k.index)))
	for _, c := range k.s.ledger.all() {
		f, ok := k.files[c.ID]
		if c.Check || !ok {
			continue
		}
		for _, p := range c.Photos {
			if _, ok := f.photo(p.ID); !ok || p.Bytes == nil {
				continue
			}
			switch {
			case p.Tries > 1 || p.Pair >= 0:
				k.ph.RefileRetried++
			case k.index == 0 && r.Float64() < k.s.cfg.Refile:
				k.ph.RefileSampled++
			default:
				continue
			}
			cur = append(cur, item{c.ID, p})
		}
		if n++; n%casesPerCheck == 0 && len(cur) > 0 {
			groups, cur = append(groups, cur), nil
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return parallel(ctx, 3, len(groups), func(g int) error {
		id, err := k.checkCase(ctx, g)
		if err != nil {
			return err
		}
		for _, it := range groups[g] {
			if err := k.refile(ctx, id, it.caseID, it.p); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkCase files check case g of this phase (a new household).
func (k *checker) checkCase(ctx context.Context, g int) (string, error) {
	r := rand.New(rand.NewPCG(k.s.cfg.Seed, uint64(1000*k.index+g)))
	person := 1_000_000 + 100_000*k.index + 3*g
	body := newCaseBody(r, uuid4(r), k.s.ppl.Villages[0], person, fmt.Sprintf("CK%d%06d", k.index, g))
	rec := k.s.ledger.attempt(body.ID, body.VillageCode, body.Household.IDNumber, body.Household.HeadName, true)
	req := jsonRequest(http.MethodPost, "/api/cases", body)
	ans, err := k.cadre.do(ctx, req)
	if err != nil {
		return "", err
	}
	if ans.Status != http.StatusCreated && ans.Status != http.StatusOK {
		return "", fmt.Errorf("file check case: %s %s (%s)", ans, ans.errorOf().Error.Message, ans.ReqID)
	}
	var f caseFile
	if err := ans.decode(&f); err != nil {
		return "", err
	}
	k.s.ledger.caseAcked(rec, ans.ReqID, f)
	return body.ID, nil
}

// refile uploads p's bytes, under a new photo id, to check case id.
func (k *checker) refile(ctx context.Context, id, orig string, p *photoRec) error {
	pid := "chk" + strconv.Itoa(k.index) + "-" + p.ID
	body, ctype := photoForm(pid, "other", time.Now().Add(-time.Minute), 35.92, 103.32, p.Bytes)
	ans, err := k.cadre.do(ctx, request{method: http.MethodPost, path: "/api/cases/" + id + "/photos", body: body, ctype: ctype})
	if err != nil {
		return err
	}
	if ans.Status != http.StatusCreated && ans.Status != http.StatusOK {
		return fmt.Errorf("refile photo %s on check case %s: %s (%s)", p.ID, id, ans, ans.ReqID)
	}
	var pa photoAnswer
	if err := ans.decode(&pa); err != nil {
		return err
	}
	rec := k.s.ledger.attempt(id, "", "", "", true)
	pr := k.s.ledger.photo(rec, pid, "other", p.SHA, nil, -1)
	k.s.ledger.photoAcked(pr, ans.ReqID, 1)
	k.mu.Lock()
	k.ph.Refiled++
	k.mu.Unlock()
	var named []string
	for _, w := range pa.Warnings {
		if w.Code == "duplicate_photo" && w.OtherCaseID == orig {
			return nil
		}
		named = append(named, w.Code+":"+w.OtherCaseID)
	}
	k.find("forgotten_photos", orig, "photo %s (%s) of case %s (sha256 %s, acknowledged by %s): the same bytes filed on check case %s (%s) raised no duplicate_photo warning naming it (warnings: %v)",
		p.ID, p.Kind, orig, p.SHA[:12], p.ReqID, id, ans.ReqID, named)
	return nil
}

// parallel calls fn(0…n-1) on workers goroutines and returns the first
// error (the others still finish their current item).
func parallel(ctx context.Context, workers, n int, fn func(int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || first != nil || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := take()
				if !ok {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
