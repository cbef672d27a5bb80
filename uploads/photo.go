package uploads

import (
	"bytes"
	"context"
	"fmt"
)

// StoredPhoto is what StorePhoto put in the store: the keys of the photo
// and its thumbnail, and what inspecting the image found.
type StoredPhoto struct {
	ObjectKey, ThumbKey string
	Info                ImageInfo
}

// StorePhoto inspects the spooled upload sp of photo photoID of case
// caseID (declared is the Content-Type the phone sent) and stores the
// image and its thumbnail under keys made from the ids and the image's
// SHA-256. It is the object half of filing a photo; recording it in the
// case is the caller's. On failure a stored photo object stays for the
// orphan sweep (a concurrent retry of the same upload may use the key).
func StorePhoto(ctx context.Context, store Store, caseID, photoID string, sp *Spooled, declared string) (StoredPhoto, error) {
	info, err := InspectImage(ctx, sp.Reader(), declared)
	if err != nil {
		return StoredPhoto{}, err
	}
	out := StoredPhoto{
		ObjectKey: PhotoKey(caseID, photoID, sp.SHA256, info.Format),
		ThumbKey:  ThumbKey(caseID, photoID, sp.SHA256),
		Info:      info,
	}
	if err := store.Put(ctx, out.ObjectKey, sp.Reader(), sp.Size, ContentType(info.Format)); err != nil {
		return StoredPhoto{}, fmt.Errorf("store photo: %w", err)
	}
	if err := store.Put(ctx, out.ThumbKey, bytes.NewReader(info.Thumb), int64(len(info.Thumb)), "image/jpeg"); err != nil {
		return StoredPhoto{}, fmt.Errorf("store thumbnail: %w", err)
	}
	return out, nil
}
