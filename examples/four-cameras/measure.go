package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// maxBareFrames bounds the frames the bare codecs are timed on: enough for
// a steady figure (ten GOPs), few enough to take seconds.
const maxBareFrames = 300

// cpuTime is the CPU time (user and system) the process has spent, on
// every thread: libx264's and FFmpeg's threads included.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// machineCPU is the CPU time every CPU of the machine has spent busy
// (user, nice, system, interrupts, stolen) and, of it, stolen by the
// hypervisor for other guests, from /proc/stat's first line. Set against
// the process's own CPU over a run, it tells what else the machine did
// meanwhile: a live source drops frames when other jobs take the cores.
// /proc/stat counts in USER_HZ, 100 a second on Linux.
func machineCPU() (busy, steal time.Duration, err error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: first line %q, want cpu and eight times", line)
	}
	var t [8]uint64 // user nice system idle iowait irq softirq steal
	for i := range t {
		if t[i], err = strconv.ParseUint(f[i+1], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %q: %w", line, err)
		}
	}
	const tick = time.Second / 100
	return time.Duration(t[0]+t[1]+t[2]+t[5]+t[6]+t[7]) * tick, time.Duration(t[7]) * tick, nil
}

// rss reads the process's resident set from /proc/self/status: in all,
// and of it the anonymous memory (heaps, FFmpeg's buffers) and the
// file-backed pages (the binary, shared libraries, the recording's bbolt
// map), in bytes.
func rss() (rssSample, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return rssSample{}, err
	}
	var s rssSample
	fields := map[string]*uint64{"VmRSS:": &s.Bytes, "RssAnon:": &s.Anon, "RssFile:": &s.File}
	found := 0
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" || fields[f[0]] == nil {
			continue
		}
		kb, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return s, fmt.Errorf("/proc/self/status: %q: %w", line, err)
		}
		*fields[f[0]] = kb * 1024
		found++
	}
	if found != len(fields) {
		return s, fmt.Errorf("/proc/self/status: %d of VmRSS, RssAnon and RssFile", found)
	}
	return s, nil
}

// rssSample is the resident set at a time since the robot started: in
// all, anonymous and file-backed; and Go, the memory the Go runtime holds
// from the system (its heap, in use or kept for later, stacks and its own
// structures), which tells Go's part of the anonymous memory from C's
// (FFmpeg, libx264).
type rssSample struct {
	At                    time.Duration
	Bytes, Anon, File, Go uint64
}

