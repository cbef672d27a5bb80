package domain

import "strings"

// MaskID shows a 身份证号 as its first 6 and last 4 characters with the
// rest starred (PIPL art. 28); values of 10 characters or fewer are
// starred entirely, since showing 6+4 of them would show nearly all.
func MaskID(s string) string { return maskMiddle(s) }

// MaskAccount shows a bank account number like MaskID does.
func MaskAccount(s string) string { return maskMiddle(s) }

func maskMiddle(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}
