package topictool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/remote"
	"github.com/gopline/gopline/transport/topictool"
)

func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.ErrorLevel), zerolog.ErrorLevel)
	os.Exit(m.Run())
}

// startCamera runs a test source at rate frames a second on /cam.
func startCamera(t *testing.T, rate int) *gopline.Node {
	t.Helper()
	n, err := gopline.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.Parse("testsrc size=64x48 rate="+strconv.Itoa(rate)+" ! h264enc gop=10 ! publish topic=/cam", reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return n
}

// Hz measured on a source of 20 frames a second says about 20 (the bounds
// are wide: a loaded machine delays packets, not their average).
func TestWatchMeasuresAKnownRate(t *testing.T) {
	n := startCamera(t, 20)
	p, err := n.NewPipeline()
	if err != nil {
		t.Fatal(err)
	}
	hz, bw := topictool.NewHz(0), topictool.NewBandwidth(0)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	err = topictool.Watch(ctx, p, elements.SubscribeConfig{Topic: "/cam"}, func(pkt *media.Packet, at time.Time) error {
		if !pkt.Replay.Replayed {
			hz.Add(pkt, at)
			bw.Add(at, len(pkt.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := hz.Stats(); st.Rate < 14 || st.Rate > 26 || st.Window < 20 || st.Min > st.Max {
		t.Fatalf("hz %+v; want about 20", st)
	}
	if st := bw.Stats(); st.BytesPerSec <= 0 || st.Min <= 0 || st.Max < st.Min {
		t.Fatalf("bw %+v", st)
	}
}

// A watch that is done after one packet ends without an error; an error
// of the function is Watch's.
func TestWatchEndsWhenItsFunctionSays(t *testing.T) {
	n := startCamera(t, 20)
	var out bytes.Buffer
	echo := topictool.NewEcho(&out, false)
	p, _ := n.NewPipeline()
	err := topictool.Watch(t.Context(), p, elements.SubscribeConfig{Topic: "/cam"}, func(pkt *media.Packet, at time.Time) error {
		if err := echo.Write(pkt, at); err != nil {
			return err
		}
		return topictool.ErrDone
	})
	if err != nil || strings.Count(out.String(), "\n") != 1 || !strings.Contains(out.String(), " key h264 64x48 ") {
		t.Fatalf("once: %v, %q", err, out.String())
	}
	bad := errors.New("the writer failed")
	p, _ = n.NewPipeline()
	if err := topictool.Watch(t.Context(), p, elements.SubscribeConfig{Topic: "/cam"}, func(*media.Packet, time.Time) error { return bad }); !errors.Is(err, bad) {
		t.Fatalf("Watch = %v; want the function's error", err)
	}
}

func TestWriteTopicsAndInfo(t *testing.T) {
	cam := remote.TopicInfo{Name: "/cam", QoS: "durable_video", Publishers: 1, Subscribers: 2, Codec: "h264", Width: 640, Height: 480,
		Rate: 30, ByteRate: 50000, CachedGOPs: 1, CachedPackets: 12, PublisherNames: []string{"10.0.0.5:7400/pipeline1/pub"},
		SubscriberNames: []string{"10.0.0.5:7400/proxy1", "10.0.0.5:7400/pipeline1/viewer"}, SubscriberQoS: []string{"sensor_data", ""},
		SubscriberDropped: []uint64{89, 0}}
	nodes := []discovery.NodeTopics{
		{Peer: discovery.Peer{Name: "robot", Addr: "10.0.0.5:7400"}, Topics: []remote.TopicInfo{cam}},
		{Peer: discovery.Peer{Name: "gone", Addr: "10.0.0.6:7400"}, Err: errors.New("connection refused")},
	}
	var out bytes.Buffer
	if err := topictool.WriteTopics(&out, nodes); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"robot  /cam", "h264", "640x480", "30.0", "400", "durable_video", " robot/pipeline1/pub ",
		"robot/proxy1,robot/pipeline1/viewer", "\ngone (10.0.0.6:7400) did not answer: connection refused\n"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("topics lack %q:\n%s", want, out.String())
		}
	}
	found := topictool.Find(nodes, "/cam")
	if len(found) != 1 || found[0].Node.Name != "robot" {
		t.Fatalf("Find = %+v", found)
	}
	out.Reset()
	topictool.WriteInfo(&out, "robot", "10.0.0.5:7400", found[0].Topic)
	for _, want := range []string{"format:      h264 640x480\n", "cache:       1 GOP(s), 12 packets\n", "publishers:  1\n  - 10.0.0.5:7400/pipeline1/pub\n",
		"10.0.0.5:7400/proxy1 (qos: requests sensor_data; dropped 89)", "viewer (qos: takes the topic's; dropped 0)"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("info lacks %q:\n%s", want, out.String())
		}
	}
}

// Hz fed by a watch counts the packets of the stream that did not reach
// it: those missing at the source (a relay whose link dropped them) and
// those the topic dropped for the watcher (its count of them, in the
// topic's stats, is the rest).
func TestWatchCountsTheDropsOfTheStream(t *testing.T) {
	n, err := gopline.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	topic, err := n.Bus().Topic("/lossy")
	if err != nil {
		t.Fatal(err)
	}
	// 0..58, every sixth (5, 11, ... 53) never published: 9 holes. The
	// burst before the last packet fills the watcher's window, and the
	// topic drops some for it; the last goes once the watcher took the
	// rest.
	const last, holes = 58, 9
	publish := func(seq uint64) {
		n.System().Root.Send(topic, &transport.Publish{Packet: &media.Packet{Codec: media.JPEG, Key: true, Epoch: 7, Seq: seq, GOP: seq,
			Data: []byte{0xff, 0xd8}, Width: 8, Height: 8, CaptureTime: time.Now()}})
	}
	watching := func(done func(transport.SubscriberStats) bool) {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if st, err := n.Bus().Stats("/lossy"); err == nil && len(st.Subscribers) > 0 && done(st.Subscribers[0]) {
				return
			}
		}
	}
	go func() {
		watching(func(transport.SubscriberStats) bool { return true })
		for seq := uint64(0); seq < last; seq++ {
			if seq%6 != 5 {
				publish(seq)
			}
		}
		watching(func(s transport.SubscriberStats) bool { return s.InFlight == 0 && s.Delivered+s.Dropped == last-holes })
		publish(last)
	}()
	hz := topictool.NewHz(0)
	received, watcherDropped := 0, uint64(0)
	p, err := n.NewPipeline()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err = topictool.Watch(ctx, p, elements.SubscribeConfig{Topic: "/lossy"}, func(pkt *media.Packet, at time.Time) error {
		received++
		hz.Add(pkt, at)
		if pkt.Seq < last {
			return nil
		}
		st, err := n.Bus().Stats("/lossy")
		if err != nil || len(st.Subscribers) != 1 {
			return fmt.Errorf("the topic's stats: %+v, %v", st.Subscribers, err)
		}
		watcherDropped = st.Subscribers[0].Dropped
		return topictool.ErrDone
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := hz.Stats(); received+int(st.Dropped) != last+1 || st.Dropped != holes+watcherDropped {
		t.Fatalf("received %d of 0..%d; hz says %d dropped, want %d missing at the source and the %d the topic dropped for the watcher",
			received, last, st.Dropped, holes, watcherDropped)
	}
	t.Logf("%d received, %d dropped by the topic for the watcher", received, watcherDropped)
}
