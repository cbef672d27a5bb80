package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// statusOf maps an error kind to its HTTP status.
func statusOf(k domain.Kind) int {
	switch k {
	case domain.KindInvalid:
		return http.StatusBadRequest
	case domain.KindUnauthorized:
		return http.StatusUnauthorized
	case domain.KindForbidden:
		return http.StatusForbidden
	case domain.KindNotFound:
		return http.StatusNotFound
	case domain.KindConflict:
		return http.StatusConflict
	case domain.KindUnprocessable:
		return http.StatusUnprocessableEntity
	case domain.KindTooMany:
		return http.StatusTooManyRequests
	case domain.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case domain.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// clientGone reports whether err is the request's own context ending
// because the client hung up.
func clientGone(err error, c echo.Context) bool {
	return errors.Is(c.Request().Context().Err(), context.Canceled) &&
		(errors.Is(err, context.Canceled) || strings.Contains(err.Error(), context.Canceled.Error()))
}

// useCaseTimeout bounds a use case once its request has been received.
const useCaseTimeout = 2 * time.Minute

// detach returns the context a use case runs in once the request has been
// received: the request's values, none of its cancellation, its own time
// limit. A phone that walks out of signal then cannot cut a decision or a
// filing short between its steps (the store's writes detach themselves
// too).
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), useCaseTimeout)
}

// errTooLarge is the answer to a body over its limit.
func errTooLarge() *domain.Error {
	return &domain.Error{Kind: domain.KindTooLarge, Code: "too_large", Message: "提交的内容过大"}
}

// handleError is echo's error handler: a *domain.Error is answered with its
// kind's status and its code and messages; echo's own errors (unknown
// route, wrong method) get Chinese messages; anything else is logged with
// the request id and answered 500 "系统内部错误" without its text.
func (a *App) handleError(err error, c echo.Context) {
	if clientGone(err, c) {
		// A phone that walked out of signal: nobody reads an answer, and
		// the server did nothing wrong (a write it began has finished,
		// see detach).
		logOf(c).Info("client gone before the answer", "err", err.Error(), "route", c.Path())
		return
	}
	if c.Response().Committed {
		logOf(c).Error("error after response started", "err", err.Error())
		return
	}
	status, body := a.errorAnswer(err, c)
	if status >= 500 {
		logOf(c).Error("internal error", "err", err.Error(), "route", c.Path())
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		logOf(c).Error("write error answer", "err", err.Error())
	}
}

func (a *App) errorAnswer(err error, c echo.Context) (int, errorBody) {
	if e, ok := domain.AsError(err); ok {
		if e.Kind == domain.KindTooMany || e.Kind == domain.KindUnavailable {
			if s := e.Details["retry_after_seconds"]; s != "" {
				c.Response().Header().Set("Retry-After", s)
			}
		}
		return statusOf(e.Kind), errorBody{errorJSON{Code: e.Code, Message: e.Message, Fields: e.Fields, Details: e.Details}}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, errorBody{errorJSON{Code: errTooLarge().Code, Message: errTooLarge().Message}}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if he.Internal != nil {
			if errors.As(he.Internal, &mbe) {
				return http.StatusRequestEntityTooLarge, errorBody{errorJSON{Code: errTooLarge().Code, Message: errTooLarge().Message}}
			}
		}
		code, msg := "http_error", http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			code, msg = "not_found", "找不到请求的地址"
		case http.StatusMethodNotAllowed:
			code, msg = "method_not_allowed", "不支持该请求方法"
		case http.StatusRequestEntityTooLarge:
			code, msg = errTooLarge().Code, errTooLarge().Message
		case http.StatusUnsupportedMediaType:
			code, msg = "unsupported_media_type", "不支持的内容类型"
		case http.StatusBadRequest:
			code, msg = "bad_request", "请求格式不正确"
		case http.StatusUnauthorized:
			code, msg = "unauthorized", "请先登录"
		case http.StatusForbidden:
			code, msg = "forbidden", "您没有权限进行此操作"
		case http.StatusServiceUnavailable:
			code, msg = "unavailable", "服务暂不可用，请稍后再试"
		default:
			if he.Code >= 500 {
				return http.StatusInternalServerError, internalBody()
			}
		}
		return he.Code, errorBody{errorJSON{Code: code, Message: msg}}
	}
	return http.StatusInternalServerError, internalBody()
}

// internalBody is the answer to everything unexpected: nothing of the
// error itself reaches the client.
func internalBody() errorBody {
	return errorBody{errorJSON{Code: "internal", Message: "系统内部错误"}}
}

// actorOf is the signed-in person of an authenticated request (zero when
// the route is public).
func actorOf(c echo.Context) domain.Actor {
	act, _ := c.Get(ctxActor).(domain.Actor)
	return act
}

// bindJSON decodes the JSON request body into v strictly: an unknown field
// is a 400 "unknown_field" naming it, malformed or trailing data a 400
// "bad_json", a wrong type a 400 "invalid_input" naming the field, a body
// over the route's cap a 413 "too_large". It returns a *domain.Error.
func bindJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge()
		}
		return &domain.Error{Kind: domain.KindInvalid, Code: "bad_json", Message: "请求内容读取失败"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &domain.Error{Kind: domain.KindInvalid, Code: "bad_json", Message: "请求内容为空"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &domain.Error{Kind: domain.KindInvalid, Code: "bad_json", Message: "请求内容不是有效的JSON"}
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return &domain.Error{Kind: domain.KindInvalid, Code: "bad_json", Message: "请求内容不是有效的JSON"}
	}
	return nil
}

func jsonError(err error) *domain.Error {
	if e, ok := domain.AsError(err); ok { // from a type's own UnmarshalJSON
		return e
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return &domain.Error{Kind: domain.KindInvalid, Code: "bad_json", Message: "请求内容的格式不正确"}
		}
		msg := "类型不正确"
		if k := te.Type.Kind(); strings.HasPrefix(te.Value, "number") && k >= reflect.Int && k <= reflect.Float64 {
			msg = "数值无效或超出范围" // 1e309, 99999999999999999999, 1.5 for a whole number
		}
		return &domain.Error{Kind: domain.KindInvalid, Code: "invalid_input", Message: "填写内容有误，请检查标红的项目",
			Fields: map[string]string{field: msg}}
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return &domain.Error{Kind: domain.KindInvalid, Code: "unknown_field",
			Message: fmt.Sprintf("不认识的字段：%s", field), Fields: map[string]string{field: "不认识的字段"}}
	}
	return &domain.Error{Kind: domain.KindInvalid, Code: "bad_json", Message: "请求内容不是有效的JSON"}
}
