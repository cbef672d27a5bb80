package uploads

import (
	"image"
	"math"
	"math/bits"
	"slices"
	"sort"
	"sync"
)

// NearDuplicateDistance is the largest Hamming distance between two
// perceptual hashes at which photos count as the same picture: resizing
// and re-encoding a photo moves its hash by 0–2 bits, while unrelated
// photos differ by about 32.
const NearDuplicateDistance = 3

const phashSide = 32

// FlatGrey is the standard deviation of grey levels (0–255) of the 32×32
// reduction below which a picture gets no perceptual hash.
const FlatGrey = 2.0

var dctCos = func() (t [phashSide][phashSide]float64) {
	for u := 0; u < phashSide; u++ {
		for x := 0; x < phashSide; x++ {
			t[u][x] = math.Cos(float64(2*x+1) * float64(u) * math.Pi / (2 * phashSide))
		}
	}
	return t
}()

// PHash is a 64-bit DCT perceptual hash (the classic pHash): the image is
// reduced to 32×32 grey by area averaging, transformed with a 2-D DCT-II,
// and the 8×8 lowest frequencies after the DC term (u, v in 1..8) become
// one bit each: 1 where the coefficient is above their median. Bit 63 is
// (u,v) = (1,1), then row by row. Skipping the DC row and column spends no
// bit on overall brightness. The input is the upright thumbnail, so a
// photo and its rotated-by-EXIF copy agree.
//
// A picture too uniform to tell from others (a covered lens, a blank wall:
// grey levels varying by less than FlatGrey) hashes to 0, which means "no
// hash": every such picture would otherwise match every other.
func PHash(img image.Image) uint64 {
	var grey [phashSide][phashSide]float64
	small := shrink(img, phashSide, phashSide)
	var sum, sum2 float64
	for y := 0; y < phashSide; y++ {
		for x := 0; x < phashSide; x++ {
			p := small.Pix[y*small.Stride+4*x:]
			v := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			grey[y][x] = v
			sum += v
			sum2 += v * v
		}
	}
	const n = phashSide * phashSide
	if mean := sum / n; sum2/n-mean*mean < FlatGrey*FlatGrey {
		return 0
	}
	// Rows first (only the 9 lowest frequencies are needed), then columns.
	var rows [phashSide][9]float64
	for y := 0; y < phashSide; y++ {
		for u := 0; u < 9; u++ {
			var s float64
			for x := 0; x < phashSide; x++ {
				s += grey[y][x] * dctCos[u][x]
			}
			rows[y][u] = s
		}
	}
	var coef [64]float64
	for v := 1; v <= 8; v++ {
		for u := 1; u <= 8; u++ {
			var s float64
			for y := 0; y < phashSide; y++ {
				s += rows[y][u] * dctCos[v][y]
			}
			coef[(v-1)*8+(u-1)] = s
		}
	}
	sorted := coef
	slices.Sort(sorted[:])
	median := (sorted[31] + sorted[32]) / 2
	var h uint64
	for i, c := range coef {
		if c > median {
			h |= 1 << (63 - i)
		}
	}
	return h
}

// Hamming is the number of bits in which a and b differ.
func Hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// Match is one stored hash near the one looked up.
type Match[R comparable] struct {
	Ref      R
	Hash     uint64
	Distance int
}

type hashEntry[R comparable] struct {
	ref  R
	hash uint64
}

// HashIndex finds stored perceptual hashes near a given one without
// comparing against all of them. The 64 bits are cut into 4 bands of 16;
// two hashes at distance ≤ 3 differ in at most 3 bands, so they agree
// exactly on at least one (pigeonhole). A lookup takes the hashes sharing a
// band with the query, about n/65536 per band for n spread-out hashes,
// then keeps those within the distance. It is safe for concurrent use.
type HashIndex[R comparable] struct {
	mu    sync.RWMutex
	bands [4]map[uint16][]hashEntry[R]
	refs  map[R]uint64
}

// NewHashIndex returns an empty index.
func NewHashIndex[R comparable]() *HashIndex[R] {
	x := &HashIndex[R]{refs: make(map[R]uint64)}
	for i := range x.bands {
		x.bands[i] = make(map[uint16][]hashEntry[R])
	}
	return x
}

func band(h uint64, i int) uint16 { return uint16(h >> (16 * (3 - i))) }

// Add stores hash under ref, replacing what ref had.
func (x *HashIndex[R]) Add(ref R, hash uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.refs[ref]; ok {
		if old == hash {
			return
		}
		x.remove(ref, old)
	}
	x.refs[ref] = hash
	for i := range x.bands {
		k := band(hash, i)
		x.bands[i][k] = append(x.bands[i][k], hashEntry[R]{ref, hash})
	}
}

// Remove forgets ref.
func (x *HashIndex[R]) Remove(ref R) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.refs[ref]; ok {
		x.remove(ref, old)
	}
}

func (x *HashIndex[R]) remove(ref R, hash uint64) {
	delete(x.refs, ref)
	for i := range x.bands {
		k := band(hash, i)
		list := x.bands[i][k]
		for j, e := range list {
			if e.ref == ref {
				list = slices.Delete(list, j, j+1)
				break
			}
		}
		if len(list) == 0 {
			delete(x.bands[i], k)
		} else {
			x.bands[i][k] = list
		}
	}
}

// Len is the number of stored hashes.
func (x *HashIndex[R]) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.refs)
}

// Near returns the stored hashes within maxDist of hash, nearest first.
// Beyond distance 3 the bands no longer guarantee a shared band, so the
// lookup compares against every stored hash.
func (x *HashIndex[R]) Near(hash uint64, maxDist int) []Match[R] {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []Match[R]
	if maxDist > len(x.bands)-1 {
		for ref, h := range x.refs {
			if d := Hamming(h, hash); d <= maxDist {
				out = append(out, Match[R]{ref, h, d})
			}
		}
	} else {
		for i := range x.bands {
		entries:
			for _, e := range x.bands[i][band(hash, i)] {
				// Count each entry once: under the first band it shares.
				for j := 0; j < i; j++ {
					if band(e.hash, j) == band(hash, j) {
						continue entries
					}
				}
				if d := Hamming(e.hash, hash); d <= maxDist {
					out = append(out, Match[R]{e.ref, e.hash, d})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	return out
}
