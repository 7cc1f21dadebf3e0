package elements

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
)

// The clip the graph and the bare loop both work on.
const (
	benchWidth, benchHeight = 640, 480
	benchFrames             = 300
)

// BenchmarkGraphVsBareLoop measures what running encode, gate and decode as
// a graph of actors costs against calling the same codecs in a plain loop.
// Both sides get the same pre-made frames of the test pattern.
//
// bare and graph report each side's frames/s on its own; cost runs the two
// alternately in one benchmark, so that the machine's drift hits both, and
// reports graph_cost_% = (bare fps / graph fps - 1) * 100. A negative cost
// means the graph is faster: its encoder and decoder run at the same time on
// two cores. The procs=1 group repeats the three with GOMAXPROCS(1) to show
// the actors' overhead without that parallelism. GOMAXPROCS bounds only Go
// code: libx264's slice threads, and a goroutine inside a cgo call (its P
// is handed on), still use the other core. For one core in all, pin the
// process: taskset -c 0 go test -run '^$' -bench GraphVsBareLoop ./elements/
func BenchmarkGraphVsBareLoop(b *testing.B) {
	frames := preMadeFrames(b, benchWidth, benchHeight, benchFrames)
	group := func(b *testing.B) {
		b.Run("bare", func(b *testing.B) {
			for range b.N {
				if err := bareLoop(frames); err != nil {
					b.Fatal(err)
				}
			}
			reportFPS(b, "frames/s", b.N*len(frames), b.Elapsed())
		})
		b.Run("graph", func(b *testing.B) {
			for range b.N {
				if err := graphRun(frames); err != nil {
					b.Fatal(err)
				}
			}
			reportFPS(b, "frames/s", b.N*len(frames), b.Elapsed())
		})
		b.Run("cost", func(b *testing.B) {
			var bare, graph time.Duration
			for i := range b.N {
				sides := []func() error{
					func() error { return timed(&bare, func() error { return bareLoop(frames) }) },
					func() error { return timed(&graph, func() error { return graphRun(frames) }) },
				}
				if i%2 == 1 {
					sides[0], sides[1] = sides[1], sides[0]
				}
				for _, run := range sides {
					if err := run(); err != nil {
						b.Fatal(err)
					}
				}
			}
			n := b.N * len(frames)
			reportFPS(b, "bare_frames/s", n, bare)
			reportFPS(b, "graph_frames/s", n, graph)
			b.ReportMetric((graph.Seconds()/bare.Seconds()-1)*100, "graph_cost_%")
		})
	}
	procs := runtime.GOMAXPROCS(0)
	b.Run(fmt.Sprintf("procs=%d", procs), group)
	if procs > 1 {
		b.Run("procs=1", func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			group(b)
		})
	}
}

// BenchmarkGraphOverhead measures the graph's own cost per frame directly,
// rather than as the small difference of two long codec runs: the graph of
// GraphVsBareLoop and the bare loop run once more with scripted codecs,
// which hand back copies of the packets and pictures libx264 and FFmpeg made
// of the same frames beforehand. What the scripted graph costs beyond the
// scripted bare loop is what the actors, links, topic and gate cost; it is
// compared with the bare loop on the real codecs, in the same run.
//
// Costs are CPU time (user+system, all threads) rather than wall time: two
// cores run a graph's stages at once, and CPU time is also what another
// process on a shared machine takes least from. Reported per frame:
// bare_cpu_us (real codecs, bare loop), graph_cpu_us (the scripted graph
// beyond the scripted loop), and graph_cost_% = graph_cpu_us / bare_cpu_us
// * 100.
func BenchmarkGraphOverhead(b *testing.B) {
	frames := preMadeFrames(b, benchWidth, benchHeight, benchFrames)
	fake := scripted(b, frames)
	var bare, fakeBare, fakeGraph time.Duration
	for range b.N {
		for _, run := range []struct {
			total *time.Duration
			f     func() error
		}{
			{&bare, func() error { return bareLoop(frames) }},
			{&fakeBare, func() error { return bareLoopWith(frames, fake) }},
			{&fakeGraph, func() error { return graphRunWith(frames, fake) }},
		} {
			start := cpuTime()
			if err := run.f(); err != nil {
				b.Fatal(err)
			}
			*run.total += cpuTime() - start
		}
	}
	n := float64(b.N * len(frames))
	perFrame := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
	b.ReportMetric(perFrame(bare), "bare_cpu_us")
	b.ReportMetric(perFrame(fakeGraph-fakeBare), "graph_cpu_us")
	b.ReportMetric(float64(fakeGraph-fakeBare)/float64(bare)*100, "graph_cost_%")
}

