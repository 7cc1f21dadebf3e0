package export_test

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"
	"time"
)

// mp4Times are the durations an MP4 file's headers give its one track.
type mp4Times struct {
	movie   time.Duration // mvhd: what players show as the file's length
	track   time.Duration // tkhd
	edit    time.Duration // the edit list's one segment: the part of the track shown
	media   time.Duration // mdhd
	samples time.Duration // the sum of the sample durations (stts): the decode span
}

// mp4Boxes are the raw fields readMP4Times reads, in their timescales.
type mp4Boxes struct {
	movieScale, movie, track, edit uint64
	mediaScale, media, samples     uint64
	edits                          int
	syncs                          []int // stss: the sync samples, numbered from 1; nil when every sample is one
}

// walkMP4 walks the boxes of the MP4 file at path.
func walkMP4(t *testing.T, path string) mp4Boxes {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b mp4Boxes
	if err := b.walk(data); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// readMP4Times reads the duration fields of path's moov box, walking the
// boxes that lead to them and skipping the others.
func readMP4Times(t *testing.T, path string) mp4Times {
	t.Helper()
	b := walkMP4(t, path)
	if b.movieScale == 0 || b.mediaScale == 0 || b.edits != 1 {
		t.Fatalf("%s: mvhd timescale %d, mdhd timescale %d, %d edits (want one)", path, b.movieScale, b.mediaScale, b.edits)
	}
	return mp4Times{
		movie:   ticksToDuration(b.movie, b.movieScale),
		track:   ticksToDuration(b.track, b.movieScale),
		edit:    ticksToDuration(b.edit, b.movieScale),
		media:   ticksToDuration(b.media, b.mediaScale),
		samples: ticksToDuration(b.samples, b.mediaScale),
	}
}

// readMP4SyncSamples returns the sync samples that path's stss box lists,
// numbered from 1 in decode order.
func readMP4SyncSamples(t *testing.T, path string) []int {
	t.Helper()
	b := walkMP4(t, path)
	return b.syncs
}

func (b *mp4Boxes) walk(data []byte) error {
	u32 := func(p []byte, at int) uint64 { return uint64(binary.BigEndian.Uint32(p[at:])) }
	u64 := func(p []byte, at int) uint64 { return binary.BigEndian.Uint64(p[at:]) }
	for len(data) > 0 {
		if len(data) < 8 {
			return errors.New("a truncated box header")
		}
		size, typ, head := u32(data, 0), string(data[4:8]), uint64(8)
		if size == 1 && len(data) >= 16 {
			size, head = u64(data, 8), 16
		}
		if size < head || size > uint64(len(data)) {
			return errors.New("box " + typ + " overruns its parent")
		}
		body := data[head:size]
		v1 := len(body) > 0 && body[0] == 1
		switch {
		case typ == "moov" || typ == "trak" || typ == "edts" || typ == "mdia" || typ == "minf" || typ == "stbl":
			if err := b.walk(body); err != nil {
				return err
			}
		case typ == "mvhd" && v1:
			b.movieScale, b.movie = u32(body, 20), u64(body, 24)
		case typ == "mvhd":
			b.movieScale, b.movie = u32(body, 12), u32(body, 16)
		case typ == "mdhd" && v1:
			b.mediaScale, b.media = u32(body, 20), u64(body, 24)
		case typ == "mdhd":
			b.mediaScale, b.media = u32(body, 12), u32(body, 16)
		case typ == "tkhd" && v1:
			b.track = u64(body, 28)
		case typ == "tkhd":
			b.track = u32(body, 20)
		case typ == "elst" && v1:
			b.edits, b.edit = int(u32(body, 4)), u64(body, 8)
		case typ == "elst":
			b.edits, b.edit = int(u32(body, 4)), u32(body, 8)
		case typ == "stss" && len(body) >= 8:
			for i := range min(int(u32(body, 4)), (len(body)-8)/4) {
				b.syncs = append(b.syncs, int(u32(body, 8+4*i)))
			}
		case typ == "stts":
			for i := range int(u32(body, 4)) {
				b.samples += u32(body, 8+8*i) * u32(body, 12+8*i)
			}
		}
		data = data[size:]
	}
	return nil
}

func ticksToDuration(ticks, perSecond uint64) time.Duration {
	return time.Duration(ticks/perSecond)*time.Second + time.Duration(ticks%perSecond)*time.Second/time.Duration(perSecond)
}
