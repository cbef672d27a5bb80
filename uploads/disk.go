package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Disk is a Store keeping each object as a file under one directory, for a
// single-server install without MinIO and for development. The content type
// lives in a hidden sidecar file next to the object.
//
// Unlike S3, a key cannot be both an object and the folder of other objects
// ("a" and "a/b"); the server's keys never are.
type Disk struct {
	root string
}

var _ Store = (*Disk)(nil)

// NewDisk opens (creating it if needed) the directory dir as a Store.
func NewDisk(dir string) (*Disk, error) {
	if dir == "" {
		return nil, errors.New("disk store: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("disk store %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("disk store %s: %w", dir, err)
	}
	return &Disk{root: abs}, nil
}

func (d *Disk) path(key string) string {
	return filepath.Join(d.root, filepath.FromSlash(key))
}

// typePath is the sidecar holding the content type of the object at p. Its
// name starts with '.', which no key segment may, so it never collides with
// an object and List skips it.
func typePath(p string) string {
	return filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".type")
}

// Put writes the object to a temporary file in the same directory, syncs it
// and renames it into place, so readers see the old object or the whole new
// one, and a failed or short read leaves nothing behind.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if size < 0 {
		return fmt.Errorf("put %s: unknown size", key)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	p := d.path(key)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	tmp, err := writeTemp(dir, ctxReader{ctx, r}, size)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	ttmp, err := writeTemp(dir, strings.NewReader(contentType), int64(len(contentType)))
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("put %s: content type: %w", key, err)
	}
	if err := os.Rename(ttmp, typePath(p)); err != nil {
		os.Remove(tmp)
		os.Remove(ttmp)
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// writeTemp copies exactly size bytes from r into a new synced temporary
// file in dir and returns its path; on any failure the file is removed.
func writeTemp(dir string, r io.Reader, size int64) (name string, err error) {
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := io.CopyN(f, r, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("short body: got %d of %d bytes: %w", n, size, io.ErrUnexpectedEOF)
		}
		return "", err
	}
	if err = f.Chmod(0o640); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// Get opens the object's file.
func (d *Disk) Get(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, err)
	}
	p := d.path(key)
	f, err := os.Open(p)
	if err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, convertFSErr(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Object{}, fmt.Errorf("get %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, Object{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return f, d.object(key, p, fi), nil
}

// Stat describes the object.
func (d *Disk) Stat(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, err)
	}
	p := d.path(key)
	fi, err := os.Stat(p)
	if err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, convertFSErr(err))
	}
	if !fi.Mode().IsRegular() {
		return Object{}, fmt.Errorf("stat %s: %w", key, ErrNotFound)
	}
	return d.object(key, p, fi), nil
}

func (d *Disk) object(key, p string, fi fs.FileInfo) Object {
	ct := "application/octet-stream"
	if b, err := os.ReadFile(typePath(p)); err == nil && len(b) > 0 {
		ct = string(b)
	}
	return Object{Key: key, Size: fi.Size(), ContentType: ct, ModTime: fi.ModTime()}
}

// Delete removes the object and its sidecar; a missing object is no error.
func (d *Disk) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	p := d.path(key)
	if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
		return nil // a folder of other objects, not an object
	}
	if err := os.Remove(p); err != nil && !errors.Is(convertFSErr(err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := os.Remove(typePath(p)); err != nil && !errors.Is(convertFSErr(err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// List walks the folder the prefix points into and returns the objects
// whose keys start with prefix, sorted by key (a walk's order differs:
// "a/b" is walked before "a-c" but sorts after it).
func (d *Disk) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	start := d.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = d.path(prefix[:i])
	}
	var out []Object
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(convertFSErr(err), ErrNotFound) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == start {
			return nil
		}
		if strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// Skip folders that cannot hold a matching key.
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while walking
			}
			return err
		}
		out = append(out, d.object(key, p, fi))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Ping checks that the directory is still there.
func (d *Disk) Ping(ctx context.Context) error {
	fi, err := os.Stat(d.root)
	if err != nil {
		return fmt.Errorf("disk store: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("disk store: %s is not a directory", d.root)
	}
	return ctx.Err()
}

// convertFSErr maps "no such file" (and "a path element is a file") to
// ErrNotFound, as convertMinioErr does for S3's NoSuchKey.
func convertFSErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return ErrNotFound
	}
	return err
}

// ctxReader stops a copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// SweepTemp removes what interrupted writes left behind: temporary files
// older than olderThan (a Put in progress is younger) and content-type
// sidecars whose object is gone. The photo sweep calls it with the orphan
// sweep; it returns how many files it removed.
func (d *Disk) SweepTemp(ctx context.Context, olderThan time.Duration, now time.Time) (int, error) {
	removed := 0
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, ".") {
			return nil
		}
		switch {
		case strings.HasPrefix(name, ".put-"):
			fi, err := e.Info()
			if err != nil || now.Sub(fi.ModTime()) < olderThan {
				return nil
			}
		case strings.HasSuffix(name, ".type"):
			obj := filepath.Join(filepath.Dir(p), strings.TrimSuffix(strings.TrimPrefix(name, "."), ".type"))
			if _, err := os.Lstat(obj); !errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			fi, err := e.Info()
			if err != nil || now.Sub(fi.ModTime()) < olderThan {
				return nil // its object may be about to be renamed into place
			}
		default:
			return nil
		}
		if err := os.Remove(p); err == nil {
			removed++
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("sweep disk store: %w", err)
	}
	return removed, nil
}
