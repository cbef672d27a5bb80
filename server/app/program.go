package app

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// seedPrograms stores the 2024 program on first start.
func (a *App) seedPrograms(ctx context.Context) error {
	return a.DB.Programs.Seed(ctx, domain.Program2024())
}

// program returns the program of year, or a program_not_found error.
func (a *App) program(ctx context.Context, year int) (domain.Program, error) {
	return a.DB.Programs.Get(ctx, year)
}

// programJSON is a program on the wire (docs/api.md "program").
type programJSON struct {
	Year                  int               `json:"year"`
	Deadline              domain.Date       `json:"deadline"`
	RebuildSubsidyYuan    int64             `json:"rebuild_subsidy_yuan"`
	ReinforceSubsidyYuan  int64             `json:"reinforce_subsidy_yuan"`
	MinRebuildAreaM2      float64           `json:"min_rebuild_area_m2"`
	OldHouseYears         int               `json:"old_house_years"`
	VillagePublicityDays  int               `json:"village_publicity_days"`
	TownshipPublicityDays int               `json:"township_publicity_days"`
	PaymentDueDays        int               `json:"payment_due_days"`
	AtRiskDays            int               `json:"at_risk_days"`
	SupervisionPhone      string            `json:"supervision_phone"`
	TownshipPhones        map[string]string `json:"township_phones"`
}

func (a *App) listPrograms(c echo.Context) error {
	ps, err := a.DB.Programs.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]programJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, programJSON(p))
	}
	return c.JSON(http.StatusOK, out)
}

// createProgram stores a program year (admin); posting an existing year
// replaces its rules.
func (a *App) createProgram(c echo.Context) error {
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManagePrograms, domain.CountyCode); err != nil {
		return err
	}
	var req programJSON
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p := domain.Program(req)
	if err := p.Validate(); err != nil {
		return err
	}
	if err := a.DB.Programs.Put(c.Request().Context(), p); err != nil {
		return err
	}
	logOf(c).Info("program saved", "year", p.Year, "by", act.UserID)
	return c.JSON(http.StatusCreated, programJSON(p))
}
