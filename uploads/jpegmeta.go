package uploads

import (
	"bufio"
	"encoding/binary"
	"io"
)

// jpegMeta is what the JPEG headers say before any pixel is decoded: the
// EXIF orientation (phones store portraits sideways and set it), and the
// frame layout, which decides how much memory image/jpeg will allocate.
type jpegMeta struct {
	orientation int // EXIF 1–8; 1 when absent
	progressive bool
	components  int
	// planeFraction is the sum over components of their sampled area as a
	// fraction of the full image (1.5 for 4:2:0 YCbCr, 3 for 4:4:4).
	planeFraction float64
}

// readJPEGMeta walks the marker segments up to the first scan. It never
// fails: anything it cannot read leaves the defaults, and the decoder will
// report a broken file.
func readJPEGMeta(r io.Reader) jpegMeta {
	m := jpegMeta{orientation: 1, components: 3, planeFraction: 1.5}
	br := bufio.NewReaderSize(r, 4096)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return m
	}
	seenExif := false
	for {
		b, err := br.ReadByte()
		if err != nil || b != 0xFF {
			return m
		}
		marker, err := br.ReadByte()
		for err == nil && marker == 0xFF { // fill bytes
			marker, err = br.ReadByte()
		}
		if err != nil {
			return m
		}
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			continue // no length
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return m
		}
		var lb [2]byte
		if _, err := io.ReadFull(br, lb[:]); err != nil {
			return m
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return m
		}
		switch {
		case marker == 0xE1 && !seenExif:
			seg := make([]byte, n)
			if _, err := io.ReadFull(br, seg); err != nil {
				return m
			}
			if o, ok := exifOrientation(seg); ok {
				m.orientation = o
				seenExif = true
			}
		case isSOF(marker):
			seg := make([]byte, n)
			if _, err := io.ReadFull(br, seg); err != nil {
				return m
			}
			m.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
			parseSOF(&m, seg)
		default:
			if _, err := br.Discard(n); err != nil {
				return m
			}
		}
	}
}

func isSOF(marker byte) bool {
	return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
}

func parseSOF(m *jpegMeta, seg []byte) {
	if len(seg) < 6 {
		return
	}
	nf := int(seg[5])
	if nf == 0 || len(seg) < 6+3*nf {
		return
	}
	hmax, vmax := 1, 1
	for i := 0; i < nf; i++ {
		hv := seg[6+3*i+1]
		hmax = max(hmax, int(hv>>4))
		vmax = max(vmax, int(hv&0x0F))
	}
	var f float64
	for i := 0; i < nf; i++ {
		hv := seg[6+3*i+1]
		f += float64(int(hv>>4)*int(hv&0x0F)) / float64(hmax*vmax)
	}
	m.components = nf
	m.planeFraction = f
}

// exifOrientation reads tag 0x0112 from IFD0 of an APP1 "Exif" segment.
func exifOrientation(seg []byte) (int, bool) {
	if len(seg) < 14 || string(seg[:6]) != "Exif\x00\x00" {
		return 0, false
	}
	t := seg[6:]
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:4]) != 42 {
		return 0, false
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 0, false
	}
	count := int(bo.Uint16(t[off : off+2]))
	for i := 0; i < count; i++ {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			return 0, false
		}
		if bo.Uint16(t[e:e+2]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:e+4]) != 3 { // SHORT
			return 0, false
		}
		o := int(bo.Uint16(t[e+8 : e+10]))
		if o < 1 || o > 8 {
			return 0, false
		}
		return o, true
	}
	return 0, false
}
