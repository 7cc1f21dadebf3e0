package actors

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

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
// process: taskset -c 0 go test -run '^$' -bench GraphVsBareLoop ./actors/
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
		packets, pictures = append(packets, p), append(pictures, out[0])
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
	enc := pipeline.Element{Type: "h264enc", In: pipeline.Frames, Out: pipeline.Packets(media.H264),
		New: func() (pipeline.Stage, error) { return &encoder{open: c.newEnc}, nil }}
	dec := pipeline.Element{Type: "h264dec", In: pipeline.Packets(media.H264), Out: pipeline.Frames,
		New: func() (pipeline.Stage, error) { return newDecoder(qos.ReplayLatest, c.newDec) }}
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
	return pipeline.Element{Type: "premade", Out: pipeline.Frames,
		New: func() (pipeline.Stage, error) { return &preMade{frames: frames, gap: gap}, nil }}
}

type preMade struct {
	frames []*media.Frame
	gap    time.Duration
	env    *pipeline.Env
	next   int
}

func (s *preMade) Start(env *pipeline.Env) error { s.env = env; return nil }
func (s *preMade) Stop() error                   { return nil }

func (s *preMade) Next() (any, time.Time, error) {
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

// The encode job of BenchmarkEncodeVsGStreamer and scripts/bench-gst.sh, in
// both tools: 600 frames of a 640x480 test source through libx264 (veryfast,
// zero latency, an IDR every 30 frames, no B-frames) into a fake sink. The
// sources differ (GStreamer's ball against gopline's pattern), hence the
// runs without the encoder. GStreamer's x264enc defaults to 2048 kbit/s CBR,
// gopline to CRF 23.
const gstFrames = 600

var (
	gstEncode = "videotestsrc num-buffers=600 pattern=ball ! video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! " +
		"x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 ! fakesink sync=false"
	gstSource      = "videotestsrc num-buffers=600 pattern=ball ! video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! fakesink sync=false"
	goplineEncode  = "testsrc size=640x480 rate=30 num-frames=600 is-live=false ! h264enc gop=30 preset=veryfast ! fakesink"
	goplineSource  = "testsrc size=640x480 rate=30 num-frames=600 is-live=false ! fakesink"
	gstInstallHint = "apt-get install -y gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-ugly (or run scripts/bench-gst.sh)"
)

// BenchmarkEncodeVsGStreamer runs the same encode job with gst-launch-1.0
// and with the gopline command, alternately, timing each process by wall
// clock (start-up included). It reports each side's frames/s and
// gopline_vs_gst = gopline fps / gst fps, and the same for each source alone.
// When the encoder takes most of each run, it also reports an encode-only
// estimate: frames over (time with the encoder - time of the source alone),
// which also takes out the processes' start-up.
//
// It skips when gst-launch-1.0 (with x264enc) or the go command is missing;
// it builds the gopline command into a temporary directory.
func BenchmarkEncodeVsGStreamer(b *testing.B) {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		b.Skip("gst-launch-1.0 not found: " + gstInstallHint)
	}
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
	gst := func(line string) func() error {
		return func() error { return runQuiet("gst-launch-1.0", append([]string{"-q"}, strings.Fields(line)...)...) }
	}
	gp := func(line string) func() error { return func() error { return runQuiet(gopline, "run", line) } }
	jobs := []struct {
		name string
		run  func() error
		took time.Duration
	}{
		{name: "gst", run: gst(gstEncode)},
		{name: "gopline", run: gp(goplineEncode)},
		{name: "gst_src", run: gst(gstSource)},
		{name: "gopline_src", run: gp(goplineSource)},
	}
	// One untimed run of each: GStreamer builds its plugin registry on its
	// first start, and a missing x264enc shows here.
	for _, j := range jobs {
		if err := j.run(); err != nil {
			if strings.HasPrefix(j.name, "gst") {
				b.Skipf("%s does not run (x264enc is in gstreamer1.0-plugins-ugly): %v; %s", j.name, err, gstInstallHint)
			}
			b.Fatalf("%s: %v", j.name, err)
		}
	}
	b.Run(fmt.Sprintf("%dx%dx%d", benchWidth, benchHeight, gstFrames), func(b *testing.B) {
		for i := range jobs {
			jobs[i].took = 0
		}
		for i := range b.N {
			for k := range jobs {
				// Alternate which tool goes first.
				j := &jobs[k^(i%2)]
				if err := timed(&j.took, j.run); err != nil {
					b.Fatalf("%s: %v", j.name, err)
				}
			}
		}
		n := b.N * gstFrames
		for _, j := range jobs {
			reportFPS(b, j.name+"_frames/s", n, j.took)
		}
		gstAll, gpAll, gstSrc, gpSrc := jobs[0].took, jobs[1].took, jobs[2].took, jobs[3].took
		b.ReportMetric(gstAll.Seconds()/gpAll.Seconds(), "gopline_vs_gst")
		b.ReportMetric(gstSrc.Seconds()/gpSrc.Seconds(), "gopline_vs_gst_src")
		gstEnc, gpEnc := gstAll-gstSrc, gpAll-gpSrc
		if gstEnc < gstAll/4 || gpEnc < gpAll/4 {
			b.Logf("no encode-only estimate: the source alone takes most of a run (gst %v of %v, gopline %v of %v)", gstSrc, gstAll, gpSrc, gpAll)
			return
		}
		reportFPS(b, "gst_enc_frames/s", n, gstEnc)
		reportFPS(b, "gopline_enc_frames/s", n, gpEnc)
		b.ReportMetric(gstEnc.Seconds()/gpEnc.Seconds(), "gopline_vs_gst_enc")
	})
}

// runQuiet runs a command, keeping its output only for the error.
func runQuiet(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, out.Bytes())
	}
	return nil
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
