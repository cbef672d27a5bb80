package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// assessRequest is the body of POST /api/assess (政策测算); nothing is stored.
type assessRequest struct {
	ProgramYear            int                  `json:"program_year"`
	HouseholdType          domain.HouseholdType `json:"household_type"`
	OnlyHouse              bool                 `json:"only_house"`
	BuiltYear              int                  `json:"built_year"`
	Structure              domain.Structure     `json:"structure"`
	AppraisalGrade         domain.Grade         `json:"appraisal_grade"`
	Method                 domain.Method        `json:"method"`
	FloorAreaM2            float64              `json:"floor_area_m2"`
	RelocationPlanned      bool                 `json:"relocation_planned"`
	VillageMergerPlanned   bool                 `json:"village_merger_planned"`
	DisasterRebuildSubsidy bool                 `json:"disaster_rebuild_subsidy"`
	PreviouslyRenovated    bool                 `json:"previously_renovated"`
	SmallDisasterDamage    bool                 `json:"small_disaster_damage"`
}

// assess answers the rules' view of a household and house for anyone
// signed in: the deemed bases, eligibility with reasons, and the subsidy.
func (a *App) assess(c echo.Context) error {
	var req assessRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	bad := map[string]string{}
	if !req.HouseholdType.Valid() {
		bad["household_type"] = "请选择农户类型"
	}
	if req.Structure != "" && !req.Structure.Valid() {
		bad["structure"] = "结构类型无效"
	}
	if req.AppraisalGrade != "" && !req.AppraisalGrade.Valid() {
		bad["appraisal_grade"] = "鉴定等级应为A、B、C或D"
	}
	if req.Method != "" && !req.Method.Valid() {
		bad["method"] = "改造方式应为拆除重建或维修加固"
	}
	if req.BuiltYear != 0 && (req.BuiltYear < 1900 || req.BuiltYear > req.ProgramYear) {
		bad["built_year"] = "建造年份无效"
	}
	if req.FloorAreaM2 < 0 || req.FloorAreaM2 > 2000 {
		bad["floor_area_m2"] = "面积应在0至2000平方米之间"
	}
	p, err := a.program(c.Request().Context(), req.ProgramYear)
	if domain.ErrorKind(err) == domain.KindNotFound {
		bad["program_year"] = "没有该年度的改造方案"
	} else if err != nil {
		return err
	}
	if len(bad) > 0 {
		return domain.InvalidFields(bad)
	}
	res := domain.Assess(p, domain.AssessInput{
		HouseholdType: req.HouseholdType, OnlyHouse: req.OnlyHouse, BuiltYear: req.BuiltYear,
		Structure: req.Structure, AppraisalGrade: req.AppraisalGrade, Method: req.Method, FloorAreaM2: req.FloorAreaM2,
		Flags: domain.Flags{RelocationPlanned: req.RelocationPlanned, VillageMergerPlanned: req.VillageMergerPlanned,
			DisasterRebuildSubsidy: req.DisasterRebuildSubsidy, PreviouslyRenovated: req.PreviouslyRenovated,
			SmallDisasterDamage: req.SmallDisasterDamage},
	})
	return c.JSON(http.StatusOK, toAssessmentJSON(res))
}
