package mongodb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/yongjing/anju/domain"
)

// keyDoc reserves one identity (a person's 身份证号 or a 户口簿 number,
// hashed, per program year) for the one active case holding it. The
// unique _id is what makes a second active application impossible even
// when two phones file at the same moment.
type keyDoc struct {
	ID     string    `bson:"_id"` // "<year>/id/<sha256>" or "<year>/hukou/<sha256>"
	CaseID string    `bson:"case_id"`
	At     time.Time `bson:"at"`
}

// keysOf lists the identities an active case holds: its head's and every
// member's 身份证号 and its 户口簿 number, each in its normal form
// (domain.NormalizeNumber), so a number typed full-width or with a stray
// space is the same identity. A rejected or withdrawn case holds none, so
// the household may apply again.
func keysOf(c domain.Case) []string {
	if c.Stage == domain.StageRejected || c.Stage == domain.StageWithdrawn {
		return nil
	}
	y := strconv.Itoa(c.ProgramYear)
	set := map[string]bool{}
	if h := IDNumberHash(c.Household.IDNumber); h != "" {
		set[y+"/id/"+h] = true
	}
	for _, m := range c.Household.Members {
		if h := IDNumberHash(m.IDNumber); h != "" {
			set[y+"/id/"+h] = true
		}
	}
	if h := domain.NormalizeNumber(c.Household.HukouNo); h != "" {
		set[y+"/hukou/"+hashHex(h)] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// minus returns the keys of a that are not in b.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, k := range b {
		in[k] = true
	}
	var out []string
	for _, k := range a {
		if !in[k] {
			out = append(out, k)
		}
	}
	return out
}

