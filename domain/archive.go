package domain

import "fmt"

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
