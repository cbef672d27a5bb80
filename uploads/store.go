// Package uploads keeps evidence objects (photos, thumbnails, signatures) in
// an object store: S3-compatible (MinIO in production) or the local disk.
package uploads

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("object not found")

// Object describes a stored object.
type Object struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
}

// Store is what the product needs of an object store. Keys are made by the
// server (never from user-supplied text): lowercase letters, digits, '/', '-', '.', '_'.
type Store interface {
	// Put streams exactly size bytes from r under key.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens the object; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Stat describes the object without reading it.
	Stat(ctx context.Context, key string) (Object, error)
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the objects whose keys start with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Ping reports whether the store is reachable (for /api/ready).
	Ping(ctx context.Context) error
}