func contains(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// reserve claims keys for c. It returns the keys this call inserted or
// took over (to release if the write that follows fails). A key held by
// c already is fine; one held by another active case that still needs it
// is a duplicate_application; one whose holder is gone, closed or changed
// is taken over. A duplicate is a *domain.Duplicate naming the holder.
func (s *Cases) reserve(ctx context.Context, c domain.Case, keys []string) (mine []string, err error) {
	defer func() {
		if err != nil {
			s.release(ctx, c.ID, mine)
			mine = nil
		}
	}()
	for _, k := range keys {
		took, err := s.claim(ctx, c.ID, k)
		if err != nil {
			return mine, err
		}
		if took {
			mine = append(mine, k)
		}
	}
	return mine, nil
}

// claim reserves one key for caseID; took reports whether this call
// wrote the reservation.
func (s *Cases) claim(ctx context.Context, caseID, k string) (took bool, err error) {
	for attempt := 0; attempt < 5; attempt++ {
		now := s.Now().UTC()
		_, err := s.keys.InsertOne(ctx, keyDoc{ID: k, CaseID: caseID, At: now})
		if err == nil {
			return true, nil
		}
		if !isDuplicate(err) {
			return false, fmt.Errorf("reserve identity for case %s: %w", caseID, err)
		}
		var held keyDoc
		err = s.keys.FindOne(ctx, bson.M{"_id": k}).Decode(&held)
		if isNotFound(err) {
			continue // released meanwhile: try again
		}
		if err != nil {
			return false, fmt.Errorf("read identity reservation: %w", err)
		}
		if held.CaseID == caseID {
			return false, nil
		}
		owner, err := s.Get(ctx, held.CaseID)
		switch {
		case domain.ErrorKind(err) == domain.KindNotFound:
			if now.Sub(held.At) < staleReservation {
				// Another filing is between reserving and inserting.
				return false, &domain.Duplicate{Field: keyField(k), OwnerID: held.CaseID, Pending: true}
			}
		case err != nil:
			return false, err
		case contains(keysOf(owner), k):
			return false, duplicateOf(owner, k)
		}
		took, err := s.takeOver(ctx, k, held.CaseID, caseID, now)
		if err != nil || took {
			return took, err
		}
	}
	return false, fmt.Errorf("reserve identity for case %s: too much contention", caseID)
}

// duplicateOf is the answer when owner already holds key k: the owner's
// facts, for the caller to narrow by who asks (domain.Duplicate.For).
func duplicateOf(owner domain.Case, k string) error {
	return &domain.Duplicate{Field: keyField(k), OwnerID: owner.ID, HeadName: owner.Household.HeadName,
		IDNumber: owner.Household.IDNumber, VillageCode: owner.VillageCode, Stage: owner.Stage}
}

// keyField is the filing's field that names identity key k.
func keyField(k string) string {
	if strings.Contains(k, "/hukou/") {
		return "household.hukou_no"
	}
	return "household.id_number"
}

// release gives back reservations this process took for caseID, except
// those the stored case (if any) still needs. Failure only leaves a
// reservation the next filing will find stale and take over.
func (s *Cases) release(ctx context.Context, caseID string, mine []string) {
	if len(mine) == 0 {
		return
	}
	if cur, err := s.Get(ctx, caseID); err == nil {
		mine = minus(mine, keysOf(cur))
	} else if domain.ErrorKind(err) != domain.KindNotFound {
		return
	}
	s.drop(ctx, caseID, mine)
}

// takeOver moves reservation k from case from to case to, if from still
// holds it.
func (s *Cases) takeOver(ctx context.Context, k, from, to string, now time.Time) (bool, error) {
	defer s.keyLocks.lock("key/" + k)()
	var held keyDoc
	err := s.keys.FindOne(ctx, bson.M{"_id": k}).Decode(&held)
	if isNotFound(err) || (err == nil && held.CaseID != from) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read identity reservation: %w", err)
	}
	res, err := s.keys.UpdateOne(ctx, s.cas(k, bson.M{"case_id": from}),
		bson.M{"$set": bson.M{"case_id": to, "at": now}})
	if err != nil {
		return false, fmt.Errorf("take over identity reservation: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// drop deletes the reservations keys that caseID holds, one by one (an
// _id-only lookup each, see cas).
func (s *Cases) drop(ctx context.Context, caseID string, keys []string) {
	for _, k := range keys {
		unlock := s.keyLocks.lock("key/" + k)
		var held keyDoc
		if err := s.keys.FindOne(ctx, bson.M{"_id": k}).Decode(&held); err == nil && held.CaseID == caseID {
			_, _ = s.keys.DeleteOne(ctx, s.cas(k, bson.M{"case_id": caseID}))
		}
		unlock()
	}
}

// numbersNormal reports whether every number of h is stored in its normal
// form (domain.NormalizeNumber), as every filing since it exists is.
func numbersNormal(h domain.Household) bool {
	ok := func(s string) bool { return domain.NormalizeNumber(s) == s }
	for _, m := range h.Members {
		if !ok(m.IDNumber) {
			return false
		}
	}
	return ok(h.IDNumber) && ok(h.HukouNo)
}

// healKeys brings the identity reservations of active case c, stored
// with a number in another form (a 户口簿 number typed in lower case or
// full width before numbers were normalised), in line with keysOf: it
// reserves each identity in its normal form, so a new filing of the same
// number is refused, and drops the reservations c holds under the old
// form. An identity another active case already holds in the normal form
// is a double application the old forms hid: it stays with that case and
// is reported for a hand to look at.
func (s *Cases) healKeys(ctx context.Context, c domain.Case) error {
	keys := keysOf(c)
	var doubled []string
	for _, k := range keys {
		if _, err := s.claim(ctx, c.ID, k); err != nil {
			var d *domain.Duplicate
			if !errors.As(err, &d) {
				return fmt.Errorf("heal identities of case %s: %w", c.ID, err)
			}
			doubled = append(doubled, d.OwnerID)
		}
	}
	cur, err := s.keys.Find(ctx, bson.M{"case_id": c.ID})
	if err != nil {
		return fmt.Errorf("heal identities of case %s: %w", c.ID, err)
	}
	var held []keyDoc
	if err := cur.All(ctx, &held); err != nil {
		return fmt.Errorf("heal identities of case %s: %w", c.ID, err)
	}
	var old []string
	for _, h := range held {
		if !contains(keys, h.ID) {
			old = append(old, h.ID)
		}
	}
	s.drop(ctx, c.ID, old)
	if len(doubled) > 0 {
		s.healMu.Lock()
		s.doubled = append(s.doubled, DoubledCase{CaseID: c.ID, Others: doubled})
		s.healMu.Unlock()
	}
	return nil
}

// DoubledCase is an active case one of whose numbers, once normalised, is
// held by other active cases of the same program: a double application
// that was hidden by the way the number was typed.
type DoubledCase struct {
	CaseID string
	Others []string // the cases holding the number
}

// Doubled returns the double applications Reconcile has found so far.
func (s *Cases) Doubled() []DoubledCase {
	s.healMu.Lock()
	defer s.healMu.Unlock()
	return append([]DoubledCase(nil), s.doubled...)
}
