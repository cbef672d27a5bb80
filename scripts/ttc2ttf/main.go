// Command ttc2ttf copies one face out of a TrueType collection (.ttc) into
// a plain .ttf, which go-pdf/fpdf can embed. It made documents/fonts/
// wqy-microhei.ttf from Debian's fonts-wqy-microhei:
//
//	go run ./scripts/ttc2ttf /usr/share/fonts/truetype/wqy/wqy-microhei.ttc 0 documents/fonts/wqy-microhei.ttf
//
// The face's table directory and tables are copied with their offsets
// rewritten, each table 4-byte aligned, and head.checkSumAdjustment made
// right for the new file.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: ttc2ttf in.ttc face out.ttf")
		os.Exit(2)
	}
	face, err := strconv.Atoi(os.Args[2])
	if err == nil {
		err = run(os.Args[1], face, os.Args[3])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttc2ttf:", err)
		os.Exit(1)
	}
}

type table struct {
	tag                 [4]byte
	sum, offset, length uint32
	newOffset           uint32
}

func run(in string, face int, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	be := binary.BigEndian
	if len(b) < 12 || string(b[:4]) != "ttcf" {
		return errors.New("not a TrueType collection")
	}
	n := int(be.Uint32(b[8:]))
	if face < 0 || face >= n {
		return fmt.Errorf("face %d of %d", face, n)
	}
	off := int(be.Uint32(b[12+4*face:]))
	numTables := int(be.Uint16(b[off+4:]))
	tables := make([]table, numTables)
	for i := range tables {
		r := b[off+12+16*i:]
		copy(tables[i].tag[:], r[:4])
		tables[i].sum, tables[i].offset, tables[i].length = be.Uint32(r[4:]), be.Uint32(r[8:]), be.Uint32(r[12:])
		if int(tables[i].offset)+int(tables[i].length) > len(b) {
			return fmt.Errorf("table %s runs past the file", tables[i].tag)
		}
	}
	sort.Slice(tables, func(i, j int) bool { return string(tables[i].tag[:]) < string(tables[j].tag[:]) })
	dirLen := 12 + 16*numTables
	pos := uint32(dirLen)
	for i := range tables {
		tables[i].newOffset = pos
		pos += (tables[i].length + 3) &^ 3
	}
	o := make([]byte, pos)
	copy(o[:12], b[off:off+12])
	headAt := -1
	for i, t := range tables {
		r := o[12+16*i:]
		copy(r[:4], t.tag[:])
		be.PutUint32(r[4:], t.sum)
		be.PutUint32(r[8:], t.newOffset)
		be.PutUint32(r[12:], t.length)
		copy(o[t.newOffset:], b[t.offset:t.offset+t.length])
		if string(t.tag[:]) == "head" {
			headAt = int(t.newOffset)
		}
	}
	if headAt < 0 {
		return errors.New("no head table")
	}
	be.PutUint32(o[headAt+8:], 0)
	var sum uint32
	for i := 0; i+4 <= len(o); i += 4 {
		sum += be.Uint32(o[i:])
	}
	be.PutUint32(o[headAt+8:], 0xB1B0AFBA-sum)
	return os.WriteFile(out, o, 0o644)
}
