package remotebench

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/transport"
)

// Mode is what a run measures.
type Mode string

const (
	// Throughput: the publisher publishes as fast as the subscriber's
	// credits allow; the figure is the megabytes a second delivered.
	Throughput Mode = "throughput"
	// Latency: the publisher publishes at a fixed rate; the figures are the
	// latencies from publish to subscriber.
	Latency Mode = "latency"
)

// Defaults of a Config.
const (
	// DefaultPacketBytes is a 1080p camera's H.264 picture, give or take.
	DefaultPacketBytes = 50_000
	// DefaultKeyframeBytes is an IDR of a 4K camera at a good quality: the
	// largest single message a robot's camera topic sends.
	DefaultKeyframeBytes = 1_500_000
	// DefaultRate is a camera's frame rate, for latency runs.
	DefaultRate = 30
	// DefaultGOP is gopline's encoder default: an IDR a second at 30 fps.
	DefaultGOP      = 30
	DefaultDuration = 3 * time.Second
	// DefaultWarmup passes before a run counts anything: the link is up by
	// the first delivery, but gRPC's flow-control windows still grow.
	DefaultWarmup = 200 * time.Millisecond
	// DefaultJoins is the late joiners of the late-join run: at 100 ms
	// apart on average (bench.JoinAtRandom's default gaps), about 3 s.
	DefaultJoins = 30
)

// Limits of a Config: beyond them a run says nothing useful, or a packet
// is larger than a node carries (remote.MaxPacketBytes).
const (
	MaxPacketBytes = 16 << 20
	MaxRate        = 10_000
	MaxDuration    = 10 * time.Minute
	MaxJoins       = 10_000
)

// Config describes a benchmark; zero fields take the defaults. Both sides
// derive the same runs from it (Runs), so it is all the publishing side
// needs to know. The late-join run is the subscribing side's alone (its
// camera is always the same, ServeCamera).
type Config struct {
	// PacketBytes is the size of the packets of the main runs.
	PacketBytes int
	// KeyframeBytes is the size of the packets of the keyframe runs, in
	// which every packet is a keyframe; negative: no keyframe runs.
	KeyframeBytes int
	// Rate is the packets a second of the latency runs.
	Rate float64
	// GOP is the packets from one keyframe to the next in the main runs.
	GOP int
	// Window is the subscriber's window (0: transport.DefaultWindow).
	Window int
	// Duration is how long each run counts, after Warmup.
	Duration, Warmup time.Duration
	// Joins is how many viewers join the camera in the late-join run, at
	// random moments drawn from Seed (MeasureLateJoin).
	Joins int
	Seed  uint64
	// Progress, if not nil, is called by MeasureNode after each run and
	// after the late-join run, with the runs done of all.
	Progress func(done, total int)
}

func (c Config) withDefaults() Config {
	if c.PacketBytes == 0 {
		c.PacketBytes = DefaultPacketBytes
	}
	if c.KeyframeBytes == 0 {
		c.KeyframeBytes = DefaultKeyframeBytes
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.GOP == 0 {
		c.GOP = DefaultGOP
	}
	if c.Window == 0 {
		c.Window = transport.DefaultWindow
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Warmup == 0 {
		c.Warmup = DefaultWarmup
	}
	if c.Joins == 0 {
		c.Joins = DefaultJoins
	}
	return c
}

// Validate reports whether runs can be made of c, its zero fields taking
// the defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.PacketBytes < 1 || c.PacketBytes > MaxPacketBytes:
		return fmt.Errorf("remotebench: packet size %d: want 1..%d bytes", c.PacketBytes, MaxPacketBytes)
	case c.KeyframeBytes > MaxPacketBytes:
		return fmt.Errorf("remotebench: keyframe size %d: want at most %d bytes", c.KeyframeBytes, MaxPacketBytes)
	case c.Rate < 0 || c.Rate > MaxRate:
		return fmt.Errorf("remotebench: rate %v: want up to %d packets/s", c.Rate, MaxRate)
	case c.GOP < 1 || c.GOP > 300:
		return fmt.Errorf("remotebench: GOP %d: want 1..300", c.GOP)
	case c.Window < 1 || c.Window > 1024:
		return fmt.Errorf("remotebench: window %d: want 1..1024", c.Window)
	case c.Duration < 0 || c.Duration > MaxDuration || c.Warmup < 0:
		return fmt.Errorf("remotebench: duration %v, warm-up %v: want up to %v", c.Duration, c.Warmup, MaxDuration)
	case c.Joins < 1 || c.Joins > MaxJoins:
		return fmt.Errorf("remotebench: %d joins: want 1..%d", c.Joins, MaxJoins)
	}
	return nil
}

// Run is one measurement: one topic, one kind of packet, one mode.
type Run struct {
	// Topic is the run's topic: runs of one Config have topics of their
	// own, so that a run never sees another's packets.
	Topic string
	Mode  Mode
	// PacketBytes is each packet's size; Rate the packets a second of a
	// latency run; GOP the packets from one keyframe to the next (1: every
	// packet is a keyframe).
	PacketBytes int
	Rate        float64
	GOP         int
	// Window, Warmup and Duration are the subscriber's (see Config).
	Window           int
	Warmup, Duration time.Duration
}

// Runs returns c's runs in the order they are measured: throughput and
// latency of PacketBytes packets, then the same of KeyframeBytes keyframes.
func (c Config) Runs() []Run {
	c = c.withDefaults()
	var runs []Run
	add := func(m Mode, size, gop int) {
		r := Run{Topic: fmt.Sprintf("/bench/run%d_%s_%d", len(runs), m, size), Mode: m, PacketBytes: size, GOP: gop,
			Window: c.Window, Warmup: c.Warmup, Duration: c.Duration}
		if m == Latency {
			r.Rate = c.Rate
		}
		runs = append(runs, r)
	}
	add(Throughput, c.PacketBytes, c.GOP)
	add(Latency, c.PacketBytes, c.GOP)
	if c.KeyframeBytes > 0 {
		add(Throughput, c.KeyframeBytes, 1)
		add(Latency, c.KeyframeBytes, 1)
	}
	return runs
}
