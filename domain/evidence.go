package domain

import (
	"fmt"
	"math"
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
// within its own case c (duplicates across cases need the store):
//
//   - far_from_house: a photo that must be taken at the house was taken
//     more than maxDistanceM metres from the house's recorded location
//     (both locations known, i.e. not 0,0);
//   - out_of_order: by device time, a before/during/after/acceptance
//     photo was taken before a photo of an earlier phase or after one of
//     a later phase already in the case.
//
// The caller passes its configured distance and appends the warnings;
// none is ever dropped silently.
func PhotoWarnings(c Case, ph Photo, maxDistanceM float64, now time.Time) []Warning {
	var out []Warning
	if atHouse[ph.Kind] && (ph.Lat != 0 || ph.Lng != 0) && (c.House.Lat != 0 || c.House.Lng != 0) {
		if d := DistanceM(c.House.Lat, c.House.Lng, ph.Lat, ph.Lng); d > maxDistanceM {
			out = append(out, Warning{Code: WarnFarFromHouse, PhotoID: ph.ID, At: now,
				Message: fmt.Sprintf("%s的拍摄位置距房屋约%.0f米", ph.Kind.Label(), d)})
		}
	}
	phase, ok := onSitePhase[ph.Kind]
	if !ok || ph.TakenAt.IsZero() {
		return out
	}
	for _, o := range c.Photos {
		op, ok := onSitePhase[o.Kind]
		if !ok || o.TakenAt.IsZero() || op == phase {
			continue
		}
		if (op < phase && ph.TakenAt.Before(o.TakenAt)) || (op > phase && ph.TakenAt.After(o.TakenAt)) {
			out = append(out, Warning{Code: WarnOutOfOrder, PhotoID: ph.ID, OtherPhoto: o.ID, At: now,
				Message: fmt.Sprintf("%s的拍摄时间与%s的先后顺序不符", ph.Kind.Label(), o.Kind.Label())})
			break
		}
	}
	return out
}
