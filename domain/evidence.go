package domain

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// onSitePhase orders the photos taken at the house through the works:
// before (1), during (2), after (3), at acceptance (4). Kinds without a
// phase (documents, notices, the agreement, the voucher, demolition, which
// under 建新拆旧 may come before or after the new house) are not ordered.
var onSitePhase = map[PhotoKind]int{
	PhotoHouseBefore: 1,
	PhotoProgress:    2,
	PhotoCompletion:  3,
	PhotoAcceptance:  4,
}

// atHouse are the kinds that must be taken at the house; the others
// (户口簿, application, notices posted at the village committee, …) may be
// taken anywhere.
var atHouse = map[PhotoKind]bool{
	PhotoHouseBefore: true, PhotoAppraisal: true, PhotoProgress: true, PhotoCompletion: true,
	PhotoAcceptance: true, PhotoDemolition: true,
}

// DistanceM is the great-circle distance in metres between two WGS-84
// points (haversine, mean Earth radius).
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// PhotoWarnings finds what a reviewer must see about a new photo ph
// within its own case c (duplicates across cases need the store): at most
// one far_from_house and one out_of_order warning. The caller passes its
// configured distance and appends the warnings; none is ever dropped
// silently.
func PhotoWarnings(c Case, ph Photo, maxDistanceM float64, now time.Time) []Warning {
	var out []Warning
	if w, ok := FarFromHouse(c, ph, maxDistanceM, now); ok {
		out = append(out, w)
	}
	if w, ok := OutOfOrder(c, ph, now); ok {
		out = append(out, w)
	}
	return out
}

// FarFromHouse flags a photo that must be taken at the house but was
// taken more than maxM metres from the house's recorded location (both
// locations known; 0,0 means not recorded).
func FarFromHouse(c Case, ph Photo, maxM float64, now time.Time) (Warning, bool) {
	if !atHouse[ph.Kind] || maxM <= 0 || !located(c.House.Lat, c.House.Lng) || !located(ph.Lat, ph.Lng) {
		return Warning{}, false
	}
	d := DistanceM(c.House.Lat, c.House.Lng, ph.Lat, ph.Lng)
	if d <= maxM {
		return Warning{}, false
	}
	return Warning{
		Code: WarnFarFromHouse, PhotoID: ph.ID, At: now,
		Message: fmt.Sprintf("该%s的拍摄位置距房屋登记位置约 %s，超过 %d 米", ph.Kind.Label(), distanceText(d), int(maxM)),
	}, true
}

func located(lat, lng float64) bool { return lat != 0 || lng != 0 }

func distanceText(m float64) string {
	if m >= 1000 {
		return strconv.FormatFloat(m/1000, 'f', 1, 64) + " 公里"
	}
	return strconv.Itoa(int(math.Round(m))) + " 米"
}

// OutOfOrder flags a stage photo whose device time contradicts the case:
// first against the other photos taken at the house (before, during,
// after, at acceptance: a "before" photo taken after a progress photo),
// then against the case's own dates (a photo proving a step taken before
// the step it follows could have happened, such as a completion photo
// before construction started). Days are Shanghai calendar days.
func OutOfOrder(c Case, ph Photo, now time.Time) (Warning, bool) {
	if ph.TakenAt.IsZero() {
		return Warning{}, false
	}
	if phase, ok := onSitePhase[ph.Kind]; ok {
		for _, o := range c.Photos {
			op, ok := onSitePhase[o.Kind]
			if !ok || o.TakenAt.IsZero() || op == phase {
				continue
			}
			if (op < phase && ph.TakenAt.Before(o.TakenAt)) || (op > phase && ph.TakenAt.After(o.TakenAt)) {
				return Warning{Code: WarnOutOfOrder, PhotoID: ph.ID, OtherPhoto: o.ID, At: now,
					Message: fmt.Sprintf("%s的拍摄时间与%s的先后顺序不符", ph.Kind.Label(), o.Kind.Label())}, true
			}
		}
	}
	return outOfStep(c, ph, now)
}

