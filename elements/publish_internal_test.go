package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// A packet that its subscribers could not use is refused at publish,
// saying why, instead of being dropped without a word behind the topic.
func TestPublishRefusesPacketsItsSubscribersCouldNotUse(t *testing.T) {
	at := time.Unix(1700000000, 0)
	good := func(seq, gop uint64) *media.Packet {
		return &media.Packet{Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x65}, Key: seq == gop, Seq: seq, GOP: gop,
			Epoch: 7, Width: 64, Height: 48, CaptureTime: at.Add(time.Duration(seq) * time.Second / 30)}
	}
	if err := publishable(good(0, 0), nil); err != nil {
		t.Fatalf("a first keyframe: %v", err)
	}
	if err := publishable(good(5, 0), good(4, 0)); err != nil {
		t.Fatalf("the packet after: %v", err)
	}
	if err := publishable(good(7, 0), good(4, 0)); err != nil {
		t.Fatalf("a packet after a hole (a loss is the subscribers' to see): %v", err)
	}
	replayed := good(0, 0).Replayed(media.Replay{})
	if err := publishable(replayed, good(4, 0)); err != nil {
		t.Fatalf("a GOP its topic replayed to a relay, handed on: %v", err)
	}
	restarted := good(0, 0)
	restarted.Epoch = 8
	if err := publishable(restarted, good(40, 30)); err != nil {
		t.Fatalf("the first packet of a new Epoch: %v", err)
	}
	noSize := good(1, 0)
	noSize.Width, noSize.Height = 0, 0
	noTime := good(1, 0)
	noTime.CaptureTime = time.Time{}
	for name, c := range map[string]struct {
		pk, last *media.Packet
		want     string
	}{
		"no size":            {noSize, good(0, 0), "packet seq 1 not published: media: invalid picture size: 0x0"},
		"no capture time":    {noTime, good(0, 0), "packet seq 1 not published: it has no capture time"},
		"the same seq again": {good(4, 0), good(4, 0), "packet seq 4 not published: it comes after seq 4 of the same Epoch"},
		"seq going back":     {good(2, 0), good(4, 0), "packet seq 2 not published: it comes after seq 4 of the same Epoch"},
	} {
		if err := publishable(c.pk, c.last); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
