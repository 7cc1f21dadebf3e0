package ffmpeg

import (
	"encoding/binary"
	"math"
	"testing"
)

// matrixBytes lays out a display matrix as FFmpeg's side data holds it:
// a, b, c, d the 2x2 transform (1.0 = 1<<16), the last entry 1<<30.
func matrixBytes(a, b, c, d float64) []byte {
	m := [9]int32{int32(a * (1 << 16)), int32(b * (1 << 16)), 0, int32(c * (1 << 16)), int32(d * (1 << 16)), 0, 0, 0, 1 << 30}
	out := make([]byte, 0, displayMatrixSize)
	for _, v := range m {
		out = binary.NativeEndian.AppendUint32(out, uint32(v))
	}
	return out
}

// The angles and turns match FFmpeg's autorotate for the matrices its MP4
// demuxer makes of a "rotate" tag (ffprobe's displaymatrix of clips tagged
// rotate=90, 180, 270), and odd angles and mirrors are told apart.
func TestParseDisplayMatrixAsFFmpegAutorotates(t *testing.T) {
	sin45 := math.Sqrt2 / 2
	cases := []struct {
		name       string
		matrix     []byte
		want       DisplayRotation
		turns      int
		turnable   bool
		wantParsed bool
	}{
		{"none", matrixBytes(1, 0, 0, 1), DisplayRotation{}, 0, true, true},
		{"rotate=90 tag", matrixBytes(0, -1, 1, 0), DisplayRotation{Degrees: 270}, 3, true, true},
		{"rotate=180 tag", matrixBytes(-1, 0, 0, -1), DisplayRotation{Degrees: 180}, 2, true, true},
		{"rotate=270 tag", matrixBytes(0, 1, -1, 0), DisplayRotation{Degrees: 90}, 1, true, true},
		{"45 degrees", matrixBytes(sin45, sin45, -sin45, sin45), DisplayRotation{Degrees: 45}, 0, false, true},
		{"horizontal mirror", matrixBytes(-1, 0, 0, 1), DisplayRotation{Degrees: 180, Mirrored: true}, 0, false, true},
		{"turn and mirror", matrixBytes(0, 1, 1, 0), DisplayRotation{Degrees: 90, Mirrored: true}, 0, false, true},
		{"degenerate", matrixBytes(0, 0, 0, 0), DisplayRotation{}, 0, true, false},
		{"short", matrixBytes(1, 0, 0, 1)[:20], DisplayRotation{}, 0, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseDisplayMatrix(c.matrix)
			if got != c.want || ok != c.wantParsed {
				t.Fatalf("parseDisplayMatrix = %+v, %v; want %+v, %v", got, ok, c.want, c.wantParsed)
			}
			if turns, ok := got.QuarterTurns(); turns != c.turns || ok != c.turnable {
				t.Fatalf("%v: QuarterTurns = %d, %v; want %d, %v", got, turns, ok, c.turns, c.turnable)
			}
		})
	}
}

func TestDisplayRotationSaysHowPicturesAreShown(t *testing.T) {
	for rot, want := range map[DisplayRotation]string{
		{}:                             "as coded",
		{Degrees: 90}:                  "turned 90° clockwise",
		{Degrees: 180, Mirrored: true}: "mirrored and turned 180° clockwise",
		{Mirrored: true}:               "mirrored",
	} {
		if got := rot.String(); got != want {
			t.Errorf("%+v: %q, want %q", rot, got, want)
		}
	}
}

// A display matrix comes from the file: any bytes give an angle in [0,
// 360) or no rotation, never a panic, and the turns a reader applies are
// 0 to 3.
func FuzzParseDisplayMatrix(f *testing.F) {
	f.Add(matrixBytes(0, -1, 1, 0))
	f.Add(matrixBytes(1, 0, 0, 1))
	f.Add(matrixBytes(0, 0, 0, 0))
	f.Add(make([]byte, displayMatrixSize-1))
	f.Fuzz(func(t *testing.T, b []byte) {
		rot, ok := parseDisplayMatrix(b)
		if !ok {
			if !rot.IsZero() {
				t.Fatalf("%x: no rotation parsed, but %+v", b, rot)
			}
			return
		}
		if math.IsNaN(rot.Degrees) || rot.Degrees < 0 || rot.Degrees >= 360 {
			t.Fatalf("%x: %v degrees", b, rot.Degrees)
		}
		if turns, ok := rot.QuarterTurns(); ok && (turns < 0 || turns > 3) {
			t.Fatalf("%x: %d quarter turns", b, turns)
		}
		_ = rot.String()
	})
}
