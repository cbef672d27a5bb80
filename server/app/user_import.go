package app

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// userImportColumns are the columns of a user import (password optional).
func userImportColumns() []string {
	return []string{"username", "name", "role", "area_code", "password"}
}

// importedUser is a row that became an account; its password is in the
// answer only when the server made it up (the admin hands it over once;
// the person must change it at first sign-in either way).
type importedUser struct {
	Line     int    `json:"line"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

type userImportError struct {
	Line     int               `json:"line"`
	Username string            `json:"username"`
	Message  string            `json:"message"`
	Fields   map[string]string `json:"fields,omitempty"`
}

// userImportResult is POST /api/users/import: a line for every row, made
// or refused and why.
type userImportResult struct {
	Created int               `json:"created"`
	Users   []importedUser    `json:"users"`
	Errors  []userImportError `json:"errors"`
}

// roleNamed reads a role by its wire name or its Chinese label (村干部).
func roleNamed(s string) domain.Role {
	for _, r := range domain.Roles {
		if string(r) == s || r.Label() == s {
			return r
		}
	}
	return domain.Role(s)
}

// importUsers adds accounts from a table (CSV or .xlsx) with the columns
// username,name,role,area_code[,password]: each row checked as a new user
// is, refused rows reported with their line and reason, the others made.
// A blank password is made up and answered once. Every imported account
// must change its password at first sign-in.
func (a *App) importUsers(c echo.Context) error {
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManageUsers, domain.CountyCode); err != nil {
		return err
	}
	s, err := uploadedSheet(c)
	if err != nil {
		return err
	}
	if !s.has("username", "name", "role", "area_code") {
		return s.errHeader(userImportColumns()...)
	}
	ctx := c.Request().Context()
	res := userImportResult{Users: []importedUser{}, Errors: []userImportError{}}
	seen := map[string]int{}
	for _, row := range s.rows {
		username := domain.NormalizeUsername(s.get(row, "username"))
		name, area, password := s.get(row, "name"), s.get(row, "area_code"), s.get(row, "password")
		role := roleNamed(s.get(row, "role"))
		refuse := func(msg string, fields map[string]string) {
			res.Errors = append(res.Errors, userImportError{Line: row.line, Username: username, Message: msg, Fields: fields})
		}
		if row.bad != "" {
			refuse(row.bad, nil)
			continue
		}
		if first, dup := seen[username]; dup && username != "" {
			refuse("与第"+strconv.Itoa(first)+"行的用户名重复", map[string]string{"username": "用户名重复"})
			continue
		}
		seen[username] = row.line
		generated := password == ""
		if generated {
			password = randomPassword()
		}
		name, f, err := a.checkNewUser(ctx, username, password, name, role, area)
		if err != nil {
			return err
		}
		if len(f) > 0 {
			refuse(joinFields(f), f)
			continue
		}
		u, err := a.newUser(ctx, username, password, name, role, area)
		if err != nil {
			return err
		}
		u.MustChangePassword = true
		if err := a.DB.Users.Create(ctx, u); err != nil {
			if e, ok := domain.AsError(err); ok && e.Kind == domain.KindConflict {
				refuse(e.Message, e.Fields)
				continue
			}
			return err
		}
		iu := importedUser{Line: row.line, Username: username, Name: name}
		if generated {
			iu.Password = password
		}
		res.Users = append(res.Users, iu)
		res.Created++
	}
	logOf(c).Info("users imported", "created", res.Created, "errors", len(res.Errors), "by", act.UserID)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, res)
}

// joinFields is a row's field messages in column order, for the report.
func joinFields(f map[string]string) string {
	var parts []string
	for _, k := range userImportColumns() {
		if m := f[k]; m != "" {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, "；")
}

// userTemplate and villageTemplate are the import templates: the header
// and an example row to overwrite.
func userTemplate() [][]string {
	return [][]string{userImportColumns(),
		{"cadre-zhangsan", "张三", "村干部", "622923100201", ""},
		{"officer-lisi", "李四", "township_officer", "622923100", "（留空则自动生成，首次登录须修改）"}}
}

func villageTemplate() [][]string {
	return [][]string{{"code", "name", "parent_code"}, {"622923100201", "某某村", "622923100"}}
}

// importTemplate answers a template as .xlsx (default) or ?format=csv.
func importTemplate(c echo.Context, name string, rows [][]string) error {
	if c.QueryParam("format") == "csv" {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", writeCSV(rows))
	}
	b, err := writeXLSX(name, rows)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

func (a *App) userImportTemplate(c echo.Context) error {
	if err := a.authorize(actorOf(c), domain.PermManageUsers, domain.CountyCode); err != nil {
		return err
	}
	return importTemplate(c, "users-template", userTemplate())
}

func (a *App) villageImportTemplate(c echo.Context) error {
	if err := a.authorize(actorOf(c), domain.PermManageAreas, domain.CountyCode); err != nil {
		return err
	}
	return importTemplate(c, "villages-template", villageTemplate())
}
