package web

import (
	"bytes"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// gopUnits returns the access units of 60 s of ffmpeg's testsrc at
// 320x240 and 25 fps, an IDR every 25 pictures; key says which are IDR.
// It skips the test when ffmpeg or its libx264 is missing.
func gopUnits(t *testing.T) (units [][]byte, key []bool) {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed (make deps installs it)")
	}
	out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-bf", "0",
		"-x264-params", "keyint=25:min-keyint=25:scenecut=0:repeat-headers=1:aud=1", "-pix_fmt", "yuv420p", "-f", "h264", "-").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && strings.Contains(string(ee.Stderr), "Unknown encoder") {
			t.Skipf("ffmpeg lacks the encoder: %s", ee.Stderr)
		}
		t.Fatalf("ffmpeg: %v", err)
	}
	for _, raw := range bytes.Split(out, []byte{0, 0, 0, 1, byte(h264.NALUTypeAUD)}) {
		if len(raw) == 0 {
			continue
		}
		au := append([]byte{0, 0, 0, 1, byte(h264.NALUTypeAUD)}, raw...)
		nalus, err := h264.SplitAnnexB(au)
		if err != nil {
			t.Fatal(err)
		}
		idr := false
		for _, n := range nalus {
			idr = idr || h264.TypeOf(n) == h264.NALUTypeIDR
		}
		units, key = append(units, au), append(key, idr)
	}
	if len(units) < 1000 || !key[0] {
		t.Fatalf("%d access units, the first an IDR: %v; want a minute's", len(units), len(key) > 0 && key[0])
	}
	return units, key
}

// publishStalling publishes on topic of n's bus, live at 25 pictures a
// second until the test ends, as a relay of another node's topic does:
// while stalled is set, it stays the topic's publisher and sends nothing
// (its upstream stalled), and it goes on at the next keyframe.
func publishStalling(t *testing.T, n *busNode, topic string, stalled *atomic.Bool) {
	t.Helper()
	units, key := gopUnits(t)
	pid, err := n.bus.Topic(topic)
	if err != nil {
		t.Fatal(err)
	}
	publisher := n.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	durable := qos.DurableVideo()
	n.system.Root.Send(pid, &transport.PublisherJoined{Publisher: publisher, QoS: &durable})
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second / 25)
		defer tick.Stop()
		epoch, gop, seq, skipping := media.NewEpoch(), uint64(0), uint64(0), false
		for i := 0; ; i = (i + 1) % len(units) {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if stalled.Load() {
				skipping = true
				continue
			}
			if skipping && !key[i] {
				continue
			}
			skipping = false
			if key[i] {
				gop = seq
			}
			n.system.Root.Send(pid, &transport.Publish{Publisher: publisher, Packet: &media.Packet{Codec: media.H264, Data: units[i],
				Key: key[i], Seq: seq, GOP: gop, Epoch: epoch, CaptureTime: time.Now(), Width: 320, Height: 240}})
			seq++
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
		_ = n.system.Root.StopFuture(publisher).Wait()
	})
	waitFor(t, 10*time.Second, "a keyframe cached on "+topic, func() bool {
		st, err := n.bus.Stats(topic)
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
}

// A WebRTC view of a topic relayed from a node whose stream stalls (the
// relay stays the topic's publisher, its packets stop) says so, "no packet
// for N s from TOPIC", instead of replaying the cached GOP it showed
// already as if new and freezing; it plays again once packets flow.
func TestWebRTCViewOfAStalledRelaySaysSoAndReplaysNothingOld(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	var stalled atomic.Bool
	publishStalling(t, n, "/relay", &stalled)
	p := chromiumPage{newTab(t)}
	firstPicture(t, p, n.server.URL+"/view?topic=/relay")
	waitFor(t, 20*time.Second, "the relayed picture", func() bool { return readPicture(t, p).FramesPainted > 10 })

	stalled.Store(true)
	var st pictureState
	waitFor(t, 30*time.Second, "the page's word of the stall", func() bool {
		st = readPicture(t, p)
		return st.Error != nil && strings.Contains(*st.Error, "no packet for") && strings.Contains(*st.Error, "from /relay")
	})
	// While it waits, the view tries again and again; none of its tries
	// paints the cached GOP as if new, or clears the error.
	painted := st.FramesPainted
	tries := reconnects(t, p)
	waitFor(t, 30*time.Second, "two more tries of the stalled view", func() bool {
		st = readPicture(t, p)
		if st.Error == nil || st.FramesPainted != painted {
			t.Fatalf("while the relay is stalled the view painted %d pictures more, its error %v", st.FramesPainted-painted, st.Error)
		}
		return reconnects(t, p) >= tries+2
	})
	if !strings.Contains(*st.Error, "no packet for") {
		t.Errorf("the stalled view says %q, want no packet for N s from /relay", *st.Error)
	}

	stalled.Store(false)
	waitFor(t, 60*time.Second, "the picture again, without an error", func() bool {
		st = readPicture(t, p)
		return st.Error == nil && st.FramesPainted > painted+30
	})
}

// reconnects is how many WHEP sessions the view in p tried after its first.
func reconnects(t *testing.T, p page) int {
	t.Helper()
	var n int
	if err := p.eval(`(window.goplineStats || {}).reconnects || 0`, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A WebSocket view of a topic relayed from a node whose stream stalls says
// so in the WebRTC view's words, "no packet for N s from TOPIC: its
// publisher sends nothing", under its last picture, rather than the
// stream stopped or the node went away; the next picture takes the word
// back.
func TestWebSocketViewOfAStalledRelaySaysSo(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	var stalled atomic.Bool
	publishStalling(t, n, "/relay", &stalled)
	p := chromiumPage{newTab(t)}
	firstPicture(t, p, n.server.URL+"/view?topic=/relay&transport=websocket")
	var st pictureState
	waitFor(t, 20*time.Second, "the relayed picture", func() bool {
		st = readPicture(t, p)
		return st.FramesPainted > 10
	})
	if st.Transport != "websocket" {
		t.Fatalf("the page plays over %q, want websocket", st.Transport)
	}

	stalled.Store(true)
	waitFor(t, 30*time.Second, "the page's word of the stall", func() bool {
		st = readPicture(t, p)
		return st.Error != nil && strings.Contains(*st.Error, "no packet for") && strings.Contains(*st.Error, "from /relay") &&
			strings.Contains(*st.Error, "its publisher sends nothing")
	})
	waitFor(t, 5*time.Second, "the stall under the picture", func() bool {
		return strings.Contains(tileCaption(t, p), "/relay: no packet for")
	})
	painted := st.FramesPainted

	stalled.Store(false)
	waitFor(t, 60*time.Second, "the picture again, without an error", func() bool {
		st = readPicture(t, p)
		return st.Error == nil && st.FramesPainted > painted+30
	})
	waitFor(t, 5*time.Second, "the stall no longer under the picture", func() bool {
		return !strings.Contains(tileCaption(t, p), "no packet")
	})
}
