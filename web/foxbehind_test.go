package web

import (
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// A Foxglove client that stops reading for 10 s (a stopped process) and
// then reads again is not sent the 300 pictures it missed: it finds about
// a second of them, written before the node noticed, then a status
// message that says it fell behind, then the newest GOP, keyframe first,
// and the live stream after it, every picture of which decodes.
func TestFoxgloveClientThatStopsReadingGoesOnAtTheNewestGOP(t *testing.T) {
	n := newLiveNode(t, Config{}) // 30 pictures a second, a keyframe a second
	c := dialFoxglove(t, n, "")
	chans := c.greeting()
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for got := 0; got < 60; {
		if op, data := c.next(); op == "binary" {
			got++
		} else {
			t.Logf("before the stop: %s", data)
		}
	}

	const stop = 10 * time.Second
	time.Sleep(stop) // the client reads nothing, nor answers the node's pings
	resumed := time.Now()

	stale := 0
	for {
		op, data := c.next()
		if op == "binary" {
			if stale++; stale > 2*int(stop/time.Second)*n.rate {
				t.Fatalf("%d pictures and no word that the client fell behind", stale)
			}
			continue
		}
		if op == "status" && strings.Contains(string(data), "fell behind") {
			t.Logf("after %d pictures: %s", stale, data)
			break
		}
		t.Logf("%s", data)
	}
	if limit := 3 * n.rate; stale > limit {
		t.Errorf("the client found %d pictures sent while it read nothing for %v, want at most %d (about a second's)", stale, stop, limit)
	}

	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var gop uint64
	for i := range 2 * n.rate {
		op, data := c.next()
		for op != "binary" { // statuses of the catch-up: it is thin for a while, then live again
			if !strings.Contains(string(data), `"gopline.`) {
				t.Fatalf("message %d after the status: %s, want pictures", i, data)
			}
			t.Logf("%s", data)
			op, data = c.next()
		}
		_, m := decodeMessage(t, chans[0], data)
		nalus, err := h264.SplitAnnexB(m.Data)
		if err != nil {
			t.Fatalf("picture %d: %v", i, err)
		}
		key := h264.IsRandomAccess(nalus)
		at := time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec)
		if i == 0 {
			if !key {
				t.Fatal("the first picture after the status is not a keyframe")
			}
			// The newest GOP began at most a second before the client
			// read again; a loaded machine's encoder may lag.
			if age := resumed.Sub(at); age > 3*time.Second {
				t.Errorf("the keyframe after the status was captured %v before the client read again, want the newest GOP's", age)
			}
		}
		if key {
			gop = uint64(i)
		}
		p := &media.Packet{Codec: media.H264, Data: m.Data, Key: key, Width: 320, Height: 240, Seq: uint64(i), GOP: gop}
		if _, err := dec.Decode(p); err != nil {
			t.Fatalf("picture %d after the status does not decode: %v", i, err)
		}
	}
}
