package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// Sign-in policy.
const (
	accessTTL  = 15 * time.Minute    // access tokens are short-lived
	refreshTTL = 30 * 24 * time.Hour // a cadre may be out of signal for weeks
	reuseGrace = 30 * time.Second    // see refresh
	lockAfter  = 10                  // failed sign-ins of one account …
	lockWindow = 15 * time.Minute    // … within this window lock it until the window passes
	jwtIssuer  = "anju"
	jwtAud     = "anju-app"

	defaultBcryptCost = 11
)

var (
	errBadCredentials = &domain.Error{Kind: domain.KindUnauthorized, Code: "bad_credentials", Message: "用户名或密码错误"}
	errNotSignedIn    = &domain.Error{Kind: domain.KindUnauthorized, Code: "unauthorized", Message: "请先登录"}
	errTokenInvalid   = &domain.Error{Kind: domain.KindUnauthorized, Code: "token_invalid", Message: "登录已失效，请重新登录"}
	errTokenExpired   = &domain.Error{Kind: domain.KindUnauthorized, Code: "token_expired", Message: "登录已过期，请刷新或重新登录"}
	errDisabled       = &domain.Error{Kind: domain.KindUnauthorized, Code: "account_disabled", Message: "账号已停用，请联系管理员"}
	errRefreshInvalid = &domain.Error{Kind: domain.KindUnauthorized, Code: "refresh_invalid", Message: "登录已失效，请重新登录"}
	errRefreshReused  = &domain.Error{Kind: domain.KindUnauthorized, Code: "refresh_reused", Message: "登录凭据已被使用，请重新登录"}
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type tokenResponse struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	ExpiresIn    int          `json:"expires_in"`
	User         userResponse `json:"user"`
}

// login checks a username and password. Unknown users and wrong passwords
// get the same answer in the same time; the 11th failure of an account
// within 15 minutes (counted in the database, so all instances agree) is
// answered 429 until the window has passed, whatever the password.
func (a *App) login(c echo.Context) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	f := map[string]string{}
	if strings.TrimSpace(req.Username) == "" {
		f["username"] = "请输入用户名"
	}
	if req.Password == "" {
		f["password"] = "请输入密码"
	}
	if len(f) > 0 {
		return domain.InvalidFields(f)
	}
	ctx := c.Request().Context()
	key := domain.NormalizeUsername(req.Username)
	if len(key) > 64 {
		key = key[:64]
	}
	now := a.Now()
	failures, err := a.DB.Lockouts.Recent(ctx, key, now.Add(-lockWindow), lockAfter)
	if err != nil {
		return err
	}
	if until, locked := lockedUntil(failures, now); locked {
		return tooManyAttempts(until, now)
	}
	u, err := a.DB.Users.ByUsername(ctx, key)
	found := err == nil
	if err != nil && domain.ErrorKind(err) != domain.KindNotFound {
		return err
	}
	a.dummyOnce.Do(func() {
		a.dummyHash, _ = bcrypt.GenerateFromPassword([]byte(newSecret()), a.Cfg.BcryptCost)
	})
	hash := a.dummyHash
	if found {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || !found {
		if err := a.DB.Lockouts.Record(ctx, newID(), key, now); err != nil {
			return err
		}
		logOf(c).Info("sign-in failed", "username", key)
		return errBadCredentials
	}
	if u.Disabled {
		return errDisabled
	}
	if err := a.DB.Lockouts.Clear(ctx, key); err != nil {
		return err
	}
	resp, err := a.issueTokens(ctx, u, newID())
	if err != nil {
		return err
	}
	logOf(c).Info("signed in", "user_id", u.ID)
	return c.JSON(http.StatusOK, resp)
}

// lockedUntil reports whether the recent failures (newest first, at most
// lockAfter of the last lockWindow) hold lockAfter failures, and until
// when: the oldest of them leaves the window then.
func lockedUntil(recent []time.Time, now time.Time) (time.Time, bool) {
	if len(recent) < lockAfter {
		return time.Time{}, false
	}
	until := recent[lockAfter-1].Add(lockWindow)
	return until, now.Before(until)
}

