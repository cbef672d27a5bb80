package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// TestIDNumbersAreValidAndDistinct checks the generated 身份证号 with the
// domain's own rule (GB 11643 check character, region, birth date).
func TestIDNumbersAreValidAndDistinct(t *testing.T) {
	seen := map[string]int{}
	for _, n := range []int{0, 1, 2, 899, 900, 901, 59_999, 1_000_000, 1_100_002} {
		id := idNumber(n)
		if code, msg := domain.CheckIDNumber(id, time.Now()); code != "" {
			t.Errorf("idNumber(%d) = %s: %s %s", n, id, code, msg)
		}
		if m, dup := seen[id]; dup {
			t.Errorf("idNumber(%d) = idNumber(%d) = %s", n, m, id)
		}
		seen[id] = n
	}
}

// TestPhotosAreNotNearDuplicates checks that distinct seeds make pictures
// the server does not take for near duplicates, and one seed the same bytes.
func TestPhotosAreNotNearDuplicates(t *testing.T) {
	ctx := context.Background()
	var hashes []uint64
	for seed := uint64(1); seed <= 40; seed++ {
		img := photoJPEG(seed)
		info, err := uploads.InspectImage(ctx, bytes.NewReader(img), "image/jpeg")
		if err != nil {
			t.Fatalf("photo %d: %v", seed, err)
		}
		for i, h := range hashes {
			if d := uploads.Hamming(h, info.PHash); d <= uploads.NearDuplicateDistance {
				t.Errorf("photos %d and %d: perceptual hashes %d bits apart, want > %d", i+1, seed, d, uploads.NearDuplicateDistance)
			}
		}
		hashes = append(hashes, info.PHash)
	}
	if !bytes.Equal(photoJPEG(7), photoJPEG(7)) {
		t.Error("the same seed drew different bytes")
	}
}

// TestPlansAreValidFilings checks a few planned cases against the
// domain's validation of a new case.
func TestPlansAreValidFilings(t *testing.T) {
	plans := makePlans(1, 60, func(i int) string { return "622923100901" }, "", 3)
	p := domain.Program2024()
	pairs := 0
	for _, pl := range plans {
		b := pl.Body
		c := domain.Case{ID: b.ID, ProgramYear: b.ProgramYear, VillageCode: b.VillageCode, Method: domain.Method(b.Method),
			Household: domain.Household{HeadName: b.Household.HeadName, IDNumber: b.Household.IDNumber, Phone: b.Household.Phone,
				HukouNo: b.Household.HukouNo, Type: domain.HouseholdType(b.Household.Type)},
			House: domain.House{Address: b.House.Address, BuiltYear: b.House.BuiltYear, Structure: domain.Structure(b.House.Structure),
				FloorAreaM2: b.House.FloorAreaM2, OnlyHouse: b.House.OnlyHouse, Lat: b.House.Lat, Lng: b.House.Lng}}
		for _, m := range b.Household.Members {
			c.Household.Members = append(c.Household.Members, domain.Member{Name: m.Name, IDNumber: m.IDNumber, Relation: m.Relation})
		}
		if err := domain.ValidateNewCase(c, p, time.Now()); err != nil {
			t.Errorf("plan %d: %v", pl.Index, err)
		}
		for _, ph := range pl.Before {
			if ph.Pair >= 0 {
				pairs++
			}
		}
	}
	if pairs != 6 {
		t.Errorf("%d photos in duplicate pairs, want 6 (3 pairs)", pairs)
	}
}

// TestMaskIDMatchesTheDomain keeps the checker's mask the one lists show.
func TestMaskIDMatchesTheDomain(t *testing.T) {
	for _, n := range []int{0, 123, 99_999} {
		id := idNumber(n)
		if got, want := maskID(id), domain.MaskID(id); got != want {
			t.Errorf("maskID(%s) = %s, want %s", id, got, want)
		}
	}
}
