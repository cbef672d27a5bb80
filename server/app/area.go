package app

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// townshipsCSV is the county's 17 townships with their official codes
// (code,name,kind), loaded on first start.
//
//go:embed data/yongjing-townships.csv
var townshipsCSV []byte

// countyName is the name of the county the product serves.
const countyName = "永靖县"

// builtinAreas parses the embedded county and township list.
func builtinAreas() ([]domain.Area, error) {
	rows, err := csv.NewReader(bytes.NewReader(townshipsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded townships: %w", err)
	}
	out := []domain.Area{{Code: domain.CountyCode, Name: countyName}}
	for i, r := range rows {
		if i == 0 {
			continue
		}
		if len(r) < 2 || domain.LevelOf(r[0]) != domain.LevelTownship {
			return nil, fmt.Errorf("embedded townships: bad row %d: %v", i+1, r)
		}
		out = append(out, domain.Area{Code: r[0], Name: r[1], ParentCode: domain.CountyCode})
	}
	return out, nil
}

// seedAreas loads the county and its townships (missing ones only) and
// fills the name cache from the database.
func (a *App) seedAreas(ctx context.Context) error {
	builtin, err := builtinAreas()
	if err != nil {
		return err
	}
	if err := a.DB.Areas.Seed(ctx, builtin); err != nil {
		return err
	}
	all, err := a.DB.Areas.All(ctx)
	if err != nil {
		return err
	}
	a.areaMu.Lock()
	defer a.areaMu.Unlock()
	a.areaNames = make(map[string]string, len(all))
	for _, ar := range all {
		a.areaNames[ar.Code] = ar.Name
	}
	return nil
}

// areaName is the name of the area with code ("" when unknown). Names are
// cached; a miss (a village another instance added) asks the database.
func (a *App) areaName(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	a.areaMu.RLock()
	name, ok := a.areaNames[code]
	a.areaMu.RUnlock()
	if ok {
		return name
	}
	ar, err := a.DB.Areas.Get(ctx, code)
	if err != nil {
		return ""
	}
	a.cacheArea(ar)
	return ar.Name
}

// area returns the area with code, or a not_found error.
func (a *App) area(ctx context.Context, code string) (domain.Area, error) {
	return a.DB.Areas.Get(ctx, code)
}

func (a *App) cacheArea(ar domain.Area) {
	a.areaMu.Lock()
	a.areaNames[ar.Code] = ar.Name
	a.areaMu.Unlock()
}

// areaNode is an area in the tree GET /api/areas answers.
type areaNode struct {
	Code     string      `json:"code"`
	Name     string      `json:"name"`
	Level    string      `json:"level"`
	Children []*areaNode `json:"children,omitempty"`
}

// listAreas answers the county with its townships and their villages.
// Place names are not personal data, so every signed-in user sees the tree.
func (a *App) listAreas(c echo.Context) error {
	all, err := a.DB.Areas.All(c.Request().Context())
	if err != nil {
		return err
	}
	nodes := make(map[string]*areaNode, len(all))
	var root *areaNode
	for _, ar := range all { // ordered by code: parents come first
		n := &areaNode{Code: ar.Code, Name: ar.Name, Level: ar.Level().String()}
		nodes[ar.Code] = n
		if ar.Code == domain.CountyCode {
			root = n
			continue
		}
		if p := nodes[ar.ParentCode]; p != nil {
			p.Children = append(p.Children, n)
		}
	}
	if root == nil {
		return errors.New("county area missing")
	}
	for _, n := range nodes {
		if n.Level == "township" && n.Children == nil {
			n.Children = []*areaNode{}
		}
	}
	return c.JSON(http.StatusOK, root)
}

type areaRequest struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
}

type areaResponse struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code"`
}

func toAreaResponse(ar domain.Area) areaResponse {
	return areaResponse{Code: ar.Code, Name: ar.Name, Level: ar.Level().String(), ParentCode: ar.ParentCode}
}

// createArea lets the admin add a village under one of the townships.
// Adding the same village twice answers 200; the same code with another
// name is a conflict.
func (a *App) createArea(c echo.Context) error {
	if err := a.authorize(actorOf(c), domain.PermManageAreas, domain.CountyCode); err != nil {
		return err
	}
	var req areaRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	v := domain.Area{Code: req.Code, Name: req.Name, ParentCode: req.ParentCode}
	v, created, err := a.addVillage(c.Request().Context(), v)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		logOf(c).Info("village added", "code", v.Code, "by", actorOf(c).UserID)
	}
	return c.JSON(status, toAreaResponse(v))
}