// cpuTime is the CPU time the process has used so far, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// codecPair opens the encoder and decoder of a graph or bare-loop run.
type codecPair struct {
	newEnc func(w, h int) (codecs.Encoder, error)
	newDec func() (codecs.Decoder, error)
}

// libav is libx264 and FFmpeg's H.264 decoder at gopline's defaults, as
// h264enc and h264dec open them.
var libav = codecPair{
	newEnc: func(w, h int) (codecs.Encoder, error) { return ffmpeg.NewH264Encoder(w, h) },
	newDec: func() (codecs.Decoder, error) { return ffmpeg.NewH264Decoder(ffmpeg.WithOutputFormat(media.YUV420P)) },
}

// scripted encodes and decodes frames once with libav and returns codecs
// that replay the results, in order, as copies of their headers: a run
// with them does everything but the codecs' work.
func scripted(tb testing.TB, frames []*media.Frame) codecPair {
	tb.Helper()
	enc, err := libav.newEnc(frames[0].Width, frames[0].Height)
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	dec, err := libav.newDec()
	if err != nil {
		tb.Fatal(err)
	}
	defer dec.Close()
	var packets []*media.Packet
	var pictures []*media.Frame
	for _, f := range frames {
		p, err := enc.Encode(f)
		if err != nil {
			tb.Fatal(err)
		}
		out, err := dec.Decode(p)
		if err != nil || len(out) != 1 {
			tb.Fatalf("decoding packet %d: %d pictures, %v", p.Seq, len(out), err)
		}
		// The decoder's picture goes back to its pool; the script keeps a
		// copy of its own, which the graph's sink may release at will.
		packets, pictures = append(packets, p), append(pictures, out[0].Clone())
		out[0].Release()
	}
	return codecPair{
		newEnc: func(int, int) (codecs.Encoder, error) { return &scriptedEncoder{packets: packets}, nil },
		newDec: func() (codecs.Decoder, error) { return &scriptedDecoder{pictures: pictures}, nil },
	}
}

type scriptedEncoder struct {
	packets []*media.Packet
	next    int
}

func (e *scriptedEncoder) Encode(*media.Frame) (*media.Packet, error) {
	p := *e.packets[e.next%len(e.packets)]
	e.next++
	return &p, nil
}

func (e *scriptedEncoder) ForceKeyframe() {}
func (e *scriptedEncoder) Close() error   { return nil }

type scriptedDecoder struct {
	pictures []*media.Frame
	next     int
}

func (d *scriptedDecoder) Decode(*media.Packet) ([]*media.Frame, error) {
	f := *d.pictures[d.next%len(d.pictures)]
	d.next++
	return []*media.Frame{&f}, nil
}

func (d *scriptedDecoder) Close() error { return nil }

// preMadeFrames draws frames 0..n-1 of the test pattern.
func preMadeFrames(tb testing.TB, w, h, n int) []*media.Frame {
	tb.Helper()
	pat, err := testsrc.New(w, h)
	if err != nil {
		tb.Fatal(err)
	}
	frames := make([]*media.Frame, n)
	for i := range frames {
		frames[i] = pat.Frame(uint64(i))
	}
	return frames
}

// bareLoop encodes, gates and decodes frames on the calling goroutine: the
// graph's work without actors, links or a topic. Codecs are opened and
// closed in each run, as the graph's stages are.
func bareLoop(frames []*media.Frame) error { return bareLoopWith(frames, libav) }

func bareLoopWith(frames []*media.Frame, c codecPair) error {
	enc, err := c.newEnc(frames[0].Width, frames[0].Height)
	if err != nil {
		return err
	}
	defer enc.Close()
	gate, err := qos.NewGate()
	if err != nil {
		return err
	}
	dec, err := c.newDec()
	if err != nil {
		return err
	}
	defer dec.Close()
	decoded := 0
	for _, f := range frames {
		p, err := enc.Encode(f)
		if err != nil {
			return err
		}
		if !gate.Admit(p).Pass {
			continue
		}
		out, err := dec.Decode(p)
		if err != nil {
			return err
		}
		decoded += len(out)
	}
	if decoded != len(frames) {
		return fmt.Errorf("bare loop decoded %d frames of %d", decoded, len(frames))
	}
	return nil
}

