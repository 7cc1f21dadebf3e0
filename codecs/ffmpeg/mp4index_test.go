package ffmpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// box lays out an MP4 box of kind holding payload bytes; a length other
// than -1 is written in its header instead of the real one.
func box(kind string, payload, length int) []byte {
	b := make([]byte, 8+payload)
	if length < 0 {
		length = len(b)
	}
	binary.BigEndian.PutUint32(b, uint32(length))
	copy(b[4:], kind)
	return b
}

func TestScanTopBoxesFindsTheIndexOrItsLack(t *testing.T) {
	large := make([]byte, 16+100)
	binary.BigEndian.PutUint32(large, 1)
	copy(large[4:], "mdat")
	binary.BigEndian.PutUint64(large[8:], 116)
	for _, c := range []struct {
		name string
		file []byte
		want mp4Boxes
	}{
		{"moov first", bytes.Join([][]byte{box("ftyp", 16, -1), box("moov", 100, -1), box("mdat", 1000, -1)}, nil), mp4Boxes{mp4: true, moov: true}},
		{"moov last", bytes.Join([][]byte{box("ftyp", 16, -1), box("mdat", 1000, -1), box("moov", 100, -1)}, nil), mp4Boxes{mp4: true, moov: true}},
		{"cut inside mdat", bytes.Join([][]byte{box("ftyp", 16, -1), box("mdat", 500, 5000)}, nil), mp4Boxes{mp4: true, cut: true}},
		{"mdat to the end", bytes.Join([][]byte{box("ftyp", 16, -1), box("mdat", 500, 0)}, nil), mp4Boxes{mp4: true}},
		{"64-bit mdat, then moov", bytes.Join([][]byte{box("ftyp", 16, -1), large, box("moov", 10, -1)}, nil), mp4Boxes{mp4: true, moov: true}},
		{"fragments", bytes.Join([][]byte{box("ftyp", 16, -1), box("moov", 50, -1), box("moof", 20, -1), box("mdat", 100, -1)}, nil), mp4Boxes{mp4: true, moov: true, fragments: true}},
		{"cut in a header", append(box("ftyp", 16, -1), 0, 0, 1), mp4Boxes{mp4: true, cut: true}},
		{"not an MP4", bytes.Join([][]byte{box("RIFF", 16, -1), box("moov", 10, -1)}, nil), mp4Boxes{}},
		{"a box shorter than its header", bytes.Join([][]byte{box("ftyp", 16, -1), box("mdat", 0, 4)}, nil), mp4Boxes{mp4: true}},
		{"empty", nil, mp4Boxes{}},
	} {
		if got := scanTopBoxes(bytes.NewReader(c.file), int64(len(c.file))); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// cutInHalf writes the first half of the file at path to a file of the
// test's, as a copy or a recording cut short leaves it, and returns its path.
func cutInHalf(t *testing.T, path string) string {
	t.Helper()
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut"+filepath.Ext(path))
	if err := os.WriteFile(cut, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	return cut
}

// An MP4 cut before its muxer wrote the index fails to open saying so, and
// why a fragmented one would not: FFmpeg alone says only "Invalid data".
func TestAnMP4WithoutItsIndexSaysSo(t *testing.T) {
	clip := testclip.Make(t, "whole.mp4", 50, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	_, err := OpenReader(cutInHalf(t, clip))
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "without its index, the moov box") || !strings.Contains(err.Error(), "frag_keyframe") {
		t.Fatalf("open of an MP4 cut before its index: %v, want ErrOpen saying its index is missing", err)
	}
	r, err := OpenReader(clip)
	if err != nil {
		t.Fatalf("the whole clip: %v", err)
	}
	r.Close()
}

func FuzzScanTopBoxes(f *testing.F) {
	f.Add(bytes.Join([][]byte{box("ftyp", 16, -1), box("mdat", 100, 5000)}, nil))
	f.Add(bytes.Join([][]byte{box("ftyp", 16, -1), box("moov", 10, -1), box("moof", 0, -1)}, nil))
	f.Add(append(box("ftyp", 8, -1), 0, 0, 0, 1, 'm', 'd', 'a', 't', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, file []byte) {
		b := scanTopBoxes(bytes.NewReader(file), int64(len(file)))
		if (b.moov || b.fragments) && !b.mp4 {
			t.Fatalf("%+v: an index found in a file that is no MP4", b)
		}
		if b.mp4 && !bytes.Equal(file[4:8], []byte("ftyp")) {
			t.Fatalf("%+v: taken for an MP4 without ftyp first", b)
		}
	})
}

// An MP4 whose index survives the cut (written first, or in fragments)
// reads to the cut: the last packet, which the file's end cut short, is
// counted truncated, not damage, as a raw file's cut picture is.
func TestAnMP4CutShortCountsItsLastPacketTruncated(t *testing.T) {
	for _, flags := range []string{"+faststart", "frag_keyframe+empty_moov"} {
		clip := testclip.Make(t, "whole.mp4", 50, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", flags)
		cut := cutInHalf(t, clip)
		r := mustReader(t, cut)
		frames := readAllFrames(t, r)
		st := r.Stats()
		if len(frames) < 10 || len(frames) >= 50 || st.Truncated != 1 || st.Undecodable != 0 {
			t.Errorf("-movflags %s cut in half: %d pictures, %s; want those before the cut and 1 cut short by the end", flags, len(frames), st)
		}
		p := mustReader(t, cut, WithPassthrough())
		n := 0
		for ; ; n++ {
			if _, err := p.ReadPacket(); err != nil {
				break
			}
		}
		if st := p.Stats(); st.Undecodable != 0 || n < 10 {
			t.Errorf("-movflags %s cut in half, passthrough: %d packets, %s; want no undecodable packet", flags, n, st)
		}
	}
}

// An empty file says it is empty, not FFmpeg's bare "Invalid data"; an MP4
// whose index is at its end, read from a pipe (a FIFO here, as stdin),
// fails saying that a pipe needs the index first, and how to write one so.
func TestAnEmptyOrPipedMP4SaysWhy(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.mp4")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReader(empty); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "it is empty: nothing was written in it") {
		t.Errorf("an empty file: %v", err)
	}

	clip, err := os.ReadFile(testclip.Make(t, "endindex.mp4", 100, 25, "-c:v", "libx264", "-bf", "3", "-pix_fmt", "yuv420p"))
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_, _ = w.Write(clip)
			w.Close()
		}
	}()
	r, err := OpenReader(fifo)
	if err == nil {
		for err == nil {
			_, err = r.ReadFrame()
		}
		r.Close()
	}
	if err == io.EOF || !strings.Contains(fmt.Sprint(err), "needs its index first, as ffmpeg -movflags +faststart writes it") {
		t.Errorf("an MP4 with its index at the end, from a pipe: %v", err)
	}
}
