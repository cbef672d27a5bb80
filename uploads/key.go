package uploads

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidKey is returned for a key or prefix outside the server's key
// alphabet. Keys are made by the server, so this is a programming error,
// never something a user caused.
var ErrInvalidKey = errors.New("invalid object key")

// maxKeyLen keeps keys well inside S3's 1024-byte limit and any file
// system's path limit.
const maxKeyLen = 512

// CheckKey reports whether key is a valid object key: slash-separated
// segments of lowercase letters, digits, '-', '.' and '_', none empty, none
// starting with '.' (so no "." or ".." and no hidden files), no leading or
// trailing slash. The rule is the same for every Store, so a key that works
// on the disk works on S3 and cannot escape the disk store's directory.
func CheckKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if !validSegment(seg) {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	return nil
}

// checkPrefix validates a List prefix: empty, or a key, or a key followed by
// '/', or the start of a segment (e.g. "cases/ab").
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	p := strings.TrimSuffix(prefix, "/")
	if err := CheckKey(p); err != nil {
		return fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
	}
	return nil
}

func validSegment(seg string) bool {
	if seg == "" || seg[0] == '.' {
		return false
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}

// Segment turns an identifier from a client (a case or photo UUID) into a
// key segment: kept as is when it already fits the key alphabet, otherwise
// replaced by "x" and 32 hex digits of its SHA-256, so any identifier gives
// a valid, stable key and distinct identifiers distinct keys.
func Segment(id string) string {
	if len(id) <= 64 && validSegment(id) && !strings.HasPrefix(id, "x") {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "x" + hex.EncodeToString(sum[:16])
}

// PhotoKey is where a case's photo is kept:
// cases/<case>/<photo>-<first 16 hex digits of its SHA-256>.<ext>. The
// content in the name means an upload reusing a photo id with other bytes
// never overwrites the evidence already filed under that id.
func PhotoKey(caseID, photoID, sha256Hex, format string) string {
	return photoBase(caseID, photoID, sha256Hex) + "." + Ext(format)
}

// ThumbKey is where the photo's thumbnail is kept, next to it, so a case's
// objects share one folder (which the orphan sweep relies on).
func ThumbKey(caseID, photoID, sha256Hex string) string {
	return photoBase(caseID, photoID, sha256Hex) + ".thumb.jpg"
}

func photoBase(caseID, photoID, sha256Hex string) string {
	sum := Segment(strings.ToLower(sha256Hex))
	if len(sum) > 16 {
		sum = sum[:16]
	}
	return CaseDir(caseID) + "/" + Segment(photoID) + "-" + sum
}

// CaseDir is the folder of a case's objects, as SweepOrphans names it.
func CaseDir(caseID string) string { return "cases/" + Segment(caseID) }