// graphRun runs frames through source ! h264enc ! publish topic=/b and
// subscribe topic=/b window=1024 ! gate ! h264dec ! fakesink to the end of
// the stream.
func graphRun(frames []*media.Frame) error { return graphRunWith(frames, libav) }

func graphRunWith(frames []*media.Frame, c codecPair) error {
	enc := pipeline.ProcessorElement("h264enc", pipeline.Frames, pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Frame, *media.Packet], error) {
			return &encoder{open: func(f *media.Frame, _ zerolog.Logger) (codecs.Encoder, error) { return c.newEnc(f.Width, f.Height) }}, nil
		})
	dec := pipeline.ProcessorElement("h264dec", pipeline.Packets(media.H264), pipeline.Frames,
		func() (pipeline.Processor[*media.Packet, *media.Frame], error) {
			return newDecoder(qos.ReplayLatest, func(zerolog.Logger) (codecs.Decoder, error) { return c.newDec() })
		})
	p := pipeline.New()
	if err := p.Chain([]string{"src", "enc", "pub"},
		[]pipeline.Element{preMadeSource(frames, 0), enc, Publish("/b")}); err != nil {
		return err
	}
	if err := p.Chain([]string{"sub", "gate", "dec", "sink"},
		[]pipeline.Element{Subscribe("/b", 1024), Gate(), dec, FakeSink()}); err != nil {
		return err
	}
	if err := p.Start(context.Background()); err != nil {
		return err
	}
	if err := p.Wait(); err != nil {
		return err
	}
	if s := nodeStats(p, "sink"); s.In != uint64(len(frames)) {
		return fmt.Errorf("graph decoded %d frames of %d: %+v", s.In, len(frames), p.Stats())
	}
	return nil
}

// preMadeSource emits the given frames as fast as the pipeline takes them
// (gap 0), or one every gap at most: it sleeps gap before each frame but the
// first, so frames never bunch up behind a late wake-up. The pipeline sees
// an unpaced source either way. Each item is a copy of the Frame header
// stamped with the time it leaves; the pixels are shared with frames and
// only read downstream.
func preMadeSource(frames []*media.Frame, gap time.Duration) pipeline.Element {
	return pipeline.SourceElement("premade", pipeline.Frames,
		func() (pipeline.Source[*media.Frame], error) { return &preMade{frames: frames, gap: gap}, nil })
}

type preMade struct {
	frames []*media.Frame
	gap    time.Duration
	env    *pipeline.Env
	next   int
}

func (s *preMade) Start(env *pipeline.Env) error { s.env = env; return nil }
func (s *preMade) Stop() error                   { return nil }

func (s *preMade) Next() (*media.Frame, time.Time, error) {
	if s.next == len(s.frames) {
		return nil, time.Time{}, io.EOF
	}
	if s.gap > 0 && s.next > 0 {
		time.Sleep(s.gap)
	}
	f := *s.frames[s.next]
	f.CaptureTime = s.env.Now()
	s.next++
	return &f, time.Time{}, nil
}

