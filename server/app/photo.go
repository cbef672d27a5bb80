package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// maxPhotoFormBytes is the room left in an upload's body, beyond the photo
// itself, for the other fields and the multipart framing.
const maxPhotoFormBytes = 64 << 10

// errAlreadyFiled ends the case update of a retried upload whose photo
// the case already holds.
var errAlreadyFiled = errors.New("photo already filed")

// photoAnswer is the answer to an upload: the photo and the warnings it
// raised on its case.
type photoAnswer struct {
	photoJSON
	Warnings []warningJSON `json:"warnings"`
}

func toPhotoJSON(caseID string, p domain.Photo) photoJSON {
	u := "/api/cases/" + url.PathEscape(caseID) + "/photos/" + url.PathEscape(p.ID)
	return photoJSON{ID: p.ID, Kind: p.Kind, TakenAt: p.TakenAt.UTC(), Lat: p.Lat, Lng: p.Lng,
		Accuracy: p.Accuracy, ReceivedAt: p.ReceivedAt.UTC(), UploadedBy: p.UploadedBy, SHA256: p.SHA256,
		Size: p.Size, Width: p.Width, Height: p.Height, Format: p.Format, URL: u, ThumbURL: u + "?size=thumb"}
}

func answerPhoto(c echo.Context, status int, cs domain.Case, p domain.Photo) error {
	ans := photoAnswer{photoJSON: toPhotoJSON(cs.ID, p), Warnings: []warningJSON{}}
	for _, w := range cs.Warnings {
		if w.PhotoID == p.ID {
			ans.Warnings = append(ans.Warnings, warningJSON{Code: w.Code, PhotoID: w.PhotoID, OtherCaseID: w.OtherCaseID,
				Message: w.Message, At: w.At.UTC()})
		}
	}
	return c.JSON(status, ans)
}

func findPhoto(c domain.Case, id string) (domain.Photo, bool) {
	for _, p := range c.Photos {
		if p.ID == id {
			return p, true
		}
	}
	return domain.Photo{}, false
}

// photoForm is the text fields of an upload.
type photoForm struct {
	id, kind, takenAt, lat, lng, accuracy string
}

// uploadPhoto is POST /api/cases/{id}/photos (multipart: id, kind,
// taken_at, lat, lng, accuracy?, file). The file is streamed to a
// temporary file while hashed, then filed (filePhoto). Sending the same
// photo id with the same bytes again answers 200 with the photo.
func (a *App) uploadPhoto(c echo.Context) error {
	ctx := c.Request().Context()
	act := actorOf(c)
	caseID := c.Param("id")
	// Refuse before reading 15 MB when the caller may not add photos here.
	if err := a.mayFilePhoto(ctx, act, caseID); err != nil {
		return err
	}
	form, sp, declared, err := readPhotoForm(c)
	if sp != nil {
		defer sp.Close()
	}
	if err != nil {
		return err
	}
	ph, err := form.photo()
	if err != nil {
		return err
	}
	filed, err := a.filePhoto(ctx, act, caseID, ph, sp, declared)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !filed.created {
		status = http.StatusOK
	}
	return answerPhoto(c, status, filed.c, filed.photo)
}

// mayFilePhoto refuses early when act may not add a photo to case id: the
// domain checks stage, role and area before the photo's fields.
func (a *App) mayFilePhoto(ctx context.Context, act domain.Actor, caseID string) error {
	cs, err := a.readableCase(ctx, act, caseID)
	if err != nil {
		return err
	}
	if _, err := domain.AddPhoto(cs, domain.Photo{}, act, a.Now()); err != nil && domain.ErrorKind(err) != domain.KindInvalid {
		return err
	}
	return nil
}

// filedPhoto is the outcome of filing a photo: the stored case, the photo
// as filed, and whether this call filed it (false: it was already).
type filedPhoto struct {
	c       domain.Case
	photo   domain.Photo
	created bool
}

