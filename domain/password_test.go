package domain

import (
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		password, username string
		want               string
	}{
		{"long-enough-words", "li.wei", ""},
		{"密码密码密码密码", "li.wei", msgPasswordCommon}, // a short piece repeated
		{"abcabcabc", "li.wei", msgPasswordCommon},
		{"2024202420242024", "li.wei", msgPasswordCommon},
		{"20242025", "li.wei", ""},
		{"山高水长种玉米", "li.wei", msgPasswordShort},
		{"山高水长种玉米了", "li.wei", ""},
		{"1234567", "li.wei", msgPasswordShort},
		{strings.Repeat("x", 73), "li.wei", msgPasswordLong},
		// The usual ones, Chinese and worldwide, whatever their case.
		{"12345678", "li.wei", msgPasswordCommon},
		{"123456789", "li.wei", msgPasswordCommon},
		{"woaini1314", "li.wei", msgPasswordCommon},
		{"WoAiNi1314", "li.wei", msgPasswordCommon},
		{"qq123456", "li.wei", msgPasswordCommon},
		{"88888888", "li.wei", msgPasswordCommon},
		{"1qaz2wsx", "li.wei", msgPasswordCommon},
		{"abc123456", "li.wei", msgPasswordCommon},
		{"password", "li.wei", msgPasswordCommon},
		{"Password123", "li.wei", msgPasswordCommon},
		{"52013145201314", "li.wei", ""},
		{"zzzzzzzzzz", "li.wei", msgPasswordCommon},
		// The username, anywhere and in any case.
		{"li.wei2024!", "li.wei", msgPasswordUsername},
		{"my-LI.WEI-pass", "li.wei", msgPasswordUsername},
		{"admin-test-password", "admin", msgPasswordUsername},
		{"li.we-not-quite", "li.wei", ""},
	} {
		if got := ValidatePassword(tc.password, tc.username); got != tc.want {
			t.Errorf("ValidatePassword(%q, %q) = %q, want %q", tc.password, tc.username, got, tc.want)
		}
	}
}

func TestValidatePasswordChange(t *testing.T) {
	for _, tc := range []struct {
		current, next string
		want          string
	}{
		{"old-secret-words", "new-secret-words", ""},
		{"old-secret-words", "old-secret-words", msgPasswordSame},
		{"old-secret-words", "5201314520", msgPasswordCommon},
		{"old-secret-words", "short", msgPasswordShort},
		{"old-secret-words", "wang.fang-2024", msgPasswordUsername},
	} {
		if got := ValidatePasswordChange(tc.current, tc.next, "wang.fang"); got != tc.want {
			t.Errorf("ValidatePasswordChange(%q, %q) = %q, want %q", tc.current, tc.next, got, tc.want)
		}
	}
}

// TestCommonPasswordList keeps the bundled list useful: a few hundred
// entries, lower case, no duplicates, and the ones everybody knows.
func TestCommonPasswordList(t *testing.T) {
	seen := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line != strings.ToLower(line) {
			t.Errorf("%q is not lower case (the list is compared lower-cased)", line)
		}
		if seen[line] {
			t.Errorf("%q is listed twice", line)
		}
		seen[line] = true
	}
	if len(seen) < 300 {
		t.Errorf("%d passwords listed, want a few hundred", len(seen))
	}
	for _, p := range []string{"123456", "a123456", "woaini1314", "qq123456", "88888888", "5201314", "1qaz2wsx", "abc123456", "password"} {
		if !IsCommonPassword(p) {
			t.Errorf("%q is not in the list", p)
		}
	}
}