// outOfStep compares a photo's Shanghai day with the date of the step it
// proves or follows.
func outOfStep(c Case, ph Photo, now time.Time) (Warning, bool) {
	taken := DateOf(ph.TakenAt)
	var start Date
	if c.Agreement != nil {
		start = c.Agreement.StartDate
	}
	var notBefore Date
	var label string
	switch ph.Kind {
	case PhotoNoticeVillage:
		if c.VillagePublicity != nil {
			notBefore, label = c.VillagePublicity.Start, "村级公示张贴日期"
		}
	case PhotoNoticeTownship:
		if c.TownshipPublicity != nil {
			notBefore, label = c.TownshipPublicity.Start, "乡镇公示张贴日期"
		}
	case PhotoAgreement, PhotoDemolition:
		if c.Approval != nil {
			notBefore, label = DateOf(c.Approval.At), "审批日期"
		}
	case PhotoProgress, PhotoCompletion:
		notBefore, label = start, "开工日期"
	case PhotoAcceptance:
		if !c.SelfCheckAt.IsZero() {
			notBefore, label = DateOf(c.SelfCheckAt), "申请验收日期"
		} else {
			notBefore, label = start, "开工日期"
		}
	case PhotoVoucher:
		for _, acc := range c.Acceptances {
			if acc.Passed {
				notBefore, label = DateOf(acc.At), "验收合格日期"
			}
		}
	case PhotoHouseBefore:
		if !start.IsZero() && taken > start {
			return Warning{
				Code: WarnOutOfOrder, PhotoID: ph.ID, At: now,
				Message: fmt.Sprintf("%s的拍摄日期（%s）晚于开工日期（%s），不能证明改造前的房屋状况", ph.Kind.Label(), taken, start),
			}, true
		}
	}
	if notBefore.IsZero() || taken >= notBefore {
		return Warning{}, false
	}
	return Warning{
		Code: WarnOutOfOrder, PhotoID: ph.ID, At: now,
		Message: fmt.Sprintf("%s的拍摄日期（%s）早于%s（%s），时间顺序不合理", ph.Kind.Label(), taken, label, notBefore),
	}, true
}

// Likeness is how a photo matches a photo of another case.
type Likeness int

// How photos match: the same bytes, a near-identical picture, or not
// known (a warning's other half rebuilt from the warning alone).
const (
	LikenessUnknown Likeness = iota
	LikenessSame
	LikenessNear
)

func (l Likeness) text() string {
	switch l {
	case LikenessSame:
		return "相同"
	case LikenessNear:
		return "高度相似"
	}
	return "相同或高度相似"
}

// DuplicatePhoto is the warning on the case of a new photo ph that matches
// photo otherPhoto of another household's case otherCase.
func DuplicatePhoto(ph Photo, otherCase, otherPhoto string, how Likeness, now time.Time) Warning {
	return Warning{
		Code: WarnDuplicatePhoto, PhotoID: ph.ID, OtherCaseID: otherCase, OtherPhoto: otherPhoto, At: now,
		Message: fmt.Sprintf("该%s与另一户档案（编号 %s）中的照片%s，请核实是否重复使用照片", ph.Kind.Label(), otherCase, how.text()),
	}
}

// DuplicatePhotoBack is the other half of a DuplicatePhoto warning w of
// case caseID: the warning listed on w's other case, whose photo the new
// one matched.
func DuplicatePhotoBack(caseID string, w Warning, how Likeness, now time.Time) Warning {
	return Warning{
		Code: WarnDuplicatePhoto, PhotoID: w.OtherPhoto, OtherCaseID: caseID, OtherPhoto: w.PhotoID, At: now,
		Message: fmt.Sprintf("另一户档案（编号 %s）上传了与本档案照片%s的照片，请核实是否重复使用照片", caseID, how.text()),
	}
}
