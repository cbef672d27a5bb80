package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"time"
)

// phone is one simulated phone: a village cadre filing its village's
// cases, or a township officer taking the township's steps.
type phone struct {
	c *client
	s *soak
}

// maxDecisions bounds the steps one phone tries on one case.
const maxDecisions = 16

// runCadre files each planned case and takes the cadre's steps on it,
// then hands it to the township officers.
func (p *phone) runCadre(ctx context.Context, plans []*casePlan) {
	for _, pl := range plans {
		if ctx.Err() != nil {
			return
		}
		handed := p.fileCase(ctx, pl)
		if !handed {
			p.s.progress.Add(2) // no officer step follows
		}
	}
}

// runOfficer takes the township officer's steps on each case handed over.
func (p *phone) runOfficer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case pl, ok := <-p.s.handoff:
			if !ok {
				return
			}
			p.review(ctx, pl)
			p.s.progress.Add(1)
		}
	}
}

// fileCase files one case and takes the cadre's steps as far as its plan
// goes; it reports whether the case was handed to an officer.
func (p *phone) fileCase(ctx context.Context, pl *casePlan) (handed bool) {
	rec := p.s.ledger.attempt(pl.ID(), pl.Body.VillageCode, pl.Body.Household.IDNumber, pl.Body.Household.HeadName, false)
	cs, ok := p.create(ctx, rec, pl)
	if !ok {
		return false
	}
	for i := 0; i < maxDecisions; i++ {
		var done bool
		switch cs.Stage {
		case "applied":
			cs, done = p.villageReview(ctx, rec, pl, cs)
		case "village_publicity":
			cs, done = p.closeVillagePublicity(ctx, rec, pl, cs)
		case "township_review":
			select {
			case p.s.handoff <- pl:
				p.s.progress.Add(1)
				return true
			case <-ctx.Done():
				return false
			}
		case "rejected", "withdrawn":
			return false
		default:
			p.s.ledger.note(rec, "cadre found the case at stage %s (version %d)", cs.Stage, cs.Version)
			return false
		}
		if done {
			return false
		}
	}
	p.s.ledger.gaveUp(rec, "cadre: no end after %d decisions, at stage %s", maxDecisions, cs.Stage)
	return false
}

// villageReview uploads the photos the review needs, then records it.
func (p *phone) villageReview(ctx context.Context, rec *caseRec, pl *casePlan, cs caseFile) (caseFile, bool) {
	for _, ph := range pl.Before {
		if !p.upload(ctx, rec, &cs, pl, ph) {
			return cs, true
		}
	}
	if pl.FailReview {
		return p.act(ctx, rec, cs, "village_review", map[string]any{"result": "fail", "reason": "评议未通过：家庭收入超过标准（压测）"})
	}
	return p.act(ctx, rec, cs, "village_review", map[string]any{"result": "pass",
		"meeting_date": day(-9), "publicity_start": day(-8)})
}

// closeVillagePublicity withdraws the case or closes its village 公示
// (posted eight days ago) with the photo of the notice.
func (p *phone) closeVillagePublicity(ctx context.Context, rec *caseRec, pl *casePlan, cs caseFile) (caseFile, bool) {
	if pl.Withdraw {
		return p.act(ctx, rec, cs, "withdraw", map[string]any{"reason": "农户自愿撤回申请（压测）"})
	}
	if !p.upload(ctx, rec, &cs, pl, pl.Village) {
		return cs, true
	}
	return p.act(ctx, rec, cs, "close_village_publicity", map[string]any{})
}

// review is the officer's work on one case: the township review, the
// photo of the township notice, and an objection recorded and dismissed
// when planned. The township 公示 cannot close within the run (it starts
// today at the earliest), so the case stays there.
func (p *phone) review(ctx context.Context, pl *casePlan) {
	rec := p.s.ledger.attempt(pl.ID(), pl.Body.VillageCode, pl.Body.Household.IDNumber, pl.Body.Household.HeadName, false)
	cs, ok := p.get(ctx, rec)
	if !ok {
		return
	}
	for i := 0; i < maxDecisions; i++ {
		var done bool
		switch cs.Stage {
		case "township_review":
			cs, done = p.act(ctx, rec, cs, "township_review", map[string]any{"result": "pass", "publicity_start": day(0)})
		case "township_publicity":
			cs, done = p.townshipPublicity(ctx, rec, pl, cs)
		default:
			p.s.ledger.note(rec, "officer found the case at stage %s (version %d)", cs.Stage, cs.Version)
			return
		}
		if done {
			return
		}
	}
	p.s.ledger.gaveUp(rec, "officer: no end after %d decisions, at stage %s", maxDecisions, cs.Stage)
}