// BenchmarkHopLatency measures how long an item takes to cross a node when
// nothing queues: 2000 tiny frames (16x16) at about 1000 a second go through
// a chain of pass-through nodes (tee) into a fakesink, and the ages come from
// the nodes' latency histograms.
//
// With src=unpaced the source sleeps a millisecond between frames and
// stamps each as it leaves, so an age is only the links'. With src=live it is
// the live test pattern (testsrc is-live=true, rate 1000), whose frames carry
// their due time: ages then include how late the source's timer fired, as
// they do in `gopline run`.
//
// Reported, averaged over the runs: sink_p50_ms and sink_p99_ms, the age at
// the sink; hop_p50_us and hop_p99_us, those divided by the number of tees;
// link_p50_us and link_p99_us, the sink's age minus the first tee's, divided
// by the same number (it leaves out the source and its first link); and the
// frames the source dropped. Histogram buckets are a quarter of a power of
// two wide and read at their upper edge: each percentile is up to 19% high,
// and a difference of two is coarse when they are close.
func BenchmarkHopLatency(b *testing.B) {
	const rate, items = 1000, 2000
	tiny := preMadeFrames(b, 16, 16, items)
	sources := []struct {
		name string
		el   pipeline.Element
	}{
		{"unpaced", preMadeSource(tiny, time.Second/rate)},
		{"live", TestSrc(TestSrcConfig{Width: 16, Height: 16, Rate: rate, Frames: items, Live: true, Format: media.YUV420P})},
	}
	for _, src := range sources {
		for _, tees := range []int{1, 10} {
			b.Run(fmt.Sprintf("src=%s/tees=%d", src.name, tees), func(b *testing.B) {
				var sink50, sink99, first50, first99 float64
				var dropped uint64
				for range b.N {
					names, elements := []string{"src"}, []pipeline.Element{src.el}
					for i := range tees {
						names = append(names, fmt.Sprintf("tee%d", i))
						elements = append(elements, Tee())
					}
					p := pipeline.New()
					if err := p.Chain(append(names, "sink"), append(elements, FakeSink())); err != nil {
						b.Fatal(err)
					}
					if err := p.Start(context.Background()); err != nil {
						b.Fatal(err)
					}
					if err := p.Wait(); err != nil {
						b.Fatal(err)
					}
					sink, first, source := nodeStats(p, "sink"), nodeStats(p, "tee0"), nodeStats(p, "src")
					if sink.In+source.Dropped != items {
						b.Fatalf("sink got %d items of %d, source dropped %d", sink.In, items, source.Dropped)
					}
					sink50 += sink.LatencyP50
					sink99 += sink.LatencyP99
					first50 += first.LatencyP50
					first99 += first.LatencyP99
					dropped += source.Dropped
				}
				n, h := float64(b.N), float64(tees)
				b.ReportMetric(sink50/n, "sink_p50_ms")
				b.ReportMetric(sink99/n, "sink_p99_ms")
				b.ReportMetric(1000*sink50/n/h, "hop_p50_us")
				b.ReportMetric(1000*sink99/n/h, "hop_p99_us")
				b.ReportMetric(1000*(sink50-first50)/n/h, "link_p50_us")
				b.ReportMetric(1000*(sink99-first99)/n/h, "link_p99_us")
				b.ReportMetric(float64(dropped)/n, "dropped/op")
			})
		}
	}
}

// The job of BenchmarkEncodeVsGStreamer and scripts/bench-gst.sh, the same in
// both tools: gstFrames frames of gopline's test pattern, read as raw I420
// from one file, encoded by libx264 into a fake sink. x264enc gets what
// gopline's h264enc sets on libx264 (codecs/ffmpeg/encoder.go): veryfast,
// zerolatency, CRF 23 without a VBV cap, an IDR every 30 frames and none at
// scene cuts, no B-frames, SPS and PPS before each IDR, Annex B without
// access unit delimiters. The two streams carry the same x264 options string
// and come out the same size (the benchmark checks it).
const gstFrames = 600

const (
	gstParse = "rawvideoparse width=%d height=%d format=i420 framerate=30/1"
	// pass=qual is CRF capped by a VBV at bitrate (2048 kbit/s by default);
	// vbv-buf-capacity=0 takes the cap away. min-keyint=30 ends up as 16 on
	// both sides: libx264 caps it at half the GOP plus one.
	gstX264 = "x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 pass=qual quantizer=23 " +
		"vbv-buf-capacity=0 byte-stream=true aud=false option-string=scenecut=0:min-keyint=30:repeat-headers=1"
	goplineRead = "videosrc location=%s input-format=rawvideo " +
		"options=video_size=%dx%d,pixel_format=yuv420p,framerate=30"
	// gopline's defaults, spelled out so that the two jobs stay equal.
	goplineX264    = "h264enc gop=30 preset=veryfast tune=zerolatency crf=23"
	gstInstallHint = "make bench installs it (gstreamer1.0-tools, gstreamer1.0-plugins-base for rawvideoparse, " +
		"gstreamer1.0-plugins-ugly for x264enc), or run scripts/bench-gst.sh"
)

