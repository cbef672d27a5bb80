package domain

import (
	"math"
	"time"
)

// Shanghai is the program's calendar: every date is an Asia/Shanghai day.
// A fixed +08:00 zone (China has no daylight saving) keeps domain free of
// the tz database.
var Shanghai = time.FixedZone("CST", 8*3600)

// Date is a calendar day "YYYY-MM-DD" in Asia/Shanghai. The zero value is
// no date. Its string form sorts in calendar order.
type Date string

const dateLayout = "2006-01-02"

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, bool) {
	t, err := time.ParseInLocation(dateLayout, s, Shanghai)
	if err != nil || t.Format(dateLayout) != s {
		return "", false
	}
	return Date(s), true
}

// DateOf is the Shanghai calendar day of the instant t.
func DateOf(t time.Time) Date {
	return Date(t.In(Shanghai).Format(dateLayout))
}

// Time is the start of the day d in Shanghai.
func (d Date) Time() time.Time {
	t, _ := time.ParseInLocation(dateLayout, string(d), Shanghai)
	return t
}

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date {
	return DateOf(d.Time().AddDate(0, 0, n))
}

// DaysUntil is the number of calendar days from d to e (negative if e is earlier).
func (d Date) DaysUntil(e Date) int {
	return int(math.Round(e.Time().Sub(d.Time()).Hours() / 24))
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == "" }
