package domain

import "testing"

// filingVector is one application as the field app's new-application form
// saves it (the part of POST /api/cases's body the rules read) and the
// assessment the filed case then shows (GET /api/cases/{id} assessment).
// The form's 政策测算 (pwa/js/views/newcase.js estimateRequest, with
// rules.js assess) must give the same: pwa/test/estimate.test.js.
type filingVector struct {
	Name    string        `json:"name"`
	Program vectorProgram `json:"program"`
	Filing  vectorFiling  `json:"filing"`
	Want    vectorWant    `json:"want"`
}

type vectorFiling struct {
	ProgramYear int `json:"program_year"`
	Household   struct {
		Type string `json:"type"`
	} `json:"household"`
	House struct {
		BuiltYear   int     `json:"built_year"`
		Structure   string  `json:"structure"`
		FloorAreaM2 float64 `json:"floor_area_m2"`
		OnlyHouse   bool    `json:"only_house"`
	} `json:"house"`
	Method string          `json:"method"`
	Flags  map[string]bool `json:"flags"`
}

func toVectorFiling(c Case) vectorFiling {
	var v vectorFiling
	v.ProgramYear = c.ProgramYear
	v.Household.Type = string(c.Household.Type)
	v.House.BuiltYear, v.House.Structure = c.House.BuiltYear, string(c.House.Structure)
	v.House.FloorAreaM2, v.House.OnlyHouse = c.House.FloorAreaM2, c.House.OnlyHouse
	v.Method = string(c.Method)
	f := c.Flags
	v.Flags = map[string]bool{
		string(FlagRelocationPlanned): f.RelocationPlanned, string(FlagVillageMergerPlanned): f.VillageMergerPlanned,
		string(FlagDisasterRebuildSubsidy): f.DisasterRebuildSubsidy, string(FlagPreviouslyRenovated): f.PreviouslyRenovated,
		string(FlagSmallDisasterDamage): f.SmallDisasterDamage,
	}
	return v
}

// TestFiledCaseAssessmentVectors files applications through Create and
// records what their files say, for the phone's estimate to be held to.
// A filed case has no appraisal yet, so the estimate may not assume one:
// a self-built house of a non-priority household is 0 元 until the county
// inspector appraises it C or D, whatever the cadre believes.
func TestFiledCaseAssessmentVectors(t *testing.T) {
	p := Program2024()
	cases := []struct {
		name    string
		edit    func(*Case)
		subsidy int64
	}{
		{"earth rebuild of 62 m²: 30,000 元", func(c *Case) {}, 30000},
		{"earth reinforcement", func(c *Case) { c.Method = MethodReinforce }, 10000},
		{"rebuild of 40 m²: 0 元 below the minimum", func(c *Case) { c.House.FloorAreaM2 = 40 }, 0},
		{"brick-concrete 2005, not appraised: not inadequate, 0 元", func(c *Case) {
			c.House.Structure, c.House.BuiltYear, c.Method = StructureBrickConcrete, 2005, MethodReinforce
		}, 0},
		{"hazardous self-built brick-concrete, not appraised yet: 0 元 at filing", func(c *Case) {
			c.Household.Type = TypeHazardousSelfbuilt
			c.House.Structure, c.House.BuiltYear, c.Method = StructureBrickConcrete, 2005, MethodReinforce
		}, 0},
		{"hazardous self-built earth house: still needs its appraisal", func(c *Case) {
			c.Household.Type = TypeHazardousSelfbuilt
		}, 0},
		{"brick-wood built 1983: over age", func(c *Case) {
			c.House.Structure, c.House.BuiltYear, c.Method = StructureBrickWood, 1983, MethodReinforce
		}, 10000},
		{"not the only house", func(c *Case) { c.House.OnlyHouse = false }, 0},
		{"previously renovated, small disaster: 再次纳入", func(c *Case) {
			c.Flags.PreviouslyRenovated, c.Flags.SmallDisasterDamage = true, true
			c.Reapplication = "2023年暴雨致墙体开裂"
		}, 30000},
		{"in the disaster rebuild subsidy", func(c *Case) { c.Flags.DisasterRebuildSubsidy = true }, 0},
	}
	var vectors []filingVector
	for _, tc := range cases {
		f := newFiling()
		tc.edit(&f)
		c, err := Create(f, p, actorFor(RoleVillageCadre), t0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		a := c.Assessment(p)
		if a.SubsidyYuan != tc.subsidy {
			t.Errorf("%s: filed case says %d 元, want %d", tc.name, a.SubsidyYuan, tc.subsidy)
		}
		vectors = append(vectors, filingVector{tc.name, toVectorProgram(p), toVectorFiling(c), toVectorWant(a)})
	}
	golden(t, "filing_vectors.json", vectors)
}