// sampleRSS reads the RSS at once and every `every` until duration has
// passed since start, and once more at the end. It returns early, with the
// samples so far, when ctx ends, and with an error when the robot stops by
// itself (done).
func sampleRSS(ctx context.Context, done <-chan struct{}, start time.Time, duration, every time.Duration) ([]rssSample, error) {
	var out []rssSample
	note := func() error {
		s, err := rss()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.At, s.Go = time.Since(start), ms.Sys-ms.HeapReleased
		out = append(out, s)
		return err
	}
	if err := note(); err != nil {
		return out, err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	end := time.NewTimer(time.Until(start.Add(duration)))
	defer end.Stop()
	for {
		select {
		case <-tick.C:
			if err := note(); err != nil {
				return out, err
			}
		case <-end.C:
			return out, note()
		case <-ctx.Done():
			return out, note()
		case <-done:
			return out, errors.Join(fmt.Errorf("the robot stopped by itself after %v", time.Since(start).Round(time.Millisecond)), note())
		}
	}
}

// cameraReport is what one camera's chain did.
type cameraReport struct {
	Camera int
	// Made is the frames the source handed on; SourceDropped the frames it
	// dropped because its chain was still busy with older ones when they
	// were several frames late.
	Made, SourceDropped uint64
	// Encoded is the packets the encoder made; Published those the topic
	// took from it.
	Encoded, Published uint64
	// Decoded is, per viewer, the pictures its decoder made of this
	// camera; ViewerDropped what the viewers' gates and decoders dropped,
	// and Errors what any node of the chain failed on.
	Decoded               []uint64
	ViewerDropped, Errors uint64
}

// cameraStats sums up the nodes' stats per camera.
func cameraStats(stats []pipeline.NodeStats, viewers int) []cameraReport {
	by := make(map[string]pipeline.NodeStats, len(stats))
	for _, s := range stats {
		by[s.Node] = s
	}
	out := make([]cameraReport, Cameras)
	for c := range out {
		r := cameraReport{Camera: c, Made: by[node("cam", c)].Out, SourceDropped: by[node("cam", c)].Dropped,
			Encoded: by[node("enc", c)].Out, Published: by[node("pub", c)].In}
		r.Errors = by[node("cam", c)].Errors + by[node("enc", c)].Errors + by[node("pub", c)].Errors
		for v := range viewers {
			prefix := fmt.Sprintf("v%d.", v)
			r.Decoded = append(r.Decoded, by[prefix+node("dec", c)].Out)
			for _, kind := range []string{"sub", "gate", "dec", "show"} {
				s := by[prefix+node(kind, c)]
				r.ViewerDropped += s.Dropped
				r.Errors += s.Errors
			}
		}
		out[c] = r
	}
	return out
}

// recorded is the recorder's node stats.
func recorded(stats []pipeline.NodeStats) pipeline.NodeStats {
	for _, s := range stats {
		if s.Node == "record" {
			return s
		}
	}
	return pipeline.NodeStats{}
}

// bareCost is the CPU per frame of each step done alone, on one goroutine,
// on the frames the cameras made.
type bareCost struct {
	Frames                 int
	Source, Encode, Decode time.Duration
}

// measureBare makes frames of the test pattern, encodes them with the
// encoder's settings (its threads included) and decodes them with one
// thread, as the robot's nodes do, each step timed apart in CPU.
func measureBare(cfg config, frames int) (bareCost, error) {
	pattern, err := testsrc.New(cfg.Width, cfg.Height)
	if err != nil {
		return bareCost{}, err
	}
	enc, err := ffmpeg.NewH264Encoder(cfg.Width, cfg.Height, ffmpeg.WithGOP(cfg.GOP), ffmpeg.WithFrameRate(cfg.Rate),
		ffmpeg.WithThreads(cfg.EncoderThreads))
	if err != nil {
		return bareCost{}, err
	}
	defer enc.Close()
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		return bareCost{}, err
	}
	defer dec.Close()
	// The pictures the encoder takes are made beforehand, untimed: the
	// source is timed drawing into one picture in turn, as a camera's
	// source draws into its pool's, not allocating and first touching
	// 1.4 MB of new memory a picture (which made the bare source five
	// times its cost in the robot).
	pics := make([]*media.Frame, frames)
	for i := range pics {
		pics[i] = pattern.Frame(uint64(i))
	}
	scratch := pattern.Frame(0)
	pkts := make([]*media.Packet, frames)
	bc := bareCost{Frames: frames}
	steps := []struct {
		cost *time.Duration
		do   func(i int) error
	}{
		{&bc.Source, func(i int) error { return pattern.FrameInto(scratch, uint64(i)) }},
		{&bc.Encode, func(i int) (err error) { pkts[i], err = enc.Encode(pics[i]); return err }},
		{&bc.Decode, func(i int) error {
			out, err := dec.Decode(pkts[i])
			for _, f := range out {
				f.Release()
			}
			return err
		}},
	}
	for _, s := range steps {
		before, err := cpuTime()
		if err != nil {
			return bc, err
		}
		for i := range frames {
			if err := s.do(i); err != nil {
				return bc, fmt.Errorf("bare codecs, frame %d: %w", i, err)
			}
		}
		after, err := cpuTime()
		if err != nil {
			return bc, err
		}
		*s.cost = (after - before) / time.Duration(frames)
	}
	return bc, nil
}
