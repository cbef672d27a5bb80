package mongodb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// numberDoc reserves one 档案编号 (a sequence number of the county's
// approvals in a program year) for the case approved with it. The unique
// _id is what keeps two approvals from ever sharing a number, across
// processes on MongoDB as within this one on FerretDB, where inserts under
// a unique key are exact although updates are not.
type numberDoc struct {
	ID     string    `bson:"_id"` // "<county>/<year>/<seq, 6 digits>": sorts in number order
	CaseID string    `bson:"case_id"`
	At     time.Time `bson:"at"`
}

// counterDoc remembers the last number given in a program year, so the
// next approval need not look for it. It is a hint: the reservations
// decide, and a counter left behind (a crash after the case write) only
// makes the next approval skip the numbers already held.
type counterDoc struct {
	ID   string `bson:"_id"` // "<county>/<year>"
	Last int    `bson:"last"`
}

// maxNumberSkips bounds how many held numbers one approval steps over
// before it gives up (only a lost counter makes it step over many).
const maxNumberSkips = 1000

func numberKey(year, seq int) string {
	return fmt.Sprintf("%s/%d/%06d", domain.CountyCode, year, seq)
}

func counterKey(year int) string { return domain.CountyCode + "/" + strconv.Itoa(year) }

// Approve writes the approval of old with the next 档案编号 of its program
// year: decide makes the approved case from old for a sequence number (it
// is domain.Apply with that number), the number is reserved, and the case
// is written as Update writes it. Approvals of one year are serialised in
// this process, so numbers follow approval order without gaps; a refusal
// by decide or a failed write gives the number back to the next approval.
// Only a write whose outcome is unknown keeps its number reserved (the
// case may hold it), which can leave one gap.
func (s *Cases) Approve(ctx context.Context, old domain.Case, decide func(seq int) (domain.Case, error)) (domain.Case, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	year := old.ProgramYear
	defer s.numberLocks.lock(counterKey(year))()
	last, err := s.lastNumber(ctx, year)
	if err != nil {
		return domain.Case{}, err
	}
	for seq := last + 1; seq <= last+maxNumberSkips; seq++ {
		next, err := decide(seq)
		if err != nil {
			return domain.Case{}, err // refused: nothing reserved
		}
		took, err := s.reserveNumber(ctx, year, seq, old.ID)
		if err != nil {
			return domain.Case{}, err
		}
		if !took {
			continue // held by another case: the next one
		}
		if err := s.Update(ctx, old, next); err != nil {
			if domain.ErrorKind(err) != domain.KindUnavailable {
				s.releaseNumber(ctx, year, seq, old.ID)
			}
			return domain.Case{}, err
		}
		s.advanceCounter(ctx, year, seq)
		return next, nil
	}
	return domain.Case{}, fmt.Errorf("approve case %s: no free archive number after %d", old.ID, last+maxNumberSkips)
}

// lastNumber is the last number given in year: the counter, or when there
// is none yet (a new year, a database from before the counter) the
// highest reservation.
func (s *Cases) lastNumber(ctx context.Context, year int) (int, error) {
	var c counterDoc
	err := s.counters.FindOne(ctx, bson.M{"_id": counterKey(year)}).Decode(&c)
	if err == nil {
		return c.Last, nil
	}
	if !isNotFound(err) {
		return 0, fmt.Errorf("read archive number counter %d: %w", year, err)
	}
	prefix := counterKey(year) + "/"
	var n numberDoc
	err = s.numbers.FindOne(ctx, bson.M{"_id": bson.M{"$gte": prefix, "$lt": prefix + "~"}},
		options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&n)
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read archive numbers %d: %w", year, err)
	}
	seq, err := strconv.Atoi(n.ID[len(prefix):])
	if err != nil {
		return 0, fmt.Errorf("archive number reservation %q: %w", n.ID, err)
	}
	return seq, nil
}

// reserveNumber claims number seq of year for caseID. It reports false
// when another case holds it: one approved with it, or one being approved
// with it right now (elsewhere, on MongoDB). A reservation whose case never
// took the number is taken over once it is stale.
func (s *Cases) reserveNumber(ctx context.Context, year, seq int, caseID string) (bool, error) {
	k := numberKey(year, seq)
	for attempt := 0; attempt < 5; attempt++ {
		now := s.Now().UTC()
		_, err := s.numbers.InsertOne(ctx, numberDoc{ID: k, CaseID: caseID, At: now})
		if err == nil {
			return true, nil
		}
		if !isDuplicate(err) {
			return false, fmt.Errorf("reserve archive number %s for case %s: %w", k, caseID, err)
		}
		var held numberDoc
		err = s.numbers.FindOne(ctx, bson.M{"_id": k}).Decode(&held)
		if isNotFound(err) {
			continue // given back meanwhile: try again
		}
		if err != nil {
			return false, fmt.Errorf("read archive number %s: %w", k, err)
		}
		if held.CaseID == caseID {
			return true, nil // an earlier attempt of this approval, whose write did not land
		}
		owner, err := s.Get(ctx, held.CaseID)
		switch {
		case err == nil && owner.Approval != nil && owner.ProgramYear == year && owner.Approval.ArchiveSeq == seq:
			return false, nil
		case err != nil && domain.ErrorKind(err) != domain.KindNotFound:
			return false, err
		case now.Sub(held.At) < staleReservation:
			return false, nil // another approval is between reserving and writing
		}
		res, err := s.numbers.UpdateOne(ctx, s.casNumber(k, held), bson.M{"$set": bson.M{"case_id": caseID, "at": now}})
		if err != nil {
			return false, fmt.Errorf("take over archive number %s: %w", k, err)
		}
		if res.MatchedCount == 1 {
			return true, nil
		}
	}
	return false, fmt.Errorf("reserve archive number %s for case %s: too much contention", k, caseID)
}

// casNumber is the filter that takes over reservation held if it is
// still what was read (on FerretDB, _id alone: see cas).
func (s *Cases) casNumber(k string, held numberDoc) bson.M {
	if s.embedded {
		return bson.M{"_id": k}
	}
	return bson.M{"_id": k, "case_id": held.CaseID}
}

// releaseNumber gives back number seq of year if caseID holds it and the
// case did not take it. Failure leaves a reservation the next approval
// finds stale and takes over.
func (s *Cases) releaseNumber(ctx context.Context, year, seq int, caseID string) {
	if cur, err := s.Get(ctx, caseID); err == nil && cur.Approval != nil && cur.Approval.ArchiveSeq == seq {
		return
	}
	f := bson.M{"_id": numberKey(year, seq)}
	if !s.embedded {
		f["case_id"] = caseID
	}
	var held numberDoc
	if err := s.numbers.FindOne(ctx, f).Decode(&held); err == nil && held.CaseID == caseID {
		_, _ = s.numbers.DeleteOne(ctx, f)
	}
}

// advanceCounter records seq as given. A failure only leaves the counter
// behind, which the next approval steps over.
func (s *Cases) advanceCounter(ctx context.Context, year, seq int) {
	_, _ = s.counters.UpdateOne(ctx, bson.M{"_id": counterKey(year)},
		bson.M{"$max": bson.M{"last": seq}}, options.Update().SetUpsert(true))
}
