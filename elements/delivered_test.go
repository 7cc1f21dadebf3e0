package elements

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// An input that ends, or is stopped, before its first item fails with
// ErrNothingDelivered naming it; any other failure says why itself.
func TestNothingDeliveredSaysHowTheInputEnded(t *testing.T) {
	readErr := errors.New("reading: input/output error")
	for _, c := range []struct {
		end     deliveryEnd
		nothing bool
		says    string
	}{
		{deliveryEnd{location: "cam.mkv", item: "frame", err: io.EOF}, true, `"cam.mkv" opened but ended without a single frame`},
		{deliveryEnd{location: "cam.mkv", item: "packet", err: fmt.Errorf("%w in cam.mkv", ffmpeg.ErrNoVideoFrames)}, true,
			`"cam.mkv" opened but ended without a single packet: ffmpeg: no video frames in cam.mkv`},
		{deliveryEnd{location: "/dev/video0", item: "frame", since: 2500 * time.Millisecond, stopped: true, err: io.EOF}, true,
			`"/dev/video0" opened but delivered no frame in the 2.5s from the start until the pipeline stopped`},
		{deliveryEnd{location: "cam.mkv", item: "frame", err: readErr}, false, readErr.Error()},
	} {
		err := nothingDelivered(c.end)
		if errors.Is(err, ErrNothingDelivered) != c.nothing || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: %v; want %q (ErrNothingDelivered: %v)", c.end, err, c.says, c.nothing)
		}
	}
}

// A file that holds a video track without a picture, decoded or passed
// through, fails its source with ErrNothingDelivered naming it; a file of
// sound alone fails to start, saying it has no video stream.
func TestAFileWithoutAPictureFailsItsSource(t *testing.T) {
	empty := testclip.MakeWithoutPictures(t, "empty.mkv", true)
	for _, line := range []string{"videosrc location=" + empty + " name=src ! fakesink", "videosrc location=" + empty + " passthrough=true name=src ! fakesink"} {
		log := &testlog.Buffer{}
		p, err := pipeline.Parse(line, registry(t), pipeline.WithLogger(zerolog.New(log)))
		if err != nil {
			t.Fatal(err)
		}
		if f := runToEndFailing(t, p, "src"); !errors.Is(f, ErrNothingDelivered) {
			t.Errorf("Wait = %v, want ErrNothingDelivered", f)
		}
		if s := stat(t, p, "src"); s.Errors != 1 || s.Out != 0 {
			t.Errorf("%s: source stats %+v; want the failure counted", line, s)
		}
		if !strings.Contains(log.String(), ErrNothingDelivered.Error()) || !strings.Contains(log.String(), empty+`\" opened but ended without a single`) {
			t.Errorf("%s: the log does not say the file delivered nothing:\n%s", line, log)
		}
	}
	sound := testclip.MakeWithoutPictures(t, "sound.mkv", false)
	p, err := pipeline.Parse("videosrc location="+sound+" ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); !errors.Is(err, ffmpeg.ErrNoVideoStream) || !strings.Contains(err.Error(), sound) {
		p.Stop()
		t.Errorf("a file of sound alone: %v, want ErrNoVideoStream naming it", err)
	}
}

// endingStream gives n frames, then ends with err.
type endingStream struct {
	n, sent int
	err     error
}

func (s *endingStream) Start(*pipeline.Env) error { return nil }
func (s *endingStream) Stop() error               { return nil }
func (s *endingStream) Next() (*media.Frame, time.Time, error) {
	if s.sent == s.n {
		return nil, time.Time{}, s.err
	}
	s.sent++
	return &media.Frame{}, time.Time{}, nil
}

// A local input (a device) that the pipeline stops before its first frame
// fails with ErrNothingDelivered; one that gave a frame ends as its input
// does, stopped or not.
func TestALocalInputStoppedBeforeItsFirstFrameDeliveredNothing(t *testing.T) {
	for _, c := range []struct {
		frames  int
		stop    bool
		nothing bool
	}{{0, true, true}, {0, false, true}, {1, true, false}, {3, false, false}} {
		stop := make(chan struct{})
		if c.stop {
			close(stop)
		}
		d := &delivered[*media.Frame]{Source: &endingStream{n: c.frames, err: io.EOF}, location: "/dev/video0"}
		if err := d.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now, Stopping: stop}); err != nil {
			t.Fatal(err)
		}
		var err error
		for err == nil {
			_, _, err = d.Next()
		}
		if errors.Is(err, ErrNothingDelivered) != c.nothing || !c.nothing && err != io.EOF ||
			c.nothing && c.stop && !strings.Contains(err.Error(), "until the pipeline stopped") {
			t.Errorf("%d frames, stopped %v: %v; want ErrNothingDelivered: %v", c.frames, c.stop, err, c.nothing)
		}
	}
}

// A network stream that holds sound alone (an audio-only path or file)
// fails to start, saying what it holds, where it was retried as a camera
// that is down until the pipeline stopped.
func TestANetworkStreamOfSoundAloneFailsToStart(t *testing.T) {
	sound := testclip.MakeWithoutPictures(t, "sound.mkv", false)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(sound))))
	defer srv.Close()
	p, err := pipeline.Parse("videosrc location="+srv.URL+"/"+filepath.Base(sound)+" ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- p.Start(t.Context()) }()
	select {
	case err = <-started:
	case <-time.After(20 * time.Second):
		p.Stop()
		t.Fatal("a network stream of sound alone: Start still waits after 20 s")
	}
	if !errors.Is(err, ffmpeg.ErrNoVideoStream) || !strings.Contains(err.Error(), "holds audio") {
		p.Stop()
		t.Fatalf("a network stream of sound alone: Start = %v, want ErrNoVideoStream saying it holds audio", err)
	}
}
