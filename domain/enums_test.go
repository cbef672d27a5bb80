package domain

import "testing"

// TestLabels: every wire name has its own Chinese label, and the lists of
// valid values agree with Valid.
func TestLabels(t *testing.T) {
	check := func(kind string, wire []string, label func(i int) string, valid func(i int) bool) {
		seen := map[string]string{}
		for i, w := range wire {
			l := label(i)
			if l == w || !hasHan(l) {
				t.Errorf("%s %s: label %q", kind, w, l)
			}
			if other, dup := seen[l]; dup {
				t.Errorf("%s %s and %s share the label %q", kind, w, other, l)
			}
			seen[l] = w
			if valid != nil && !valid(i) {
				t.Errorf("%s %s is not Valid", kind, w)
			}
		}
	}
	str := func(n int, f func(int) string) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = f(i)
		}
		return s
	}
	check("stage", str(len(Stages), func(i int) string { return string(Stages[i]) }),
		func(i int) string { return Stages[i].Label() }, func(i int) bool { return Stages[i].Valid() })
	check("household type", str(len(HouseholdTypes), func(i int) string { return string(HouseholdTypes[i]) }),
		func(i int) string { return HouseholdTypes[i].Label() }, func(i int) bool { return HouseholdTypes[i].Valid() })
	check("photo kind", str(len(PhotoKinds), func(i int) string { return string(PhotoKinds[i]) }),
		func(i int) string { return PhotoKinds[i].Label() }, func(i int) bool { return PhotoKinds[i].Valid() })
	check("signer", str(len(SignerRoles), func(i int) string { return string(SignerRoles[i]) }),
		func(i int) string { return SignerRoles[i].Label() }, func(i int) bool { return SignerRoles[i].Valid() })
	check("method", str(len(Methods), func(i int) string { return string(Methods[i]) }),
		func(i int) string { return Methods[i].Label() }, func(i int) bool { return Methods[i].Valid() })
	check("basis", str(len(Bases), func(i int) string { return string(Bases[i]) }), func(i int) string { return Bases[i].Label() }, nil)
	all := append([]Action{ActionCreate, ActionEdit, ActionAddPhoto, ActionReveal}, Actions...)
	check("action", str(len(all), func(i int) string { return string(all[i]) }), func(i int) string { return all[i].Label() }, nil)
	for _, s := range Structures {
		if !s.Valid() {
			t.Errorf("structure %s", s)
		}
	}
	for _, g := range Grades {
		if !g.Valid() || g.Dangerous() != (g == GradeC || g == GradeD) {
			t.Errorf("grade %s", g)
		}
	}
	for _, bad := range []string{"", "Applied", "rebuild "} {
		if Stage(bad).Valid() || HouseholdType(bad).Valid() || PhotoKind(bad).Valid() || Method(bad).Valid() ||
			Structure(bad).Valid() || Grade(bad).Valid() || SignerRole(bad).Valid() {
			t.Errorf("%q is valid", bad)
		}
	}
	if !TypeSevereHardship.Priority() || TypeHazardousSelfbuilt.Priority() || HouseholdType("x").Priority() {
		t.Error("Priority")
	}
}
