package elements

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// stalledRecording runs a live 50 fps camera (GOPs of 10) into a topic
// that a recorder with cfg records, the recorder's disk stalled from its
// first write until release is called: a disk that takes nothing for
// longer than the topic's window lasts. frames -1 runs until Stop.
func stalledRecording(t *testing.T, cfg RecordConfig, frames int, opts ...pipeline.Option) (p *pipeline.Pipeline, release func()) {
	t.Helper()
	stuck := make(chan struct{})
	cfg.beforeWrite = func() { <-stuck }
	p = pipeline.New(opts...)
	for _, err := range []error{
		p.Chain([]string{"cam", "enc", "pub"}, []pipeline.Element{
			TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 50, Frames: frames, Live: true}), H264Enc(h264EncGOP(10)),
			Publish("/cam")}),
		p.Add("rec", Record(cfg)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	release = sync.OnceFunc(func() { close(stuck) })
	t.Cleanup(release)
	return p, release
}

// checkChain fails t unless every packet continues the chain of the ones
// before it (media.Chain): the recording holds no partial GOP.
func checkChain(t *testing.T, packets []*media.Packet) {
	t.Helper()
	var chain media.Chain
	for i, pk := range packets {
		if l := chain.Take(pk); !l.Decodes() {
			t.Fatalf("recorded packet %d (seq %d, GOP %d) does not continue the chain: %v", i, pk.Seq, pk.GOP, l)
		}
	}
}

// A disk that stalls for three seconds, four and a half times as long as
// the topic's window of 32 packets lasts at 50 fps, costs the recorder
// nothing with its cache: it takes every packet the topic has while the
// disk takes none, drops no GOP, and writes them all once the disk is back.
// (Without the cache the topic drops GOPs for it: the test below.)
func TestRecorderCacheRidesOutADiskStallLongerThanTheTopicWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	p, release := stalledRecording(t, RecordConfig{Path: path, Topics: []string{"/cam"}, Window: 32}, 150)
	defer p.Stop()
	waitFor(t, "the camera to send its 150 frames and the recorder to take them all while its disk is stuck", func() bool {
		cam := stat(t, p, "cam")
		return cam.Out+cam.Dropped == 150 && stat(t, p, "pub").In == cam.Out && stat(t, p, "rec").In == cam.Out
	})
	if s := stat(t, p, "rec"); s.Dropped != 0 {
		t.Fatalf("the recorder dropped %d packets while its cache had room", s.Dropped)
	}
	release()
	wait(t, p)
	sent := stat(t, p, "cam").Out
	if s := stat(t, p, "rec"); s.In != sent || s.Dropped != 0 || s.Errors != 0 {
		t.Fatalf("recorder stats %+v, want all %d packets, none dropped", s, sent)
	}
	packets := recorded(t, path, "/cam")
	if uint64(len(packets)) != sent {
		t.Fatalf("%d packets in the file, the camera sent %d", len(packets), sent)
	}
	checkChain(t, packets)
}

// A cache smaller than what the topic sends while the disk stalls: the
// topic drops GOPs for the recorder (counted), whole or from the packet
// that found no room to the GOP's end, and every packet in the file
// continues its chain: no delta without the packets before it.
func TestRecorderWithACacheSmallerThanTheStallDropsWholeGOPs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	p, release := stalledRecording(t, RecordConfig{Path: path, Topics: []string{"/cam"}, Window: 4, Cache: 8 << 10}, 100)
	defer p.Stop()
	waitFor(t, "the camera to send its 100 frames while the recorder's disk is stuck", func() bool {
		cam := stat(t, p, "cam")
		return cam.Out+cam.Dropped == 100 && stat(t, p, "pub").In == cam.Out
	})
	release()
	wait(t, p)
	s := stat(t, p, "rec")
	if s.Dropped == 0 || s.Errors != 0 {
		t.Fatalf("recorder stats %+v: want GOPs dropped at the topic, no error", s)
	}
	packets := recorded(t, path, "/cam")
	if n := uint64(len(packets)); n == 0 || n != s.In {
		t.Fatalf("%d packets in the file, the recorder took %d", n, s.In)
	}
	checkChain(t, packets)
	for i := 1; i < len(packets); i++ {
		if packets[i].Key != (packets[i].Seq%10 == 0) {
			t.Fatalf("packet seq %d key %v: not the GOPs of 10 the camera sent", packets[i].Seq, packets[i].Key)
		}
	}
}

