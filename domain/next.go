package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AllowedActions lists the actions actor could attempt on c now: the role,
// the area and the stage allow them (Apply's first checks; guards such as
// evidence are not checked). It feeds the case's next.actions; Offers says
// how a screen offers each.
func AllowedActions(c Case, actor Actor, now time.Time, p Program) []Action {
	out := []Action{}
	for _, a := range Actions {
		if permits(&c, actor, a, c.Version) {
			out = append(out, a)
		}
	}
	return out
}

// AwaitingActions is the part of AllowedActions that the case is waiting
// for from actor (the "awaiting my action" filter, mine=1): the step that
// moves it forward, leaving out what is always possible but optional
// (withdraw, record_objection, county_return). resolve_objection counts
// only with an open objection; verify_household until certified; appraise
// until appraised (afterwards they are redone, not awaited); approve once
// certified and appraised; disburse unless the subsidy is blocked.
func AwaitingActions(c Case, actor Actor, now time.Time, p Program) []Action {
	var out []Action
	for _, a := range AllowedActions(c, actor, now, p) {
		if a.dangerous() || a == ActionRecordObjection || idle(c, a) || redo(c, a) != "" {
			continue
		}
		switch a {
		case ActionApprove:
			if !c.Verified() || c.Appraisal == nil {
				continue
			}
		case ActionDisburse:
			if c.paymentBlock() != nil {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// NextHint says in Chinese what the case needs next, e.g. "待村委评议",
// "村级公示中，2024-05-08 可结束", "待上传施工协议照片".
func NextHint(c Case) string {
	missing := func(kinds ...PhotoKind) string {
		m := c.MissingPhotos(kinds...)
		if len(m) == 0 {
			return ""
		}
		labels := make([]string, len(m))
		for i, k := range m {
			labels[i] = k.Label()
		}
		return "待上传" + strings.Join(labels, "、")
	}
	join := func(parts ...string) string {
		var out []string
		for _, s := range parts {
			if s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, "；")
	}
	publicity := func(name string, pub *Publicity, kind PhotoKind) string {
		if k := c.OpenObjections(c.Stage); k > 0 {
			return fmt.Sprintf("%s公示有%d条异议待处理", name, k)
		}
		ends := ""
		if pub != nil {
			ends = string(pub.EndsOn)
		}
		return join(missing(kind), fmt.Sprintf("%s公示中，%s 可结束", name, ends))
	}
	switch c.Stage {
	case StageApplied:
		ret := ""
		if c.ReturnReason != "" {
			ret = "已退回：" + c.ReturnReason
		}
		return join(ret, missing(PhotoHukou, PhotoApplication, PhotoHouseBefore), "待村委评议")
	case StageVillagePublicity:
		return publicity("村级", c.VillagePublicity, PhotoNoticeVillage)
	case StageTownshipReview:
		return "待乡镇初审"
	case StageTownshipPublicity:
		return publicity("乡镇", c.TownshipPublicity, PhotoNoticeTownship)
	case StageCountyReview:
		var parts []string
		if !c.Verified() {
			parts = append(parts, "待"+c.Household.Type.Certifier().Label()+"认定农户类型")
		}
		if c.Appraisal == nil {
			parts = append(parts, "待住建局鉴定")
		}
		if len(parts) == 0 {
			return "待县级审批"
		}
		return join(parts...)
	case StageApproved:
		return join(missing(PhotoAgreement), "待签订施工协议并开工")
	case StageConstruction:
		fix := ""
		if last := c.LastAcceptance(); last != nil && !last.Passed {
			fix = "验收未通过，整改中：" + last.ItemsToFix
		}
		return join(fix, missing(PhotoCompletion), "待乡镇自验并申请验收")
	case StageAcceptance:
		kinds := []PhotoKind{PhotoAcceptance}
		if c.Method == MethodRebuild {
			kinds = append(kinds, PhotoDemolition)
		}
		return join(missing(kinds...), "待住建局竣工验收")
	case StageAccepted:
		if err := c.paymentBlock(); err != nil {
			return err.Message
		}
		return "待拨付补助" + YuanText(c.lastPassedAcceptance().SubsidyYuan)
	case StagePaid:
		if m := c.FileMissing(); len(m) > 0 {
			labels := make([]string, len(m))
			for i, x := range m {
				labels[i] = x.Label
			}
			return "待归档，档案缺少：" + strings.Join(labels, "、")
		}
		return "待归档"
	case StageArchived:
		return "已归档"
	case StageRejected:
		return "不予纳入：" + c.CloseReason
	case StageWithdrawn:
		return "已撤回：" + c.CloseReason
	}
	return ""
}

// YuanText writes an amount of yuan the way people read money: "30,000 元".
func YuanText(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s + " 元"
}
