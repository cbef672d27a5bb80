package domain

import (
	"errors"
	"fmt"
)

// Kind is the category of an Error; adapters map it to a transport status
// (HTTP: invalid 400, unauthorized 401, forbidden 403, not_found 404,
// conflict 409, unprocessable 422, too_many 429, too_large 413, internal 500,
// unavailable 503).
type Kind string

// Error kinds.
const (
	KindInvalid       Kind = "invalid"
	KindUnauthorized  Kind = "unauthorized"
	KindForbidden     Kind = "forbidden"
	KindNotFound      Kind = "not_found"
	KindConflict      Kind = "conflict"
	KindUnprocessable Kind = "unprocessable"
	KindTooMany       Kind = "too_many"
	KindTooLarge      Kind = "too_large"
	KindInternal      Kind = "internal"
	// KindUnavailable is a refusal for now: a part of the system did not
	// answer; the same request may be sent again later.
	KindUnavailable Kind = "unavailable"
)

// Error is the one error type of the product. Code is a stable machine name
// the client can branch on (e.g. "missing_evidence", "stale_version");
// Message is Chinese text safe to show a caseworker; Fields holds per-field
// Chinese messages keyed by the JSON field path (e.g. "household.id_number").
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  map[string]string
	// Details carries structured, already-masked facts for the client
	// (e.g. the existing case of a duplicate application). Optional.
	Details map[string]string
	// Cause is what went wrong underneath, for the logs; never shown.
	Cause error
}

// Error formats the error for logs: kind/code, message and fields.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s/%s: %s: %v", e.Kind, e.Code, e.Message, e.Cause)
	}
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s/%s: %s %v", e.Kind, e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("%s/%s: %s", e.Kind, e.Code, e.Message)
}

// Errorf builds an *Error.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields builds the error for bad input with per-field messages.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_input", Message: "填写内容有误，请检查标红的项目", Fields: fields}
}

// ErrorKind returns the kind of err when it is (or wraps) an *Error, and
// KindInternal otherwise.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
