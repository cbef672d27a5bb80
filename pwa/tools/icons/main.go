// Command icons draws the app icons (pwa/icons/icon-192.png and
// icon-512.png): a white house with a door on the app's red, inside the
// safe zone of a maskable icon. Run from the repository root:
//
//	go run ./pwa/tools/icons
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"strconv"
)

func main() {
	for _, size := range []int{192, 512} {
		if err := write(size, "pwa/icons/icon-"+strconv.Itoa(size)+".png"); err != nil {
			log.Fatal(err)
		}
	}
}

func write(size int, path string) error {
	red := color.RGBA{0xb2, 0x3a, 0x2b, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := (float64(x)+0.5)/s, (float64(y)+0.5)/s
			c := red
			// Roof: a triangle from (0.5,0.22) to (0.22,0.48)–(0.78,0.48).
			if fy >= 0.22 && fy <= 0.48 {
				half := (fy - 0.22) / 0.26 * 0.28
				if fx >= 0.5-half && fx <= 0.5+half {
					c = white
				}
			}
			// Walls.
			if fy > 0.48 && fy <= 0.78 && fx >= 0.30 && fx <= 0.70 {
				c = white
			}
			// Door.
			if fy > 0.60 && fy <= 0.78 && fx >= 0.45 && fx <= 0.55 {
				c = red
			}
			// Ground line.
			if fy > 0.80 && fy <= 0.83 && fx >= 0.22 && fx <= 0.78 {
				c = white
			}
			img.Set(x, y, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
