package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// signatureURL is where a signature of acceptance attempt n (1-based) of
// case caseID is seen.
func signatureURL(caseID string, n int, role domain.SignerRole) string {
	return "/api/cases/" + url.PathEscape(caseID) + "/acceptances/" + strconv.Itoa(n) +
		"/signatures/" + url.PathEscape(string(role))
}

// getSignature is GET /api/cases/{id}/acceptances/{n}/signatures/{signer_role}:
// the PNG a signer drew on acceptance attempt n, for auditors and
// reviewers. The bytes are checked against the SHA-256 recorded when the
// form was signed; an image that no longer matches is refused with 409
// signature_tampered rather than shown. Cases outside the caller's area
// are not found.
func (a *App) getSignature(c echo.Context) error {
	ctx := c.Request().Context()
	cs, err := a.readableCase(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 || n > len(cs.Acceptances) {
		return domain.Errorf(domain.KindNotFound, "not_found", "未找到该次验收")
	}
	var sig *domain.Signature
	for i, s := range cs.Acceptances[n-1].Signatures {
		if string(s.SignerRole) == c.Param("signer_role") {
			sig = &cs.Acceptances[n-1].Signatures[i]
			break
		}
	}
	if sig == nil {
		return domain.Errorf(domain.KindNotFound, "not_found", "未找到该签字")
	}
	h := c.Response().Header()
	etag := `"` + sig.SHA256 + `"`
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store") // until the bytes are known good
	if c.Request().Header.Get("If-None-Match") == etag {
		h.Set("Cache-Control", "private, max-age=86400")
		h.Set("ETag", etag)
		return c.NoContent(http.StatusNotModified)
	}
	b, err := a.signatureBytes(c, cs, n, *sig)
	if err != nil {
		return err
	}
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("ETag", etag)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Content-Disposition", "inline")
	return c.Stream(http.StatusOK, "image/png", bytes.NewReader(b))
}

// signatureBytes reads the PNG of sig, signed on acceptance attempt n of
// cs, and checks it against the SHA-256 recorded when the form was signed:
// a missing object is 404 signature_missing, a changed one 409
// signature_tampered (logged at error level), never shown or printed.
func (a *App) signatureBytes(c echo.Context, cs domain.Case, n int, sig domain.Signature) ([]byte, error) {
	rc, _, err := a.Store.Get(c.Request().Context(), sig.ObjectKey)
	if errors.Is(err, uploads.ErrNotFound) {
		logOf(c).Error("signature object missing", "case", cs.ID, "attempt", n, "signer_role", sig.SignerRole, "key", sig.ObjectKey)
		return nil, domain.Errorf(domain.KindNotFound, "signature_missing", "签字图片文件缺失，请联系管理员")
	}
	if err != nil {
		return nil, fmt.Errorf("get signature %s: %w", sig.ObjectKey, err)
	}
	defer rc.Close()
	// Signatures are at most 200 KB: read them whole to check the hash
	// before a byte is sent. One byte more than the limit is enough to know
	// the object is not what was signed.
	b, err := io.ReadAll(io.LimitReader(rc, maxSignatureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read signature %s: %w", sig.ObjectKey, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != sig.SHA256 {
		logOf(c).Error("signature image does not match its recorded SHA-256", "case", cs.ID, "attempt", n,
			"signer_role", sig.SignerRole, "key", sig.ObjectKey, "want", sig.SHA256, "got", got)
		return nil, domain.Errorf(domain.KindConflict, "signature_tampered", "签字图片与验收时记录的不一致，可能已被篡改，请联系管理员")
	}
	return b, nil
}
