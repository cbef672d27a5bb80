package uploads

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/yongjing/anju/domain"
)

// MaxPhotoBytes is the largest photo file accepted (15 MB): a phone's full
// resolution JPEG is 3–10 MB.
const MaxPhotoBytes = 15 << 20

// Spooled is an uploaded file copied to a temporary file while it was
// hashed and counted, so a request holds a few kilobytes of it in memory
// whatever its size, and it can be read again for inspection and storage.
type Spooled struct {
	f      *os.File
	Size   int64
	SHA256 string // hex
}

// Spool copies r into a temporary file in dir ("" for the system default)
// while computing its SHA-256. More than max bytes is refused with
// file_too_large (the rest is not read), nothing at all with empty_file.
// The caller closes the result, which removes the file.
func Spool(r io.Reader, dir string, max int64) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "anju-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	s := &Spooled{f: f}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(f, h), r, max+1)
	if err != nil && !errors.Is(err, io.EOF) {
		s.Close()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, ErrFileTooLarge(max)
		}
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	if n > max {
		s.Close()
		return nil, ErrFileTooLarge(max)
	}
	if n == 0 {
		s.Close()
		return nil, errEmpty()
	}
	s.Size = n
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// Reader returns a fresh reader over the whole file; readers are
// independent, so one can be inspected while another is stored.
func (s *Spooled) Reader() *io.SectionReader {
	return io.NewSectionReader(s.f, 0, s.Size)
}

// Close closes and removes the temporary file.
func (s *Spooled) Close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

// ErrFileTooLarge is the error for a file over max bytes (HTTP 413).
func ErrFileTooLarge(max int64) *domain.Error {
	return domain.Errorf(domain.KindTooLarge, "file_too_large", "照片文件过大，最大 %d MB", max>>20)
}

func errEmpty() *domain.Error {
	return domain.Errorf(domain.KindInvalid, "empty_file", "上传的文件是空的，请重新拍照上传")
}
