package domain

import (
	"fmt"
	"strings"
	"time"
)

// ArchivePrefix opens every 档案编号 of the county: 永靖 for the county,
// 危改 for the program (农村危房改造).
const ArchivePrefix = "永靖危改"

// FormatArchiveNo is the 档案编号 of the seq-th case the county approved in
// program year: 永靖危改〔2024〕0001号. Four digits at least, more when a
// year passes 9,999 approvals, so the numbers still sort in approval order
// within the digits they have.
func FormatArchiveNo(year, seq int) string {
	return fmt.Sprintf("%s〔%d〕%04d号", ArchivePrefix, year, seq)
}

// Printed form kinds.
const (
	PrintAcceptance = "acceptance" // 竣工验收合格表
	PrintNotice     = "notice"     // 公示名单
	PrintDossier    = "dossier"    // 一户一档: Digest is the audit chain's last hash
)

// PrintedForm is a form the server printed, kept under the token of its
// verification link so that the link can later tell whether the paper
// still matches the record: Digest is what the form said, CaseVersion the
// case's version at printing (acceptance forms).
type PrintedForm struct {
	Token       string
	Kind        string // PrintAcceptance or PrintNotice
	CaseID      string // acceptance: the case, and Attempt its acceptance
	Attempt     int
	ProgramYear int
	Level       Stage // notice: StageVillagePublicity or StageTownshipPublicity
	Area        string
	Start       Date // notice: the first day of the 公示
	Digest      string
	CaseVersion int
	PrintedAt   time.Time
	PrintedBy   string // user id
}

// MaskName shows a person's name on public pages as its first character
// and a star for each other one: 马福山 → 马**.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 1 {
		return string(r)
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
