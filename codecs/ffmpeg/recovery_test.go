package ffmpeg

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

var (
	refreshSEI = []byte{0x06, 0x06, 0x01, 0x61, 0x80} // recovery point: recovery_frame_cnt 2
	openGOPSEI = []byte{0x06, 0x06, 0x01, 0xc4, 0x80} // recovery point: recovery_frame_cnt 0
	iSlice     = []byte{0x21, 0xb8}
	idrSlice   = []byte{0x65, 0xb8}
)

func TestRecoveryStartSkipsLeadingPicturesOnlyAfterAStartAtARecoveryPoint(t *testing.T) {
	at := func(ms int) time.Time { return time.UnixMilli(int64(ms)) }
	key := &media.Packet{Key: true, CaptureTime: at(100)}
	leading := &media.Packet{CaptureTime: at(60)}
	after := &media.Packet{CaptureTime: at(140)}

	var r recoveryStart
	r.reset()
	if r.feed(key, [][]byte{openGOPSEI, iSlice}) || !r.feed(leading, nil) || r.feed(after, nil) {
		t.Error("a start at an open GOP's recovery point must skip its leading pictures alone")
	}
	if r.firstPicture() {
		t.Error("an open GOP's recovery point shows its pictures at once")
	}
	if r.feed(key, [][]byte{openGOPSEI, iSlice}) || r.feed(leading, nil) {
		t.Error("a recovery point in the middle of a decoded chain skips nothing")
	}

	r.reset()
	if r.feed(key, [][]byte{refreshSEI, iSlice}) || !r.firstPicture() || r.firstPicture() {
		t.Error("a start at an intra refresh's recovery point must wait, once, for its first picture")
	}

	r.reset()
	if r.feed(key, [][]byte{idrSlice}) || r.feed(leading, nil) || r.firstPicture() {
		t.Error("a start at an IDR skips nothing and waits for nothing")
	}
}
