package domain

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Problem codes of CheckIDNumber.
const (
	IDRequired   = "required"
	IDLength     = "length"
	IDFormat     = "format"
	IDRegion     = "region"
	IDBirthDate  = "birth_date"
	IDCheckDigit = "check_digit"
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// provinces are the first two digits of every mainland, Hong Kong, Macao
// and Taiwan resident ID (GB/T 2260).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// NormalizeNumber is the one form in which a 身份证号 or a 户口簿 number is
// validated, stored, checked for duplicates and searched. Chinese input
// methods type full-width characters (１２３, ｘ) and phones paste
// invisible ones, and people group long numbers with spaces, so: full-width
// ASCII becomes ASCII (１２３ → 123, ｘ → x), a-z are upper-cased (x → X),
// and every space (of any width) and zero-width character (U+200B, U+200C,
// U+200D, U+2060, U+FEFF) is dropped wherever it stands. Anything else is
// kept for validation to judge.
func NormalizeNumber(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ! … ~
			r -= 0xFF01 - 0x21
		}
		switch {
		case unicode.IsSpace(r), zeroWidth(r):
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// zeroWidth reports the invisible characters pasted numbers carry.
func zeroWidth(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return false
}

// CheckIDNumber validates a 身份证号 (GB 11643-1999) in its NormalizeNumber
// form: 18 characters, 17 digits and a digit or X, a known province, a real birth
// date from 1900-01-01 to today (Shanghai, from now), and the ISO 7064
// MOD 11-2 check character. It returns "" and "" when the number is valid,
// otherwise a problem code (IDLength, …) and a Chinese message.
func CheckIDNumber(id string, now time.Time) (code, message string) {
	id = NormalizeNumber(id)
	if id == "" {
		return IDRequired, "请填写身份证号"
	}
	if utf8.RuneCountInString(id) != 18 || len(id) != 18 {
		return IDLength, "身份证号应为18位"
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return IDFormat, "身份证号前17位应为数字"
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := id[17]
	if (last < '0' || last > '9') && last != 'X' {
		return IDFormat, "身份证号最后一位应为数字或X"
	}
	if !provinces[id[:2]] {
		return IDRegion, "身份证号前两位不是有效的省级行政区划代码"
	}
	birth, err := time.ParseInLocation("20060102", id[6:14], Shanghai)
	today := DateOf(now)
	if err != nil || birth.Year() < 1900 || DateOf(birth) > today {
		return IDBirthDate, "身份证号中的出生日期无效"
	}
	if idCheckChars[sum%11] != last {
		return IDCheckDigit, "身份证号校验位不正确，请核对"
	}
	return "", ""
}

var (
	mobileRe   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRe = regexp.MustCompile(`^0[0-9]{2,3}-?[0-9]{7,8}$`)
)

// ValidPhone reports whether s is a mainland mobile number (11 digits,
// 1[3-9]…) or a landline with its area code, like 0930-1234567.
func ValidPhone(s string) bool {
	return mobileRe.MatchString(s) || landlineRe.MatchString(s)
}

// ValidVillageCode reports whether code is a 12-digit village code.
func ValidVillageCode(code string) bool { return LevelOf(code) == LevelVillage }

// fieldErrors collects per-field Chinese messages keyed by JSON path.
type fieldErrors map[string]string

func (f fieldErrors) add(key, msg string) {
	if _, ok := f[key]; !ok {
		f[key] = msg
	}
}

// text cleans the free-text field *v in place by rule (CheckText) and
// adds its problem under key.
func (f fieldErrors) text(key string, v *string, rule TextRule, required bool) {
	clean, msg := CheckText(*v, rule, required)
	*v = clean
	if msg != "" {
		f.add(key, msg)
	}
}

// number checks that x is a finite number from min to max (NaN, ±Inf and
// out-of-range values are refused with msg).
func (f fieldErrors) number(key string, x, min, max float64, msg string) bool {
	if !validFloat(x) || x < min || x > max {
		f.add(key, msg)
		return false
	}
	return true
}

// year checks a year from 1900 to last.
func (f fieldErrors) year(key string, y, last int, label string) {
	if y < 1900 || y > last {
		f.add(key, fmt.Sprintf("%s应在1900至%d之间", label, last))
	}
}

// date checks a required date: set, well formed, and not after today when
// notFuture is set.
func (f fieldErrors) date(key string, d Date, today Date, notFuture bool, label string) bool {
	if d.IsZero() {
		f.add(key, "请填写"+label)
		return false
	}
	if _, ok := ParseDate(string(d)); !ok {
		f.add(key, label+"格式应为YYYY-MM-DD")
		return false
	}
	if notFuture && d > today {
		f.add(key, label+"不能晚于今天")
		return false
	}
	return true
}

// earliestKey holds, among the field errors, the earliest date allowed
// for a date refused as too early; err moves it to Details.
const earliestKey = "\x00earliest_date"

// earliest records the earliest date allowed for a date refused as too
// early (Details["earliest_date"] of the error).
func (f fieldErrors) earliest(d Date) {
	if old, ok := f[earliestKey]; !ok || string(d) > old {
		f[earliestKey] = string(d)
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	e := InvalidFields(f)
	if d, ok := f[earliestKey]; ok {
		delete(f, earliestKey)
		e.Details = map[string]string{"earliest_date": d}
	}
	return e
}

func validFloat(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// ValidateNewCase checks a case as filed or edited by the village cadre and
// returns an InvalidFields error keyed by JSON path ("household.id_number",
// "house.built_year", …), or nil. See prepareFiling.
func ValidateNewCase(c Case, p Program, now time.Time) error {
	_, err := prepareFiling(c, p, now)
	return err
}

// prepareFiling returns c with its free text cleaned (CleanText: names,
// hukou number, phone, address, relations, the reapplication reason) and
// 身份证号 normalized, or an InvalidFields error keyed by JSON path. The
// id is a client id (ValidClientID). The phone is optional (many elderly
// applicants have none) but must be valid when given; members' 身份证号
// are optional but checked when given. Every number is finite and in its
// range. Evidence photos are not checked here: they upload after the case
// exists and village_review pass requires them.
func prepareFiling(c Case, p Program, now time.Time) (Case, error) {
	f := fieldErrors{}
	c.Household.Members = slices.Clone(c.Household.Members)
	c.Household.IDNumber = NormalizeNumber(c.Household.IDNumber)
	c.Household.HukouNo = NormalizeNumber(c.Household.HukouNo)
	if msg := ClientIDProblem("申请编号", c.ID); msg != "" {
		f.add("id", msg)
	}
	if c.ProgramYear != p.Year {
		f.add("program_year", fmt.Sprintf("年度批次应为%d年", p.Year))
	}
	if !ValidVillageCode(c.VillageCode) {
		f.add("village_code", "村代码应为12位数字")
	}
	validateHousehold(f, &c.Household, now)
	validateHouse(f, &c.House, p)
	if !c.Method.Valid() {
		f.add("method", "请选择改造方式：拆除重建或维修加固")
	}
	f.text("reapplication_reason", &c.Reapplication, ruleReapplication,
		c.Flags.PreviouslyRenovated && c.Flags.SmallDisasterDamage)
	if err := f.err(); err != nil {
		return Case{}, err
	}
	return c, nil
}

// maxMembers is the most household members a filing lists besides the head.
const maxMembers = 30

func validateHousehold(f fieldErrors, h *Household, now time.Time) {
	f.text("household.head_name", &h.HeadName, ruleHeadName, true)
	if code, msg := CheckIDNumber(h.IDNumber, now); code != "" {
		f.add("household.id_number", msg)
	}
	f.text("household.phone", &h.Phone, rulePhone, false)
	if h.Phone != "" && !ValidPhone(h.Phone) {
		f.add("household.phone", "联系电话应为11位手机号或带区号的固定电话，如0930-1234567")
	}
	f.text("household.hukou_no", &h.HukouNo, ruleHukouNo, true)
	if !h.Type.Valid() {
		f.add("household.type", "请选择农户类型")
	}
	if len(h.Members) > maxMembers {
		f.add("household.members", fmt.Sprintf("家庭成员不能超过%d人", maxMembers))
		return
	}
	head := NormalizeNumber(h.IDNumber)
	seen := map[string]int{}
	for i := range h.Members {
		m := &h.Members[i]
		key := fmt.Sprintf("household.members[%d]", i)
		f.text(key+".name", &m.Name, ruleMemberName, true)
		f.text(key+".relation", &m.Relation, ruleRelation, false)
		m.IDNumber = NormalizeNumber(m.IDNumber)
		id := m.IDNumber
		if id == "" {
			continue
		}
		if code, msg := CheckIDNumber(id, now); code != "" {
			f.add(key+".id_number", msg)
		} else if id == head {
			f.add(key+".id_number", "成员身份证号与户主相同")
		} else if j, dup := seen[id]; dup {
			f.add(key+".id_number", fmt.Sprintf("与第%d位成员的身份证号重复", j+1))
		}
		seen[id] = i
	}
}

// Ranges of the numbers of a filing and of the steps.
const (
	minFloorAreaM2 = 5
	maxFloorAreaM2 = 1000
	maxStoreys     = 5
	// MaxPhotoAccuracyM is the largest GPS accuracy radius a photo may
	// claim: beyond 10 km a fix says nothing about where it was taken.
	MaxPhotoAccuracyM = 10000
)

func validateHouse(f fieldErrors, h *House, p Program) {
	f.text("house.address", &h.Address, ruleAddress, true)
	f.year("house.built_year", h.BuiltYear, p.Year, "建房年份")
	if !h.Structure.Valid() {
		f.add("house.structure", "请选择房屋结构")
	}
	f.number("house.floor_area_m2", h.FloorAreaM2, minFloorAreaM2, maxFloorAreaM2,
		fmt.Sprintf("建筑面积应在%d至%d平方米之间", minFloorAreaM2, maxFloorAreaM2))
	f.number("house.lat", h.Lat, -90, 90, "纬度应在-90至90之间")
	f.number("house.lng", h.Lng, -180, 180, "经度应在-180至180之间")
}
