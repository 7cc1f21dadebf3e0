package web

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// intraRefreshUnits returns the access units of 40 s of ffmpeg's testsrc
// at 320x240 and 25 fps, encoded by x264 with intra refresh: one IDR at
// the start, then a refresh wave every 25 pictures, each wave's first
// picture carrying SPS, PPS and a recovery point SEI in front of a non-IDR
// slice. The first wave, the IDR's, is left out. key says which start a
// wave. It skips the test when ffmpeg or its libx264 is missing.
func intraRefreshUnits(t *testing.T) (units [][]byte, key []bool) {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed (make deps installs it)")
	}
	out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-t", "40", "-c:v", "libx264", "-preset", "veryfast", "-bf", "0",
		"-x264-params", "intra-refresh=1:keyint=25:repeat-headers=1:aud=1", "-pix_fmt", "yuv420p", "-f", "h264", "-").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && strings.Contains(string(ee.Stderr), "Unknown encoder") {
			t.Skipf("ffmpeg lacks the encoder: %s", ee.Stderr)
		}
		t.Fatalf("ffmpeg: %v", err)
	}
	// x264 opens each access unit with an AUD in a 4-byte start code.
	for _, raw := range bytes.Split(out, []byte{0, 0, 0, 1, byte(h264.NALUTypeAUD)}) {
		if len(raw) == 0 {
			continue
		}
		au := append([]byte{0, 0, 0, 1, byte(h264.NALUTypeAUD)}, raw...)
		nalus, err := h264.SplitAnnexB(au)
		if err != nil {
			t.Fatal(err)
		}
		wave, idr := false, false
		for _, n := range nalus {
			wave = wave || h264.TypeOf(n) == h264.NALUTypeSPS
			idr = idr || h264.TypeOf(n) == h264.NALUTypeIDR
		}
		if idr {
			units, key = nil, nil // the IDR's wave is left out
		} else if wave || len(units) > 0 {
			units, key = append(units, au), append(key, wave)
		}
	}
	if len(units) < 100 || !key[0] {
		t.Fatalf("%d access units after the IDR's wave, the first a wave's start: %v; want hundreds", len(units), len(key) > 0 && key[0])
	}
	return units, key
}

// publishWithoutIDR publishes on topic of n's bus, live at 25 pictures a
// second until the test ends, an intra refresh stream without its IDR,
// each wave's first picture marked a keyframe, as a node that takes
// recovery points for keyframes sends it.
func publishWithoutIDR(t *testing.T, n *busNode, topic string) {
	t.Helper()
	units, key := intraRefreshUnits(t)
	pid, err := n.bus.Topic(topic)
	if err != nil {
		t.Fatal(err)
	}
	// The publisher is an actor that takes keyframe requests and makes none.
	publisher := n.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	durable := qos.DurableVideo()
	n.system.Root.Send(pid, &transport.PublisherJoined{Publisher: publisher, QoS: &durable})
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second / 25)
		defer tick.Stop()
		epoch, gop := media.NewEpoch(), uint64(0)
		for i := range units {
			if key[i] {
				gop = uint64(i)
			}
			n.system.Root.Send(pid, &transport.Publish{Publisher: publisher, Packet: &media.Packet{Codec: media.H264, Data: units[i],
				Key: key[i], Seq: uint64(i), GOP: gop, Epoch: epoch, CaptureTime: time.Now(), Width: 320, Height: 240}})
			select {
			case <-done:
				return
			case <-tick.C:
			}
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

// A view of a topic whose keyframes are not IDR pictures (intra refresh),
// which it receives and cannot start decoding from, says so in words that
// point at the cause, not at the node: over the WebSocket, and over WebRTC,
// which receives the stream, decodes none of it and hands the topic to the
// WebSocket.
func TestViewOfATopicWithoutIDRSaysWhy(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	publishWithoutIDR(t, n, "/ir")
	for _, query := range []string{"", "&transport=websocket"} {
		p := chromiumPage{newTab(t)}
		if err := p.navigate(n.server.URL + "/view?topic=/ir" + query); err != nil {
			t.Fatal(err)
		}
		var st tileStats
		waitFor(t, 30*time.Second, "the page's word of the missing IDR", func() bool {
			if err := p.eval(`window.goplineStats`, &st); err != nil {
				t.Fatal(err)
			}
			return st.Error != nil && strings.Contains(*st.Error, "IDR")
		})
		t.Logf("/view?topic=/ir%s over %s: %s (%s)", query, st.Transport, *st.Error, deref2(st.Note))
		if !strings.Contains(*st.Error, "intra refresh") || strings.Contains(*st.Error, "node went away") || st.Transport != "websocket" {
			t.Errorf("over %s the page says %q, want the WebSocket saying that the keyframes are not IDR pictures", st.Transport, *st.Error)
		}
		if query == "" && (st.Note == nil || !strings.Contains(*st.Note, "decoded no picture")) {
			t.Errorf("the note is %s, want why the page left WebRTC", deref2(st.Note))
		}
	}
}