// Stop while the cache holds what the stalled disk has not written: the
// stop writes every packet the recorder acknowledged.
func TestRecorderStopWritesEverythingItAcknowledged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	p, release := stalledRecording(t, RecordConfig{Path: path, Topics: []string{"/cam"}}, -1)
	waitFor(t, "the recorder to take 40 packets while its disk is stuck", func() bool { return stat(t, p, "rec").In >= 40 })
	release()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	s := stat(t, p, "rec")
	if s.Errors != 0 {
		t.Fatalf("recorder stats %+v", s)
	}
	packets := recorded(t, path, "/cam")
	if uint64(len(packets)) != s.In {
		t.Fatalf("%d packets in the file; the recorder acknowledged %d", len(packets), s.In)
	}
	checkChain(t, packets)
}

// Stop with a disk that takes nothing returns within the stop timeout
// and says how many packets it could not write: every one the recorder
// took, since the disk is stuck in the first. Once the disk comes back,
// the writer closes the file and ends.
func TestRecorderStopOnAStuckDiskReportsWhatItCouldNotWrite(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
	path := filepath.Join(t.TempDir(), "cam.db")
	log := &testlog.Buffer{}
	p, release := stalledRecording(t, RecordConfig{Path: path, Topics: []string{"/cam"}}, -1,
		pipeline.WithStopTimeout(time.Second), pipeline.WithLogger(zerolog.New(log).Level(zerolog.InfoLevel)))
	waitFor(t, "the recorder to take 20 packets while its disk is stuck", func() bool { return stat(t, p, "rec").In >= 20 })
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop() }()
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		t.Fatal("Stop hung on a stuck disk")
	}
	s := stat(t, p, "rec")
	// The recorder's actor logs the packets not written as it stops, once
	// its Flush has spent the stop timeout; Stop waits for the actors no
	// longer than that timeout again, so the line may come after it.
	if want := fmt.Sprintf("stopped with %d packets not written", s.In); !log.Await(want, 10*time.Second) {
		t.Fatalf("the log does not say %q:\n%s", want, log.String())
	}
	if s.Errors == 0 {
		t.Fatalf("recorder stats %+v: want the flush that did not finish as an error", s)
	}
	release()
}

// A recorder of its input (sink mode) goes the same way: with its cache
// it takes a file's packets while the disk stalls; with a cache of one
// byte it takes the next packet once the disk has written the one before,
// slowing the chain before it. Either way a file is recorded whole.
func TestRecorderOfItsInputTakesItWhileTheDiskStallsAndLosesNothing(t *testing.T) {
	for _, cache := range []int64{0, 1} { // 0: the default
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cam.db")
			stuck := make(chan struct{})
			release := sync.OnceFunc(func() { close(stuck) })
			defer release()
			p := pipeline.New()
			err := p.Chain([]string{"cam", "enc", "rec"}, []pipeline.Element{
				TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 50, Frames: 60}), H264Enc(h264EncGOP(10)),
				Record(RecordConfig{Path: path, Stream: "/cam", Cache: cache, beforeWrite: func() { <-stuck }})})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			if cache == 0 {
				waitFor(t, "the recorder to take all 60 packets while its disk is stuck", func() bool { return stat(t, p, "rec").In == 60 })
			}
			release()
			wait(t, p)
			if s := stat(t, p, "rec"); s.In != 60 || s.Dropped != 0 || s.Errors != 0 {
				t.Fatalf("recorder stats %+v, want 60 packets in, none dropped", s)
			}
			packets := recorded(t, path, "/cam")
			if len(packets) != 60 {
				t.Fatalf("%d packets in the file, want 60", len(packets))
			}
			checkChain(t, packets)
		})
	}
}
