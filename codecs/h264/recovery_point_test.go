package h264

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// recoveryPayload builds a recovery point SEI payload, its bit_equal_to_one
// alignment included.
func recoveryPayload(frames uint32, exact, broken bool) []byte {
	w := &bitWriter{}
	w.writeUE(frames)
	w.writeFlag(exact)
	w.writeFlag(broken)
	w.writeBits(0, 2)
	if w.bits%8 != 0 {
		w.trailingBits()
	}
	return w.buf
}

// seiNALU builds an SEI NAL unit from (payloadType, payload) messages.
func seiNALU(messages ...any) []byte {
	rbsp := []byte{}
	for i := 0; i+1 < len(messages); i += 2 {
		typ, payload := messages[i].(int), messages[i+1].([]byte)
		for ; typ >= 255; typ -= 255 {
			rbsp = append(rbsp, 0xff)
		}
		rbsp = append(rbsp, byte(typ))
		size := len(payload)
		for ; size >= 255; size -= 255 {
			rbsp = append(rbsp, 0xff)
		}
		rbsp = append(rbsp, byte(size))
		rbsp = append(rbsp, payload...)
	}
	rbsp = append(rbsp, 0x80)
	return append([]byte{0x06}, addEmulationPrevention(rbsp)...)
}

var (
	userData       = bytes.Repeat([]byte{0}, 20) // uuid and text of zeros: emulation prevention inside
	testRecovery   = seiNALU(6, recoveryPayload(0, true, false))
	testRefresh    = seiNALU(5, userData, 6, recoveryPayload(49, false, false))
	testNonIDRI    = []byte{0x21, 0xb8} // non-IDR slice, first_mb 0, slice_type 7 (I)
	testNonIDRP    = []byte{0x21, 0x9a} // non-IDR slice, first_mb 0, slice_type 5 (P)
	testBigPayload = seiNALU(256, bytes.Repeat([]byte{1}, 300), 6, recoveryPayload(2, false, true))
)

// recoveryPointCases are SEI NAL units and the recovery point in them. The
// same table checks ParseRecoveryPoint and seeds its fuzz test.
var recoveryPointCases = []struct {
	name  string
	nalu  []byte
	want  RecoveryPoint
	found bool
	err   error
}{
	{"open GOP", testRecovery, RecoveryPoint{ExactMatch: true}, true, nil},
	{"intra refresh after user data", testRefresh, RecoveryPoint{FrameCount: 49}, true, nil},
	{"long type and size", testBigPayload, RecoveryPoint{FrameCount: 2, BrokenLink: true}, true, nil},
	{"user data alone", seiNALU(5, userData), RecoveryPoint{}, false, nil},
	{"no message", []byte{0x06, 0x80}, RecoveryPoint{}, false, nil},
	{"size past the end", []byte{0x06, 0x06, 0x09, 0xc4, 0x80}, RecoveryPoint{}, false, ErrTruncated},
	{"type never ends", []byte{0x06, 0xff, 0xff}, RecoveryPoint{}, false, ErrTruncated},
	{"empty payload", []byte{0x06, 0x06, 0x00, 0x80}, RecoveryPoint{}, false, ErrTruncated},
	{"frame count too large", seiNALU(6, recoveryPayload(1<<16, false, false)), RecoveryPoint{}, false, ErrInvalidSEI},
	{"not SEI", testIDR, RecoveryPoint{}, false, ErrNotSEI},
	{"empty", nil, RecoveryPoint{}, false, ErrNotSEI},
}

func TestParseRecoveryPointReadsTheMessageAmongOthers(t *testing.T) {
	for _, tt := range recoveryPointCases {
		t.Run(tt.name, func(t *testing.T) {
			input := bytes.Clone(tt.nalu)
			got, found, err := ParseRecoveryPoint(tt.nalu)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if got != tt.want || found != tt.found {
				t.Errorf("got %+v %t, want %+v %t", got, found, tt.want, tt.found)
			}
			if !bytes.Equal(input, tt.nalu) {
				t.Error("ParseRecoveryPoint modified its input")
			}
		})
	}
}

func FuzzParseRecoveryPoint(f *testing.F) {
	for _, tc := range recoveryPointCases {
		f.Add(tc.nalu)
	}
	f.Fuzz(func(t *testing.T, nalu []byte) {
		input := bytes.Clone(nalu)
		rp, found, err := ParseRecoveryPoint(nalu)
		if !bytes.Equal(input, nalu) {
			t.Fatal("ParseRecoveryPoint modified its input")
		}
		if err != nil && (found || rp != RecoveryPoint{}) {
			t.Fatalf("error %v with %+v found %t", err, rp, found)
		}
		if rp.FrameCount > maxRecoveryFrameCount {
			t.Fatalf("recovery_frame_cnt %d", rp.FrameCount)
		}
		if found != (AccessOf([][]byte{nalu, testNonIDRP}) == AccessRecoveryPoint) {
			t.Fatal("AccessOf disagrees with ParseRecoveryPoint")
		}
	})
}

func TestIsIntraPictureNeedsEverySliceIntra(t *testing.T) {
	cases := []struct {
		name  string
		nalus [][]byte
		want  bool
	}{
		{"I slice", [][]byte{testNonIDRI}, true},
		{"IDR", [][]byte{testSPS, testPPS, testIDR}, true},
		{"I and P slices", [][]byte{testNonIDRI, testNonIDRP}, false},
		{"P slice", [][]byte{testNonIDRP}, false},
		{"no slice", [][]byte{testSPS, testRecovery}, false},
		{"slice type unreadable", [][]byte{{0x21, 0x00}}, false},
	}
	for _, tt := range cases {
		if got := IsIntraPicture(tt.nalus); got != tt.want {
			t.Errorf("%s: IsIntraPicture = %t, want %t", tt.name, got, tt.want)
		}
	}
}

// TestAccessOfFindsTheRecoveryPointsX264Writes encodes with libx264 the
// streams of cameras that send no IDR but the first: periodic intra refresh
// and open GOPs, and reads where decoding can start.
func TestAccessOfFindsTheRecoveryPointsX264Writes(t *testing.T) {
	ffmpeg, _ := lookFFmpeg(t)
	cases := []struct {
		name, params     string
		idrs, recoveries int // over 150 pictures
	}{
		{"intra refresh", "keyint=50:intra-refresh=1", 1, 2},
		{"open GOP", "keyint=50:open-gop=1", 1, 2},
		{"closed GOP", "keyint=50", 3, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.h264")
			out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
				"-frames:v", "150", "-c:v", "libx264", "-x264-params", tc.params, "-f", "h264", path).CombinedOutput()
			if err != nil {
				t.Skipf("ffmpeg cannot encode with libx264: %v: %s", err, out)
			}
			stream, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			count := map[Access]int{}
			for _, au := range splitAccessUnits(t, stream) {
				count[AccessOf(au)]++
				if AccessOf(au) != AccessNone && !IsIntraPicture(au) && tc.name == "open GOP" {
					t.Errorf("an open GOP's random access point is not an intra picture")
				}
			}
			if count[AccessIDR] != tc.idrs || count[AccessRecoveryPoint] != tc.recoveries {
				t.Errorf("%d IDRs and %d recovery points, want %d and %d", count[AccessIDR], count[AccessRecoveryPoint], tc.idrs, tc.recoveries)
			}
		})
	}
}
