package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// appendHistory adds the next link of the audit chain to c (whose History
// must already be a private copy) for action by actor, from stage from to
// c.Stage, recording input (already masked) as canonical JSON.
func appendHistory(c *Case, action Action, actor Actor, from Stage, input map[string]any, now time.Time) {
	e := HistoryEntry{
		Seq:       len(c.History) + 1,
		Action:    string(action),
		ActorID:   actor.UserID,
		ActorName: actor.Name,
		ActorRole: actor.Role,
		ActorArea: actor.AreaCode,
		At:        now.UTC().Truncate(time.Millisecond),
		FromStage: from,
		ToStage:   c.Stage,
		Input:     canonicalJSON(input),
	}
	if n := len(c.History); n > 0 {
		e.PrevHash = c.History[n-1].Hash
	}
	e.Hash = HistoryHash(e)
	c.History = append(c.History, e)
	if decides(action) {
		c.DecidedAt = e.At
	}
}

// decides reports whether an entry of action is a decision on the case
// (filing, a correction, a lifecycle step) rather than evidence added or a
// value read.
func decides(action Action) bool { return action != ActionAddPhoto && action != ActionReveal }

// DecidedAtOf is the time of the last decision in a history (zero if
// none), for cases stored before DecidedAt was kept.
func DecidedAtOf(h []HistoryEntry) time.Time {
	for i := len(h) - 1; i >= 0; i-- {
		if decides(Action(h[i].Action)) {
			return h[i].At
		}
	}
	return time.Time{}
}

// canonicalJSON encodes v with sorted object keys (encoding/json sorts map
// keys), so the same input always gives the same text.
func canonicalJSON(v map[string]any) string {
	if v == nil {
		v = map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Inputs are built in this package from strings, numbers and
		// booleans only; an error here is a programming error.
		panic("domain: history input not encodable: " + err.Error())
	}
	return string(b)
}

// HistoryHash is the hex SHA-256 of the entry's PrevHash, a newline and
// the JSON array [seq, action, actor_id, actor_name, actor_role,
// actor_area, at (RFC 3339 UTC, nanosecond precision trimmed), from_stage,
// to_stage, input]; Hash itself is not part of it.
func HistoryHash(e HistoryEntry) string {
	fields := []any{
		e.Seq, e.Action, e.ActorID, e.ActorName, string(e.ActorRole), e.ActorArea,
		e.At.UTC().Format(time.RFC3339Nano), string(e.FromStage), string(e.ToStage), e.Input,
	}
	b, _ := json.Marshal(fields)
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyHistory recomputes the chain: every entry's Seq is its 1-based
// position, its PrevHash the previous entry's Hash ("" for the first) and
// its Hash HistoryHash of it. It returns true and -1 when all hold, else
// false and the index of the first entry that does not.
func VerifyHistory(h []HistoryEntry) (ok bool, firstBad int) {
	prev := ""
	for i, e := range h {
		if e.Seq != i+1 || e.PrevHash != prev || e.Hash != HistoryHash(e) {
			return false, i
		}
		prev = e.Hash
	}
	return true, -1
}

// sha256JSON is the hex SHA-256 of v's JSON encoding.
func sha256JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("domain: hash input not encodable: " + err.Error())
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
