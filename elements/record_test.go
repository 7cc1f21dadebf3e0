package elements

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// TestRecordThenPlay records a topic, compares the file packet for packet
// with what was published, then plays it back into a decoder.
func TestRecordThenPlay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	published := &packets{}
	p := mustParse(t, "testsrc size=320x240 rate=60 num-frames=90 ! h264enc gop=30 ! tee name=t ! publish topic=/cam "+
		"record path="+path+" topics=/cam window=128 name=rec", nil)
	if err := p.Add("seen", published.element()); err != nil {
		t.Fatal(err)
	}
	if err := p.Link("t", "seen"); err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	// A live camera drops frames it cannot send in time (a loaded machine,
	// the race detector), as cameras do, and counts them; whatever it sent
	// must all be recorded and played. It never drops its first frame (the
	// graph is free) nor its last (no newer one replaces it), so what it
	// sent spans the 89/60 s the pacing check below needs.
	cam := stat(t, p, "testsrc0")
	sent := cam.Out
	if sent == 0 || sent+cam.Dropped != 90 {
		t.Fatalf("the camera sent %d frames and dropped %d, of 90", sent, cam.Dropped)
	}
	// A frame is stamped with the moment it was due. The camera's clock
	// starts once its first frame has gone through the chain (the
	// encoder's opening is not lateness), so from the second frame on the
	// frames are 1/60 s apart, or a whole number of 1/60 s where one was
	// dropped, up to frame 89, the last.
	got := published.got
	steps := 0
	for i := 2; i < len(got); i++ {
		gap := got[i].CaptureTime.Sub(got[i-1].CaptureTime).Seconds() * 60
		if n := math.Round(gap); n < 1 || math.Abs(gap-n) > 1e-4 {
			t.Fatalf("packets %d and %d are %v apart, not a whole number of 1/60 s", i-1, i, got[i].CaptureTime.Sub(got[i-1].CaptureTime))
		} else {
			steps += int(n)
		}
	}
	if steps > 88 || uint64(steps) < sent-2 {
		t.Fatalf("from its second frame the camera's frames span %d/60 s, want %d to 88", steps, sent-2)
	}
	span := got[len(got)-1].CaptureTime.Sub(got[0].CaptureTime)
	if s := stat(t, p, "rec"); s.In != sent || s.Dropped != 0 || s.Errors != 0 {
		t.Fatalf("recorder stats %+v, want all %d packets", s, sent)
	}

	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	streams, err := rec.Streams()
	if err != nil || len(streams) != 1 || streams[0].Name != "/cam" || streams[0].Codec != media.H264 || streams[0].Width != 320 {
		t.Fatalf("streams %+v %v", streams, err)
	}
	first, _ := rec.First("/cam")
	c, err := rec.Seek("/cam", first)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range published.got {
		got, err := c.Next()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(got.Data, want.Data) || got.Seq != want.Seq || got.Key != want.Key || !got.CaptureTime.Equal(want.CaptureTime) {
			t.Fatalf("packet %d differs from what was published", i)
		}
	}
	if _, err := c.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last packet: %v", err)
	}
	c.Close()
	rec.Close()

	out := &frames{}
	play := mustParse(t, "play path="+path+" rate=4 ! gate ! h264dec name=dec", map[string]*frames{"dec": out})
	start := time.Now()
	runToEnd(t, play)
	if took := time.Since(start); took < span/4-50*time.Millisecond {
		t.Errorf("%v of video played at rate 4 in %v: not paced", span, took)
	}
	pictures := out.all()
	if uint64(len(pictures)) != sent {
		t.Fatalf("played %d frames, want %d", len(pictures), sent)
	}
	checkPictures(t, pictures, 320, 240)
}

