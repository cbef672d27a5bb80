package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TextRule is how one free-text field is cleaned and capped: its Chinese
// label (named in every message), the most characters it may hold after
// cleaning, and whether it may hold line breaks (reasons, findings and
// notes are typed in a text area; names and numbers are one line).
type TextRule struct {
	Label     string
	Max       int
	Multiline bool
}

// The caps of free-text fields, in characters after cleaning. Names are
// 32 (the longest Chinese names with a minority surname fit in 10),
// addresses 128, reasons 500, findings 1000; docs/api.md lists them.
var (
	ruleHeadName      = TextRule{"户主姓名", 32, false}
	ruleMemberName    = TextRule{"成员姓名", 32, false}
	ruleRelation      = TextRule{"与户主关系", 16, false}
	ruleHukouNo       = TextRule{"户口簿编号", 30, false}
	rulePhone         = TextRule{"联系电话", 20, false}
	ruleAddress       = TextRule{"房屋地址", 128, false}
	ruleReapplication = TextRule{"再次纳入的原因", 500, true}
	ruleFailReason    = TextRule{"不予通过的原因", 500, true}
	ruleReturnReason  = TextRule{"退回原因", 500, true}
	ruleWithdraw      = TextRule{"撤回原因", 500, true}
	ruleObjection     = TextRule{"异议内容", 500, true}
	ruleDismissal     = TextRule{"不予采纳的说明", 500, true}
	ruleResolution    = TextRule{"处理说明", 500, true}
	ruleCertificate   = TextRule{"认定文件或证件编号", 64, false}
	ruleNotes         = TextRule{"鉴定意见", 1000, true}
	ruleBuilder       = TextRule{"施工方(工匠或施工队)名称", 64, false}
	ruleBuilderCert   = TextRule{"工匠培训证书或施工资质编号", 64, false}
	ruleItemsToFix    = TextRule{"整改事项", 1000, true}
	ruleSignerName    = TextRule{"签字人姓名", 32, false}
	ruleBank          = TextRule{"开户银行", 64, false}
	ruleAccountNo     = TextRule{"一卡通账号", 40, false}
	rulePayee         = TextRule{"收款人姓名", 32, false}
	ruleVoucher       = TextRule{"拨付凭证号", 64, false}
	rulePlaceName     = TextRule{"名称", 40, false}
	rulePersonName    = TextRule{"姓名", 32, false}
	ruleAmendReason   = TextRule{"修订原因", 1000, true}
)

// stripped are invisible characters that change nothing a person reads
// and are dropped: zero-width space, non-joiner and joiner, word joiner,
// the byte-order mark, and the soft hyphen. Phones and copy-paste from
// chat apps leave them in names, where they would make 马明 and 马\u200b明
// two different people to every comparison.
func stripped(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

// bidiControl reports the characters that reorder how text is shown
// (embeddings and overrides U+202A–202E, isolates U+2066–2069, the marks
// U+200E, U+200F, U+061C): 马明\u202e 可 reads differently on screen
// than it is stored, so they are refused, never kept.
func bidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// CleanText is the one rule for text people type: it must be valid UTF-8;
// it is put in Unicode normal form C (the same 字 typed on two phones
// compares equal), line breaks become \n, the harmless invisible
// characters (stripped) are dropped and white space at both ends trimmed. It
// refuses control characters (line breaks and tabs are allowed only when
// multiline), the characters that reorder text (bidiControl) and every
// other invisible format character. problem is "" or a Chinese sentence
// to follow the field's label ("含有…").
func CleanText(s string, multiline bool) (clean, problem string) {
	if !utf8.ValidString(s) {
		return "", "含有无法识别的字符（编码错误），请重新输入"
	}
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSpace(s) // a pasted line break or tab at either end is harmless
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case stripped(r):
			continue
		case bidiControl(r):
			return "", "含有改变文字显示方向的隐藏字符，请删除后重新输入"
		case r == '\n' || r == '\t':
			if !multiline {
				return "", "不能换行或含有制表符"
			}
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			return "", "含有不可见的控制字符，请删除后重新输入"
		case unicode.Is(unicode.Cf, r):
			return "", "含有不可见的格式字符，请删除后重新输入"
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String()), ""
}

// CheckText cleans v by rule (CleanText) and checks its length; it
// returns the cleaned text and "" or the Chinese message naming the field.
// An empty text is a problem only when required.
func CheckText(v string, rule TextRule, required bool) (string, string) {
	clean, problem := CleanText(v, rule.Multiline)
	switch {
	case problem != "":
		return clean, rule.Label + problem
	case required && clean == "":
		return clean, "请填写" + rule.Label
	case utf8.RuneCountInString(clean) > rule.Max:
		return clean, rule.Label + "不能超过" + strconv.Itoa(rule.Max) + "个字"
	}
	return clean, ""
}

// CleanName cleans and checks a person's or place's display name an
// admin types (users, villages): required, one line, at most 40
// characters for places and 32 for people.
func CleanName(s string, place bool) (string, string) {
	rule := rulePersonName
	if place {
		rule = rulePlaceName
	}
	return CheckText(s, rule, true)
}

// CleanSearch cleans a search term the way stored text was cleaned, so a
// name typed on another phone finds the same household; a term that
// cannot be cleaned searches for nothing it could not match anyway.
func CleanSearch(q string) string {
	c, problem := CleanText(q, false)
	if problem != "" {
		return strings.TrimSpace(q)
	}
	return c
}

// MaxClientIDLen is the longest id a phone may give a case or a photo.
const MaxClientIDLen = 64

// ValidClientID reports whether id may name a case or a photo: 1 to 64
// ASCII letters, digits, '-' and '_' (a UUID fits). Ids go into URLs
// and object keys, so nothing is stored that its own URL cannot reach:
// no '/', '?', '%', '.', spaces or other characters.
func ValidClientID(id string) bool {
	if id == "" || len(id) > MaxClientIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ClientIDProblem is "" when id is a valid client id (ValidClientID),
// else the Chinese message naming the field by label.
func ClientIDProblem(label, id string) string {
	switch {
	case ValidClientID(id):
		return ""
	case strings.TrimSpace(id) == "":
		return "缺少" + label
	}
	return label + "只能由英文字母、数字、-和_组成，最长64位（应为手机生成的UUID）"
}
