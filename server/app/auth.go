package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/server/mongodb"
)

// Sign-in policy (the limits on failures are in lockout.go).
const (
	accessTTL = 15 * time.Minute // access tokens are short-lived
	// refreshTTL is a session's whole life, counted from its sign-in, not
	// from its last refresh: a cadre may be out of signal for weeks, but
	// once a month everyone types the password again.
	refreshTTL = 30 * 24 * time.Hour
	reuseGrace = 30 * time.Second // see refresh
	jwtIssuer  = "anju"
	jwtAud     = "anju-app"

	defaultBcryptCost = 11
)

// The answers of signing in; each call makes a fresh one.
func errBadCredentials() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "bad_credentials", Message: "用户名或密码错误"}
}
func errNotSignedIn() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "unauthorized", Message: "请先登录"}
}
func errTokenInvalid() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "token_invalid", Message: "登录已失效，请重新登录"}
}
func errTokenExpired() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "token_expired", Message: "登录已过期，请刷新或重新登录"}
}
func errDisabled() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "account_disabled", Message: "账号已停用，请联系管理员"}
}
func errRefreshInvalid() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "refresh_invalid", Message: "登录已失效，请重新登录"}
}
func errRefreshReused() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "refresh_reused", Message: "登录凭据已被使用，请重新登录"}
}
func errSignedOut() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "session_ended", Message: "已退出登录，请重新登录"}
}
func errSessionsEnded() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "session_ended", Message: "账号密码已更改，请用新密码重新登录"}
}
func errSessionExpired() error {
	return &domain.Error{Kind: domain.KindUnauthorized, Code: "session_expired", Message: "登录已满30天，请重新登录"}
}

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
// get the same answer in the same time. Failures are counted by account
// and by client address (lockout.go); while a limit holds the answer is
// 429 with Retry-After, whatever the password. Looking the user up and
// checking the hash wait for a hashing slot, so a flood of sign-ins
// cannot take every CPU.
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
	addr := clientAddr(c)
	now := a.Now()
	if err := a.checkSignInLimits(ctx, key, addr, now); err != nil {
		return err
	}
	var u domain.User
	ok := false
	err := a.withHashSlot(ctx, func() error {
		var err error
		u, err = a.DB.Users.ByUsername(ctx, key)
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
		ok = bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) == nil && found
		return nil
	})
	if err != nil {
		return err
	}
	if !ok {
		if err := a.recordFailure(ctx, key, addr, now); err != nil {
			return err
		}
		logOf(c).Info("sign-in failed", "username", key, "addr", addr)
		return errBadCredentials()
	}
	if u.Disabled {
		return errDisabled()
	}
	// This address got it right: its mistakes on this account are forgiven
	// (not those from elsewhere, which may be a guesser's).
	if err := a.DB.Lockouts.Clear(ctx, mongodb.FailureFilter{Account: key, Addr: addr}); err != nil {
		return err
	}
	resp, err := a.issueTokens(ctx, u, session{family: newID(), signedInAt: now})
	if err != nil {
		return err
	}
	logOf(c).Info("signed in", "user_id", u.ID)
	return c.JSON(http.StatusOK, resp)
}

