package domain

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

type idVector struct {
	IDNumber string `json:"id_number"`
	// Normalized is NormalizeNumber(IDNumber): the phone normalises the same way.
	Normalized string `json:"normalized"`
	Today      string `json:"today"`
	Valid      bool   `json:"valid"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Why        string `json:"why"`
}

// The check characters below were computed with an independent script;
// 11010519491231002X is GB 11643's worked example.
var idCases = []struct {
	id, today, code, why string
}{
	{"11010519491231002X", "2024-06-01", "", "the standard's example, check character X"},
	{"11010519491231002x", "2024-06-01", "", "lower-case x is accepted"},
	{" 622923196001010015 ", "2024-06-01", "", "surrounding spaces are trimmed"},
	{"622923196001010015", "2024-06-01", "", "Yongjing, born 1960-01-01"},
	{"622923197503150020", "2024-06-01", "", "check digit 0"},
	{"622923198811200039", "2024-06-01", "", "check digit 9"},
	{"622923200002290046", "2024-06-01", "", "born on 2000-02-29 (leap year)"},
	{"622923190001010050", "2024-06-01", "", "born 1900-01-01, the earliest plausible"},
	{"622923202409300065", "2024-09-30", "", "born today"},
	{"622923199012310076", "2024-06-01", "", "born 1990-12-31"},
	{"622923195505050083", "2024-06-01", "", "born 1955-05-05"},
	{"110105194912310021", "2024-06-01", IDCheckDigit, "wrong check character (should be X)"},
	{"622923196001010016", "2024-06-01", IDCheckDigit, "last digit off by one"},
	{"622923196001010105", "2024-06-01", IDCheckDigit, "two digits swapped"},
	{"622923197503150021", "2024-06-01", IDCheckDigit, "0 typed as 1"},
	{"62292319750315002X", "2024-06-01", IDCheckDigit, "X where 0 is due"},
	{"", "2024-06-01", IDRequired, "empty"},
	{"   ", "2024-06-01", IDRequired, "blank"},
	{"62292319600101001", "2024-06-01", IDLength, "17 characters"},
	{"6229231960010100155", "2024-06-01", IDLength, "19 characters"},
	{"622923600101001", "2024-06-01", IDLength, "old 15-digit number"},
	{"６２２９２３１９６００１０１００１５", "2024-06-01", "", "full-width digits from a Chinese input method"},
	{"１１０１０５１９４９１２３１００２ｘ", "2024-06-01", "", "full-width digits and a full-width lower-case x"},
	{"11010519491231002Ｘ", "2024-06-01", "", "a full-width X"},
	{"622923 1960 0101 0015", "2024-06-01", "", "grouped with spaces"},
	{"622923\u3000196001010015\u00a0", "2024-06-01", "", "an ideographic and a no-break space"},
	{"\ufeff622923\u200b19600101\u200c0015\u200d", "2024-06-01", "", "zero-width characters pasted with the number"},
	{"6229231960\u206001010015", "2024-06-01", "", "a word joiner"},
	{"６２２９２３１９６００１０１００１６", "2024-06-01", IDCheckDigit, "full-width, last digit off by one"},
	{"６２２９２３１９６００１０１００１Ｙ", "2024-06-01", IDFormat, "full-width, last character Y"},
	{"\u200b\ufeff", "2024-06-01", IDRequired, "only invisible characters"},
	{"62292319600101001Y", "2024-06-01", IDFormat, "last character Y"},
	{"6229231960A101001X", "2024-06-01", IDFormat, "letter among the first 17"},
	{"622923 96001010015", "2024-06-01", IDLength, "a space where a digit belongs: 17 digits left"},
	{"62292319600101001５5", "2024-06-01", IDLength, "19 characters, one of them full-width"},
	{"622923196001010０1-", "2024-06-01", IDFormat, "a hyphen for the last character"},
	{"002923196001010015", "2024-06-01", IDRegion, "province 00"},
	{"992923196001010015", "2024-06-01", IDRegion, "province 99"},
	{"622923189912310015", "2024-06-01", IDBirthDate, "born 1899"},
	{"622923190002290015", "2024-06-01", IDBirthDate, "1900-02-29 does not exist"},
	{"622923199002300015", "2024-06-01", IDBirthDate, "February 30"},
	{"622923199013010015", "2024-06-01", IDBirthDate, "month 13"},
	{"622923199000100015", "2024-06-01", IDBirthDate, "month 00"},
	{"622923202409300065", "2024-09-29", IDBirthDate, "born tomorrow"},
	{"622923203001010015", "2024-06-01", IDBirthDate, "born 2030"},
}

// TestCheckIDNumber checks every case and writes or compares
// testdata/idcard_vectors.json for the PWA.
func TestCheckIDNumber(t *testing.T) {
	var vectors []idVector
	for _, tc := range idCases {
		now := Date(tc.today).Time().Add(12 * time.Hour)
		code, msg := CheckIDNumber(tc.id, now)
		if code != tc.code {
			t.Errorf("%q (%s): code %q, want %q", tc.id, tc.why, code, tc.code)
		}
		if (code == "") != (msg == "") || (msg != "" && !hasHan(msg)) {
			t.Errorf("%q: message %q", tc.id, msg)
		}
		vectors = append(vectors, idVector{tc.id, NormalizeNumber(tc.id), tc.today, code == "", code, msg, tc.why})
	}
	golden(t, "idcard_vectors.json", vectors)
}

// TestIDNumberEveryTypo: a single wrong digit outside the birth date is
// always caught by the check character.
func TestIDNumberEveryTypo(t *testing.T) {
	now := t0
	for _, id := range []string{testHeadID, "11010519491231002X", "622923198811200039"} {
		for i := 0; i < 18; i++ {
			if i >= 6 && i < 14 {
				continue
			}
			for _, d := range "0123456789X" {
				if i < 17 && d == 'X' {
					continue
				}
				typo := id[:i] + string(d) + id[i+1:]
				if typo == id {
					continue
				}
				if code, _ := CheckIDNumber(typo, now); code == "" {
					t.Errorf("typo %s of %s accepted", typo, id)
				}
			}
		}
	}
}

func TestNormalizeNumber(t *testing.T) {
	tests := []struct{ in, want, why string }{
		{"622923196001010015", "622923196001010015", "already normal"},
		{"11010519491231002x", "11010519491231002X", "lower-case x"},
		{"  622923196001010015\t\n", "622923196001010015", "surrounding blanks"},
		{"６２２９２３１９６００１０１００１５", "622923196001010015", "full-width digits"},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", "full-width lower-case x"},
		{"11010519491231002Ｘ", "11010519491231002X", "full-width X"},
		{"622923 1960 0101 0015", "622923196001010015", "grouped with spaces"},
		{"622923\u3000196001010015", "622923196001010015", "ideographic space U+3000"},
		{"622923\u00a0196001010015", "622923196001010015", "no-break space"},
		{"\u200b622923\u200c1960\u200d0101\u2060\ufeff0015", "622923196001010015", "zero-width characters"},
		{"hk００１２３", "HK00123", "户口簿 number with letters, mixed widths"},
		{"ＨＫ－００１", "HK-001", "full-width hyphen"},
		{"永字第１２号", "永字第12号", "Chinese characters are kept"},
		{"", "", "empty"},
		{"\u200b \u3000", "", "nothing visible"},
	}
	for _, tt := range tests {
		if got := NormalizeNumber(tt.in); got != tt.want {
			t.Errorf("%s: NormalizeNumber(%q) = %q, want %q", tt.why, tt.in, got, tt.want)
		}
		if got := NormalizeNumber(tt.want); got != tt.want {
			t.Errorf("%s: not idempotent: %q → %q", tt.why, tt.want, got)
		}
	}
}

func TestValidPhone(t *testing.T) {
	for s, want := range map[string]bool{
		"13909301234": true, "19912345678": true, "0930-1234567": true, "09301234567": true, "010-12345678": true,
		"12909301234": false, "1390930123": false, "139093012345": false, "+8613909301234": false,
		"930-1234567": false, "0930-123456": false, "": false, "1390930123a": false,
	} {
		if got := ValidPhone(s); got != want {
			t.Errorf("ValidPhone(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidateNewCase(t *testing.T) {
	p := Program2024()
	if err := ValidateNewCase(newFiling(), p, t0); err != nil {
		t.Fatalf("valid filing: %v", err)
	}
	tests := []struct {
		name   string
		edit   func(*Case)
		fields []string
	}{
		{"everything missing", func(c *Case) { *c = Case{} }, []string{"id", "program_year", "village_code",
			"household.head_name", "household.id_number", "household.hukou_no", "household.type",
			"house.address", "house.built_year", "house.structure", "house.floor_area_m2", "method"}},
		{"bad check digit", func(c *Case) { c.Household.IDNumber = "622923196001010016" }, []string{"household.id_number"}},
		{"phone", func(c *Case) { c.Household.Phone = "1234" }, []string{"household.phone"}},
		{"no phone is fine", func(c *Case) { c.Household.Phone = "" }, nil},
		{"landline", func(c *Case) { c.Household.Phone = "0930-1234567" }, nil},
		{"wrong year", func(c *Case) { c.ProgramYear = 2023 }, []string{"program_year"}},
		{"township code as village", func(c *Case) { c.VillageCode = testTownship }, []string{"village_code"}},
		{"village code with letters", func(c *Case) { c.VillageCode = "62292310020A" }, []string{"village_code"}},
		{"built 1899", func(c *Case) { c.House.BuiltYear = 1899 }, []string{"house.built_year"}},
		{"built 1900", func(c *Case) { c.House.BuiltYear = 1900 }, nil},
		{"built in the program year", func(c *Case) { c.House.BuiltYear = 2024 }, nil},
		{"built after the program year", func(c *Case) { c.House.BuiltYear = 2025 }, []string{"house.built_year"}},
		{"area 4.9", func(c *Case) { c.House.FloorAreaM2 = 4.9 }, []string{"house.floor_area_m2"}},
		{"area 5", func(c *Case) { c.House.FloorAreaM2 = 5 }, nil},
		{"area 1000", func(c *Case) { c.House.FloorAreaM2 = 1000 }, nil},
		{"area 1000.5", func(c *Case) { c.House.FloorAreaM2 = 1000.5 }, []string{"house.floor_area_m2"}},
		{"no location", func(c *Case) { c.House.Lat, c.House.Lng = 0, 0 }, nil},
		{"lat 91, lng -181", func(c *Case) { c.House.Lat, c.House.Lng = 91, -181 }, []string{"house.lat", "house.lng"}},
		{"structure not a wire name", func(c *Case) { c.House.Structure = "Earth" }, []string{"house.structure"}},
		{"type not a wire name", func(c *Case) { c.Household.Type = "低保户" }, []string{"household.type"}},
		{"method not a wire name", func(c *Case) { c.Method = "repair" }, []string{"method"}},
		{"member without name, bad id", func(c *Case) {
			c.Household.Members = []Member{{IDNumber: "622923199012310077"}}
		}, []string{"household.members[0].name", "household.members[0].id_number"}},
		{"member with the head's id", func(c *Case) {
			c.Household.Members = []Member{{Name: "a", IDNumber: testHeadID}}
		}, []string{"household.members[0].id_number"}},
		{"members repeat an id", func(c *Case) {
			c.Household.Members = []Member{{Name: "a", IDNumber: "622923199012310076"}, {Name: "b", IDNumber: "622923199012310076"}}
		}, []string{"household.members[1].id_number"}},
		{"再次纳入 without its reason", func(c *Case) {
			c.Flags.PreviouslyRenovated, c.Flags.SmallDisasterDamage = true, true
		}, []string{"reapplication_reason"}},
		{"name too long", func(c *Case) { c.Household.HeadName = strings.Repeat("马", 51) }, []string{"household.head_name"}},
	}
	for _, tt := range tests {
		c := newFiling()
		tt.edit(&c)
		err := ValidateNewCase(c, p, t0)
		if tt.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		e, ok := AsError(err)
		if !ok || e.Code != "invalid_input" {
			t.Errorf("%s: got %v", tt.name, err)
			continue
		}
		var keys []string
		for k, msg := range e.Fields {
			keys = append(keys, k)
			if !hasHan(msg) {
				t.Errorf("%s: %s message %q", tt.name, k, msg)
			}
		}
		slices.Sort(keys)
		want := slices.Clone(tt.fields)
		slices.Sort(want)
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("%s: fields %v, want %v", tt.name, keys, want)
		}
	}
}

func TestProgramValidate(t *testing.T) {
	if err := Program2024().Validate(); err != nil {
		t.Fatalf("Program2024: %v", err)
	}
	p := Program2024()
	p.Year, p.Deadline = 2025, "2025-12-31"
	if err := p.Validate(); err != nil {
		t.Errorf("2025: %v", err)
	}
	bad := Program{Year: 1999, Deadline: "2024-13-01", MinRebuildAreaM2: -1, AtRiskDays: -1}
	e, ok := AsError(bad.Validate())
	if !ok {
		t.Fatal("no error for an empty program")
	}
	want := []string{"year", "deadline", "rebuild_subsidy_yuan", "reinforce_subsidy_yuan", "min_rebuild_area_m2",
		"old_house_years", "village_publicity_days", "township_publicity_days", "payment_due_days", "at_risk_days"}
	for _, k := range want {
		if !hasHan(e.Fields[k]) {
			t.Errorf("field %s: %q", k, e.Fields[k])
		}
	}
	if len(e.Fields) != len(want) {
		t.Errorf("fields %v", e.Fields)
	}
	early := Program2024()
	early.Deadline = "2023-12-31"
	if e, _ := AsError(early.Validate()); e == nil || e.Fields["deadline"] == "" {
		t.Error("a deadline before the program year passed")
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"622923196001010015":  "622923********0015",
		"11010519491231002X":  "110105********002X",
		"6228480123456789012": "622848*********9012",
		"12345678901":         "123456*8901",
		"1234567890":          "**********",
		"1234":                "****",
		"":                    "",
	} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
		if got := MaskAccount(in); got != want {
			t.Errorf("MaskAccount(%q) = %q, want %q", in, got, want)
		}
	}
}