// BenchmarkEncodeVsGStreamer runs the same encode job with gst-launch-1.0
// and with the gopline command on the same raw clip, alternately, and the
// same again reading and parsing the clip alone (the _read metrics). Each
// process is timed by wall clock and by CPU time (user and system, all its
// threads). A round runs every job, the tools taking turns: the encodes of
// the whole clip twice, starting from a different tool each round and the
// second time in the mirrored order, counting by their mean; jobs of a few
// tens of milliseconds (reading, and the clip of one frame) gstShortRuns
// times, counting by their fastest run. For each tool it reports:
//
//   - frames/s by wall clock, start-up included, and gopline_vs_gst =
//     gopline fps / gst fps;
//   - the same with the start-up excluded (_nostart): each job also runs on
//     a clip of one frame, and the figure is the other frames over the
//     difference of the two times;
//   - CPU milliseconds per frame, start-up included (cpu_ms/frame) and
//     excluded (cpu_nostart_ms/frame, by the same difference).
//
// These take the fastest run of all rounds (on a shared machine the load
// only ever adds time), but the fastest gst run and the fastest gopline run
// may come from different moments of the machine's load. The paired
// figures do not: in each round the start-up-excluded ratios of the two
// tools' runs of that round, gopline_vs_gst_nostart (gst's time over
// gopline's, above 1 when gopline is faster) and gopline_cpu_vs_gst_nostart
// (gopline's CPU over gst's, below 1 when gopline uses less), are reported
// as the median of the rounds (_median) and their range (_low, _high), and
// gopline_aim_rounds counts the rounds in which gopline was at least as
// fast as gst at no more CPU. The log lists each round's pair.
//
// With GOPLINE_BASELINE set to the path of another gopline binary, that
// binary runs the same jobs in the same rounds, reported as baseline, and
// gopline_vs_baseline_nostart and gopline_cpu_vs_baseline_nostart pair the
// two goplines round by round: a before-and-after comparison in one run.
//
// gst_bytes/frame and gopline_bytes/frame are the sizes of the two encoded
// streams; it fails when they differ by more than 5%, for then the two jobs
// are not the same work.
//
// It skips when gst-launch-1.0, rawvideoparse, x264enc or the go command is
// missing. It builds the gopline command and writes the clip (about 280 MB)
// into a temporary directory. A round takes about 15 s on two cores with a
// baseline; use -benchtime=10x or more for the paired medians.
func BenchmarkEncodeVsGStreamer(b *testing.B) {
	requireGStreamer(b)
	tools, binaries := encodeJobTools(b)
	clips := encodeJobClips(b, gstFrames)
	clipFrames := map[bool]int{false: gstFrames, true: 1}

	command := func(tool string, read, short bool) []string {
		return encodeJobCommand(tool, binaries[tool], clips[short], read)
	}
	var jobs []*gstJob
	for _, short := range []bool{false, true} {
		for _, read := range []bool{false, true} {
			for _, tool := range tools {
				jobs = append(jobs, &gstJob{tool: tool, read: read, short: short, cmd: command(tool, read, short)})
			}
		}
	}
	job := func(tool string, read, short bool) *gstJob {
		for _, j := range jobs {
			if j.tool == tool && j.read == read && j.short == short {
				return j
			}
		}
		panic("no such job")
	}
	// run runs j once; for gopline it also checks from the stats that every
	// frame reached the sink, and returns the encoder's bytes.
	run := func(j *gstJob) (wall, cpu time.Duration, encoded int64, err error) {
		out, wall, cpu, err := runMeasured(j.cmd)
		if err != nil || j.tool == "gst" {
			return wall, cpu, 0, err
		}
		encoded, err = checkGoplineStats(out, clipFrames[j.short])
		return wall, cpu, encoded, err
	}

	// One untimed run of each job, and one of each encoder that keeps its
	// stream: the check that both did the same work.
	var goplineBytes int64
	for _, j := range jobs {
		_, _, encoded, err := run(j)
		if err != nil {
			b.Fatalf("%s: %v", j.name(), err)
		}
		if j.tool == "gopline" && !j.read && !j.short {
			goplineBytes = encoded
		}
	}
	stream := filepath.Join(b.TempDir(), "gst.h264")
	gstFile := command("gst", false, false)
	gstFile[len(gstFile)-1] = "filesink"
	if _, err := runOutput(append(gstFile, "location="+stream)); err != nil {
		b.Fatalf("gst to a file: %v", err)
	}
	written, err := os.Stat(stream)
	if err != nil {
		b.Fatal(err)
	}
	gstBytes := written.Size()
	if d := float64(goplineBytes)/float64(gstBytes) - 1; d > 0.05 || d < -0.05 {
		b.Errorf("the encoded streams differ by %+.1f%% (gst %d bytes, gopline %d): the two jobs are not the same work", 100*d, gstBytes, goplineBytes)
	}

	b.Run(fmt.Sprintf("%dx%dx%d", benchWidth, benchHeight, gstFrames), func(b *testing.B) {
		for _, j := range jobs {
			j.best, j.rounds = runTimes{}, nil
		}
		measure := func(j *gstJob) runTimes {
			wall, cpu, _, err := run(j)
			if err != nil {
				b.Fatalf("%s: %v", j.name(), err)
			}
			t := runTimes{wall: wall, cpu: cpu}
			j.best = j.best.faster(t)
			return t
		}
		for i := range b.N {
			// The encodes of the whole clip run twice a round, first with
			// the tools in turn, starting from a different one each round
			// (A B C, B C A, C A B), then in the mirrored order (C B A),
			// and count by their mean: a load that grows or falls through
			// the round weighs the same on every tool, and no tool keeps
			// the same place beside the others. The short jobs run between
			// the two, which tool first alternating from round to round.
			var whole, short []*gstJob
			for _, j := range jobs {
				if !j.read && !j.short {
					whole = append(whole, j)
				} else {
					short = append(short, j)
				}
			}
			whole = slices.Concat(whole[i%len(whole):], whole[:i%len(whole)])
			if i%2 == 1 {
				slices.Reverse(short)
			}
			first := map[*gstJob]runTimes{}
			for _, j := range whole {
				first[j] = measure(j)
			}
			for _, j := range short {
				var round runTimes
				for range gstShortRuns {
					round = round.faster(measure(j))
				}
				j.rounds = append(j.rounds, round)
			}
			for _, j := range slices.Backward(whole) {
				j.rounds = append(j.rounds, first[j].mean(measure(j)))
			}
		}
		n := float64(gstFrames)
		rest := float64(gstFrames - 1) // the frames after the first
		for _, tool := range tools {
			for _, read := range []bool{false, true} {
				full, one := job(tool, read, false), job(tool, read, true)
				suffix := ""
				if read {
					suffix = "_read"
				}
				b.ReportMetric(n/full.best.wall.Seconds(), tool+suffix+"_frames/s")
				b.ReportMetric(rest/(full.best.wall-one.best.wall).Seconds(), tool+suffix+"_nostart_frames/s")
				b.ReportMetric(1000*full.best.cpu.Seconds()/n, tool+suffix+"_cpu_ms/frame")
				b.ReportMetric(1000*(full.best.cpu-one.best.cpu).Seconds()/rest, tool+suffix+"_cpu_nostart_ms/frame")
				if tool == "gst" {
					continue
				}
				gst, gstOne := job("gst", read, false), job("gst", read, true)
				b.ReportMetric(gst.best.wall.Seconds()/full.best.wall.Seconds(), tool+"_vs_gst"+suffix)
				b.ReportMetric((gst.best.wall-gstOne.best.wall).Seconds()/(full.best.wall-one.best.wall).Seconds(), tool+"_vs_gst"+suffix+"_nostart")
				speed, cpu := pairedRounds(job, tool, "gst", read)
				reportRounds(b, speed, tool+"_vs_gst"+suffix+"_nostart")
				reportRounds(b, cpu, tool+"_cpu_vs_gst"+suffix+"_nostart")
				if !read {
					b.ReportMetric(float64(roundsMeeting(speed, cpu)), tool+"_aim_rounds")
					logRounds(b, tool, speed, cpu)
				}
			}
		}
		if _, ok := binaries["baseline"]; ok {
			speed, cpu := pairedRounds(job, "gopline", "baseline", false)
			reportRounds(b, speed, "gopline_vs_baseline_nostart")
			reportRounds(b, cpu, "gopline_cpu_vs_baseline_nostart")
		}
		b.ReportMetric(float64(b.N), "rounds")
		b.ReportMetric(float64(gstBytes)/gstFrames, "gst_bytes/frame")
		b.ReportMetric(float64(goplineBytes)/gstFrames, "gopline_bytes/frame")
	})
}

