package testclip

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// CodedPictures returns n pictures of FFmpeg's testsrc2 pattern (160x120,
// 30 frames/s) coded in codec, a keyframe every gop pictures, one packet a
// picture in decode order, as a robot's bag holds them (ffmpeg_image_transport's
// packets, Foxglove's CompressedVideo): "hevc" in Annex B by libx265, and
// "h264" by libx264, with their B-frames, each picture behind an access
// unit delimiter; "vp9" by libvpx; "av1" (temporal units of OBUs) by
// libaom. shown[i] is picture i's place in presentation order. args are
// more of ffmpeg's output options, given first (a filter, the colours the
// stream states).
func CodedPictures(t testing.TB, codec string, n, gop int, args ...string) (pictures [][]byte, shown []int) {
	t.Helper()
	g := strconv.Itoa(gop)
	var path string
	switch codec {
	case "hevc":
		path = Make(t, "clip.h265", n, 30, append(slices.Clip(args), "-pix_fmt", "yuv420p", "-c:v", "libx265",
			"-x265-params", "keyint="+g+":min-keyint="+g+":aud=1:log-level=error", "-f", "hevc")...)
	case "h264":
		path = Make(t, "clip.h264", n, 30, append(slices.Clip(args), "-pix_fmt", "yuv420p", "-c:v", "libx264", "-bf", "2", "-g", g, "-keyint_min", g,
			"-x264-params", "aud=1:scenecut=0", "-f", "h264")...)
	case "vp9":
		path = Make(t, "clip.ivf", n, 30, append(slices.Clip(args), "-pix_fmt", "yuv420p", "-c:v", "libvpx-vp9", "-g", g, "-deadline", "realtime", "-cpu-used", "8", "-f", "ivf")...)
	case "av1":
		path = Make(t, "clip.ivf", n, 30, append(slices.Clip(args), "-pix_fmt", "yuv420p", "-c:v", "libaom-av1", "-g", g, "-usage", "realtime", "-cpu-used", "8", "-f", "ivf")...)
	default:
		t.Fatalf("testclip: no %q clips", codec)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if codec != "hevc" && codec != "h264" {
		pictures = ivfFrames(t, data)
		for i := range pictures {
			shown = append(shown, i) // no reordering
		}
	} else {
		var starts []int
		aud := func(header byte) bool { return header>>1&0x3f == 35 } // H.265's NAL type 35
		if codec == "h264" {
			aud = func(header byte) bool { return header&0x1f == 9 }
		}
		pictures, starts = splitAtDelimiters(data, aud)
		// ffprobe names each picture it shows by its packet's place in the
		// file.
		shown = make([]int, len(pictures))
		k := 0
		for _, pos := range Probe(t, path, "-show_entries", "frame=pkt_pos") {
			if pos = strings.Trim(pos, ","); pos == "" {
				continue // a keyframe's side data
			}
			at := atoi(t, pos) // its start code's three bytes
			i := slices.IndexFunc(starts, func(s int) bool { return s == at || s+1 == at })
			if i < 0 {
				t.Fatalf("testclip: ffprobe shows a picture of a packet at %s, not a picture's start", pos)
			}
			shown[i] = k
			k++
		}
	}
	if len(pictures) != n {
		t.Fatalf("testclip: %s clip of %d pictures, want %d", codec, len(pictures), n)
	}
	return pictures, shown
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// splitAtDelimiters splits an H.264 or H.265 stream in Annex B at its
// access unit delimiters, the NAL units whose header's first byte aud
// accepts, and returns where each access unit starts.
func splitAtDelimiters(data []byte, aud func(header byte) bool) (units [][]byte, starts []int) {
	for i := 0; i+4 < len(data); i++ {
		if data[i] == 0 && data[i+1] == 0 && data[i+2] == 1 && aud(data[i+3]) {
			start := i
			if i > 0 && data[i-1] == 0 {
				start-- // a four-byte start code
			}
			starts = append(starts, start)
		}
	}
	for k, s := range starts {
		end := len(data)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		units = append(units, bytes.Clone(data[s:end]))
	}
	return units, starts
}

// ivfFrames returns the frames of an IVF file.
func ivfFrames(t testing.TB, data []byte) [][]byte {
	t.Helper()
	if len(data) < 32 || string(data[:4]) != "DKIF" {
		t.Fatal("testclip: not an IVF file")
	}
	data = data[binary.LittleEndian.Uint16(data[6:]):]
	var out [][]byte
	for len(data) >= 12 {
		size := int(binary.LittleEndian.Uint32(data))
		if 12+size > len(data) {
			t.Fatal("testclip: IVF frame past the file's end")
		}
		out = append(out, bytes.Clone(data[12:12+size]))
		data = data[12+size:]
	}
	return out
}
