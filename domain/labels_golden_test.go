package domain

import (
	"bytes"
	"encoding/json"
	"testing"
)

// labelTable is one table of wire name → Chinese label, in the domain's
// order; it is written as a JSON object keeping that order, so the PWA can
// hold the order of its own tables to it too (the dashboard's funnel
// follows the stages).
type labelTable [][2]string

// MarshalJSON writes the table as an object in order.
func (t labelTable) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range t {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv[0])
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv[1])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// labelFile is the tables by name, in order.
type labelFile []struct {
	name  string
	table labelTable
}

// MarshalJSON writes the file as an object of tables in order.
func (f labelFile) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, t := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(t.name)
		v, err := t.table.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func table[T ~string](values []T, label func(T) string) labelTable {
	t := make(labelTable, len(values))
	for i, v := range values {
		t[i] = [2]string{string(v), label(v)}
	}
	return t
}

// labelTables gathers every label table of the domain. The names are those
// of pwa/js/labels.js's tables, lower-cased (STAGES → stages).
func labelTables() labelFile {
	actions := append([]Action{ActionCreate, ActionEdit, ActionAddPhoto, ActionReveal}, Actions...)
	levels := make(labelTable, 0, 3)
	for _, l := range []AreaLevel{LevelCounty, LevelTownship, LevelVillage} {
		levels = append(levels, [2]string{l.String(), l.Label()})
	}
	return labelFile{
		{"stages", table(Stages, Stage.Label)},
		{"roles", table(Roles, Role.Label)},
		{"household_types", table(HouseholdTypes, HouseholdType.Label)},
		{"structures", table(Structures, Structure.Label)},
		{"grades", table(Grades, Grade.Label)},
		{"methods", table(Methods, Method.Label)},
		{"bases", table(Bases, Basis.Label)},
		{"flags", table(FlagList, Flag.Label)},
		{"photo_kinds", table(PhotoKinds, PhotoKind.Label)},
		{"actions", table(actions, Action.Label)},
		{"checklist", table(checklistItems, func(k string) string { return checklistLabels[k] })},
		{"check_results", table([]string{CheckPass, CheckFail, CheckNA}, func(v string) string { return checkResultLabels[v] })},
		{"signers", table(SignerRoles, SignerRole.Label)},
		{"warnings", table(WarningCodes, func(code string) string { return Warning{Code: code}.Label() })},
		{"area_levels", levels},
	}
}

// TestLabelsGolden writes every label table to testdata/labels.json with
// -update, and otherwise fails when the stored file is out of date:
// pwa/test/labels.test.js holds pwa/js/labels.js to that file, so the
// field app shows the domain's names. Every label is Chinese, differs from
// its wire name and is unique within its table.
func TestLabelsGolden(t *testing.T) {
	tables := labelTables()
	for _, tb := range tables {
		if len(tb.table) == 0 {
			t.Errorf("%s: empty", tb.name)
		}
		seen := map[string]string{}
		for _, kv := range tb.table {
			wire, l := kv[0], kv[1]
			if l == "" || l == wire || !hasHan(l) {
				t.Errorf("%s %s: label %q", tb.name, wire, l)
			}
			if other, dup := seen[l]; dup {
				t.Errorf("%s %s and %s share the label %q", tb.name, wire, other, l)
			}
			seen[l] = wire
		}
	}
	golden(t, "labels.json", tables)
}