// requireGStreamer skips b unless gst-launch-1.0 with rawvideoparse and
// x264enc is there. gst-inspect-1.0 also builds GStreamer's plugin
// registry on its first start, outside any measured run.
func requireGStreamer(b *testing.B) {
	b.Helper()
	for _, tool := range []string{"gst-launch-1.0", "gst-inspect-1.0"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not found: %s", tool, gstInstallHint)
		}
	}
	for _, element := range []string{"rawvideoparse", "x264enc"} {
		if err := exec.Command("gst-inspect-1.0", element).Run(); err != nil {
			b.Skipf("GStreamer has no %s: %s", element, gstInstallHint)
		}
	}
}

// encodeJobTools returns the tools of the encode job's benchmarks, gst and
// gopline (built from this tree), and baseline when GOPLINE_BASELINE names
// another gopline binary, with the path of each gopline binary.
func encodeJobTools(b *testing.B) (tools []string, binaries map[string]string) {
	tools = []string{"gst", "gopline"}
	binaries = map[string]string{"gopline": buildGopline(b)}
	if baseline := os.Getenv("GOPLINE_BASELINE"); baseline != "" {
		tools = append(tools, "baseline")
		binaries["baseline"] = baseline
	}
	return tools, binaries
}

// encodeJobClips writes the encode job's raw clips of the test pattern into
// a temporary directory: frames frames (false) and one frame (true).
func encodeJobClips(b *testing.B, frames int) map[bool]string {
	dir := b.TempDir()
	clips := map[bool]string{false: filepath.Join(dir, "testsrc.i420"), true: filepath.Join(dir, "one.i420")}
	writeRawClip(b, clips[false], benchWidth, benchHeight, frames)
	writeRawClip(b, clips[true], benchWidth, benchHeight, 1)
	return clips
}