// filePhoto files photo ph, whose bytes sp holds, in case caseID: it
// inspects the image, stores it and its thumbnail under keys the server
// makes, claims it in the duplicate index, records it in the case with
// the warnings it raises (the domain decides both), and lists the
// duplicate warning on the other cases. It runs as one unit detached from
// the caller. Filed already under the same id with the same bytes, it
// answers the stored photo (created false), and makes sure the index
// holds it.
func (a *App) filePhoto(ctx context.Context, act domain.Actor, caseID string, ph domain.Photo, sp *uploads.Spooled, declared string) (filedPhoto, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	cs, err := a.readableCase(ctx, act, caseID)
	if err != nil {
		return filedPhoto{}, err
	}
	e := a.photos
	ref := photoRef{CaseID: caseID, PhotoID: ph.ID}
	if old, ok := findPhoto(cs, ph.ID); ok {
		if old.SHA256 != sp.SHA256 {
			return filedPhoto{}, domain.Errorf(domain.KindConflict, "id_conflict", "该照片编号已用于另一张照片")
		}
		e.add(cs.ProgramYear, ref, old.SHA256, old.PHash) // a retry whose first answer was lost
		return filedPhoto{c: cs, photo: old}, nil
	}
	obj, err := uploads.StorePhoto(ctx, a.Store, caseID, ph.ID, sp, declared)
	if err != nil {
		return filedPhoto{}, err
	}
	ph.SHA256, ph.PHash, ph.Size = sp.SHA256, obj.Info.PHash, sp.Size
	ph.Width, ph.Height, ph.Format = obj.Info.Width, obj.Info.Height, obj.Info.Format
	ph.ObjectKey, ph.ThumbKey = obj.ObjectKey, obj.ThumbKey
	if a.afterPhotoStored != nil {
		if err := a.afterPhotoStored(caseID, ph.ID); err != nil {
			return filedPhoto{}, err // the objects stay, as after a crash: the sweep's to find
		}
	}

	matches := e.claim(cs.ProgramYear, ref, ph.SHA256, ph.PHash)
	now := a.Now()
	dups, theirs := duplicateWarnings(caseID, ph, matches, now)
	stored, _, err := a.changeCase(ctx, act, caseID, func(c domain.Case, _ domain.Program) (domain.Case, error) {
		if old, ok := findPhoto(c, ph.ID); ok && old.SHA256 == ph.SHA256 {
			return domain.Case{}, errAlreadyFiled // a retry that raced its first attempt
		}
		n, err := domain.AddPhoto(c, ph, act, now)
		if err != nil {
			return domain.Case{}, err
		}
		n.Warnings = append(n.Warnings, caseWarnings(c, ph, dups, e.maxDistanceM, now)...)
		return n, nil
	})
	if errors.Is(err, errAlreadyFiled) {
		cs, err := a.DB.Cases.Get(ctx, caseID)
		if err != nil {
			return filedPhoto{}, err
		}
		old, _ := findPhoto(cs, ph.ID)
		e.add(cs.ProgramYear, ref, old.SHA256, old.PHash)
		return filedPhoto{c: cs, photo: old}, nil
	}
	if err != nil {
		a.unclaim(ctx, cs.ProgramYear, ref, ph.SHA256)
		if _, refused := domain.AsError(err); refused && domain.ErrorKind(err) != domain.KindUnavailable {
			// Certainly not filed. After any other failure the write may
			// have landed (a lost answer): the sweep decides in an hour.
			a.removeObjects(ph.ObjectKey, ph.ThumbKey)
		}
		return filedPhoto{}, err
	}
	for other, ws := range theirs {
		if _, err := a.DB.Cases.AddWarnings(ctx, other, ws); err != nil {
			// The next start completes it from this case's warning.
			a.Log.Error("duplicate photo warning on the other case", "case", other, "err", err.Error())
		}
	}
	final, _ := findPhoto(stored, ph.ID)
	a.Log.Info("photo filed", "case", caseID, "photo", ph.ID, "kind", ph.Kind, "size", ph.Size,
		"warnings", len(stored.Warnings)-len(cs.Warnings))
	return filedPhoto{c: stored, photo: final, created: true}, nil
}

// unclaim takes a photo that was not filed out of the duplicate index,
// putting back what the case holds under the same id, if anything.
func (a *App) unclaim(ctx context.Context, year int, ref photoRef, sha string) {
	e := a.photos
	e.forget(year, ref, sha)
	if c, err := a.DB.Cases.Get(ctx, ref.CaseID); err == nil {
		if p, ok := findPhoto(c, ref.PhotoID); ok {
			e.add(year, ref, p.SHA256, p.PHash)
		}
	}
}

// removeObjects deletes objects of an upload that failed; what it cannot
// delete the hourly sweep will.
func (a *App) removeObjects(keys ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, k := range keys {
		if err := a.Store.Delete(ctx, k); err != nil {
			a.Log.Warn("remove object of a failed upload", "key", k, "err", err.Error())
		}
	}
}

