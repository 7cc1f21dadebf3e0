package ffmpeg

import (
	"errors"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// hangGuard bounds a wait that, broken, would hang the test: no timing is
// asserted, only that the call returns at all.
const hangGuard = 60 * time.Second

// liveClips are the live streams a pipe carries, as ffmpeg writes them to
// its standard output: 50 pictures at 25 frames/s, a keyframe each second,
// no B-frames (as a camera sends).
var liveClips = []struct {
	name string
	args []string
}{
	{"live.ts", []string{"-c:v", "libx264", "-g", "25", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-f", "mpegts"}},
	// Raw H.264 has no timing: its probe reads pipeAnalyzeDuration of
	// pictures, FFmpeg's 5 s by default, which 2 s would never fill.
	{"live.h264", []string{"-c:v", "libx264", "-g", "25", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-f", "h264"}},
}

// A raw H.264 stream that stalls while FFmpeg still probes it (it has no
// timing, and 10 pictures do not settle its rate) ends its open at the
// stop, as ErrOpen, instead of holding it for ever.
func TestReaderOfAFIFOStalledInTheProbeEndsAtTheStop(t *testing.T) {
	data, err := os.ReadFile(testclip.Make(t, "live.h264", 10, 25, "-c:v", "libx264", "-tune", "zerolatency", "-f", "h264"))
	if err != nil {
		t.Fatal(err)
	}
	fifo, written := testclip.StallingFIFO(t, data)
	stop := make(chan struct{})
	opened := make(chan error, 1)
	go func() {
		r, err := OpenReader(fifo, WithStop(stop))
		if err == nil {
			for err == nil { // the probe settled after all: the stop ends the stream
				var f *media.Frame
				if f, err = r.ReadFrame(); f != nil {
					f.Release()
				}
			}
			r.Close()
		}
		opened <- err
	}()
	<-written
	close(stop)
	select {
	case err := <-opened:
		if !errors.Is(err, ErrOpen) && !errors.Is(err, io.EOF) && !errors.Is(err, ErrNoVideoFrames) {
			t.Errorf("stopped: %v, want ErrOpen or the stream's end", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("the open of the stalled FIFO did not end at the stop")
	}
}

// A FIFO whose writer stalls, its FIFO left open, ends the stream at the
// stop instead of holding the read for ever (FFmpeg's own read of a pipe
// is deaf to its interrupt), and the pictures written before the stall
// came out first: all but the last two, which the parser and the decoder
// hold until the next ones come.
func TestReaderOfAStalledFIFOEndsAtTheStopAfterThePicturesWritten(t *testing.T) {
	for _, c := range liveClips {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(testclip.Make(t, c.name, 50, 25, c.args...))
			if err != nil {
				t.Fatal(err)
			}
			fifo, _ := testclip.StallingFIFO(t, data)
			stop := make(chan struct{})
			r, err := OpenReader(fifo, WithStop(stop))
			if err != nil {
				t.Fatal(err)
			}
			frames := make(chan int)
			ended := make(chan error, 1)
			quit, done := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				for {
					f, err := r.ReadFrame()
					if err != nil {
						ended <- err
						return
					}
					f.Release()
					select {
					case frames <- int(f.Seq):
					case <-quit:
						return
					}
				}
			}()
			stopOnce := sync.OnceFunc(func() { close(stop) })
			defer func() { // the reader is closed once its last read returned
				stopOnce()
				close(quit)
				<-done
				r.Close()
			}()
			n := 0
			for n < 48 {
				select {
				case <-frames:
					n++
				case err := <-ended:
					t.Fatalf("stream ended after %d pictures, before the stop: %v", n, err)
				case <-time.After(hangGuard):
					t.Fatalf("%d pictures of the 48 written before the stall came out", n)
				}
			}
			stopOnce()
			for {
				select {
				case <-frames:
					n++
					continue
				case err := <-ended:
					if !errors.Is(err, io.EOF) {
						t.Errorf("stream ended with %v, want io.EOF at the stop", err)
					}
				case <-time.After(hangGuard):
					t.Fatal("the read of the stalled FIFO did not end at the stop")
				}
				break
			}
			if n > 50 {
				t.Errorf("%d pictures of 50 written", n)
			}
		})
	}
}

// The packets of a live pipe are stamped no later than they were read,
// though FFmpeg's probe read the first ones before the stream opened and
// the writer sent them all at once, faster than real time: a capture time
// in the future would make them wait, or look younger than they are.
func TestReaderStampsAPipesPacketsNoLaterThanTheyAreRead(t *testing.T) {
	for _, passthrough := range []bool{true, false} {
		data, err := os.ReadFile(testclip.Make(t, liveClips[0].name, 50, 25, liveClips[0].args...))
		if err != nil {
			t.Fatal(err)
		}
		fifo, written := testclip.StallingFIFO(t, data)
		stop := make(chan struct{})
		opts := []ReaderOption{WithStop(stop)}
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		r, err := OpenReader(fifo, opts...)
		if err != nil {
			t.Fatal(err)
		}
		<-written
		var last time.Time
		for n := 0; n < 45; n++ { // those before the stall
			var at time.Time
			if passthrough {
				p, err := r.ReadPacket()
				if err != nil {
					t.Fatal(err)
				}
				at = p.CaptureTime
			} else {
				f, err := r.ReadFrame()
				if err != nil {
					t.Fatal(err)
				}
				at = f.CaptureTime
				f.Release()
			}
			if read := time.Now(); at.After(read) {
				t.Fatalf("passthrough %v: picture %d stamped %v after it was read", passthrough, n, at.Sub(read))
			}
			if n > 0 && !at.After(last) {
				t.Fatalf("passthrough %v: picture %d stamped %v, not after the one before (%v)", passthrough, n, at, last)
			}
			last = at
		}
		close(stop)
		r.Close()
	}
}
