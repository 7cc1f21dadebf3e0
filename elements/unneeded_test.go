package elements

import (
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// refusePackets is a stage that can never take its packets: its first
// fails for good (pipeline.Final).
type refusePackets struct{}

func (refusePackets) Start(*pipeline.Env) error { return nil }
func (refusePackets) Stop() error               { return nil }
func (refusePackets) Process(p *media.Packet, _ func(*media.Packet)) error {
	return pipeline.Final(errors.New("packets this stage can never take"))
}

// A subscriber whose only consumer ended its chain leaves its topic at
// once, though a publisher of its own pipeline goes on publishing there:
// it takes no packets for nobody (a halt at a stop would wait for that
// publisher's last packet).
func TestASubscriberNobodyConsumesLeavesItsTopicWhileItsPipelinePublishes(t *testing.T) {
	const window = 16
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	p := pipeline.New(pipeline.WithSystem(system), pipeline.WithBus(bus))
	cam := DefaultTestSrcConfig()
	cam.Width, cam.Height, cam.Rate, cam.Live, cam.Frames = 160, 120, 60, true, -1
	enc := DefaultH264EncConfig()
	enc.GOP = 10
	if err := p.Chain([]string{"cam", "enc", "pub"}, []pipeline.Element{TestSrc(cam), H264Enc(enc), Publish("/cam")}); err != nil {
		t.Fatal(err)
	}
	refuse := pipeline.ProcessorElement("refuse", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return refusePackets{}, nil })
	if err := p.Chain([]string{"sub", "refuse", "sink"}, []pipeline.Element{Subscribe("/cam", window), refuse, FakeSink()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	deadline := time.Now().Add(20 * time.Second)
	for stat(t, p, "refuse").Errors == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the refusing stage never failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// What the subscriber takes from the topic after the end of its chain
	// is at most what was on its way: its window.
	taken := func() uint64 { s := stat(t, p, "sub"); return s.Out + s.Dropped }
	before, published := taken(), stat(t, p, "pub").In
	for stat(t, p, "pub").In < published+4*window { // the publisher goes on
		if time.Now().After(deadline) {
			t.Fatal("the publisher stopped publishing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := taken() - before; n > window {
		t.Errorf("the subscriber took %d more packets for nobody while its pipeline published %d; want at most its window (%d)",
			n, stat(t, p, "pub").In-published, window)
	}
	if st, err := bus.Stats("/cam"); err != nil || len(st.Subscribers) != 0 {
		t.Errorf("/cam still has subscribers %+v (%v)", st.Subscribers, err)
	}
	if err := p.Stop(); !errors.Is(err, pipeline.ErrStageFinal) {
		t.Fatalf("Stop: %v; want refuse's chain ended", err)
	}
}
