package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// userResponse is a user as the API shows it (never the password hash).
type userResponse struct {
	ID        string      `json:"id"`
	Username  string      `json:"username"`
	Name      string      `json:"name"`
	Role      domain.Role `json:"role"`
	RoleLabel string      `json:"role_label"`
	AreaCode  string      `json:"area_code"`
	AreaName  string      `json:"area_name"`
	Disabled  bool        `json:"disabled"`
	// MustChangePassword: the password was set by the admin; the person
	// must choose their own before anything else.
	MustChangePassword bool             `json:"must_change_password"`
	CreatedAt          time.Time        `json:"created_at"`
	UpdatedAt          time.Time        `json:"updated_at"`
	History            []userChangeJSON `json:"history,omitempty"` // the admin's changes, in GET /api/users
}

type userChangeJSON struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	ByName  string    `json:"by_name"`
	Changes []string  `json:"changes"`
}

// withHistory adds u's record of changes to its answer (for the admin).
func withHistory(r userResponse, u domain.User) userResponse {
	r.History = []userChangeJSON{}
	for _, h := range u.History {
		r.History = append(r.History, userChangeJSON{At: h.At.UTC(), By: h.By, ByName: h.ByName, Changes: h.Changes})
	}
	return r
}

func (a *App) toUserResponse(ctx context.Context, u domain.User) userResponse {
	return userResponse{ID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, RoleLabel: u.Role.Label(),
		AreaCode: u.AreaCode, AreaName: a.areaName(ctx, u.AreaCode), Disabled: u.Disabled,
		MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

type createUserRequest struct {
	Username string      `json:"username"`
	Password string      `json:"password"`
	Name     string      `json:"name"`
	Role     domain.Role `json:"role"`
	AreaCode string      `json:"area_code"`
}

// createUser lets the admin add a person with one role and one area.
func (a *App) createUser(c echo.Context) error {
	if err := a.authorize(actorOf(c), domain.PermManageUsers, domain.CountyCode); err != nil {
		return err
	}
	var req createUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	username := domain.NormalizeUsername(req.Username)
	name, f, err := a.checkNewUser(ctx, username, req.Password, req.Name, req.Role, req.AreaCode)
	if err != nil {
		return err
	}
	if len(f) > 0 {
		return domain.InvalidFields(f)
	}
	u, err := a.newUser(ctx, username, req.Password, name, req.Role, req.AreaCode)
	if err != nil {
		return err
	}
	if err := a.DB.Users.Create(ctx, u); err != nil {
		return err
	}
	logOf(c).Info("user created", "user_id", u.ID, "role", u.Role, "area", u.AreaCode, "by", actorOf(c).UserID)
	return c.JSON(http.StatusCreated, a.toUserResponse(ctx, u))
}

// checkNewUser checks a new account (username already normalized) and
// answers the cleaned name and a message per bad field, keyed by the JSON
// names: the password rules (common passwords, the username) and the name
// cleaning of every new account, typed or imported.
func (a *App) checkNewUser(ctx context.Context, username, password, rawName string, role domain.Role, area string) (string, map[string]string, error) {
	f := domain.ValidateRoleArea(role, area)
	if msg := domain.ValidateUsername(username); msg != "" {
		f["username"] = msg
	}
	if msg := domain.ValidatePassword(password, username); msg != "" {
		f["password"] = msg
	}
	name, msg := domain.CleanName(rawName, false)
	if msg != "" {
		f["name"] = msg
	}
	return name, f, a.checkAreaExists(ctx, area, f)
}

// checkAreaExists adds a field message when a well-formed area code names
// no known area (villages are imported, so a typo is likely).
func (a *App) checkAreaExists(ctx context.Context, code string, f map[string]string) error {
	if f["area_code"] != "" || code == "" {
		return nil
	}
	_, err := a.DB.Areas.Get(ctx, code)
	if domain.ErrorKind(err) == domain.KindNotFound {
		f["area_code"] = "区域不存在，请先添加该村或乡镇"
		return nil
	}
	return err
}

func (a *App) newUser(ctx context.Context, username, password, name string, role domain.Role, area string) (domain.User, error) {
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return domain.User{}, err
	}
	now := a.Now().UTC()
	return domain.User{ID: newID(), Username: username, Name: name, Role: role, AreaCode: area,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}

type userList struct {
	Items []userResponse `json:"items"`
}

// listUsers answers the users, filtered by ?role=, ?area= (within) and ?q=
// (part of username or name), ordered by username; ?limit (≤ 500, default
// 200) and ?offset page through them.
func (a *App) listUsers(c echo.Context) error {
	if err := a.authorize(actorOf(c), domain.PermManageUsers, domain.CountyCode); err != nil {
		return err
	}
	f := mongodb.UserFilter{Role: domain.Role(c.QueryParam("role")), Area: c.QueryParam("area"),
		Query: strings.TrimSpace(c.QueryParam("q")), Limit: 200}
	bad := map[string]string{}
	if f.Role != "" && !f.Role.Valid() {
		bad["role"] = "角色不存在"
	}
	if f.Area != "" && domain.LevelOf(f.Area) == domain.LevelUnknown {
		bad["area"] = "区域编码应为6、9或12位数字"
	}
	if len(f.Query) > 64 {
		bad["q"] = "搜索内容过长"
	}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			bad["limit"] = "应为1到500之间的整数"
		}
		f.Limit = n
	}
	if s := c.QueryParam("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad["offset"] = "应为非负整数"
		}
		f.Offset = n
	}
	if len(bad) > 0 {
		return domain.InvalidFields(bad)
	}
	ctx := c.Request().Context()
	users, err := a.DB.Users.List(ctx, f)
	if err != nil {
		return err
	}
	out := userList{Items: make([]userResponse, 0, len(users))}
	for _, u := range users {
		out.Items = append(out.Items, withHistory(a.toUserResponse(ctx, u), u))
	}
	return c.JSON(http.StatusOK, out)
}

