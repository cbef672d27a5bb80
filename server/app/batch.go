package app

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// batchActions are the steps the work makes batch-shaped: closing every
// 公示 that is over, archiving every complete file.
func batchActions() []domain.Action {
	return []domain.Action{domain.ActionCloseVillagePublicity, domain.ActionCloseTownshipPublicity, domain.ActionArchive}
}

// batchItem is one case of a batch's preview: whether the step would move
// it today, and if not the rules' reason.
type batchItem struct {
	Case    caseItem     `json:"case"`
	Ready   bool         `json:"ready"`
	Code    string       `json:"code,omitempty"`
	Reason  string       `json:"reason,omitempty"`
	ToStage domain.Stage `json:"to_stage,omitempty"`
}

// batchPreview is GET /api/batch/{action}.
type batchPreview struct {
	Action      domain.Action `json:"action"`
	Label       string        `json:"label"`
	ProgramYear int           `json:"program_year"`
	Ready       int           `json:"ready"`
	Items       []batchItem   `json:"items"`
}

// batchAction reads and checks the {action} of a batch route.
func batchAction(c echo.Context) (domain.Action, error) {
	a := domain.Action(c.Param("action"))
	if !slices.Contains(batchActions(), a) {
		return "", domain.Errorf(domain.KindNotFound, "unknown_action", "“%s”不能批量办理", string(a))
	}
	return a, nil
}

// previewBatch lists the cases of the caller's area (narrowed by village
// or township) at which the caller may take action, each tried by the
// rules on a copy: ready ones first, the others with the reason they
// would be refused. Nothing is written.
func (a *App) previewBatch(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	action, err := batchAction(c)
	if err != nil {
		return err
	}
	if err := a.authorize(act, domain.PermReadCases, act.AreaCode); err != nil {
		return err
	}
	q, err := a.listQuery(c, act)
	if err != nil {
		return err
	}
	now := a.Now()
	var p domain.Program
	if q.ProgramYear == 0 {
		p, err = a.currentProgram(ctx, now)
	} else {
		p, err = a.program(ctx, q.ProgramYear)
	}
	if err != nil {
		return err
	}
	q.ProgramYear = p.Year
	q.Stages = stagesOf(action)
	out := batchPreview{Action: action, Label: action.Label(), ProgramYear: p.Year, Items: []batchItem{}}
	err = a.DB.Cases.Each(ctx, q, func(cs domain.Case) error {
		if !slices.Contains(domain.AllowedActions(cs, act, now, p), action) {
			return nil
		}
		it := batchItem{Case: a.toCaseItem(ctx, cs, act, now, p)}
		// The view's copy has no history, which the rules do not read.
		n, err := domain.Apply(cs, p, act, action, domain.ActionInput{Version: cs.Version}, now)
		if e, ok := domain.AsError(err); ok {
			it.Code, it.Reason = e.Code, e.Message
		} else if err != nil {
			return err
		} else {
			it.Ready, it.ToStage = true, n.Stage
			out.Ready++
		}
		out.Items = append(out.Items, it)
		return nil
	})
	if err != nil {
		return err
	}
	if q.Search.By == domain.SearchByIDNumber {
		found := make([]domain.Case, len(out.Items))
		for i, it := range out.Items {
			found[i] = domain.Case{ID: it.Case.ID}
		}
		if err := a.recordIDSearch(c, act, q.Search, found, now); err != nil {
			return err
		}
	}
	slices.SortFunc(out.Items, func(x, y batchItem) int {
		if x.Ready != y.Ready {
			if x.Ready {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Case.VillageCode+x.Case.HeadName+x.Case.ID, y.Case.VillageCode+y.Case.HeadName+y.Case.ID)
	})
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// stagesOf lists the stages action may be taken at.
func stagesOf(action domain.Action) []domain.Stage {
	var out []domain.Stage
	for _, s := range domain.Stages {
		if domain.StageAllows(s, action) {
			out = append(out, s)
		}
	}
	return out
}

// batchRequest is POST /api/batch/{action}: the cases of the preview the
// person confirmed, each with the version they saw.
type batchRequest struct {
	Cases []struct {
		ID      string `json:"id"`
		Version *int   `json:"version"`
	} `json:"cases"`
}

type batchResult struct {
	ID      string       `json:"id"`
	OK      bool         `json:"ok"`
	Stage   domain.Stage `json:"stage,omitempty"`
	Version int          `json:"version,omitempty"`
	Error   *errorJSON   `json:"error,omitempty"`
	Case    *caseItem    `json:"case,omitempty"`
}

type batchResponse struct {
	Action  domain.Action `json:"action"`
	Done    int           `json:"done"`
	Refused int           `json:"refused"`
	Results []batchResult `json:"results"`
}

// maxBatch bounds one batch (a township's 公示 of a season fit many times).
const maxBatch = 500

// runBatch takes action on each case named, one at a time, each as its
// own decision on the version the person saw: a refusal (stale, not over,
// missing evidence, …) is that case's result and the others go on.
func (a *App) runBatch(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	action, err := batchAction(c)
	if err != nil {
		return err
	}
	var req batchRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if len(req.Cases) == 0 || len(req.Cases) > maxBatch {
		return domain.InvalidFields(map[string]string{"cases": "请选择要办理的案件（一次最多500户）"})
	}
	seen := map[string]bool{}
	for i, x := range req.Cases {
		if x.ID == "" || x.Version == nil {
			return domain.InvalidFields(map[string]string{"cases[" + strconv.Itoa(i) + "]": "缺少案件编号或版本号"})
		}
		if seen[x.ID] {
			return domain.InvalidFields(map[string]string{"cases[" + strconv.Itoa(i) + "]": "案件重复"})
		}
		seen[x.ID] = true
	}
	now := a.Now()
	out := batchResponse{Action: action, Results: []batchResult{}}
	for _, x := range req.Cases {
		in := domain.ActionInput{Version: *x.Version}
		n, p, err := a.changeCase(ctx, act, x.ID, func(cs domain.Case, p domain.Program) (domain.Case, error) {
			return domain.Apply(cs, p, act, action, in, now)
		})
		r := batchResult{ID: x.ID}
		if err != nil {
			if e, ok := domain.AsError(err); ok {
				r.Error = &errorJSON{Code: e.Code, Message: e.Message, Fields: e.Fields, Details: e.Details}
			} else {
				logOf(c).Error("batch step", "case", x.ID, "action", string(action), "err", err.Error())
				r.Error = &errorJSON{Code: "internal", Message: "系统内部错误，该户未办理，请稍后重试"}
			}
			out.Refused++
		} else {
			item := a.toCaseItem(ctx, n, act, now, p)
			r.OK, r.Stage, r.Version, r.Case = true, n.Stage, n.Version, &item
			out.Done++
			logOf(c).Info("case action", "case", n.ID, "action", string(action), "stage", string(n.Stage), "version", n.Version, "by", act.UserID, "batch", true)
		}
		out.Results = append(out.Results, r)
	}
	return c.JSON(http.StatusOK, out)
}
