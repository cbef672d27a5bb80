package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"strings"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// signatureUpload is one signature on the acceptance form as the phone
// sends it: a PNG drawn on the screen, base64-encoded.
type signatureUpload struct {
	SignerRole     domain.SignerRole `json:"signer_role"`
	SignerName     string            `json:"signer_name"`
	ImagePNGBase64 string            `json:"image_png_base64"`
}

// Limits of a signature image.
const (
	maxSignatureBytes  = 200 << 10
	maxSignaturePixels = 2000 * 2000
)

// decodedSignature is a checked signature and the PNG to store.
type decodedSignature struct {
	domain.Signature
	png []byte
}

// decodeSignatures checks each signature image (base64 of a PNG of at most
// 200 KB that decodes) and names where it will be kept:
// cases/<case>/sig-<role>-<first 16 hex of its SHA-256>.png, so a second
// acceptance attempt never overwrites the first one's evidence. Problems
// are added to bad, keyed by field path.
func decodeSignatures(caseID string, in []signatureUpload, bad map[string]string) []decodedSignature {
	var out []decodedSignature
	for i, s := range in {
		field := fmt.Sprintf("signatures[%d].image_png_base64", i)
		if !s.SignerRole.Valid() {
			bad[fmt.Sprintf("signatures[%d].signer_role", i)] = "签字人应为户主、住建局技术人员或乡镇干部"
			continue
		}
		b64 := strings.TrimSpace(s.ImagePNGBase64)
		b64 = strings.TrimPrefix(b64, "data:image/png;base64,")
		if base64.StdEncoding.DecodedLen(len(b64)) > maxSignatureBytes+3 {
			bad[field] = "签字图片不能超过200KB"
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) == 0 {
			bad[field] = "签字图片不是有效的PNG"
			continue
		}
		if len(raw) > maxSignatureBytes {
			bad[field] = "签字图片不能超过200KB"
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(raw))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 {
			bad[field] = "签字图片不是有效的PNG"
			continue
		}
		if cfg.Width*cfg.Height > maxSignaturePixels {
			bad[field] = "签字图片尺寸过大"
			continue
		}
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			bad[field] = "签字图片不是有效的PNG"
			continue
		}
		sum := sha256.Sum256(raw)
		h := hex.EncodeToString(sum[:])
		out = append(out, decodedSignature{
			Signature: domain.Signature{
				SignerRole: s.SignerRole, SignerName: s.SignerName,
				ObjectKey: uploads.CaseDir(caseID) + "/sig-" + strings.ReplaceAll(string(s.SignerRole), "_", "-") + "-" + h[:16] + ".png",
				SHA256:    h, Size: int64(len(raw)),
			},
			png: raw,
		})
	}
	return out
}

// putSignatures stores the signature images in the object store.
func (a *App) putSignatures(ctx context.Context, sigs []decodedSignature) error {
	for _, s := range sigs {
		if err := a.Store.Put(ctx, s.ObjectKey, bytes.NewReader(s.png), int64(len(s.png)), "image/png"); err != nil {
			return fmt.Errorf("put signature %s: %w", s.ObjectKey, err)
		}
	}
	return nil
}
