package app

import (
	"context"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"
)

// health answers 200 while the process serves requests (liveness), with
// the build's version so an operator can tell which one is deployed.
func (a *App) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": buildVersion()})
}

// buildVersion is the commit the binary was built from (with "+dirty" for
// uncommitted changes), or "devel" when the build carries no VCS stamp.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + dirty
}

type readiness struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Storage  string `json:"storage"`
}

// ready answers 200 when the database and the object store both answer
// within 3 seconds, 503 otherwise (readiness: route no traffic here yet).
// The failing check's error is logged, not sent.
func (a *App) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	r := readiness{Status: "ok", Database: "ok", Storage: "ok"}
	if err := a.DB.Database().Client().Ping(ctx, nil); err != nil {
		r.Status, r.Database = "unavailable", "unavailable"
		logOf(c).Warn("database not ready", "err", err.Error())
	}
	if err := a.Store.Ping(ctx); err != nil {
		r.Status, r.Storage = "unavailable", "unavailable"
		logOf(c).Warn("object store not ready", "err", err.Error())
	}
	if r.Status != "ok" {
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	return c.JSON(http.StatusOK, r)
}
