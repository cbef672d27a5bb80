package domain

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SearchBy says what a search of the case list looked for.
type SearchBy string

// How a search was understood (wire names of the list's search.by).
const (
	SearchByName     SearchBy = "name"      // a fragment of the head's name
	SearchByIDTail   SearchBy = "id_tail"   // the last characters of the head's 身份证号
	SearchByIDNumber SearchBy = "id_number" // the whole 身份证号: recorded like a reveal
)

// Search is what a search of the case list (GET /api/cases?q=) matches,
// as PlanSearch decided from the typed text and the searcher's role. A
// case matches when the field By names matches; By "" is no search.
type Search struct {
	By       SearchBy
	Name     string // By name: a fragment of the head's name
	IDTail   string // By id_tail: the end of the head's 身份证号 (normal form)
	IDNumber string // By id_number: the whole 身份证号 (normal form)
	// Narrowed: the text was a longer number than the searcher may look
	// up, searched by its last MaskedIDTail characters instead.
	Narrowed bool
}

// Notice is the Chinese line the list shows above a search's answer, ""
// when nothing needs saying.
func (s Search) Notice() string {
	switch {
	case s.Narrowed:
		return "您的岗位不能查看完整身份证号，已按身份证号后4位查找，请结合姓名核对"
	case s.By == SearchByIDNumber:
		return "已按完整身份证号查找，本次查找已记录"
	}
	return ""
}

// MaskedIDTail is how many trailing characters of a 身份证号 the mask shows
// (MaskID: first 6, last 4); maxIDTail is the longest tail search.
const (
	MaskedIDTail = 4
	maxIDTail    = 6
	maxSearchLen = 40
)

var idLike = regexp.MustCompile(`^[0-9]{1,17}[0-9X]?$`)

// PlanSearch decides what a search for text by actor looks for. Text that
// is a number (after NormalizeNumber: full-width digits, spaces and
// zero-width characters are fine) is looked up in the head's 身份证号,
// anything else in the head's name.
//
// The list shows every 身份证号 masked, its birth date hidden; a search must
// not tell a role that may not see the full number (PermRevealID) more
// than that mask does, or one could confirm a guessed number by trying
// the ~1,400 candidates a mask leaves. So such a role searches only by
// what the mask shows: its last 1–4 characters; a longer number (5 to 18
// characters, the whole number included) is searched by its last 4
// (Narrowed), which finds the household without telling right from wrong
// digits. A role that may reveal searches by the last 1–6 characters, or
// by the whole number, which the caller records like a reveal. Between 7
// and 17 characters is neither, and refused with a field message. Blank
// text is no search (By "").
func PlanSearch(actor Actor, text string) (Search, error) {
	t := strings.TrimSpace(stripZeroWidth(text))
	if t == "" {
		return Search{}, nil // no search
	}
	if utf8.RuneCountInString(t) > maxSearchLen {
		return Search{}, InvalidFields(map[string]string{"q": "搜索内容过长"})
	}
	n := NormalizeNumber(t)
	if !idLike.MatchString(n) {
		return Search{By: SearchByName, Name: t}, nil
	}
	if !RoleHas(actor.Role, PermRevealID) {
		if len(n) <= MaskedIDTail {
			return Search{By: SearchByIDTail, IDTail: n}, nil
		}
		return Search{By: SearchByIDTail, IDTail: n[len(n)-MaskedIDTail:], Narrowed: true}, nil
	}
	switch {
	case len(n) <= maxIDTail:
		return Search{By: SearchByIDTail, IDTail: n}, nil
	case len(n) == 18:
		return Search{By: SearchByIDNumber, IDNumber: n}, nil
	}
	return Search{}, InvalidFields(map[string]string{"q": "按身份证号查找，请输入末尾1至6位或完整的18位"})
}

func stripZeroWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if zeroWidth(r) {
			return -1
		}
		return r
	}, s)
}

// Searches of the case list one person may make in SearchWindow: enough
// for a busy day at a desk, too few to try numbers in bulk.
const (
	SearchLimit  = 30
	SearchWindow = time.Minute
)

// SearchAllowed reports whether one more search may run at now, given the
// times of the person's earlier searches (any order; those older than
// SearchWindow no longer count). When it may not, wait is how long until
// the oldest counted search leaves the window.
func SearchAllowed(recent []time.Time, now time.Time) (wait time.Duration, ok bool) {
	var in []time.Time
	for _, at := range recent {
		if now.Sub(at) < SearchWindow {
			in = append(in, at)
		}
	}
	if len(in) < SearchLimit {
		return 0, true
	}
	sort.Slice(in, func(i, j int) bool { return in[i].After(in[j]) })
	return in[SearchLimit-1].Add(SearchWindow).Sub(now), false
}

// TooManySearches is the refusal when SearchAllowed says wait.
func TooManySearches(wait time.Duration) *Error {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &Error{Kind: KindTooMany, Code: "too_many_searches",
		Message: "查找过于频繁，请" + strconv.Itoa(secs) + "秒后再试",
		Details: map[string]string{"retry_after_seconds": strconv.Itoa(secs)}}
}
