package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where the S3-compatible object store is (MinIO in
// production, versitygw in tests).
type S3Config struct {
	Endpoint  string // host:port, no scheme
	AccessKey string
	SecretKey string
	Bucket    string
	UseSSL    bool
}

// S3 is a Store on an S3-compatible server, through minio-go.
type S3 struct {
	client *minio.Client
	bucket string
}

var _ Store = (*S3)(nil)

// NewS3 connects to the server and creates the bucket if it is absent.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("s3 store: endpoint and bucket are required")
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: %w", cfg.Endpoint, err)
	}
	s := &S3{client: client, bucket: cfg.Bucket}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 store %s: bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	if !ok {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{})
		if err != nil {
			code := minio.ToErrorResponse(err).Code
			// Another server instance may have created it meanwhile.
			if code != minio.BucketAlreadyOwnedByYou && code != minio.BucketAlreadyExists {
				return nil, fmt.Errorf("s3 store %s: create bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
			}
		}
	}
	return s, nil
}

// Put uploads exactly size bytes. The size is always passed to minio-go:
// with -1 it would buffer a whole part (over 500 MiB) per upload. Objects up
// to 16 MiB go up as one streamed PUT, so a body that fails midway leaves no
// object behind.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if size < 0 {
		return fmt.Errorf("put %s: unknown size", key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, convertMinioErr(err))
	}
	return nil
}

// Get opens the object. minio-go's GetObject is lazy; the Stat call sends
// the request so a missing object is reported here, not on the first Read.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, convertMinioErr(err))
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Object{}, fmt.Errorf("get %s: %w", key, convertMinioErr(err))
	}
	return obj, toObject(info), nil
}

// Stat describes the object with a HEAD request.
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, err)
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, convertMinioErr(err))
	}
	return toObject(info), nil
}

// Delete removes the object; S3 answers a delete of a missing key with
// success, which is the contract.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil {
		if err := convertMinioErr(err); errors.Is(err, ErrNotFound) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// List returns the objects under prefix, sorted by key. Listings carry no
// content type (S3 does not return it), so ContentType is empty.
func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine if we return early
	var out []Object
	for info := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, convertMinioErr(info.Err))
		}
		out = append(out, toObject(info))
	}
	// S3 promises UTF-8 binary order; sorting costs nothing and makes the
	// order independent of the server.
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Ping checks that the server answers and the bucket exists.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3 store: %w", err)
	}
	if !ok {
		return fmt.Errorf("s3 store: bucket %s does not exist", s.bucket)
	}
	return nil
}

func toObject(info minio.ObjectInfo) Object {
	return Object{Key: info.Key, Size: info.Size, ContentType: info.ContentType, ModTime: info.LastModified}
}

// convertMinioErr maps S3's "no such key" to ErrNotFound, as Gitea's
// convertMinioErr does; other errors pass through.
func convertMinioErr(err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey {
		return fmt.Errorf("%w (%s)", ErrNotFound, resp.Message)
	}
	return err
}