// encodeJobCommand returns the command line of BenchmarkEncodeVsGStreamer's
// job for tool ("gst", else the gopline binary at gopline) on the raw clip
// at clip: the encode job, or reading the clip alone when read.
func encodeJobCommand(tool, gopline, clip string, read bool) []string {
	if tool == "gst" {
		sink := "fakesink"
		if !read {
			sink = gstX264 + " ! fakesink"
		}
		line := fmt.Sprintf(gstParse, benchWidth, benchHeight) + " ! " + sink
		return append([]string{"gst-launch-1.0", "-q", "filesrc", "location=" + clip, "!"}, strings.Fields(line)...)
	}
	sink := "fakesink"
	if !read {
		sink = goplineX264 + " ! fakesink"
	}
	return []string{gopline, "run", "--json", fmt.Sprintf(goplineRead, clip, benchWidth, benchHeight) + " ! " + sink}
}

// pairedRounds returns, for each round, the start-up-excluded ratios of
// tool against anchor (speed: anchor's time over tool's; cpu: tool's CPU
// over anchor's), each from the two tools' runs of that round.
func pairedRounds(job func(tool string, read, short bool) *gstJob, tool, anchor string, read bool) (speed, cpu []float64) {
	full, one := job(tool, read, false), job(tool, read, true)
	anchorFull, anchorOne := job(anchor, read, false), job(anchor, read, true)
	for r := range full.rounds {
		s, c := pairedRatio(full.rounds[r].minus(one.rounds[r]), anchorFull.rounds[r].minus(anchorOne.rounds[r]))
		speed, cpu = append(speed, s), append(cpu, c)
	}
	return speed, cpu
}

// reportRounds reports the median of per-round ratios as name_median and
// their range as name_low and name_high.
func reportRounds(b *testing.B, ratios []float64, name string) {
	s := summarise(ratios)
	if s.n == 0 {
		return
	}
	b.ReportMetric(s.median, name+"_median")
	b.ReportMetric(s.low, name+"_low")
	b.ReportMetric(s.high, name+"_high")
}

// logRounds logs the encode job's ratios of each round, start-up excluded,
// and the rounds that met the aim (at least gst's frames/s at no more than
// its CPU).
func logRounds(b *testing.B, tool string, speed, cpu []float64) {
	var line strings.Builder
	for r := range speed {
		mark := ""
		if meetsAim(speed[r], cpu[r]) {
			mark = "*"
		}
		fmt.Fprintf(&line, " %.3f/%.3f%s", speed[r], cpu[r], mark)
	}
	b.Logf("%s against gst, start-up excluded, each round (frames/s ratio / CPU ratio, * met the aim):%s", tool, line.String())
}

// gstShortRuns is how often each round of BenchmarkEncodeVsGStreamer runs a
// reading job or a job on the clip of one frame, keeping the fastest: each
// takes a few tens of milliseconds, and its fastest run needs more tries
// than a whole encode's to stand out from the machine's noise.
const gstShortRuns = 5

// gstJob is one of BenchmarkEncodeVsGStreamer's jobs, with its fastest
// times in all rounds and in each.
type gstJob struct {
	tool  string // gst, gopline or baseline
	read  bool   // reading the clip alone, no encoder
	short bool   // the clip of one frame: the start-up
	cmd   []string
	best  runTimes // the fastest of all runs
	// rounds has a figure a round: the mean of its two runs for an encode
	// of the whole clip, the fastest of its runs for a short job.
	rounds []runTimes
}

