package domain

import "time"

// Deadline is a case's standing against the program's deadline.
type Deadline struct {
	Deadline       Date
	DaysLeft       int // calendar days from today to the deadline day; 0 on it, negative after
	Overdue        bool
	AtRisk         bool
	PaymentOverdue bool
}

// finishing is the stage span construction … acceptance.
func finishing(s Stage) bool { return s == StageConstruction || s == StageAcceptance }

// unfinished reports whether the case still has to reach accepted: a stage
// from applied to acceptance (rejected and withdrawn cases are closed).
func unfinished(s Stage) bool {
	switch s {
	case StageAccepted, StagePaid, StageArchived, StageRejected, StageWithdrawn:
		return false
	}
	return s.Valid()
}

// DeadlineStatus computes, for today (now in Shanghai):
//
//   - Overdue: the case is unfinished (applied … acceptance) and today is
//     after the deadline day.
//   - AtRisk: not overdue, and either not yet under construction (applied …
//     approved) with DaysLeft ≤ p.AtRiskDays, or under construction or
//     awaiting acceptance with DaysLeft ≤ p.AtRiskDays/3 (rounded up) —
//     the last third of the warning window, when even started work may not
//     finish. Never both at risk and overdue.
//   - PaymentOverdue: accepted (passed) more than p.PaymentDueDays
//     calendar days ago and still unpaid. A payment blocked by the rules
//     (subsidy 0, e.g. rebuilt area below the minimum) is not overdue:
//     it is shown as blocked instead.
func DeadlineStatus(c Case, p Program, now time.Time) Deadline {
	today := DateOf(now)
	d := Deadline{Deadline: p.Deadline, DaysLeft: today.DaysUntil(p.Deadline)}
	if unfinished(c.Stage) {
		switch {
		case today > p.Deadline:
			d.Overdue = true
		case finishing(c.Stage):
			d.AtRisk = d.DaysLeft <= (p.AtRiskDays+2)/3
		default:
			d.AtRisk = d.DaysLeft <= p.AtRiskDays
		}
	}
	if c.Stage == StageAccepted && c.Payment == nil {
		if a := c.lastPassedAcceptance(); a != nil && a.SubsidyYuan > 0 {
			d.PaymentOverdue = DateOf(a.At).DaysUntil(today) > p.PaymentDueDays
		}
	}
	return d
}

// DeadlineCounts adds up deadline standings, for dashboards.
type DeadlineCounts struct {
	Overdue, AtRisk, PaymentOverdue int
}

// Add counts one case's standing.
func (n *DeadlineCounts) Add(d Deadline) {
	if d.Overdue {
		n.Overdue++
	}
	if d.AtRisk {
		n.AtRisk++
	}
	if d.PaymentOverdue {
		n.PaymentOverdue++
	}
}
