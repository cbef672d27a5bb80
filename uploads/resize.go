package uploads

import (
	"image"
	"image/color"
)

// shrink returns img reduced to dw×dh by averaging every source pixel into
// its destination cell (an area filter: no aliasing, one pass over the
// source, and memory for a single source row). Transparent pixels are laid
// on white, as a printed form shows them. Cells are at least one pixel, so
// a source smaller than the target is repeated, never left black.
func shrink(img image.Image, dw, dh int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	x0s := make([]int, dw+1)
	for dx := 0; dx <= dw; dx++ {
		x0s[dx] = dx * sw / dw
	}
	row := make([]uint8, 3*sw)
	sums := make([]uint64, 3*dw)
	convert := rowConverter(img)
	for dy := 0; dy < dh; dy++ {
		y0, y1 := dy*sh/dh, (dy+1)*sh/dh
		if y1 <= y0 {
			y1 = y0 + 1
		}
		clear(sums)
		for sy := y0; sy < y1; sy++ {
			convert(b.Min.Y+sy, row)
			for dx := 0; dx < dw; dx++ {
				xa, xb := x0s[dx], x0s[dx+1]
				if xb <= xa {
					xb = xa + 1
				}
				var r, g, bl uint64
				px := row[3*xa : 3*xb]
				for i := 0; i+2 < len(px); i += 3 {
					r += uint64(px[i])
					g += uint64(px[i+1])
					bl += uint64(px[i+2])
				}
				sums[3*dx] += r
				sums[3*dx+1] += g
				sums[3*dx+2] += bl
			}
		}
		out := dst.Pix[dy*dst.Stride:]
		for dx := 0; dx < dw; dx++ {
			xa, xb := x0s[dx], x0s[dx+1]
			if xb <= xa {
				xb = xa + 1
			}
			n := uint64((xb - xa) * (y1 - y0))
			out[4*dx] = uint8((sums[3*dx] + n/2) / n)
			out[4*dx+1] = uint8((sums[3*dx+1] + n/2) / n)
			out[4*dx+2] = uint8((sums[3*dx+2] + n/2) / n)
			out[4*dx+3] = 0xFF
		}
	}
	return dst
}

// rowConverter returns a function writing source row y as RGB triplets,
// with fast paths for what the decoders produce from phone photos.
func rowConverter(img image.Image) func(y int, row []uint8) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		return func(y int, row []uint8) {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i := 3 * (x - b.Min.X)
				row[i], row[i+1], row[i+2] = r, g, bl
			}
		}
	case *image.Gray:
		return func(y int, row []uint8) {
			p := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < b.Dx(); x++ {
				row[3*x], row[3*x+1], row[3*x+2] = p[x], p[x], p[x]
			}
		}
	case *image.RGBA: // premultiplied: over white adds 255-a
		return func(y int, row []uint8) {
			p := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < b.Dx(); x++ {
				w := 255 - p[4*x+3]
				row[3*x], row[3*x+1], row[3*x+2] = p[4*x]+w, p[4*x+1]+w, p[4*x+2]+w
			}
		}
	case *image.NRGBA:
		return func(y int, row []uint8) {
			p := m.Pix[(y-b.Min.Y)*m.Stride:]
			for x := 0; x < b.Dx(); x++ {
				a := uint32(p[4*x+3])
				for c := 0; c < 3; c++ {
					row[3*x+c] = uint8((uint32(p[4*x+c])*a + 255*(255-a) + 127) / 255)
				}
			}
		}
	default: // paletted, 16-bit, CMYK, YCbCr with alpha: slower but exact
		return func(y int, row []uint8) {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, a := img.At(x, y).RGBA()
				w := 0xFFFF - a
				i := 3 * (x - b.Min.X)
				row[i], row[i+1], row[i+2] = uint8((r+w)>>8), uint8((g+w)>>8), uint8((bl+w)>>8)
			}
		}
	}
}

// orient applies an EXIF orientation (1–8) so the thumbnail stands the way
// the photographer held the phone.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a quarter turn clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // needs a quarter turn anticlockwise
				sx, sy = w-1-y, x
			}
			copy(dst.Pix[y*dst.Stride+4*x:y*dst.Stride+4*x+4], src.Pix[sy*src.Stride+4*sx:])
		}
	}
	return dst
}
