package elements

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// damage truncates the packet with one Seq, as a bad link would.
func damage(seq uint64) pipeline.Element {
	return pipeline.ProcessorElement("damage", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &damageStage{seq: seq}, nil })
}

type damageStage struct{ seq uint64 }

func (d *damageStage) Start(*pipeline.Env) error { return nil }
func (d *damageStage) Stop() error               { return nil }
func (d *damageStage) Process(p *media.Packet, emit func(*media.Packet)) error {
	if p.Seq == d.seq {
		p = p.Clone()
		p.Data = p.Data[:len(p.Data)/2]
	}
	emit(p)
	return nil
}

// damagedStream runs 60 frames through an encoder, damages packet 10, and
// decodes what a gate lets through. A live camera paces the frames as a
// robot's would, so that a keyframe request overtakes the stream; on a
// loaded machine it may drop a frame, as cameras do.
// damagedStream runs the stream, damaged, through dec, and returns its
// pipeline, the frames decoded, the log, and what Wait returned.
func damagedStream(t *testing.T, dec DecoderConfig, live bool) (*pipeline.Pipeline, []*media.Frame, string, error) {
	t.Helper()
	out := &frames{}
	var log testlog.Buffer
	p := pipeline.New(pipeline.WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)))
	err := p.Chain([]string{"cam", "enc", "damage", "gate", "dec", "sink"}, []pipeline.Element{
		TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 30, Frames: 60, Live: live}),
		H264Enc(h264EncGOP(50)), damage(10), Gate(), H264DecWith(dec), out.element()})
	if err != nil {
		t.Fatal(err)
	}
	err = runToEndErr(t, p)
	return p, out.all(), log.String(), err
}

// A damaged packet is a warning at the default level and an error in the
// decoder's stats; the decoder reports it through the gate in front of it
// (a keyframe request the gate answers with Break), so the gate drops the
// deltas after it until the keyframe the encoder sends, long before the
// GOP's.
func TestDamageIsAWarningAndBreaksTheGatesChain(t *testing.T) {
	p, got, log, err := damagedStream(t, DecoderConfig{}, true)
	endedWith(t, err, "dec")
	if !strings.Contains(log, `"level":"warn"`) || !strings.Contains(log, "damaged packet") {
		t.Fatalf("no warning of the damage:\n%s", log)
	}
	if s := stat(t, p, "dec"); s.Errors != 1 {
		t.Fatalf("decoder stats %+v, want 1 error", s)
	}
	if !strings.Contains(log, `"breaks":1`) {
		t.Fatalf("the gate did not take the decoder's break:\n%s", log)
	}
	var resumed uint64
	for _, f := range got {
		if f.Seq > 10 {
			resumed = f.Seq
			break
		}
	}
	if resumed == 0 || resumed >= 40 {
		t.Fatalf("pictures resume at %d after the damage at 10: want a forced keyframe long before 50", resumed)
	}
}

// With conceal=true the damaged picture and the ones after it come out,
// the damaged one marked concealed. The camera is not live, so that none
// is dropped before the decoder.
func TestConcealingDecoderShowsEveryPicture(t *testing.T) {
	_, got, _, err := damagedStream(t, DecoderConfig{Conceal: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 60 {
		t.Fatalf("%d pictures, want 60", len(got))
	}
	if !got[10].Concealed || got[9].Concealed {
		t.Fatalf("concealed: picture 9 %v, 10 %v; want only 10", got[9].Concealed, got[10].Concealed)
	}
}