// readPhotoForm reads the multipart body part by part: text fields into
// the form (1 KB each), the file part streamed into a spooled temporary
// file with its declared Content-Type. The caller closes the spool.
func readPhotoForm(c echo.Context) (photoForm, *uploads.Spooled, string, error) {
	var form photoForm
	var sp *uploads.Spooled
	var declared string
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return form, nil, "", &domain.Error{Kind: domain.KindInvalid, Code: "bad_multipart", Message: "请以 multipart/form-data 方式上传照片"}
	}
	fields := map[string]*string{"id": &form.id, "kind": &form.kind, "taken_at": &form.takenAt,
		"lat": &form.lat, "lng": &form.lng, "accuracy": &form.accuracy}
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return form, sp, "", multipartErr(err)
		}
		if parts >= 16 {
			return form, sp, "", &domain.Error{Kind: domain.KindInvalid, Code: "bad_multipart", Message: "上传内容的字段过多"}
		}
		name := part.FormName()
		if name == "file" {
			if sp != nil {
				return form, sp, "", domain.InvalidFields(map[string]string{"file": "一次只能上传一张照片"})
			}
			declared = part.Header.Get("Content-Type")
			if sp, err = uploads.Spool(part, "", uploads.MaxPhotoBytes); err != nil {
				return form, nil, "", err
			}
			continue
		}
		v, err := readField(part)
		if err != nil {
			return form, sp, "", err
		}
		if dst, ok := fields[name]; ok {
			*dst = v
		}
	}
	if sp == nil {
		return form, nil, "", domain.InvalidFields(map[string]string{"file": "请选择要上传的照片"})
	}
	return form, sp, declared, nil
}

func readField(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 1025))
	if err != nil {
		return "", multipartErr(err)
	}
	if len(b) > 1024 {
		return "", domain.InvalidFields(map[string]string{p.FormName(): "内容过长"})
	}
	return strings.TrimSpace(string(b)), nil
}

func multipartErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return uploads.ErrFileTooLarge(uploads.MaxPhotoBytes)
	}
	return &domain.Error{Kind: domain.KindInvalid, Code: "bad_multipart", Message: "上传内容不完整，请重新上传"}
}

// photo reads the text fields; the domain checks the photo when it is
// added (AddPhoto: id alphabet, kind, finite coordinates and accuracy in
// range, a notice photo not taken before its posting date). A number
// that does not parse, or parses to NaN or ±Inf ("NaN", "Inf", "1e309"),
// is refused here, where its text is still known.
func (f photoForm) photo() (domain.Photo, error) {
	bad := map[string]string{}
	ph := domain.Photo{ID: f.id, Kind: domain.PhotoKind(f.kind)}
	if msg := domain.ClientIDProblem("照片编号", f.id); msg != "" {
		bad["id"] = msg
	}
	if !ph.Kind.Valid() {
		bad["kind"] = "照片类别无效"
	}
	if f.takenAt == "" {
		bad["taken_at"] = "缺少拍摄时间"
	} else if t, err := time.Parse(time.RFC3339Nano, f.takenAt); err != nil {
		bad["taken_at"] = "拍摄时间格式不正确"
	} else {
		ph.TakenAt = t.UTC()
	}
	num := func(name, label, v string, dst *float64) {
		if v == "" {
			return
		}
		x, err := strconv.ParseFloat(v, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) || err == nil && math.IsInf(x, 0):
			bad[name] = label + "超出范围"
		case err != nil || math.IsNaN(x):
			bad[name] = label + "应为数字"
		default:
			*dst = x
		}
	}
	num("lat", "纬度", f.lat, &ph.Lat)
	num("lng", "经度", f.lng, &ph.Lng)
	num("accuracy", "定位精度", f.accuracy, &ph.Accuracy)
	if len(bad) > 0 {
		return domain.Photo{}, domain.InvalidFields(bad)
	}
	return ph, nil
}

// getPhoto is GET /api/cases/{id}/photos/{photo_id}[?size=thumb]: the
// image, typed by its decoded format (never by what was uploaded), cached
// privately for a day (the bytes under a photo id never change). Cases
// outside the caller's area are not found.
func (a *App) getPhoto(c echo.Context) error {
	ctx := c.Request().Context()
	cs, err := a.readableCase(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	ph, ok := findPhoto(cs, c.Param("photo_id"))
	if !ok {
		return domain.Errorf(domain.KindNotFound, "not_found", "未找到该照片")
	}
	key, ctype, etag := ph.ObjectKey, uploads.ContentType(ph.Format), `"`+ph.SHA256+`"`
	switch c.QueryParam("size") {
	case "":
	case "thumb":
		key, ctype, etag = ph.ThumbKey, "image/jpeg", `"`+ph.SHA256+`-thumb"`
	default:
		return domain.InvalidFields(map[string]string{"size": "只能为 thumb"})
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", etag)
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	rc, obj, err := a.Store.Get(ctx, key)
	if errors.Is(err, uploads.ErrNotFound) {
		h.Set("Cache-Control", "no-store")
		logOf(c).Error("photo object missing", "case", cs.ID, "photo", ph.ID, "key", key)
		return domain.Errorf(domain.KindNotFound, "photo_missing", "照片文件缺失，请联系管理员")
	}
	if err != nil {
		h.Set("Cache-Control", "no-store")
		return fmt.Errorf("get photo %s: %w", key, err)
	}
	defer rc.Close()
	h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	h.Set("Content-Disposition", "inline")
	return c.Stream(http.StatusOK, ctype, rc)
}
