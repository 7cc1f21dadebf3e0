package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline/pipeline"
)

// report is what a run of the robot measured.
type report struct {
	cfg     config
	Elapsed time.Duration
	CPU     time.Duration // the process's, over the run
	// MachineBusy and MachineSteal are every CPU's busy and stolen time
	// over the run (machineCPU), the process's own included; CPUs is how
	// many the machine has.
	MachineBusy, MachineSteal time.Duration
	CPUs                      int
	RSS                       []rssSample
	Cameras                   []cameraReport
	Recorded                  pipeline.NodeStats
	Bare                      bareCost // zero without cfg.Compare
	// Steady is the run after its warm-up (cfg.warmup) to its end, before
	// the pipeline stops: the CPU a camera frame costs once every codec
	// is open. Same is the same work without gopline (sameWork), zero
	// without cfg.Compare.
	Steady window
	Same   sameWork
	// Rounds is the ratio of each paired round after the main run
	// (pairedRounds), robot against same work.
	Rounds []float64
}

// PairedRatio is the median of the robot's ratios to the same work, the
// main run's and the paired rounds'; 0 when the same work was not
// measured.
func (r report) PairedRatio() float64 {
	if r.SameWorkRatio() == 0 {
		return 0
	}
	all := append([]float64{r.SameWorkRatio()}, r.Rounds...)
	slices.Sort(all)
	if n := len(all); n%2 == 0 {
		return (all[n/2-1] + all[n/2]) / 2
	}
	return all[len(all)/2]
}

// SameWorkRatio is the robot's steady CPU per camera frame against the same
// work's without gopline: what gopline costs beyond the codecs and the
// source, in the same layout; 0 when either was not measured.
func (r report) SameWorkRatio() float64 {
	if r.Same.PerFrame() == 0 {
		return 0
	}
	return ratio(r.Steady.PerFrame(), r.Same.PerFrame())
}

// encoded is the frames all cameras encoded.
func (r report) encoded() uint64 {
	var n uint64
	for _, c := range r.Cameras {
		n += c.Encoded
	}
	return n
}

// CPUPerFrame is the process's CPU per camera frame: everything the robot
// did (sources, encoders, topics, recorder, viewers) over the frames the
// cameras encoded.
func (r report) CPUPerFrame() time.Duration {
	if n := r.encoded(); n > 0 {
		return r.CPU / time.Duration(n)
	}
	return 0
}

// BareWork is the bare steps' CPU for one camera frame: the source, the
// encoder, and a decoder per viewer.
func (r report) BareWork() time.Duration {
	return r.Bare.Source + r.Bare.Encode + time.Duration(r.cfg.Viewers)*r.Bare.Decode
}

// Cores is CPU time over the run as cores kept busy on average.
func (r report) Cores(d time.Duration) float64 { return ratio(d, r.Elapsed) }

// Others is the CPU time the rest of the machine spent over the run.
func (r report) Others() time.Duration { return max(r.MachineBusy-r.CPU, 0) }

// RSSGrowth is how far the RSS, in all and its anonymous part, moved from
// the first reading after the start (by then the first GOPs are out) to
// the last.
func (r report) RSSGrowth() (all, anon int64) {
	if len(r.RSS) < 3 {
		return 0, 0
	}
	first, last := r.RSS[1], r.RSS[len(r.RSS)-1]
	return int64(last.Bytes) - int64(first.Bytes), int64(last.Anon) - int64(first.Anon)
}

