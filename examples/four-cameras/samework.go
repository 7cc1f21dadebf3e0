package main

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// cpuReading is the process's CPU at a moment of a run, with what the rest
// of the machine and the Go collector had spent by then and the camera
// frames done: two readings bound a window of the run.
type cpuReading struct {
	At            time.Time
	CPU, GC, Busy time.Duration // the process's, its collector's, every CPU's
	Frames        uint64        // camera frames encoded, all cameras
	Dropped       uint64        // frames the cameras' sources dropped, all cameras
	ok            bool
}

// window is what the process spent between two readings.
type window struct {
	Frames, Dropped  uint64
	Elapsed          time.Duration
	CPU, GC, Machine time.Duration
}

func readCPU(frames uint64) (cpuReading, error) {
	cpu, err := cpuTime()
	if err != nil {
		return cpuReading{}, err
	}
	busy, _, err := machineCPU()
	if err != nil {
		return cpuReading{}, err
	}
	return cpuReading{At: time.Now(), CPU: cpu, GC: gcCPU(), Busy: busy, Frames: frames, ok: true}, nil
}

// gcCPU is the CPU the Go collector has spent, by the runtime's estimate.
func gcCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(s[0].Value.Float64() * float64(time.Second))
}

func between(a, b cpuReading) window {
	if !a.ok || !b.ok {
		return window{}
	}
	return window{Frames: b.Frames - a.Frames, Dropped: b.Dropped - a.Dropped, Elapsed: b.At.Sub(a.At), CPU: b.CPU - a.CPU, GC: b.GC - a.GC, Machine: b.Busy - a.Busy}
}

// PerFrame is the process's CPU per camera frame over the window.
func (w window) PerFrame() time.Duration {
	if w.Frames == 0 {
		return 0
	}
	return w.CPU / time.Duration(w.Frames)
}

// Others is the rest of the machine's CPU over the window, as cores.
func (w window) Others() float64 { return ratio(max(w.Machine-w.CPU, 0), w.Elapsed) }

// sameWork is the robot's work done without gopline, in the robot's
// layout: per camera a goroutine that draws the pattern at the camera's
// pace into one of a few pictures and encodes it, and hands each packet to
// one decoder goroutine per viewer; the four cameras at once, their frames
// spread evenly over a frame period. CPU is the process's over the frames
// after a warm-up, as the robot's is; Source, Encode and Decode are each
// step's CPU per frame on the thread that did it (each goroutine keeps its
// thread, and the codecs run on the calling thread).
type sameWork struct {
	window
	Source, Encode, Decode time.Duration
	// Dropped is the frames a camera skipped, as the robot's live sources
	// drop a frame once it is their camera buffers of frame periods late:
	// with the cores taken, the bare cameras fall behind too, and do as
	// many frames as the robot's in the same way.
	Dropped uint64
}

// bareCamera is one camera of sameWork with its encoder and viewers'
// decoders, and each step's thread CPU so far.
type bareCamera struct {
	cfg                    config
	pattern                *testsrc.Pattern
	pics                   []*media.Frame
	enc                    *ffmpeg.H264Encoder
	decs                   []*ffmpeg.Decoder
	n                      uint64
	source, encode, decode time.Duration
	dropped                uint64
}

func newBareCamera(cfg config) (*bareCamera, error) {
	pattern, err := testsrc.New(cfg.Width, cfg.Height)
	if err != nil {
		return nil, err
	}
	cam := &bareCamera{cfg: cfg, pattern: pattern}
	for i := range 3 { // the one drawn, the one encoded, one spare: a source's pool
		cam.pics = append(cam.pics, pattern.Frame(uint64(i)))
	}
	if cam.enc, err = ffmpeg.NewH264Encoder(cfg.Width, cfg.Height, ffmpeg.WithGOP(cfg.GOP), ffmpeg.WithFrameRate(cfg.Rate),
		ffmpeg.WithThreads(cfg.EncoderThreads)); err != nil {
		return nil, err
	}
	for range cfg.Viewers {
		dec, err := ffmpeg.NewH264Decoder()
		if err != nil {
			cam.close()
			return nil, err
		}
		cam.decs = append(cam.decs, dec)
	}
	return cam, nil
}

func (c *bareCamera) close() {
	if c.enc != nil {
		c.enc.Close()
	}
	for _, d := range c.decs {
		d.Close()
	}
}