// TestPlayLoopsWithANewEpochEachPass starts past the end of a short
// recording: playback begins at the last keyframe before that point, and each
// pass is a new epoch with Seq from 0, as a restarted publisher's.
func TestPlayLoopsWithANewEpochEachPass(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=60 is-live=false ! h264enc gop=20 ! record path="+path+" stream=/cam", nil))
	p, got := playPipeline(t, PlayConfig{Path: path, Stream: "/cam", Start: 700 * time.Millisecond, Loop: true})
	// Not live: the frames were recorded as fast as they came, so their
	// capture times are close; read the first two passes and stop.
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got.mu.Lock()
		n := len(got.got)
		got.mu.Unlock()
		if n >= 100 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop()
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.got) < 2 || !got.got[0].Key || got.got[0].Seq != 0 {
		t.Fatalf("first played packet %+v", got.got[0])
	}
	// 60 frames recorded with GOP 20: each pass is the last GOP, 20 packets.
	for i, pk := range got.got {
		if pk.Key != (i%20 == 0) {
			t.Fatalf("packet %d: key %v; each pass should be the last GOP of 20", i, pk.Key)
		}
	}
	epochs := map[uint64]bool{}
	var want uint64
	for i, pk := range got.got {
		if i > 0 && pk.Epoch != got.got[i-1].Epoch {
			want = 0 // a new pass
		}
		epochs[pk.Epoch] = true
		if pk.Seq != want {
			t.Fatalf("packet %d has Seq %d, want %d: each pass numbers its packets from 0", i, pk.Seq, want)
		}
		want++
	}
	if len(epochs) < 2 {
		t.Errorf("looping kept one epoch over %d packets", len(got.got))
	}
}

func TestPlayMissingFileOrStreamIsAnError(t *testing.T) {
	if _, err := Play(PlayConfig{Path: filepath.Join(t.TempDir(), "none.db")}); err == nil {
		t.Error("a missing recording played")
	}
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=5 is-live=false ! h264enc ! record path="+path+" stream=/cam", nil))
	if _, err := Play(PlayConfig{Path: path, Stream: "/other"}); err == nil {
		t.Error("a missing stream played")
	}
}

// TestSlowRecorderShedsWholeGOPsAndNeverHoldsTheTopic holds the recorder's
// first write, with a cache of one byte (each packet is acknowledged once
// written), until the camera has published all its frames: the topic does
// not wait for the recorder (a camera that is not live goes as fast as the
// topic takes, so a topic held back by its subscriber would stall it); it
// drops whole GOPs for it (counted), and everything the recorder wrote
// decodes.
func TestSlowRecorderShedsWholeGOPsAndNeverHoldsTheTopic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	p := pipeline.New()
	stuck := make(chan struct{})
	rec := Record(RecordConfig{Path: path, Topics: []string{"/cam"}, Window: 2, Cache: 1, beforeWrite: func() { <-stuck }})
	for _, err := range []error{
		p.Chain([]string{"cam", "enc", "pub"}, []pipeline.Element{
			TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 50, Frames: 100}), H264Enc(h264EncGOP(10)), Publish("/cam")}),
		p.Add("rec", rec),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { close(stuck) })
	defer release()
	defer p.Stop()
	waitFor(t, "the topic to take all 100 packets while its recorder is stuck", func() bool { return stat(t, p, "pub").In == 100 })
	release()
	wait(t, p)
	if s := stat(t, p, "cam"); s.Out != 100 || s.Dropped != 0 {
		t.Errorf("the camera sent %d and dropped %d", s.Out, s.Dropped)
	}
	s := stat(t, p, "rec")
	if s.Dropped == 0 || s.In >= 100 || s.Errors != 0 {
		t.Fatalf("stuck recorder: took %d, dropped %d, errors %d; want whole GOPs dropped at the topic", s.In, s.Dropped, s.Errors)
	}
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	packets := recorded(t, path, "/cam")
	for i, pk := range packets {
		if _, err := dec.Decode(pk); err != nil {
			t.Fatalf("recorded packet %d (seq %d) does not decode: %v", i, pk.Seq, err)
		}
	}
	n := len(packets)
	if n == 0 || n > int(s.In) {
		t.Fatalf("%d packets in the file, the recorder took %d", n, s.In)
	}
}

func TestRecordIntoAMissingDirectoryFailsStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	p := mustParse(t, "testsrc num-frames=5 ! h264enc ! publish topic=/cam  record path="+path+" topics=/cam", nil)
	done := make(chan error, 1)
	go func() { done <- p.Start(t.Context()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("Start: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start hung")
	}
}