// refresh trades a refresh token for a new pair (rotation), until 30 days
// after the session's sign-in, however often it is refreshed. A token can be
// used once. Using an already rotated token again means a copy exists:
// beyond a 30-second grace the whole family is revoked, so both the thief
// and the owner must sign in again. Within the grace (two tabs, or a retry
// after a lost answer) the reuse is refused with 401 but the family lives
// on, so the holder of the newest token is not signed out by accident; a
// thief gains nothing because the refused call issues no token.
func (a *App) refresh(c echo.Context) error {
	req, err := bindRefresh(c)
	if err != nil {
		return err
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
		return errRefreshInvalid()
	case !cl.Won && now.Sub(cl.RotatedAt) <= reuseGrace:
		logOf(c).Warn("refresh token reused within grace", "user_id", t.UserID, "family", t.Family)
		return errRefreshReused()
	case !cl.Won:
		if err := a.DB.Tokens.RevokeFamily(ctx, t.Family, "reuse", now); err != nil {
			return err
		}
		logOf(c).Warn("refresh token reuse: family revoked", "user_id", t.UserID, "family", t.Family)
		return errRefreshReused()
	}
	signedInAt := t.SignedInAt
	if signedInAt.IsZero() { // stored before sessions recorded their sign-in
		signedInAt = t.IssuedAt
	}
	if !now.Before(signedInAt.Add(refreshTTL)) {
		return errSessionExpired()
	}
	if !now.Before(t.ExpiresAt) {
		return errRefreshInvalid()
	}
	u, err := a.DB.Users.ByID(ctx, t.UserID)
	if domain.ErrorKind(err) == domain.KindNotFound {
		return errRefreshInvalid()
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return errDisabled()
	}
	if t.SessionGen != u.SessionGen {
		return errSessionsEnded()
	}
	resp, err := a.issueTokens(ctx, u, session{family: t.Family, signedInAt: signedInAt})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// bindRefresh reads the body of refresh and logout: a refresh token.
func bindRefresh(c echo.Context) (refreshRequest, error) {
	var req refreshRequest
	if err := bindJSON(c, &req); err != nil {
		return req, err
	}
	if req.RefreshToken == "" {
		return req, domain.InvalidFields(map[string]string{"refresh_token": "缺少刷新凭据"})
	}
	return req, nil
}

// logout ends the session of the refresh token: its family is revoked, so
// the refresh tokens and, at once, the access tokens of that sign-in stop
// working (authenticate asks). It answers 204 whatever the token, so it
// can be retried.
func (a *App) logout(c echo.Context) error {
	req, err := bindRefresh(c)
	if err != nil {
		return err
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
		return errNotSignedIn()
	}
	return c.JSON(http.StatusOK, a.toUserResponse(c.Request().Context(), u))
}

// session is one sign-in: the refresh token family and when it began.
type session struct {
	family     string
	signedInAt time.Time
}

func (a *App) issueTokens(ctx context.Context, u domain.User, s session) (tokenResponse, error) {
	now := a.Now()
	end := s.signedInAt.Add(refreshTTL)
	access, exp, err := a.signAccess(u, s, now)
	if err != nil {
		return tokenResponse{}, err
	}
	refresh := newSecret()
	err = a.DB.Tokens.Insert(ctx, mongodb.RefreshToken{
		Hash: hashToken(refresh), Family: s.family, UserID: u.ID, IssuedAt: now, ExpiresAt: end,
		SignedInAt: s.signedInAt, SessionGen: u.SessionGen,
	})
	if err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(exp.Sub(now).Seconds()),
		User: a.toUserResponse(ctx, u)}, nil
}

// accessClaims are the access token's claims: the registered ones, the
// session (refresh family) it belongs to and the user's session
// generation when it was minted; authenticate checks both.
type accessClaims struct {
	jwt.RegisteredClaims
	Session    string `json:"sid"`
	SessionGen int    `json:"gen"`
}

// signAccess makes the access JWT: HS256, subject the user id, issuer
// "anju", audience "anju-app", expiring after accessTTL (or when the
// session ends, if sooner). It returns the token and its expiry.
func (a *App) signAccess(u domain.User, s session, now time.Time) (string, time.Time, error) {
	exp := now.Add(accessTTL)
	if end := s.signedInAt.Add(refreshTTL); end.Before(exp) {
		exp = end
	}
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtIssuer,
			Subject:   u.ID,
			Audience:  jwt.ClaimStrings{jwtAud},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        newID(),
		},
		Session: s.family, SessionGen: u.SessionGen,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.jwtKey)
	return tok, exp, err
}