// townshipPublicity adds the notice photo and handles the objection.
func (p *phone) townshipPublicity(ctx context.Context, rec *caseRec, pl *casePlan, cs caseFile) (caseFile, bool) {
	if !p.upload(ctx, rec, &cs, pl, pl.Town) {
		return cs, true
	}
	if !pl.Objection {
		return cs, true
	}
	var open string
	recorded := false
	for _, o := range cs.Objections {
		if o.Level == "township_publicity" {
			recorded = true
			if o.Outcome == "" {
				open = o.ID
			}
		}
	}
	switch {
	case !recorded:
		return p.act(ctx, rec, cs, "record_objection", map[string]any{"text": "村民反映该户另有住房（压测）", "received_on": day(0)})
	case open != "":
		return p.act(ctx, rec, cs, "resolve_objection", map[string]any{"objection_id": open, "outcome": "dismissed",
			"explanation": "经入户核实，该户仅有一处住房（压测）"})
	}
	return cs, true
}

// create files the case, retrying with the same id and body.
func (p *phone) create(ctx context.Context, rec *caseRec, pl *casePlan) (caseFile, bool) {
	r := jsonRequest(http.MethodPost, "/api/cases", pl.Body)
	r.caseID, r.what = pl.ID(), "file the case"
	ans, err := p.c.do(ctx, r)
	if err != nil {
		return caseFile{}, false
	}
	switch {
	case ans.Status == http.StatusCreated || ans.Status == http.StatusOK:
		var cs caseFile
		if err := ans.decode(&cs); err != nil {
			p.s.ledger.gaveUp(rec, "filing: %v", err)
			return cs, false
		}
		p.s.ledger.caseAcked(rec, ans.ReqID, cs)
		return cs, true
	case ans.code() == "duplicate_application" && ans.errorOf().Error.Details["case_id"] == pl.ID():
		// Our own earlier attempt holds the person's reservation: if it
		// landed the file is there.
		p.s.ledger.note(rec, "filing %s answered %s naming this very case", ans.ReqID, ans)
		cs, ok := p.get(ctx, rec)
		if ok {
			p.s.ledger.caseAcked(rec, ans.ReqID, cs)
		}
		return cs, ok
	}
	p.s.ledger.gaveUp(rec, "filing %s answered %s", ans.ReqID, ans)
	return caseFile{}, false
}

// get reads the case file through the proxy.
func (p *phone) get(ctx context.Context, rec *caseRec) (caseFile, bool) {
	r := request{method: http.MethodGet, path: "/api/cases/" + rec.ID, caseID: rec.ID, what: "read the case"}
	ans, err := p.c.do(ctx, r)
	if err != nil {
		return caseFile{}, false
	}
	var cs caseFile
	if ans.Status != http.StatusOK {
		p.s.ledger.gaveUp(rec, "reading the case %s answered %s", ans.ReqID, ans)
		return cs, false
	}
	if err := ans.decode(&cs); err != nil {
		p.s.ledger.gaveUp(rec, "reading the case: %v", err)
		return cs, false
	}
	p.checkRead(rec, ans.ReqID, cs)
	return cs, true
}

// checkRead compares a file read back with what the ledger knows landed,
// so a regression is seen (and logged) when it happens.
func (p *phone) checkRead(rec *caseRec, reqID string, cs caseFile) {
	if before := p.s.ledger.seen(rec, cs.Version); cs.Version < before {
		p.s.ledger.note(rec, "read %s: version %d, stage %s, but version %d was acknowledged before (history: %s)",
			reqID, cs.Version, cs.Stage, before, cs.historyText())
	}
	var steps []stepRec
	p.s.ledger.update(func() { steps = append(steps, rec.Steps...) })
	for _, s := range steps {
		if h, ok := cs.entry(s.Seq); !ok || h.Action != s.Action {
			p.s.ledger.note(rec, "read %s: step %s (seq %d, %s %s) is gone from the file", reqID, s.Action, s.Seq, s.How, s.ReqID)
		}
	}
}

