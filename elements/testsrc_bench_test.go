package elements

import (
	"context"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// unplanned hides a test source's Plan and Skip: the pacer then draws
// each frame before it knows whether it will drop it, as before planning.
type unplanned struct{ s *testSrc }

func (u unplanned) Start(env *pipeline.Env) error          { return u.s.Start(env) }
func (u unplanned) Stop() error                            { return u.s.Stop() }
func (u unplanned) Next() (*media.Frame, time.Time, error) { return u.s.Next() }

// BenchmarkLiveTestSrcIntoASlowSink runs a 1280x720 pattern at 240
// frames/s into a sink that takes 10 ms a frame (100 frames/s at most, and
// less as the chain's calls add up), for a second, with and without
// planning, and reports the process's CPU time per frame sent and the
// pictures drawn per frame sent.
func BenchmarkLiveTestSrcIntoASlowSink(b *testing.B) {
	for _, planned := range []bool{false, true} {
		name := "drawn-then-dropped"
		if planned {
			name = "planned"
		}
		b.Run(name, func(b *testing.B) {
			var cpu time.Duration
			var sent, drawn uint64
			for b.Loop() {
				cfg := TestSrcConfig{Width: 1280, Height: 720, Rate: 240, Frames: -1, Live: true, Format: media.YUV420P}
				pat, err := testsrc.New(cfg.Width, cfg.Height)
				if err != nil {
					b.Fatal(err)
				}
				pool, err := media.NewFramePool(cfg.Format, cfg.Width, cfg.Height, 0)
				if err != nil {
					b.Fatal(err)
				}
				src := &testSrc{cfg: cfg, pattern: pat, pool: pool}
				stage := func() (pipeline.Source[*media.Frame], error) {
					if planned {
						return src, nil
					}
					return unplanned{src}, nil
				}
				p := pipeline.New()
				if err := p.Chain([]string{"cam", "slow"}, []pipeline.Element{
					pipeline.SourceElement("testsrc", pipeline.Frames, stage),
					pipeline.SinkElement("slow", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) { return slowSink{}, nil }),
				}); err != nil {
					b.Fatal(err)
				}
				before := cpuTime()
				if err := p.Start(context.Background()); err != nil {
					b.Fatal(err)
				}
				time.Sleep(time.Second)
				if err := p.Stop(); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - before
				sent += p.Stats()[0].Out
				drawn += src.drawn.Load()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(sent), "cpu_us/sent")
			b.ReportMetric(float64(drawn)/float64(sent), "drawn/sent")
			b.ReportMetric(float64(sent)/float64(b.N), "sent/run")
		})
	}
}