// parseAccess verifies an access token and returns its claims. Only
// HS256 is accepted (no "none", no algorithm confusion), and exp, issuer,
// audience, subject and session are required.
func (a *App) parseAccess(s string) (accessClaims, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(s, &claims, func(*jwt.Token) (any, error) { return a.jwtKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(jwtIssuer), jwt.WithAudience(jwtAud),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(a.Now), jwt.WithLeeway(5*time.Second))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return accessClaims{}, errTokenExpired()
	}
	if err != nil || claims.Subject == "" || claims.Session == "" {
		return accessClaims{}, errTokenInvalid()
	}
	return claims, nil
}

// errMustChangePassword refuses everything but choosing one's own
// password to a person whose password the admin set.
func errMustChangePassword() error {
	return &domain.Error{Kind: domain.KindForbidden, Code: "password_change_required",
		Message: "管理员已重置您的密码，请先设置自己的新密码"}
}

// authenticate runs in front of every signed-in route (see routes): it
// admits a request only with a valid access token of an enabled user
// whose session goes on. The user is read on every request, so disabling
// an account or changing its role or area takes effect at once, and so
// does ending its sessions (password changed or reset: the generation
// moved on); signing out ends the token's session (its family is revoked),
// which is asked by _id on every request too.
func (a *App) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			return errNotSignedIn()
		}
		claims, err := a.parseAccess(strings.TrimSpace(tok))
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		u, err := a.DB.Users.ByID(ctx, claims.Subject)
		if domain.ErrorKind(err) == domain.KindNotFound {
			return errTokenInvalid()
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return errDisabled()
		}
		if claims.SessionGen != u.SessionGen {
			return errSessionsEnded()
		}
		ended, err := a.DB.Tokens.FamilyRevoked(ctx, claims.Session)
		if err != nil {
			return err
		}
		if ended {
			return errSignedOut()
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
// failures count toward the same limits. Every sign-in of the user ends,
// access tokens included; the answer is a fresh token pair for this one.
func (a *App) changePassword(c echo.Context) error {
	var req changePasswordRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, ok := c.Get(ctxUser).(domain.User)
	if !ok {
		return errNotSignedIn()
	}
	f := map[string]string{}
	if req.OldPassword == "" {
		f["old_password"] = "请输入原密码"
	}
	if msg := domain.ValidatePasswordChange(req.OldPassword, req.NewPassword, u.Username); msg != "" {
		f["new_password"] = msg
	}
	if len(f) > 0 {
		return domain.InvalidFields(f)
	}
	ctx := c.Request().Context()
	now := a.Now()
	addr := clientAddr(c)
	if err := a.checkSignInLimits(ctx, u.Username, addr, now); err != nil {
		return err
	}
	var hash []byte
	right := false
	err := a.withHashSlot(ctx, func() (err error) {
		if right = bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(req.OldPassword)) == nil; !right {
			return nil
		}
		hash, err = bcrypt.GenerateFromPassword([]byte(req.NewPassword), a.Cfg.BcryptCost)
		return err
	})
	if err != nil {
		return err
	}
	if !right {
		if err := a.recordFailure(ctx, u.Username, addr, now); err != nil {
			return err
		}
		return domain.InvalidFields(map[string]string{"old_password": "原密码不正确"})
	}
	u.PasswordHash, u.UpdatedAt, u.MustChangePassword = string(hash), now.UTC(), false
	if err := a.DB.Users.Update(ctx, u); err != nil {
		return err
	}
	if err := a.endSessions(ctx, &u, "password changed"); err != nil {
		return err
	}
	resp, err := a.issueTokens(ctx, u, session{family: newID(), signedInAt: now})
	if err != nil {
		return err
	}
	logOf(c).Info("password changed", "user_id", u.ID)
	return c.JSON(http.StatusOK, resp)
}

// endSessions ends every sign-in of u at once: the session generation
// moves on (its access tokens are refused) and its refresh token families
// are revoked. u's generation is updated, for tokens issued after.
func (a *App) endSessions(ctx context.Context, u *domain.User, reason string) error {
	gen, err := a.DB.Users.EndSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	u.SessionGen = gen
	return a.DB.Tokens.RevokeUser(ctx, u.ID, reason, a.Now())
}
