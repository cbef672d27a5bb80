package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// defaultBodyLimit caps request bodies; routes taking photos raise it with
// bodyLimit.
const defaultBodyLimit = 1 << 20

const (
	ctxLogger  = "anju.log"
	ctxRawBody = "anju.rawbody"
	ctxActor   = "anju.actor"
	ctxUser    = "anju.user"
)

// requestID gives every request an id (the caller's X-Request-ID when it
// is sane, else a new one), echoes it in the response and puts a logger
// carrying it into the context (logOf).
func (a *App) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !saneRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		c.Set(ctxLogger, a.Log.With("request_id", id))
		return next(c)
	}
}

func saneRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// logOf is the request's logger: every line carries the request id.
func logOf(c echo.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// accessLog writes one line per request after the error handler has
// answered, so the logged status is the one the client got.
func (a *App) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		res := c.Response()
		attrs := []any{
			"method", c.Request().Method, "route", c.Path(), "status", res.Status,
			"bytes", res.Size, "ms", time.Since(start).Milliseconds(),
		}
		if act := actorOf(c); act.UserID != "" {
			attrs = append(attrs, "user_id", act.UserID)
		}
		level := slog.LevelInfo
		switch {
		case res.Status >= 500:
			level = slog.LevelError
		case res.Status < 300 && (c.Path() == "/api/health" || c.Path() == "/api/ready"):
			level = slog.LevelDebug // probes every few seconds would drown the log
		}
		logOf(c).Log(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

// recoverPanic turns a panic into an internal error, logged with its stack.
func (a *App) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				logOf(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// contentSecurityPolicy lets the field app load only its own scripts,
// styles, worker and manifest, show photos from blobs and data URLs (camera
// previews, signatures), talk only to this server, and never be framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob: data:; font-src 'self'; connect-src 'self'; worker-src 'self'; " +
	"manifest-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. API answers are
// not cached by default (they hold personal data); a handler may override.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
		if c.Request().TLS != nil || a.Cfg.TLS() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// limitBody caps every request body at n bytes; reading past it fails with
// *http.MaxBytesError, which the error handler answers with 413. The
// original body is kept so a route can raise its own cap with bodyLimit.
func (a *App) limitBody(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			c.Set(ctxRawBody, r.Body)
			r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
			return next(c)
		}
	}
}

// bodyLimit is route middleware giving that route a body cap of n bytes
// instead of the default (photo uploads).
func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if raw, ok := c.Get(ctxRawBody).(io.ReadCloser); ok {
				c.Request().Body = http.MaxBytesReader(c.Response(), raw, n)
			}
			return next(c)
		}
	}
}