func tooManyAttempts(until, now time.Time) error {
	secs := int(until.Sub(now).Seconds()) + 1
	mins := (secs + 59) / 60
	return &domain.Error{Kind: domain.KindTooMany, Code: "too_many_attempts",
		Message: "密码错误次数过多，请" + strconv.Itoa(mins) + "分钟后再试",
		Details: map[string]string{"retry_after_seconds": strconv.Itoa(secs)}}
}

// refresh trades a refresh token for a new pair (rotation). A token can be
// used once. Using an already rotated token again means a copy exists:
// beyond a 30-second grace the whole family is revoked, so both the thief
// and the owner must sign in again. Within the grace (two tabs, or a retry
// after a lost answer) the reuse is refused with 401 but the family lives
// on, so the holder of the newest token is not signed out by accident; a
// thief gains nothing because the refused call issues no token.
func (a *App) refresh(c echo.Context) error {
	var req refreshRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return domain.InvalidFields(map[string]string{"refresh_token": "缺少刷新凭据"})
	}
	ctx := c.Request().Context()
	now := a.Now()
	cl, err := a.DB.Tokens.Use(ctx, hashToken(req.RefreshToken), now)
	if err != nil {
		return err
	}
	t := cl.Token
	switch {
	case t.Hash == "" || cl.Revoked:
		return errRefreshInvalid
	case !cl.Won && now.Sub(cl.RotatedAt) <= reuseGrace:
		logOf(c).Warn("refresh token reused within grace", "user_id", t.UserID, "family", t.Family)
		return errRefreshReused
	case !cl.Won:
		if err := a.DB.Tokens.RevokeFamily(ctx, t.Family, "reuse", now); err != nil {
			return err
		}
		logOf(c).Warn("refresh token reuse: family revoked", "user_id", t.UserID, "family", t.Family)
		return errRefreshReused
	}
	if !now.Before(t.ExpiresAt) {
		return errRefreshInvalid
	}
	u, err := a.DB.Users.ByID(ctx, t.UserID)
	if domain.ErrorKind(err) == domain.KindNotFound {
		return errRefreshInvalid
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return errDisabled
	}
	resp, err := a.issueTokens(ctx, u, t.Family)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// logout revokes the refresh token's family; it answers 204 whatever the
// token, so it can be retried.
func (a *App) logout(c echo.Context) error {
	var req refreshRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return domain.InvalidFields(map[string]string{"refresh_token": "缺少刷新凭据"})
	}
	ctx := c.Request().Context()
	t, ok, err := a.DB.Tokens.Get(ctx, hashToken(req.RefreshToken))
	if err != nil {
		return err
	}
	if ok {
		if err := a.DB.Tokens.RevokeFamily(ctx, t.Family, "logout", a.Now()); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusNoContent)
}

// me answers the signed-in user (as read by authenticate).
func (a *App) me(c echo.Context) error {
	u, ok := c.Get(ctxUser).(domain.User)
	if !ok {
		return errNotSignedIn
	}
	return c.JSON(http.StatusOK, a.toUserResponse(c.Request().Context(), u))
}

func (a *App) issueTokens(ctx context.Context, u domain.User, family string) (tokenResponse, error) {
	now := a.Now()
	access, err := a.signAccess(u, now)
	if err != nil {
		return tokenResponse{}, err
	}
	refresh := newSecret()
	err = a.DB.Tokens.Insert(ctx, mongodb.RefreshToken{
		Hash: hashToken(refresh), Family: family, UserID: u.ID, IssuedAt: now, ExpiresAt: now.Add(refreshTTL),
	})
	if err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(accessTTL.Seconds()),
		User: a.toUserResponse(ctx, u)}, nil
}

// signAccess makes the access JWT: HS256, subject the user id, issuer
// "anju", audience "anju-app", expiring after accessTTL.
func (a *App) signAccess(u domain.User, now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{
		Issuer:    jwtIssuer,
		Subject:   u.ID,
		Audience:  jwt.ClaimStrings{jwtAud},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(accessTTL)),
		ID:        newID(),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.jwtKey)
}

// parseAccess verifies an access token and returns its user id. Only
// HS256 is accepted (no "none", no algorithm confusion), and exp, issuer
// and audience are required.
func (a *App) parseAccess(s string) (string, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(s, &claims, func(*jwt.Token) (any, error) { return a.jwtKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(jwtIssuer), jwt.WithAudience(jwtAud),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(a.Now), jwt.WithLeeway(5*time.Second))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return "", errTokenExpired
	}
	if err != nil || claims.Subject == "" {
		return "", errTokenInvalid
	}
	return claims.Subject, nil
}

