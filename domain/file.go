package domain

// FileItem is one record or photo the file (一户一档, 四(六)) lacks.
type FileItem struct {
	Code  string // a photo kind, or a record: village_review, township_publicity, acceptance_form, …
	Label string // Chinese
}

// FileMissing lists what the case's file lacks to be archived: the
// application, 户口簿 and before photos; the village review and its notice
// photo; the township review and its notice photo; the household-type
// certification (not for hazardous_selfbuilt, whose basis is the
// appraisal); the appraisal; the approval; the 施工协议 and its photo;
// photos during and after construction; the signed acceptance form, whose
// FormSHA256 must still match its content; the payment record; and for a
// rebuild the demolition photo (建新拆旧). Nil when complete.
func (c Case) FileMissing() []FileItem {
	var m []FileItem
	rec := func(ok bool, code, label string) {
		if !ok {
			m = append(m, FileItem{code, label})
		}
	}
	photo := func(k PhotoKind) {
		rec(len(c.MissingPhotos(k)) == 0, string(k), k.Label())
	}
	photo(PhotoApplication)
	photo(PhotoHukou)
	photo(PhotoHouseBefore)
	rec(c.VillageReview != nil && c.VillageReview.Passed, "village_review", "村委评议记录")
	rec(c.VillagePublicity != nil && !c.VillagePublicity.ClosedOn.IsZero(), "village_publicity", "村级公示记录")
	photo(PhotoNoticeVillage)
	rec(!c.TownshipReviewAt.IsZero(), "township_review", "乡镇初审记录")
	rec(c.TownshipPublicity != nil && !c.TownshipPublicity.ClosedOn.IsZero(), "township_publicity", "乡镇公示记录")
	photo(PhotoNoticeTownship)
	rec(c.Verified(), "verification", "农户类型认定")
	rec(c.Appraisal != nil, "appraisal", "房屋鉴定")
	rec(c.Approval != nil, "approval", "审批记录")
	rec(c.Agreement != nil, "agreement", "施工协议")
	photo(PhotoAgreement)
	photo(PhotoProgress)
	photo(PhotoCompletion)
	a := c.lastPassedAcceptance()
	switch {
	case a == nil:
		rec(false, "acceptance_form", "签字的验收合格表")
	case !hasAllSigners(a.Signatures):
		rec(false, "acceptance_form", "验收合格表签字不全")
	case a.FormSHA256 != AcceptanceFormHash(c.ID, *a):
		rec(false, "acceptance_form", "验收合格表内容与签字时不一致")
	}
	photo(PhotoAcceptance)
	rec(c.Payment != nil, "payment", "补助拨付记录")
	method := c.Method
	if c.Approval != nil {
		method = c.Approval.Method
	}
	if method == MethodRebuild {
		photo(PhotoDemolition)
	}
	return m
}

func hasAllSigners(sigs []Signature) bool {
	for _, r := range SignerRoles {
		found := false
		for _, s := range sigs {
			if s.SignerRole == r && s.SignerName != "" && s.SHA256 != "" {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
