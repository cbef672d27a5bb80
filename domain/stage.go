package domain

// The stage groups the dashboards, the counters and the lists count by,
// defined once here: each group is the stages a case has reached at least
// that far and is still in the program (rejected and withdrawn are not).

// ReachedApproval reports whether a case at s has been approved:
// approved … archived.
func (s Stage) ReachedApproval() bool {
	switch s {
	case StageApproved, StageConstruction, StageAcceptance:
		return true
	}
	return s.ReachedAcceptance()
}

// ReachedAcceptance reports whether a case at s has passed acceptance:
// accepted, paid, archived.
func (s Stage) ReachedAcceptance() bool {
	return s == StageAccepted || s.ReachedPayment()
}

// ReachedPayment reports whether a case at s has been paid: paid, archived.
func (s Stage) ReachedPayment() bool {
	return s == StagePaid || s == StageArchived
}
