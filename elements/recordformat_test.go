package elements

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// A recorder whose topic changes its picture size goes on at the new
// size's keyframe in the next file of the recording (cam.gopline, then
// cam_1.gopline), says so in one line, and loses nothing: each file holds
// one size, and every packet is in one of them.
func TestRecorderGoesOnInANewFileWhereTheCameraChangesItsSize(t *testing.T) {
	clip := testclip.MakeSizeChange(t, "ab.ts")
	path := filepath.Join(t.TempDir(), "cam.gopline")
	log := &testlog.Buffer{}
	p, err := pipeline.Parse("videosrc location="+clip+" passthrough=true ! publish topic=/cam record path="+path+" topics=/cam name=rec",
		registry(t), pipeline.WithLogger(zerolog.New(log).Level(zerolog.InfoLevel)))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if err := p.Wait(); err != nil {
		t.Fatalf("the run failed: %v\n%s", err, log)
	}
	if s := stat(t, p, "rec"); s.In != 100 || s.Dropped != 0 || s.Errors != 0 {
		t.Fatalf("recorder stats %+v, want 100 packets in, none dropped, no error\n%s", s, log)
	}
	next := filepath.Join(filepath.Dir(path), "cam_1.gopline")
	changes := 0
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, "/cam changed from h264 320x240 to h264 640x480") && strings.Contains(line, next) {
			changes++
		}
	}
	if changes != 1 {
		t.Errorf("%d lines say that /cam changed its size and went on in %s, want 1:\n%s", changes, next, log)
	}
	for _, f := range []struct {
		path          string
		width, height int
	}{{path, 320, 240}, {next, 640, 480}} {
		rec, err := storage.Open(f.path, storage.WithReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		streams, err := rec.Streams()
		st, serr := rec.Stats("/cam")
		rec.Close()
		if err != nil || serr != nil || len(streams) != 1 || streams[0].Width != f.width || streams[0].Height != f.height {
			t.Fatalf("%s: streams %+v, %v %v; want /cam at %dx%d", f.path, streams, err, serr, f.width, f.height)
		}
		if st.Packets != 50 || st.GOPs != 2 {
			t.Errorf("%s holds %d packets, %d keyframes; want 50 and 2", f.path, st.Packets, st.GOPs)
		}
	}
}

// stepBack moves the capture times of the packets from the from'th on by
// back into the past, as a clock that NTP steps back does.
type stepBack struct {
	from uint64
	back time.Duration
}

func (*stepBack) Start(*pipeline.Env) error { return nil }
func (*stepBack) Stop() error               { return nil }
func (s *stepBack) Process(p *media.Packet, emit func(*media.Packet)) error {
	if p.Seq >= s.from {
		q := *p
		q.CaptureTime = p.CaptureTime.Add(-s.back)
		p = &q
	}
	emit(p)
	return nil
}

// A recorder whose capture clock steps back (NTP setting a clock that ran
// ahead) goes on at the next keyframe in the next file of the recording,
// warning of the step, and loses nothing: each file's times run one way
// from its keyframes, so each reads whole by time.
func TestRecorderGoesOnInANewFileWhereItsClockStepsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	log := &testlog.Buffer{}
	p := pipeline.New(pipeline.WithLogger(zerolog.New(log).Level(zerolog.InfoLevel)))
	cfg := DefaultRecordConfig()
	cfg.Path = path
	if err := p.Chain([]string{"cam", "enc", "clock", "rec"}, []pipeline.Element{
		TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 30, Frames: 90}), H264Enc(h264EncGOP(30)),
		pipeline.ProcessorElement("stepback", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
			func() (pipeline.Processor[*media.Packet, *media.Packet], error) {
				return &stepBack{from: 45, back: 10 * time.Minute}, nil
			}),
		Record(cfg)}); err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if s := stat(t, p, "rec"); s.In != 90 || s.Dropped != 0 || s.Errors != 0 {
		t.Fatalf("recorder stats %+v, want 90 packets in, none dropped, no error\n%s", s, log)
	}
	next := filepath.Join(filepath.Dir(path), "cam_1.gopline")
	if !strings.Contains(log.String(), "capture times went back") || !strings.Contains(log.String(), next) {
		t.Errorf("no warning that the clock stepped back and the recording went on in %s:\n%s", next, log)
	}
	for _, f := range []struct {
		path    string
		packets int
	}{{path, 60}, {next, 30}} {
		if got := len(recorded(t, f.path, "/input")); got != f.packets {
			t.Errorf("%s: %d packets read by time, want %d", f.path, got, f.packets)
		}
	}
}
