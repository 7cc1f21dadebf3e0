package latejoin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
)

// camera is the live publisher of a run, a bench.Camera whose frames and
// packets it notes, so that a run can tell which frame a picture shows,
// which Seq was the newest at a moment, and how many bytes the stream took.
type camera struct {
	p   *pipeline.Pipeline
	cfg Config

	mu      sync.Mutex
	numbers map[int64]uint64 // capture time (UnixNano) -> frame number
	order   []uint64         // frame numbers in the order the encoder took them
	packets []*media.Packet  // by Seq: the header copied, Data shared and never written
	stopped bool
	stopErr error
}

func startCamera(ctx context.Context, n *gopline.Node, cfg Config, offer qos.Profile) (*camera, error) {
	c := &camera{cfg: cfg, numbers: make(map[int64]uint64)}
	cam := bench.Camera{Width: cfg.Width, Height: cfg.Height, Rate: cfg.Rate, GOP: cfg.GOP, Topic: Topic, QoS: offer}
	p, err := cam.Start(ctx, n, c.frame, c.packet)
	if err != nil {
		return nil, err
	}
	c.p = p
	return c, nil
}

func (c *camera) frame(f *media.Frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.numbers[f.CaptureTime.UnixNano()] = f.Seq
	c.order = append(c.order, f.Seq)
}

func (c *camera) packet(p *media.Packet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Seq != uint64(len(c.packets)) {
		// The harness assumes one encoder whose Seq has no holes; stop
		// noting rather than mislabel, and let evaluate say so.
		return
	}
	cp := *p
	c.packets = append(c.packets, &cp)
}

// waitPublished waits until the encoder has handed n packets to publish.
func (c *camera) waitPublished(ctx context.Context, n int) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		c.mu.Lock()
		got := len(c.packets)
		c.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.p.Done():
			return fmt.Errorf("latejoin: the camera stopped after %d packets", got)
		case <-tick.C:
		}
	}
}

// number returns the frame number of the source frame captured at t.
func (c *camera) number(t time.Time) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.numbers[t.UnixNano()]
	return n, ok
}

// phase returns how many packets after its GOP's keyframe packet seq came.
func (c *camera) phase(seq int64) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq < 0 || seq >= int64(len(c.packets)) {
		return 0, false
	}
	return int(uint64(seq) - c.packets[seq].GOP), true
}

// replay returns the packets from Seq first to Seq last, as the topic
// replayed them to a viewer.
func (c *camera) replay(first, last uint64) ([]*media.Packet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if first > last || last >= uint64(len(c.packets)) {
		return nil, fmt.Errorf("latejoin: a replay of Seq %d to %d, of %d packets published", first, last, len(c.packets))
	}
	out := make([]*media.Packet, 0, last-first+1)
	return append(out, c.packets[first:last+1]...), nil
}

// stop stops the camera and waits until the encoder has emptied; it may be
// called more than once.
func (c *camera) stop() error {
	c.mu.Lock()
	if c.stopped {
		defer c.mu.Unlock()
		return c.stopErr
	}
	c.stopped = true
	c.mu.Unlock()
	err := c.p.Stop()
	c.mu.Lock()
	c.stopErr = err
	c.mu.Unlock()
	return err
}

// streamCost is what a run's stream took against the baseline: the same
// frames encoded with only the regular GOP's keyframes.
type streamCost struct {
	frames                  int
	bytes, baselineBytes    int64
	keyframes, baselineKeys int
}

// cost encodes again, offline, the frames the camera's encoder took, in the
// same order and with the same settings but no keyframe request, and
// compares the two streams. Call it after stop.
//
// libx264 with gopline's settings (no lookahead, no B-frames, sliced
// threads, CRF) is deterministic: given the same frames it makes the same
// bytes, so a run with no forced IDR costs exactly its baseline, and what a
// run costs beyond it is what its forced IDRs cost, including the regular
// keyframes they moved and the rate control's answer to them.
func (c *camera) cost() (streamCost, error) {
	c.mu.Lock()
	order, packets := c.order, c.packets
	c.mu.Unlock()
	if len(order) != len(packets) {
		return streamCost{}, fmt.Errorf("latejoin: the encoder took %d frames and published %d packets in order; the stream cannot be compared", len(order), len(packets))
	}
	sc := streamCost{frames: len(packets)}
	for _, p := range packets {
		sc.bytes += int64(len(p.Data))
		if p.Key {
			sc.keyframes++
		}
	}
	pattern, err := testsrc.New(c.cfg.Width, c.cfg.Height)
	if err != nil {
		return sc, err
	}
	enc, err := ffmpeg.NewH264Encoder(c.cfg.Width, c.cfg.Height, ffmpeg.WithGOP(c.cfg.GOP), ffmpeg.WithFrameRate(c.cfg.Rate))
	if err != nil {
		return sc, err
	}
	defer enc.Close()
	f := pattern.Frame(0)
	for _, n := range order {
		if err := pattern.FrameInto(f, n); err != nil {
			return sc, err
		}
		p, err := enc.Encode(f)
		if err != nil {
			return sc, err
		}
		sc.baselineBytes += int64(len(p.Data))
		if p.Key {
			sc.baselineKeys++
		}
	}
	return sc, nil
}
