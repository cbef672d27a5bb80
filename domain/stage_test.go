package domain

import "testing"

func TestStageGroups(t *testing.T) {
	tests := []struct {
		s                        Stage
		approved, accepted, paid bool
	}{
		{StageApplied, false, false, false},
		{StageVillagePublicity, false, false, false},
		{StageTownshipReview, false, false, false},
		{StageTownshipPublicity, false, false, false},
		{StageCountyReview, false, false, false},
		{StageApproved, true, false, false},
		{StageConstruction, true, false, false},
		{StageAcceptance, true, false, false},
		{StageAccepted, true, true, false},
		{StagePaid, true, true, true},
		{StageArchived, true, true, true},
		{StageRejected, false, false, false},
		{StageWithdrawn, false, false, false},
	}
	if len(tests) != len(Stages) {
		t.Fatalf("table has %d stages, the lifecycle %d", len(tests), len(Stages))
	}
	for _, tt := range tests {
		if got := tt.s.ReachedApproval(); got != tt.approved {
			t.Errorf("%s.ReachedApproval() = %v, want %v", tt.s, got, tt.approved)
		}
		if got := tt.s.ReachedAcceptance(); got != tt.accepted {
			t.Errorf("%s.ReachedAcceptance() = %v, want %v", tt.s, got, tt.accepted)
		}
		if got := tt.s.ReachedPayment(); got != tt.paid {
			t.Errorf("%s.ReachedPayment() = %v, want %v", tt.s, got, tt.paid)
		}
	}
}
