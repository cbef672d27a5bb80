package app

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/pwa"
	"github.com/yongjing/anju/uploads"
)

// routes registers every route of the product. The public ones are
// registered on the root, on purpose, each with a reason; everything else
// under /api goes through signedIn, which puts authenticate in front of
// each route, so a new route is private unless it is put among the public
// ones. (A group-wide middleware would need echo's catch-all route, which
// turns a wrong method's 405 into a 404.)
func (a *App) routes(e *echo.Echo) {
	// Public: the service's own probes and description,
	e.GET("/api/health", a.health)
	e.GET("/api/ready", a.ready)
	e.GET("/api/openapi.json", a.openapi)
	// signing in and out (they check their own credentials),
	e.POST("/api/auth/login", a.login)
	e.POST("/api/auth/refresh", a.refresh)
	e.POST("/api/auth/logout", a.logout)
	// the verification link printed as a QR code on forms and notices: a
	// villager or an auditor holding the paper scans it without an
	// account; it tells only whether the paper matches the record (masked
	// name, stage, hashes), its token is unguessable, and it is rate-limited,
	e.GET("/v/:token", a.verify, a.limitVerify)
	// and the field app's files, which hold no data.
	s, err := loadShell(pwa.Files)
	if err != nil {
		// The files are compiled in: failing here is a broken build.
		panic(fmt.Sprintf("field app files: %v", err))
	}
	s.register(e)

	api := signedIn{g: e.Group("/api"), auth: a.authenticate}
	a.signedIn = api

	api.GET("/me", a.me)
	api.POST("/me/password", a.changePassword)

	api.GET("/areas", a.listAreas)
	api.POST("/areas", a.createArea)
	api.POST("/areas/import", a.importAreas)
	api.GET("/areas/import/template", a.villageImportTemplate)
	api.GET("/users", a.listUsers)
	api.POST("/users", a.createUser)
	api.PATCH("/users/:id", a.updateUser)
	api.POST("/users/:id/unlock", a.unlockUser)
	api.POST("/users/import", a.importUsers)
	api.GET("/users/import/template", a.userImportTemplate)

	api.GET("/programs", a.listPrograms)
	api.POST("/programs", a.createProgram)
	api.GET("/programs/:year", a.getProgram)
	api.POST("/programs/:year/amendments", a.amendProgram)
	api.POST("/programs/:year/close", a.closeProgram)
	api.POST("/programs/:year/open", a.openProgram)
	api.POST("/assess", a.assess)

	api.POST("/cases", a.createCase)
	api.GET("/cases", a.listCases)
	api.GET("/queue", a.workQueue)
	api.GET("/batch/:action", a.previewBatch)
	api.POST("/batch/:action", a.runBatch)
	api.GET("/cases/:id", a.getCase)
	api.PATCH("/cases/:id", a.editCase)
	api.POST("/cases/:id/actions/:action", a.caseAction, bodyLimit(2<<20))
	api.GET("/cases/:id/reveal", a.revealCase)
	api.GET("/cases/:id/audit", a.auditCase)
	api.POST("/cases/:id/photos", a.uploadPhoto, bodyLimit(uploads.MaxPhotoBytes+maxPhotoFormBytes))
	api.GET("/cases/:id/photos/:photo_id", a.getPhoto)
	api.GET("/cases/:id/acceptances/:n/signatures/:signer_role", a.getSignature)
	// Printed forms; echo names these parameters "n.pdf" and "level.pdf".
	api.GET("/cases/:id/acceptances/:n.pdf", a.acceptancePDF)
	api.GET("/notices/:level.pdf", a.noticePDF)
	api.GET("/publicity/:level", a.noticeData)
	api.GET("/ledger.xlsx", a.ledger)
	api.GET("/cases/:id/dossier.pdf", a.getDossierPDF)
	api.GET("/cases/:id/dossier.zip", a.getDossierZip)
	api.GET("/dossiers.zip", a.getDossiersZip)

	api.GET("/dashboard", a.dashboard)
}

// signedIn registers routes under /api that need a signed-in user.
type signedIn struct {
	g    *echo.Group
	auth echo.MiddlewareFunc
}

func (r signedIn) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) {
	r.g.Add(method, path, h, append([]echo.MiddlewareFunc{r.auth}, m...)...)
}

// GET registers a signed-in GET route.
func (r signedIn) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.add(http.MethodGet, path, h, m)
}

// POST registers a signed-in POST route.
func (r signedIn) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.add(http.MethodPost, path, h, m)
}

// PATCH registers a signed-in PATCH route.
func (r signedIn) PATCH(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.add(http.MethodPatch, path, h, m)
}

// DELETE registers a signed-in DELETE route.
func (r signedIn) DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.add(http.MethodDelete, path, h, m)
}