func (j *gstJob) name() string {
	name := j.tool
	if j.read {
		name += "_read"
	}
	if j.short {
		name += "_one_frame"
	}
	return name
}

// buildGopline builds the gopline command into a temporary directory and
// returns its path. It skips when the go command or the module is missing.
func buildGopline(b *testing.B) string {
	b.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("the go command is not on PATH; it is needed to build gopline")
	}
	gomod, err := exec.Command(goTool, "env", "GOMOD").Output()
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if err != nil || root == "." || strings.TrimSpace(string(gomod)) == "/dev/null" {
		b.Skipf("cannot find gopline's module root with go env GOMOD (%v)", err)
	}
	gopline := filepath.Join(b.TempDir(), "gopline")
	build := exec.Command(goTool, "build", "-o", gopline, "./cmd/gopline")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/gopline: %v\n%s", err, out)
	}
	return gopline
}

// writeRawClip writes frames 0 to n-1 of the w x h test pattern to path as
// raw I420: YUV420P with packed planes, one picture after another, which is
// what rawvideoparse and FFmpeg's rawvideo demuxer read.
func writeRawClip(tb testing.TB, path string, w, h, n int) {
	tb.Helper()
	pat, err := testsrc.New(w, h)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := media.NewFrame(media.YUV420P, w, h)
	if err != nil {
		tb.Fatal(err)
	}
	file, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	out := bufio.NewWriterSize(file, 1<<20)
	for i := range n {
		if err := pat.FrameInto(f, uint64(i)); err != nil {
			tb.Fatal(err)
		}
		for _, plane := range f.Planes[:3] { // NewFrame packs the planes
			if _, err := out.Write(plane); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := out.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := file.Close(); err != nil {
		tb.Fatal(err)
	}
}

// checkGoplineStats reads the node stats that gopline run --json prints and
// checks that frames items reached the fake sink. It returns the bytes the
// H.264 encoder put out (0 without one).
func checkGoplineStats(stats []byte, frames int) (encoded int64, err error) {
	var nodes []struct {
		Element string `json:"element"`
		In      int    `json:"in"`
		Bytes   int64  `json:"bytes"`
	}
	if err := json.Unmarshal(stats, &nodes); err != nil {
		return 0, fmt.Errorf("gopline run --json: %w\n%s", err, stats)
	}
	sunk := -1
	for _, n := range nodes {
		switch n.Element {
		case "h264enc":
			encoded = n.Bytes
		case "fakesink":
			sunk = n.In
		}
	}
	if sunk != frames {
		return 0, fmt.Errorf("gopline: the sink got %d of %d frames\n%s", sunk, frames, stats)
	}
	return encoded, nil
}

// runOutput runs a command and returns its standard output; its standard
// error goes only into the error.
func runOutput(cmd []string) ([]byte, error) {
	c := exec.Command(cmd[0], cmd[1:]...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s%s", filepath.Base(cmd[0]), err, out.Bytes(), errOut.Bytes())
	}
	return out.Bytes(), nil
}

// runMeasured runs cmd and returns its standard output, its wall-clock
// time and the CPU time (user and system) of the process.
func runMeasured(cmd []string) (out []byte, wall, cpu time.Duration, err error) {
	c := exec.Command(cmd[0], cmd[1:]...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	start := time.Now()
	err = c.Run()
	wall = time.Since(start)
	if err != nil {
		return nil, wall, 0, fmt.Errorf("%s: %w\n%s%s", filepath.Base(cmd[0]), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), wall, c.ProcessState.UserTime() + c.ProcessState.SystemTime(), nil
}

// timed runs f and adds its wall-clock time to total.
func timed(total *time.Duration, f func() error) error {
	start := time.Now()
	err := f()
	*total += time.Since(start)
	return err
}

func reportFPS(b *testing.B, unit string, frames int, took time.Duration) {
	if took > 0 {
		b.ReportMetric(float64(frames)/took.Seconds(), unit)
	}
}

func nodeStats(p *pipeline.Pipeline, node string) pipeline.NodeStats {
	for _, s := range p.Stats() {
		if s.Node == node {
			return s
		}
	}
	return pipeline.NodeStats{}
}