func (r report) write(w io.Writer) error {
	cfg := r.cfg
	fmt.Fprintf(w, "four cameras, %dx%d at %d frames/s, GOP %d, %d viewers, %.1f s\n\n",
		cfg.Width, cfg.Height, cfg.Rate, cfg.GOP, cfg.Viewers, r.Elapsed.Seconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "camera\tframes made\tdropped at source\tencoded\tpublished\tdecoded per viewer\tdropped by viewers\terrors\t")
	for _, c := range r.Cameras {
		dec := make([]string, len(c.Decoded))
		for i, d := range c.Decoded {
			dec[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t\n", c.Camera, c.Made, c.SourceDropped, c.Encoded, c.Published,
			strings.Join(dec, " "), c.ViewerDropped, c.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nrecorder: %d packets in, %d dropped, %d errors\n", r.Recorded.In, r.Recorded.Dropped, r.Recorded.Errors)
	fmt.Fprintf(w, "RSS (anonymous + file-backed; of anonymous, Go's) MB:")
	for _, s := range r.RSS {
		fmt.Fprintf(w, " %.0fs %.1f (%.1f + %.1f; %.1f);", s.At.Seconds(), mb(s.Bytes), mb(s.Anon), mb(s.File), mb(s.Go))
	}
	all, anon := r.RSSGrowth()
	fmt.Fprintf(w, "\nRSS growth after the first reading: %+.1f MB, of it anonymous %+.1f MB\n", float64(all)/1e6, float64(anon)/1e6)
	fmt.Fprintf(w, "CPU: %.2f s in all, %.2f ms per camera frame (all threads)\n", r.CPU.Seconds(), ms(r.CPUPerFrame()))
	fmt.Fprintf(w, "machine: %d CPUs, %.2f of them busy on average: the robot %.2f, the rest %.2f; stolen by the hypervisor %.2f\n",
		r.CPUs, r.Cores(r.MachineBusy), r.Cores(r.CPU), r.Cores(r.Others()), r.Cores(r.MachineSteal))
	st := r.Steady
	fmt.Fprintf(w, "steady, after the first %.1f s: %.2f ms per camera frame over %d frames, of it the Go collector %.3f ms; %d dropped at the sources; the rest of the machine %.2f cores\n",
		r.cfg.warmup().Seconds(), ms(st.PerFrame()), st.Frames, ms(perFrame(st.GC, st.Frames)), st.Dropped, st.Others())
	if r.Bare.Frames == 0 {
		return nil
	}
	if err := r.writeSame(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "bare, one step at a time, on %d frames of the same pattern: source %.2f ms, encoder %.2f ms, decoder %.2f ms a frame\n"+
		"per camera frame against the bare encoder: %.2fx; against the bare source, encoder and %d decoders: %.2fx\n",
		r.Bare.Frames, ms(r.Bare.Source), ms(r.Bare.Encode), ms(r.Bare.Decode),
		ratio(r.CPUPerFrame(), r.Bare.Encode), cfg.Viewers, ratio(r.CPUPerFrame(), r.BareWork()))
	return err
}

func mb(b uint64) float64 { return float64(b) / 1e6 }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// writeSame writes the same work's figures and the robot's against them.
func (r report) writeSame(w io.Writer) error {
	sw := r.Same
	_, err := fmt.Fprintf(w, "same work without gopline, the four cameras at once (%d frames each after %d): %.2f ms per camera frame, "+
		"of it the Go collector %.3f ms; per frame on their threads: source %.2f, encoder %.2f, decoder %.2f ms; %d frames dropped; the rest of the machine %.2f cores\n"+
		"robot against the same work: %.2fx\n",
		sw.Frames/Cameras, r.cfg.warmupFrames(), ms(sw.PerFrame()), ms(perFrame(sw.GC, sw.Frames)), ms(sw.Source), ms(sw.Encode), ms(sw.Decode),
		sw.Dropped, sw.Others(), r.SameWorkRatio())
	if err != nil || len(r.Rounds) == 0 {
		return err
	}
	var each []string
	for _, x := range r.Rounds {
		each = append(each, fmt.Sprintf("%.2fx", x))
	}
	_, err = fmt.Fprintf(w, "paired rounds, %v of the robot after its warm-up and the same work on as many frames, in turns: %s; "+
		"median with the run above: %.2fx\n", r.cfg.RoundLength, strings.Join(each, " "), r.PairedRatio())
	return err
}

func perFrame(d time.Duration, frames uint64) time.Duration {
	if frames == 0 {
		return 0
	}
	return d / time.Duration(frames)
}
