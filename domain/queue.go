package domain

import (
	"slices"
	"strconv"
	"time"
)

// Queue is a group of a person's work (待办): what is to be done next.
type Queue string

// Queues, in the order a work list shows them: what came back or is late
// to close first, what is still running last.
const (
	QueueReturned          Queue = "returned"           // 被退回待处理 (cadre)
	QueueObjection         Queue = "objection"          // 异议待处理
	QueuePublicityClosable Queue = "publicity_closable" // 公示可结束
	QueueVillageReview     Queue = "village_review"     // 待村委评议
	QueueTownshipReview    Queue = "township_review"    // 待初审
	QueueVerify            Queue = "verify_household"   // 待认定农户类型
	QueueAppraise          Queue = "appraise"           // 待鉴定
	QueueApprove           Queue = "approve"            // 待审批
	QueueStart             Queue = "start_construction" // 待开工
	QueueRequestAcceptance Queue = "request_acceptance" // 待申请验收
	QueueAccept            Queue = "accept"             // 待验收 (验收 requested)
	QueueDisburse          Queue = "disburse"           // 待拨付
	QueueArchive           Queue = "archive"            // 待归档
	QueuePublicityRunning  Queue = "publicity_running"  // 公示中, not over yet
)

// Queues lists every queue in display order.
var Queues = []Queue{
	QueueReturned, QueueObjection, QueuePublicityClosable, QueueVillageReview, QueueTownshipReview,
	QueueVerify, QueueAppraise, QueueApprove, QueueStart, QueueRequestAcceptance, QueueAccept,
	QueueDisburse, QueueArchive, QueuePublicityRunning,
}

// Label is the queue's Chinese name, a tab's title.
func (q Queue) Label() string {
	switch q {
	case QueueReturned:
		return "被退回"
	case QueueObjection:
		return "异议待处理"
	case QueuePublicityClosable:
		return "公示可结束"
	case QueueVillageReview:
		return "待村委评议"
	case QueueTownshipReview:
		return "待初审"
	case QueueVerify:
		return "待认定"
	case QueueAppraise:
		return "待鉴定"
	case QueueApprove:
		return "待审批"
	case QueueStart:
		return "待开工"
	case QueueRequestAcceptance:
		return "待申请验收"
	case QueueAccept:
		return "待验收"
	case QueueDisburse:
		return "待拨付"
	case QueueArchive:
		return "待归档"
	case QueuePublicityRunning:
		return "公示中"
	}
	return string(q)
}

// Work is what case c awaits from one person: the queue it belongs to,
// since when it has waited, and whether it is late.
type Work struct {
	Queue Queue
	// Since is when the wait began: the last decision on the case; for a
	// 公示 that may close, the day it could first be closed.
	Since       time.Time
	WaitingDays int  // whole Shanghai days since Since
	Late        bool // past the program's deadline, or its payment past the limit
}

// queueOf is the queue of one awaited action on c.
func queueOf(c Case, a Action, now time.Time, p Program) Queue {
	switch a {
	case ActionResolveObjection:
		return QueueObjection
	case ActionVillageReview:
		if c.ReturnReason != "" {
			return QueueReturned
		}
		return QueueVillageReview
	case ActionCloseVillagePublicity, ActionCloseTownshipPublicity:
		if notYet(c, a, now, p) == nil {
			return QueuePublicityClosable
		}
		return QueuePublicityRunning
	case ActionTownshipReview:
		return QueueTownshipReview
	case ActionVerifyHousehold:
		return QueueVerify
	case ActionAppraise:
		return QueueAppraise
	case ActionApprove:
		return QueueApprove
	case ActionStartConstruction:
		return QueueStart
	case ActionRequestAcceptance:
		return QueueRequestAcceptance
	case ActionAccept:
		return QueueAccept
	case ActionDisburse:
		return QueueDisburse
	case ActionArchive:
		return QueueArchive
	}
	return ""
}

// WorkFor files c in actor's work (ok false when it awaits nothing of
// them, AwaitingActions): of the actions it awaits, the queue that comes
// first in Queues.
func WorkFor(c Case, actor Actor, now time.Time, p Program) (Work, bool) {
	best := -1
	for _, a := range AwaitingActions(c, actor, now, p) {
		if i := slices.Index(Queues, queueOf(c, a, now, p)); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return Work{}, false
	}
	w := Work{Queue: Queues[best], Since: c.DecidedAt}
	if w.Since.IsZero() {
		w.Since = c.UpdatedAt
	}
	if w.Queue == QueuePublicityClosable {
		if pub := publicityOf(&c); pub != nil && !pub.EndsOn.IsZero() && pub.EndsOn.Time().After(w.Since) {
			w.Since = pub.EndsOn.Time()
		}
	}
	w.WaitingDays = max(0, DateOf(w.Since).DaysUntil(DateOf(now)))
	d := DeadlineStatus(c, p, now)
	w.Late = d.Overdue || d.PaymentOverdue
	return w, true
}

// Before orders work inside a queue: late first, then the longest
// waiting, then by case id so the order is stable.
func (w Work) Before(o Work, id, otherID string) bool {
	if w.Late != o.Late {
		return w.Late
	}
	if !w.Since.Equal(o.Since) {
		return w.Since.Before(o.Since)
	}
	return id < otherID
}

// QueueStages lists the stages at which role may have work waiting (a
// superset, for a store to narrow its scan by).
func QueueStages(r Role) []Stage {
	var out []Stage
	for _, s := range Stages {
		if slices.ContainsFunc(Actions, func(a Action) bool {
			if a.dangerous() || a == ActionRecordObjection || !StageAllows(s, a) {
				return false
			}
			for _, t := range HouseholdTypes {
				if slices.Contains(RolesFor(Case{Stage: s, Household: Household{Type: t}}, a), r) {
					return true
				}
			}
			return false
		}) {
			out = append(out, s)
		}
	}
	return out
}

// Signal is what a person's home screen tells them on every visit: a
// count of cases that came back, can be closed today, were handed to
// them, or are late.
type Signal struct {
	Code    string // returned, publicity_closable, acceptance_requested, payment_overdue
	Queue   Queue  // the queue the cases are in
	Count   int
	Message string // Chinese
}

// Signals turns a person's work into their home-screen signals, in order:
// returned cases (the cadre), 公示 that can close today, 验收 requested
// (the inspector), payments past the limit (the disburser).
func Signals(works []Work) []Signal {
	var returned, closable, accept, late int
	for _, w := range works {
		switch {
		case w.Queue == QueueReturned:
			returned++
		case w.Queue == QueuePublicityClosable:
			closable++
		case w.Queue == QueueAccept:
			accept++
		case w.Queue == QueueDisburse && w.Late:
			late++
		}
	}
	var out []Signal
	add := func(code string, q Queue, n int, msg string) {
		if n > 0 {
			out = append(out, Signal{Code: code, Queue: q, Count: n, Message: msg})
		}
	}
	add("returned", QueueReturned, returned, strconv.Itoa(returned)+" 户被退回，需要处理")
	add("publicity_closable", QueuePublicityClosable, closable, strconv.Itoa(closable)+" 户公示期已满，今天可结束公示")
	add("acceptance_requested", QueueAccept, accept, strconv.Itoa(accept)+" 户已申请竣工验收")
	add("payment_overdue", QueueDisburse, late, strconv.Itoa(late)+" 户验收后拨付已超期")
	return out
}