// addVillage validates and stores a village and returns it as stored
// (its name cleaned); created is false when the identical village was
// already there.
func (a *App) addVillage(ctx context.Context, v domain.Area) (stored domain.Area, created bool, err error) {
	v, e := domain.ValidateVillage(v)
	if e != nil {
		return v, false, e
	}
	if _, err := a.DB.Areas.Get(ctx, v.ParentCode); err != nil {
		if domain.ErrorKind(err) == domain.KindNotFound {
			return v, false, domain.InvalidFields(map[string]string{"parent_code": "所属乡镇不存在"})
		}
		return v, false, err
	}
	err = a.DB.Areas.Insert(ctx, v)
	if domain.ErrorKind(err) == domain.KindConflict {
		old, gerr := a.DB.Areas.Get(ctx, v.Code)
		if gerr != nil {
			return v, false, gerr
		}
		if old.Name == v.Name && old.ParentCode == v.ParentCode {
			return v, false, nil
		}
		return v, false, &domain.Error{Kind: domain.KindConflict, Code: "area_exists",
			Message: fmt.Sprintf("编码 %s 已用于“%s”", v.Code, old.Name),
			Fields:  map[string]string{"code": "该编码已被其他村使用"},
			Details: map[string]string{"existing_name": old.Name}}
	}
	if err != nil {
		return v, false, err
	}
	a.cacheArea(v)
	return v, true, nil
}

type importError struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type importResult struct {
	Created   int           `json:"created"`
	Unchanged int           `json:"unchanged"`
	Errors    []importError `json:"errors"`
}

// importAreas adds villages from a table with the columns
// code,name,parent_code: CSV (UTF-8, with or without the BOM Excel writes,
// or GBK/GB18030, which Excel writes for plain "CSV" on Chinese Windows)
// or an Excel workbook (.xlsx, first sheet). Each bad row is reported with
// its line and why; good rows are added; rows already present count as
// unchanged, so the same file can be sent again.
func (a *App) importAreas(c echo.Context) error {
	if err := a.authorize(actorOf(c), domain.PermManageAreas, domain.CountyCode); err != nil {
		return err
	}
	s, err := uploadedSheet(c)
	if err != nil {
		return err
	}
	if !s.has("code", "name", "parent_code") {
		return s.errHeader("code", "name", "parent_code")
	}
	ctx := c.Request().Context()
	res := importResult{Errors: []importError{}}
	for _, row := range s.rows {
		if row.bad != "" {
			res.Errors = append(res.Errors, importError{Line: row.line, Message: row.bad})
			continue
		}
		v := domain.Area{Code: s.get(row, "code"), Name: s.get(row, "name"), ParentCode: s.get(row, "parent_code")}
		_, created, err := a.addVillage(ctx, v)
		if err != nil {
			e, ok := domain.AsError(err)
			if !ok || e.Kind == domain.KindInternal {
				return err
			}
			res.Errors = append(res.Errors, importError{Line: row.line, Code: v.Code, Message: rowMessage(e)})
			continue
		}
		if created {
			res.Created++
		} else {
			res.Unchanged++
		}
	}
	logOf(c).Info("villages imported", "created", res.Created, "unchanged", res.Unchanged,
		"errors", len(res.Errors), "by", actorOf(c).UserID)
	return c.JSON(http.StatusOK, res)
}

// uploadedSheet reads the request body as a table (readSheet).
func uploadedSheet(c echo.Context) (sheet, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return sheet{}, errTooLarge()
		}
		return sheet{}, &domain.Error{Kind: domain.KindInvalid, Code: "bad_csv", Message: "文件读取失败"}
	}
	return readSheet(body)
}

// rowMessage joins an error's field messages into one line for the report.
func rowMessage(e *domain.Error) string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var parts []string
	for _, k := range []string{"code", "name", "parent_code"} {
		if m := e.Fields[k]; m != "" {
			parts = append(parts, m)
		}
	}
	if e.Code == "area_exists" {
		return e.Message
	}
	return strings.Join(parts, "；")
}