type updateUserRequest struct {
	Name     *string      `json:"name"`
	Role     *domain.Role `json:"role"`
	AreaCode *string      `json:"area_code"`
	Password *string      `json:"password"`
	Disabled *bool        `json:"disabled"`
}

// updateUser lets the admin change a user's name, role and area, reset the
// password or disable the account. A password reset or disabling signs the
// user out everywhere at once, access tokens included. Admins cannot disable or demote themselves, so the
// county is never left without one.
func (a *App) updateUser(c echo.Context) error {
	act := actorOf(c)
	if err := a.authorize(act, domain.PermManageUsers, domain.CountyCode); err != nil {
		return err
	}
	var req updateUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := a.DB.Users.ByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	old := u
	f := map[string]string{}
	if req.Name != nil {
		name, msg := domain.CleanName(*req.Name, false)
		if msg != "" {
			f["name"] = msg
		}
		u.Name = name
	}
	if req.Role != nil {
		u.Role = *req.Role
	}
	if req.AreaCode != nil {
		u.AreaCode = *req.AreaCode
	}
	if req.Role != nil || req.AreaCode != nil {
		for k, v := range domain.ValidateRoleArea(u.Role, u.AreaCode) {
			f[k] = v
		}
		if err := a.checkAreaExists(ctx, u.AreaCode, f); err != nil {
			return err
		}
	}
	signOut := false
	if req.Password != nil {
		if msg := domain.ValidatePassword(*req.Password, u.Username); msg != "" {
			f["password"] = msg
		} else {
			hash, err := a.hashPassword(ctx, *req.Password)
			if err != nil {
				return err
			}
			u.PasswordHash = hash
			u.MustChangePassword = true
			signOut = true
		}
	}
	if req.Disabled != nil {
		if *req.Disabled && !u.Disabled {
			signOut = true
		}
		u.Disabled = *req.Disabled
	}
	if len(f) > 0 {
		return domain.InvalidFields(f)
	}
	if u.ID == act.UserID && (u.Disabled || u.Role != domain.RoleAdmin) {
		return &domain.Error{Kind: domain.KindConflict, Code: "cannot_lock_out_self",
			Message: "不能停用自己的账号或取消自己的管理员角色"}
	}
	u.UpdatedAt = a.Now().UTC()
	if ch := domain.UserChanges(old, u, req.Password != nil, func(code string) string { return a.areaName(ctx, code) }); len(ch) > 0 {
		u.History = append(u.History, domain.UserChange{At: u.UpdatedAt, By: act.UserID, ByName: act.Name, Changes: ch})
	}
	if err := a.DB.Users.Update(ctx, u); err != nil {
		return err
	}
	if signOut {
		if err := a.endSessions(ctx, &u, "account changed"); err != nil {
			return err
		}
	}
	logOf(c).Info("user updated", "user_id", u.ID, "by", act.UserID, "password_reset", req.Password != nil,
		"disabled", u.Disabled, "role", u.Role, "area", u.AreaCode)
	return c.JSON(http.StatusOK, withHistory(a.toUserResponse(ctx, u), u))
}

// seedAdmin creates `admin` on first start, with ANJU_ADMIN_PASSWORD or a
// random password printed once to a.Out. A chosen password is held to the
// rules of every password (not a common one, not containing "admin"): the
// start stops, naming the variable.
func (a *App) seedAdmin(ctx context.Context) error {
	_, err := a.DB.Users.ByUsername(ctx, "admin")
	if err == nil {
		return nil
	}
	if domain.ErrorKind(err) != domain.KindNotFound {
		return err
	}
	password, generated := a.Cfg.AdminPassword, false
	if password == "" {
		password, generated = randomPassword(), true
	} else if msg := domain.ValidatePassword(password, "admin"); msg != "" {
		return fmt.Errorf("ANJU_ADMIN_PASSWORD: %s (choose another password for admin: not a common one, not containing \"admin\")", msg)
	}
	u, err := a.newUser(ctx, "admin", password, "系统管理员", domain.RoleAdmin, domain.CountyCode)
	if err != nil {
		return err
	}
	if err := a.DB.Users.Create(ctx, u); err != nil {
		if domain.ErrorKind(err) == domain.KindConflict { // another instance was first
			return nil
		}
		return err
	}
	if generated {
		a.Log.Warn("created user admin with a generated password (printed once on standard output)")
		_, _ = io.WriteString(a.Out, "\n========================================\n"+
			"安居 首次启动：已创建管理员账号\n"+
			"  用户名: admin\n"+
			"  密码:   "+password+"\n"+
			"此密码只显示这一次，请登录后点顶部自己的名字（我的账号）修改密码。\n"+
			"(first start: user admin created; this password is shown only once)\n"+
			"========================================\n\n")
	} else {
		a.Log.Info("created user admin with ANJU_ADMIN_PASSWORD")
	}
	return nil
}

// randomPassword is 16 characters of A–Z and 2–7 (80 bits), easy to type.
func randomPassword() string { return rand.Text()[:16] }
