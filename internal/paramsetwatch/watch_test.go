package paramsetwatch

import (
	"errors"
	"strings"
	"testing"

	"github.com/gopline/gopline/codecs/h264"
)

// annexB makes an access unit of NAL units that are their header byte and
// two more.
func annexB(headers ...byte) []byte {
	var nalus [][]byte
	for _, h := range headers {
		nalus = append(nalus, []byte{h, 0x88, 0x84})
	}
	return h264.JoinAnnexB(nalus)
}

// The watch fails the third keyframe that comes without an SPS before it,
// once; a keyframe after an SPS ends it, whatever comes later.
func TestParameterSetWatchFailsAKeyframeWithoutSPS(t *testing.T) {
	const (
		sps, pps, idr, slice, aud = 0x67, 0x68, 0x65, 0x41, 0x09
		// H.265: types 32 (VPS), 33 (SPS), 34 (PPS), 19 (IDR_W_RADL), 1.
		vps5, sps5, pps5, idr5, trail5 = 32 << 1, 33 << 1, 34 << 1, 19 << 1, 1 << 1
	)
	for _, c := range []struct {
		name string
		hevc bool
		aus  [][]byte
		fail int // the access unit that fails, -1 for none
	}{
		{"in front of the IDR", false, [][]byte{annexB(aud, sps, pps, idr), annexB(slice), annexB(idr)}, -1},
		{"in an earlier access unit", false, [][]byte{annexB(sps, pps), annexB(idr)}, -1},
		{"a late joiner's slices first", false, [][]byte{annexB(slice), annexB(slice), annexB(sps, pps, idr)}, -1},
		{"never", false, [][]byte{annexB(slice), annexB(aud, idr), annexB(aud, idr), annexB(aud, idr), annexB(idr)}, 3},
		{"PPS alone", false, [][]byte{annexB(pps, idr), annexB(pps, idr), annexB(pps, idr)}, 2},
		{"a keyframe of two slices counts once", false, [][]byte{annexB(idr, idr), annexB(idr, idr), annexB(sps, pps, idr)}, -1},
		{"every second keyframe (config-interval of two GOPs)", false, [][]byte{annexB(idr), annexB(slice), annexB(sps, pps, idr)}, -1},
		{"not Annex B", false, [][]byte{{1, 2, 3}, annexB(sps, idr)}, -1},
		{"H.265 in front", true, [][]byte{annexB(trail5), annexB(vps5, sps5, pps5, idr5)}, -1},
		{"H.265 never", true, [][]byte{annexB(trail5), annexB(idr5), annexB(idr5), annexB(idr5)}, 3},
		// H.264's SPS header byte is an H.265 type 51: no SPS there.
		{"H.264 bytes as H.265", true, [][]byte{annexB(sps, pps), annexB(idr5), annexB(idr5), annexB(idr5)}, 3},
	} {
		w := Watch{HEVC: c.hevc}
		failed := -1
		for i, au := range c.aus {
			if err := w.Check(au, "rtp://127.0.0.1:5000"); err != nil {
				if !errors.Is(err, ErrNoParameterSets) || !strings.Contains(err.Error(), "rtp://127.0.0.1:5000") {
					t.Fatalf("%s: err = %v", c.name, err)
				}
				if failed >= 0 {
					t.Fatalf("%s: failed twice", c.name)
				}
				failed = i
			}
		}
		if failed != c.fail {
			t.Errorf("%s: failed at access unit %d, want %d", c.name, failed, c.fail)
		}
		if c.fail < 0 && len(c.aus) > 1 && !w.Done() {
			t.Errorf("%s: the watch goes on after its keyframe", c.name)
		}
	}
	if w := (Watch{Off: true}); w.Check(annexB(idr), "x") != nil || !w.Done() {
		t.Error("a JPEG stream is watched")
	}
}
