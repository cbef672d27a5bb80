package app

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openapiJSON is the OpenAPI 3 description of the HTTP API. Each part of
// the product adds its own paths to server/openapi.json; a test fails when
// a registered route is missing from it.
//
//go:embed openapi.json
var openapiJSON []byte

// openapi serves the API description.
func (a *App) openapi(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "application/json", openapiJSON)
}
