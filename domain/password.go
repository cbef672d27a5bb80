package domain

import (
	_ "embed" // the list below is compiled in: data, not I/O at run time
	"strings"
	"unicode/utf8"
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// maxPasswordLen stays under bcrypt's 72-byte limit so no part is ignored.
const maxPasswordLen = 72

// Messages of the password rules, shown on the field that sets a password.
const (
	msgPasswordShort    = "密码至少8个字符"
	msgPasswordLong     = "密码不能超过72个字节"
	msgPasswordCommon   = "这个密码太常见，别人很容易猜到，请换一个（例如几个词加数字）"
	msgPasswordUsername = "密码不能包含用户名"
	msgPasswordSame     = "新密码不能与原密码相同"
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords are the passwords every guessing tool tries first
// (common_passwords.txt), lower-cased.
var commonPasswords = parsePasswordList(commonPasswordsText)

func parsePasswordList(text string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[strings.ToLower(line)] = true
	}
	return out
}

// IsCommonPassword reports whether p is one of the bundled most common
// passwords (case ignored), or a piece of at most 4 characters repeated
// (aaaaaaaa, 12121212, abcabcabc, 密码密码密码密码), which guessing tools try
// just as early.
func IsCommonPassword(p string) bool {
	lower := strings.ToLower(p)
	return commonPasswords[lower] || repeatsShortPiece([]rune(lower))
}

func repeatsShortPiece(r []rune) bool {
	for n := 1; n <= 4 && 2*n <= len(r); n++ {
		if len(r)%n != 0 {
			continue
		}
		same := true
		for i := n; i < len(r) && same; i++ {
			same = r[i] == r[i-n]
		}
		if same {
			return true
		}
	}
	return false
}

// ValidatePassword checks a password about to be set for the user
// username (normalized): 8 characters to 72 bytes, not one of the most
// common passwords, and not containing the username. It returns "" or
// the Chinese message for the field.
func ValidatePassword(password, username string) string {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return msgPasswordShort
	}
	if len(password) > maxPasswordLen {
		return msgPasswordLong
	}
	if IsCommonPassword(password) {
		return msgPasswordCommon
	}
	if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return msgPasswordUsername
	}
	return ""
}

// ValidatePasswordChange checks the password a person chooses to replace
// their current one (already verified by the caller): the rules of
// ValidatePassword, and not the current password again.
func ValidatePasswordChange(current, next, username string) string {
	if msg := ValidatePassword(next, username); msg != "" {
		return msg
	}
	if next == current {
		return msgPasswordSame
	}
	return ""
}