// TestLateSubscriberPipelineOnASharedBusKeepsFlowing runs a publisher in
// one pipeline and a subscriber chain in another on the same bus, so that
// packets may reach the subscriber before its downstream nodes exist (a
// narrow window; items must wait in the node until every node does). The
// publisher runs until the subscriber has decoded 50 frames, however long
// a loaded machine takes: a stream that stalls never gets there.
func TestLateSubscriberPipelineOnASharedBusKeepsFlowing(t *testing.T) {
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	reg := registry(t)
	pub, err := pipeline.Parse("testsrc size=160x120 rate=200 num-frames=-1 ! h264enc gop=10 ! publish topic=/cam", reg,
		pipeline.WithSystem(system), pipeline.WithBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	waitFor(t, "the topic to be published", func() bool {
		st, err := bus.Stats("/cam")
		return err == nil && st.Published > 0
	})
	out := &frames{}
	startCollecting(t, "subscribe topic=/cam window=64 ! gate ! tee ! tee ! tee ! h264dec name=dec", "dec", out,
		pipeline.WithSystem(system), pipeline.WithBus(bus))
	waitFor(t, "the late subscriber to decode 50 frames (its stream stalled)", func() bool { return len(out.all()) >= 50 })
}

// A recording the recorder created and wrote no packet into is removed
// when it stops; one that was there before is left as it was.
func TestRecorderRemovesTheEmptyRecordingItCreated(t *testing.T) {
	dir := t.TempDir()
	recordNothing := func(path string) {
		t.Helper()
		p := mustParse(t, "record path="+path+" topics=/nobody", nil)
		if err := p.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(dir, "fresh.gopline")
	recordNothing(fresh)
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the empty recording is still there: %v", err)
	}

	// A stream whose every packet the file refused (pictures without a
	// capture time) leaves no file either.
	refused := filepath.Join(dir, "refused.gopline")
	pattern, err := testsrc.New(64, 48)
	if err != nil {
		t.Fatal(err)
	}
	untimed := pipeline.SourceElement("untimed", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) {
		return &untimedFrames{pattern: pattern, left: 5}, nil
	})
	p := pipeline.New()
	if err := p.Chain([]string{"cam", "enc", "rec"}, []pipeline.Element{untimed, H264Enc(DefaultH264EncConfig()),
		recordTo(refused)}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.Wait()
	if s := stat(t, p, "rec"); s.In != 5 || s.Errors == 0 {
		t.Fatalf("the recorder %+v: want 5 packets in, refused", s)
	}
	if _, err := os.Stat(refused); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the recording that holds no packet is still there: %v", err)
	}

	kept := filepath.Join(dir, "kept.gopline")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=5 is-live=false ! h264enc ! record path="+kept+" stream=/cam", nil))
	recordNothing(kept)
	rec, err := storage.Open(kept, storage.WithReadOnly())
	if err != nil {
		t.Fatalf("the recording that was there: %v", err)
	}
	defer rec.Close()
	if streams, err := rec.Streams(); err != nil || len(streams) != 1 {
		t.Errorf("streams %+v, %v; want the one recorded before", streams, err)
	}
}

// recordTo is the record element, defaults but for its path and stream.
func recordTo(path string) pipeline.Element {
	cfg := DefaultRecordConfig()
	cfg.Path, cfg.Stream = path, "/cam"
	return Record(cfg)
}

// untimedFrames is a source of test pictures without a capture time.
type untimedFrames struct {
	pattern *testsrc.Pattern
	n, left uint64
}

func (s *untimedFrames) Start(*pipeline.Env) error { return nil }
func (s *untimedFrames) Stop() error               { return nil }
func (s *untimedFrames) Next() (*media.Frame, time.Time, error) {
	if s.left == 0 {
		return nil, time.Time{}, io.EOF
	}
	s.left--
	f := s.pattern.Frame(s.n)
	f.Seq, f.CaptureTime = s.n, time.Time{}
	s.n++
	return f, time.Time{}, nil
}

// A recorder with a Duration keeps each stream's packets captured less
// than that after the stream's own first.
func TestRecordLengthsBoundEachStreamFromItsFirstPacket(t *testing.T) {
	l := recordLengths{limit: time.Second}
	t0 := time.Unix(100, 0)
	for _, c := range []struct {
		stream string
		at     time.Duration
		keep   bool
	}{
		{"/a", 0, true}, {"/b", 500 * time.Millisecond, true}, {"/a", 999 * time.Millisecond, true},
		{"/a", time.Second, false}, {"/b", 1499 * time.Millisecond, true}, {"/b", 1500 * time.Millisecond, false},
		{"/a", -time.Second, true}, // a clock stepped back
	} {
		if got := l.keeps(c.stream, t0.Add(c.at)); got != c.keep {
			t.Errorf("%s at %v: kept %v, want %v", c.stream, c.at, got, c.keep)
		}
	}
	if none := (recordLengths{}); !none.keeps("/a", t0) || !none.keeps("/a", t0.Add(1000*time.Hour)) {
		t.Error("a recorder without a Duration left a packet out")
	}
}