// threadCPU is the calling thread's CPU time; the caller keeps its thread
// (runtime.LockOSThread).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// measureSameWork runs the cameras for warmup frames each, then, measured,
// for frames more.
func measureSameWork(cfg config, warmup, frames int) (sameWork, error) {
	cams := make([]*bareCamera, 0, Cameras)
	defer func() {
		for _, c := range cams {
			c.close()
		}
	}()
	for range Cameras {
		c, err := newBareCamera(cfg)
		if err != nil {
			return sameWork{}, err
		}
		cams = append(cams, c)
	}
	if err := runCameras(cams, warmup); err != nil {
		return sameWork{}, fmt.Errorf("same work, warm-up: %w", err)
	}
	before, err := readCPU(0)
	if err != nil {
		return sameWork{}, err
	}
	for _, c := range cams {
		c.source, c.encode, c.decode, c.dropped = 0, 0, 0, 0
	}
	if err := runCameras(cams, frames); err != nil {
		return sameWork{}, fmt.Errorf("same work: %w", err)
	}
	after, err := readCPU(uint64(frames * Cameras))
	if err != nil {
		return sameWork{}, err
	}
	sw := sameWork{window: between(before, after)}
	for _, c := range cams {
		sw.Source, sw.Encode, sw.Decode, sw.Dropped = sw.Source+c.source, sw.Encode+c.encode, sw.Decode+c.decode, sw.Dropped+c.dropped
	}
	n := time.Duration(frames * Cameras)
	sw.Source, sw.Encode = sw.Source/n, sw.Encode/n
	sw.Decode /= n * time.Duration(max(cfg.Viewers, 1))
	return sw, nil
}

// runCameras runs every camera for frames frames at once, camera c's
// frames due c/Cameras of a frame period after camera 0's.
func runCameras(cams []*bareCamera, frames int) error {
	start := time.Now()
	errs := make([]error, len(cams))
	var wg sync.WaitGroup
	for i, c := range cams {
		offset := time.Duration(i) * c.period() / time.Duration(len(cams))
		wg.Go(func() { errs[i] = c.run(frames, start.Add(offset)) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *bareCamera) period() time.Duration { return time.Second / time.Duration(c.cfg.Rate) }

// run draws and encodes frames frames, frame i due at start + i periods
// (less those it drops), and returns once every viewer has decoded them.
func (c *bareCamera) run(frames int, start time.Time) error {
	pkts := make([]chan *media.Packet, len(c.decs))
	errs := make([]error, len(c.decs)+1)
	spent := make([]time.Duration, len(c.decs))
	var wg sync.WaitGroup
	for v, dec := range c.decs {
		pkts[v] = make(chan *media.Packet, 8)
		wg.Go(func() { spent[v], errs[v+1] = view(dec, pkts[v]) })
	}
	errs[0] = c.feed(frames, start, pkts)
	for _, ch := range pkts {
		close(ch)
	}
	wg.Wait()
	for _, d := range spent {
		c.decode += d
	}
	return errors.Join(errs...)
}

// feed is the camera's source and encoder: on its own thread, each step
// timed in that thread's CPU. A frame more than the robot's camera
// buffers of periods late is skipped, not drawn, for the next.
func (c *bareCamera) feed(frames int, start time.Time, out []chan *media.Packet) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i, done := 0, 0; done < frames; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * c.period())); wait > 0 {
			time.Sleep(wait)
		} else if -wait > time.Duration(c.cfg.cameraBuffers())*c.period() {
			c.dropped++
			continue
		}
		done++
		pic := c.pics[c.n%uint64(len(c.pics))]
		t0 := threadCPU()
		if err := c.pattern.FrameInto(pic, c.n); err != nil {
			return err
		}
		t1 := threadCPU()
		pkt, err := c.enc.Encode(pic)
		if err != nil {
			return fmt.Errorf("frame %d: %w", c.n, err)
		}
		c.source, c.encode = c.source+t1-t0, c.encode+threadCPU()-t1
		c.n++
		for _, ch := range out {
			ch <- pkt
		}
	}
	return nil
}

// view is a viewer's decoder on its own thread: it decodes every packet
// of in (after a failure it only drains in) and returns the thread CPU the
// decodes took.
func view(dec *ffmpeg.Decoder, in <-chan *media.Packet) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var spent time.Duration
	var failed error
	for pkt := range in {
		if failed != nil {
			continue
		}
		t0 := threadCPU()
		pics, err := dec.Decode(pkt)
		spent += threadCPU() - t0
		for _, f := range pics {
			f.Release()
		}
		if err != nil {
			failed = fmt.Errorf("decoding packet %d: %w", pkt.Seq, err)
		}
	}
	return spent, failed
}