// errMustChangePassword refuses everything but choosing one's own
// password to a person whose password the admin set.
func errMustChangePassword() error {
	return &domain.Error{Kind: domain.KindForbidden, Code: "password_change_required",
		Message: "管理员已重置您的密码，请先设置自己的新密码"}
}

// authenticate runs in front of every signed-in route (see routes): it
// admits a request only with a valid access token of an enabled user. The
// user is read on every request, so disabling an account or changing its
// role or area takes effect at once, not when the token expires.
func (a *App) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			return errNotSignedIn
		}
		id, err := a.parseAccess(strings.TrimSpace(tok))
		if err != nil {
			return err
		}
		u, err := a.DB.Users.ByID(c.Request().Context(), id)
		if domain.ErrorKind(err) == domain.KindNotFound {
			return errTokenInvalid
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return errDisabled
		}
		// A password the admin set is for choosing one's own, nothing else.
		if u.MustChangePassword && c.Path() != "/api/me" && c.Path() != "/api/me/password" {
			return errMustChangePassword()
		}
		c.Set(ctxActor, u.Actor())
		c.Set(ctxUser, u)
		return next(c)
	}
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// newSecret is 256 random bits, URL-safe.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newID is a random 128-bit id in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sweepSignIns deletes expired refresh tokens and failures that no longer
// count, so the collections stay small; it runs every interval until the
// App closes.
func (a *App) sweepSignIns(interval time.Duration) {
	a.every(interval, false, func(ctx context.Context) {
		now := a.Now()
		if err := a.DB.Tokens.DeleteExpired(ctx, now, refreshTTL); err != nil && ctx.Err() == nil {
			a.Log.Warn("sweep refresh tokens", "err", err.Error())
		}
		if err := a.DB.Lockouts.DeleteBefore(ctx, now.Add(-lockWindow)); err != nil && ctx.Err() == nil {
			a.Log.Warn("sweep sign-in failures", "err", err.Error())
		}
	})
}

type changePasswordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changePassword lets a signed-in user replace their own password (the
// admin sets the first one). The old password is checked like a sign-in:
// failures count toward the same lock. Every other sign-in of the user
// ends; the answer is a fresh token pair for this one.
func (a *App) changePassword(c echo.Context) error {
	var req changePasswordRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, ok := c.Get(ctxUser).(domain.User)
	if !ok {
		return errNotSignedIn
	}
	f := map[string]string{}
	if req.OldPassword == "" {
		f["old_password"] = "请输入原密码"
	}
	if msg := domain.ValidatePassword(req.NewPassword); msg != "" {
		f["new_password"] = msg
	} else if req.NewPassword == req.OldPassword {
		f["new_password"] = "新密码不能与原密码相同"
	}
	if len(f) > 0 {
		return domain.InvalidFields(f)
	}
	ctx := c.Request().Context()
	now := a.Now()
	failures, err := a.DB.Lockouts.Recent(ctx, u.Username, now.Add(-lockWindow), lockAfter)
	if err != nil {
		return err
	}
	if until, locked := lockedUntil(failures, now); locked {
		return tooManyAttempts(until, now)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(req.OldPassword)) != nil {
		if err := a.DB.Lockouts.Record(ctx, newID(), u.Username, now); err != nil {
			return err
		}
		return domain.InvalidFields(map[string]string{"old_password": "原密码不正确"})
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.NewPassword), a.Cfg.BcryptCost)
	if err != nil {
		return err
	}
	u.PasswordHash, u.UpdatedAt, u.MustChangePassword = string(hash), now.UTC(), false
	if err := a.DB.Users.Update(ctx, u); err != nil {
		return err
	}
	if err := a.DB.Tokens.RevokeUser(ctx, u.ID, "password changed", now); err != nil {
		return err
	}
	resp, err := a.issueTokens(ctx, u, newID())
	if err != nil {
		return err
	}
	logOf(c).Info("password changed", "user_id", u.ID)
	return c.JSON(http.StatusOK, resp)
}
