package export

import (
	"errors"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// The picture shown at a time is in the last part that starts at or
// before it: in a pause between two files, the earlier one's.
func TestPartAtIsTheLastPartStartedByTheTime(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	parts := []part{{from: at(10), to: at(20)}, {from: at(30), to: at(40)}, {from: at(40), to: at(50)}}
	for _, c := range []struct {
		t    int
		want int
	}{{5, 0}, {10, 0}, {19, 0}, {25, 0}, {30, 1}, {39, 1}, {40, 2}, {60, 2}} {
		if got := partAt(parts, at(c.t)); got != c.want {
			t.Errorf("at %ds: part %d, want %d", c.t, got, c.want)
		}
	}
}

// A stream exported over files keeps one codec: a change between them
// is refused, naming both files.
func TestOneCodecRefusesACodecChangeBetweenFiles(t *testing.T) {
	h264, jpeg := storage.StreamInfo{Codec: media.H264}, storage.StreamInfo{Codec: media.JPEG}
	for _, c := range []struct {
		infos []storage.StreamInfo
		ok    bool
	}{{[]storage.StreamInfo{h264}, true}, {[]storage.StreamInfo{h264, h264}, true}, {[]storage.StreamInfo{h264, h264, jpeg}, false}} {
		s := span{info: c.infos[0]}
		for _, info := range c.infos {
			s.parts = append(s.parts, part{rec: &storage.Recording{}, info: info})
		}
		if err := s.oneCodec("/cam"); (err == nil) != c.ok || err != nil && !errors.Is(err, ErrUnsupportedCodec) {
			t.Errorf("%v: %v", c.infos, err)
		}
	}
}