// act takes a step on the version the phone holds. When the answer is a
// conflict the phone reads the case again and judges whether its own
// step landed (a retry whose first attempt got through answers
// stale_version); either way it goes on from the file as read. It
// reports done when the phone cannot go on with this case.
func (p *phone) act(ctx context.Context, rec *caseRec, cs caseFile, action string, fields map[string]any) (caseFile, bool) {
	body := map[string]any{"version": cs.Version}
	for k, v := range fields {
		body[k] = v
	}
	r := jsonRequest(http.MethodPost, "/api/cases/"+cs.ID+"/actions/"+action, body)
	r.caseID, r.what = cs.ID, fmt.Sprintf("%s on version %d", action, cs.Version)
	ans, err := p.c.do(ctx, r)
	if err != nil {
		return cs, true
	}
	switch {
	case ans.Status == http.StatusOK:
		var n caseFile
		if err := ans.decode(&n); err != nil {
			p.s.ledger.gaveUp(rec, "%s: %v", action, err)
			return cs, true
		}
		p.s.ledger.step(rec, stepRec{Action: action, From: cs.Stage, Seq: n.lastSeq(), Version: n.Version, Stage: n.Stage,
			How: "answer", ReqID: ans.ReqID, At: time.Now()})
		return n, false
	case ans.Status == http.StatusConflict || ans.Status == http.StatusUnprocessableEntity:
		n, ok := p.get(ctx, rec)
		if !ok {
			return cs, true
		}
		if h, ok := landed(n, action, cs.lastSeq(), p.c.id()); ok {
			p.s.ledger.step(rec, stepRec{Action: action, From: h.FromStage, Seq: h.Seq, Version: cs.Version + 1, Stage: h.ToStage,
				How: "read", ReqID: ans.ReqID, At: time.Now()})
		} else {
			p.s.ledger.note(rec, "%s on version %d answered %s (%s); the file (version %d, stage %s) does not hold it",
				action, cs.Version, ans, ans.ReqID, n.Version, n.Stage)
		}
		return n, false
	}
	p.s.ledger.gaveUp(rec, "%s %s answered %s", action, ans.ReqID, ans)
	return cs, true
}

// landed finds the history entry of action taken by actor after seq.
func landed(cs caseFile, action string, after int, actor string) (historyFile, bool) {
	for _, h := range cs.History {
		if h.Seq > after && h.Action == action && h.ActorID == actor {
			return h, true
		}
	}
	return historyFile{}, false
}

// upload files one planned photo unless the file already holds it,
// retrying with the same photo id and bytes. A deliberate duplicate's
// second copy waits for the first to be acknowledged.
func (p *phone) upload(ctx context.Context, rec *caseRec, cs *caseFile, pl *casePlan, pp photoPlan) bool {
	if _, ok := cs.photo(pp.ID); ok {
		return true
	}
	pair, follower := p.s.pairOf(pp, pl)
	if follower && !p.s.waitLeader(ctx, pair) {
		p.s.ledger.note(rec, "duplicate pair %d: first copy not acknowledged in time, second copy not filed", pair.Index)
		return true
	}
	img := photoJPEG(pp.Seed)
	sum := sha256.Sum256(img)
	sha := hex.EncodeToString(sum[:])
	pr := p.s.ledger.photo(rec, pp.ID, pp.Kind, sha, img, pp.Pair)
	h := pl.Body.House
	body, ctype := photoForm(pp.ID, pp.Kind, time.Now().Add(-10*time.Minute), h.Lat+0.0001, h.Lng+0.0001, img)
	r := request{method: http.MethodPost, path: "/api/cases/" + cs.ID + "/photos", body: body, ctype: ctype,
		caseID: cs.ID, what: fmt.Sprintf("photo %s (%s)", pp.ID, pp.Kind)}
	ans, err := p.c.do(ctx, r)
	if err != nil {
		return false
	}
	if ans.Status != http.StatusCreated && ans.Status != http.StatusOK {
		p.s.ledger.gaveUp(rec, "photo %s (%s) %s answered %s", pp.ID, pp.Kind, ans.ReqID, ans)
		return false
	}
	var pa photoAnswer
	if err := ans.decode(&pa); err != nil {
		p.s.ledger.gaveUp(rec, "photo %s: %v", pp.ID, err)
		return false
	}
	if pa.SHA256 != sha {
		p.s.ledger.note(rec, "photo %s acknowledged by %s with sha256 %s, sent %s", pp.ID, ans.ReqID, pa.SHA256, sha)
	}
	p.s.ledger.photoAcked(pr, ans.ReqID, p.s.rec.tries(cs.ID, r.what))
	cs.Photos = append(cs.Photos, pa.photoFile)
	if pair != nil {
		p.s.pairFiled(pair, follower, pp.ID, ans.ReqID, pa.Warnings)
	}
	return true
}

// photoForm is the multipart body of an upload.
func photoForm(id, kind string, takenAt time.Time, lat, lng float64, img []byte) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range [][2]string{{"id", id}, {"kind", kind}, {"taken_at", takenAt.UTC().Format(time.RFC3339)},
		{"lat", strconv.FormatFloat(lat, 'f', 6, 64)}, {"lng", strconv.FormatFloat(lng, 'f', 6, 64)}, {"accuracy", "8"}} {
		_ = mw.WriteField(f[0], f[1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="photo.jpg"`)
	h.Set("Content-Type", "image/jpeg")
	w, _ := mw.CreatePart(h)
	_, _ = w.Write(img)
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}
