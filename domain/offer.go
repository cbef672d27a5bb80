package domain

import "time"

// OfferMode says how a screen offers an allowed action.
type OfferMode string

// Offer modes (wire names).
const (
	OfferPrimary OfferMode = "primary" // a step to take now
	OfferRedo    OfferMode = "redo"    // a step done that its department may still correct
	OfferNotYet  OfferMode = "not_yet" // cannot be taken today; Reason says why
	OfferDanger  OfferMode = "danger"  // ends the case or sends it back
)

// Offer is one action a screen offers the actor on a case.
type Offer struct {
	Action Action
	Mode   OfferMode
	Label  string // the button's Chinese text: the action's label, or 重新核实 / 重新鉴定
	Reason string // with OfferNotYet, why not today (Chinese), as the action would refuse it
}

// Offers lists how to offer each of AllowedActions(c, actor, now, p), in
// its order: withdraw and county_return as danger; a certification or
// appraisal already done as redo (重新核实, 重新鉴定); a publicity close
// before the period is over or with an objection open, and a payment
// blocked at acceptance (重建面积不足45平方米), as not_yet with the reason
// the action itself would give; the others as primary. resolve_objection
// is left out while no objection of the running 公示 is open: there is
// nothing to resolve.
func Offers(c Case, actor Actor, now time.Time, p Program) []Offer {
	out := []Offer{}
	for _, a := range AllowedActions(c, actor, now, p) {
		if idle(c, a) {
			continue
		}
		o := Offer{Action: a, Mode: OfferPrimary, Label: a.Label()}
		if l := redo(c, a); l != "" {
			o.Mode, o.Label = OfferRedo, l
		} else if a.dangerous() {
			o.Mode = OfferDanger
		} else if err := notYet(c, a, now, p); err != nil {
			o.Mode, o.Reason = OfferNotYet, err.Message
		}
		out = append(out, o)
	}
	return out
}

// CanAddPhotos reports whether actor may add photos to c now (AddPhoto's
// checks).
func CanAddPhotos(c Case, actor Actor) bool { return mayAddPhoto(c, actor) == nil }

// CanEdit reports whether actor may correct c's application now (Edit's
// checks, on the current version).
func CanEdit(c Case, actor Actor) bool { return mayEdit(c, actor, c.Version) == nil }

// dangerous reports whether a ends the case or sends it back to the cadre.
func (a Action) dangerous() bool { return a == ActionWithdraw || a == ActionCountyReturn }

// idle reports whether a, allowed by stage, has nothing to act on:
// resolve_objection with no objection of the running 公示 open.
func idle(c Case, a Action) bool {
	return a == ActionResolveObjection && c.OpenObjections(c.Stage) == 0
}

// redo is the label of a when it repeats a step already done that the
// department may still correct: 重新核实 once the household type is
// certified, 重新鉴定 once appraised; "" otherwise.
func redo(c Case, a Action) string {
	switch {
	case a == ActionVerifyHousehold && c.Verified():
		return "重新核实"
	case a == ActionAppraise && c.Appraisal != nil:
		return "重新鉴定"
	}
	return ""
}

// notYet is the guard that keeps a from being taken on now's day whatever
// the person fills in: the publicity's period and objections, the payment's
// block. Evidence and input are the form's business, not checked here.
func notYet(c Case, a Action, now time.Time, p Program) *Error {
	switch a {
	case ActionCloseVillagePublicity, ActionCloseTownshipPublicity:
		return publicityBlock(&c, p, DateOf(now))
	case ActionDisburse:
		return c.paymentBlock()
	}
	return nil
}
