package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPlanSearch(t *testing.T) {
	const id = testHeadID // 622923196001010015
	tests := []struct {
		name     string
		role     Role
		text     string
		want     Search
		wantCode string
	}{
		{"blank: no search", RoleLeader, " \u200b ", Search{}, ""},
		{"name", RoleLeader, "马有福", Search{By: SearchByName, Name: "马有福"}, ""},
		{"name, trimmed, zero-width dropped", RoleCountyApprover, " 马\u200b有 ", Search{By: SearchByName, Name: "马有"}, ""},
		{"name with a digit", RoleLeader, "马1", Search{By: SearchByName, Name: "马1"}, ""},

		// Roles that may reveal: the last 1–6 characters or the whole number.
		{"cadre, last 4", RoleVillageCadre, "0015", Search{By: SearchByIDTail, IDTail: "0015"}, ""},
		{"cadre, last 6", RoleVillageCadre, "010015", Search{By: SearchByIDTail, IDTail: "010015"}, ""},
		{"officer, whole number", RoleTownshipOfficer, id, Search{By: SearchByIDNumber, IDNumber: id}, ""},
		{"civil affairs, whole number full-width", RoleCivilAffairs, "６２２９２３１９６００１０１００１５",
			Search{By: SearchByIDNumber, IDNumber: id}, ""},
		{"rural revitalization, whole number with lower x and spaces", RoleRuralRevitalization, "110105 19491231 002x",
			Search{By: SearchByIDNumber, IDNumber: "11010519491231002X"}, ""},
		{"cadre, 7 digits", RoleVillageCadre, "1010015", Search{}, "invalid_input"},
		{"cadre, 17 digits", RoleVillageCadre, id[:17], Search{}, "invalid_input"},

		// Roles that may not reveal: only what the mask shows, the last 4.
		{"leader, last 4", RoleLeader, "0015", Search{By: SearchByIDTail, IDTail: "0015"}, ""},
		{"leader, last 2", RoleLeader, "15", Search{By: SearchByIDTail, IDTail: "15"}, ""},
		{"inspector, last 6 searched by 4", RoleCountyInspector, "010015", Search{By: SearchByIDTail, IDTail: "0015", Narrowed: true}, ""},
		{"approver, whole number searched by 4", RoleCountyApprover, id, Search{By: SearchByIDTail, IDTail: "0015", Narrowed: true}, ""},
		{"disburser, whole number full-width", RoleDisburser, "６２２９２３１９６００１０１００１５",
			Search{By: SearchByIDTail, IDTail: "0015", Narrowed: true}, ""},
		{"leader, 11 digits searched by 4", RoleLeader, id[7:], Search{By: SearchByIDTail, IDTail: "0015", Narrowed: true}, ""},
		{"leader, X at the end", RoleLeader, "11010519491231002x", Search{By: SearchByIDTail, IDTail: "002X", Narrowed: true}, ""},

		{"too long", RoleLeader, strings.Repeat("马", 41), Search{}, "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanSearch(actorFor(tt.role), tt.text)
			if tt.wantCode != "" {
				e, ok := AsError(err)
				if !ok || e.Code != tt.wantCode || !hasHan(e.Fields["q"]) {
					t.Fatalf("got %+v %v, want %s with a message for q", got, err, tt.wantCode)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
}

// TestSearchTellsNoMoreThanTheMask: for a role that may not reveal, two
// numbers with the same mask (first 6, last 4) are searched the same way,
// whatever the hidden birth date; a role that may reveal tells them apart.
func TestSearchTellsNoMoreThanTheMask(t *testing.T) {
	right := testHeadID                         // 622923196001010015
	wrong := "622923" + "19750315" + right[14:] // another birth date, same mask
	if MaskID(right) != MaskID(wrong) {
		t.Fatal("the two numbers should share their mask")
	}
	for _, r := range Roles {
		a, b := actorFor(r), actorFor(r)
		for _, cut := range []int{0, 7, 12, 13} { // the whole number, its last 11, 6 and 5
			sa, ea := PlanSearch(a, right[cut:])
			sb, eb := PlanSearch(b, wrong[cut:])
			same := reflect.DeepEqual(sa, sb) && (ea == nil) == (eb == nil)
			if !RoleHas(r, PermRevealID) && !same {
				t.Errorf("%s: %q and %q are searched differently: %+v / %+v", r, right[cut:], wrong[cut:], sa, sb)
			}
		}
	}
}

func TestSearchNotice(t *testing.T) {
	for _, tt := range []struct {
		s    Search
		want bool
	}{
		{Search{By: SearchByName, Name: "马"}, false},
		{Search{By: SearchByIDTail, IDTail: "0015"}, false},
		{Search{By: SearchByIDTail, IDTail: "0015", Narrowed: true}, true},
		{Search{By: SearchByIDNumber, IDNumber: testHeadID}, true},
	} {
		if got := tt.s.Notice(); (got != "") != tt.want || (got != "" && !hasHan(got)) {
			t.Errorf("%+v: notice %q", tt.s, got)
		}
	}
}

func TestSearchAllowed(t *testing.T) {
	now := t0
	ago := func(ds ...time.Duration) []time.Time {
		var out []time.Time
		for _, d := range ds {
			out = append(out, now.Add(-d))
		}
		return out
	}
	every := func(n int, step, from time.Duration) []time.Duration {
		var out []time.Duration
		for i := 0; i < n; i++ {
			out = append(out, from+time.Duration(i)*step)
		}
		return out
	}
	tests := []struct {
		name     string
		recent   []time.Time
		wantOK   bool
		wantWait time.Duration
	}{
		{"none yet", nil, true, 0},
		{"29 in the last minute", ago(every(29, time.Second, 0)...), true, 0},
		{"30 in the last minute: wait for the oldest", ago(every(30, time.Second, 0)...), false, 31 * time.Second},
		{"30, the oldest a minute ago: it no longer counts", ago(append(every(29, time.Second, 0), time.Minute)...), true, 0},
		{"40, in any order: the 30th newest decides", ago(append(every(10, time.Second, 40*time.Second), every(30, 0, time.Second)...)...), false, 59 * time.Second},
		{"30 all at once", ago(every(30, 0, 0)...), false, time.Minute},
		{"many long ago", ago(every(100, time.Second, 2*time.Minute)...), true, 0},
	}
	for _, tt := range tests {
		wait, ok := SearchAllowed(tt.recent, now)
		if ok != tt.wantOK || wait != tt.wantWait {
			t.Errorf("%s: got %v %v, want %v %v", tt.name, ok, wait, tt.wantOK, tt.wantWait)
		}
	}
	e := TooManySearches(1500 * time.Millisecond)
	if e.Kind != KindTooMany || e.Details["retry_after_seconds"] != "2" || !strings.Contains(e.Message, "2秒") {
		t.Errorf("refusal %+v", e)
	}
	if e := TooManySearches(0); e.Details["retry_after_seconds"] != "1" {
		t.Errorf("a zero wait still says %s", e.Details["retry_after_seconds"])
	}
}
