package storage_test

import (
	"bufio"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// durableWriterEnv, when set to a path, turns the test binary into the child
// of TestDurableCacheSurvivesAKilledNode: it retains packets into a durable
// cache in that file, reporting each Seq it retained, until it is killed.
const durableWriterEnv = "GOPLINE_STORAGE_DURABLE_WRITER"

func seqsOf(ps []*media.Packet) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.Seq
	}
	return out
}

func TestDurableCacheReloadsItsGOPMarkedStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.gopline")
	rec := mustOpenPath(t, path)
	d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	s := newSynth() // a keyframe every 10 packets
	var sent []*media.Packet
	for i := range 25 {
		p := s.packet(i)
		sent = append(sent, p)
		d.Retain(p)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	rec = mustOpenPath(t, path)
	defer rec.Close()
	d, err = rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := d.Replay()
	if !slices.Equal(seqsOf(got), []uint64{20, 21, 22, 23, 24}) {
		t.Fatalf("reloaded %v, want the last GOP 20..24", seqsOf(got))
	}
	for i, p := range got {
		if diff := samePacket(p, sent[20+i]); diff != "" || !p.Replay.Stale {
			t.Fatalf("reloaded packet %d: differs in %q, stale %v", i, diff, p.Replay.Stale)
		}
	}
	// The new run's first keyframe replaces the stale GOP.
	s.epoch++
	k := s.packet(30)
	d.Retain(k)
	if got := d.Replay(); len(got) != 1 || got[0] != k {
		t.Fatalf("after a new keyframe the cache holds %v", seqsOf(got))
	}
}

func TestDurableCacheLifespanExpiresTheStoredGOP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.gopline")
	clock := newFakeClock()
	offer := qos.PersistentVideo()
	offer.Lifespan = time.Minute
	rec := mustOpenPath(t, path, storage.WithClock(clock.Now))
	d, err := rec.DurableCache("/camera", offer, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	s := newSynth()
	for i := range 5 {
		d.Retain(s.packet(i))
	}
	d.Close()
	rec.Close()
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{30 * time.Second, 5}, {2 * time.Minute, 0}} {
		clock.Advance(epoch2024.Add(c.after).Sub(clock.Now()))
		rec := mustOpenPath(t, path, storage.WithClock(clock.Now))
		d, err := rec.DurableCache("/camera", offer, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(d.Replay()); n != c.want {
			t.Errorf("%v later: %d packets reloaded, want %d", c.after, n, c.want)
		}
		d.Close()
		rec.Close()
	}
}

// A PERSISTENT topic, end to end: a node publishes, stops, starts again
// from its file, and a subscriber that joins before the new run publishes
// anything is replayed the old GOP, marked stale.
func TestPersistentTopicReplaysAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.gopline")
	offer := qos.PersistentVideo()
	s := newSynth()
	node := func(fn func(sys *actor.ActorSystem, topic *actor.PID)) {
		rec := mustOpenPath(t, path)
		sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
		bus := transport.NewBus(sys, transport.WithRetainer(storage.Retainers(rec, zerolog.Nop())))
		topic, err := bus.Topic("/camera")
		if err != nil {
			t.Fatal(err)
		}
		fn(sys, topic)
		if err := bus.Close(); err != nil {
			t.Fatal(err)
		}
		sys.Shutdown()
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
	}
	node(func(sys *actor.ActorSystem, topic *actor.PID) {
		sys.Root.Send(topic, &transport.PublisherJoined{QoS: &offer})
		for i := range 17 {
			sys.Root.Send(topic, &transport.Publish{Packet: s.packet(i)})
		}
	})
	node(func(sys *actor.ActorSystem, topic *actor.PID) {
		got := make(chan *media.Packet, 64)
		sub := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if d, ok := ctx.Message().(*transport.Delivery); ok {
				got <- d.Packet
				ctx.Send(topic, &transport.Ack{})
			}
		}))
		sys.Root.Send(topic, &transport.Subscribe{Subscriber: sub})
		sys.Root.Send(topic, &transport.PublisherJoined{QoS: &offer}) // the new run's publisher
		var replayed []*media.Packet
		for len(replayed) < 7 {
			select {
			case p := <-got:
				replayed = append(replayed, p)
			case <-time.After(10 * time.Second):
				t.Fatalf("replayed %v after the restart, want 10..16", seqsOf(replayed))
			}
		}
		if !slices.Equal(seqsOf(replayed), []uint64{10, 11, 12, 13, 14, 15, 16}) {
			t.Fatalf("replayed %v after the restart, want 10..16", seqsOf(replayed))
		}
		for _, p := range replayed {
			if !p.Replay.Replayed || !p.Replay.Stale {
				t.Fatalf("seq %d marked %+v, want replayed and stale", p.Seq, p.Replay)
			}
		}
		if !replayed[6].Replay.Last {
			t.Fatal("the newest replayed packet is not marked last")
		}
		// The new run joins mid-GOP: its deltas cannot follow the stale
		// GOP, so live delivery starts at its first keyframe.
		s.epoch++
		for i := 7; i < 13; i++ {
			sys.Root.Send(topic, &transport.Publish{Packet: s.packet(i)})
		}
		var live []*media.Packet
		for len(live) < 3 {
			select {
			case p := <-got:
				live = append(live, p)
			case <-time.After(10 * time.Second):
				t.Fatalf("live after the stale replay: %v, want 10..12", seqsOf(live))
			}
		}
		if !slices.Equal(seqsOf(live), []uint64{10, 11, 12}) || live[0].Replay.Replayed {
			t.Fatalf("live after the stale replay: %v, want the new run from its keyframe 10", seqsOf(live))
		}
	})
}

// runDurableWriter is the child of TestDurableCacheSurvivesAKilledNode.
func runDurableWriter(path string) int {
	rec, err := storage.Open(path)
	if err != nil {
		return 1
	}
	d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		return 1
	}
	s := newSynth()
	out := bufio.NewWriter(os.Stdout)
	for i := 0; i < 20*30; i++ { // stops by itself after ~20 s
		d.Retain(s.packet(i))
		out.WriteString(strconv.Itoa(i) + "\n")
		out.Flush()
		time.Sleep(time.Second / 30)
	}
	return 0
}

// A node killed with SIGKILL while it mirrors its cache leaves a file whose
// durable cache reloads a GOP that decodes from its keyframe, with no hole,
// and is recent: at most a few packets behind the last one retained.
func TestDurableCacheSurvivesAKilledNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "node.gopline")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), durableWriterEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewScanner(stdout)
	last := -1
	for r.Scan() && last < 45 {
		last, _ = strconv.Atoi(r.Text())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if last < 45 {
		t.Fatalf("the child stopped after packet %d", last)
	}
	rec := mustOpenPath(t, path)
	defer rec.Close()
	d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := d.Replay()
	if len(got) == 0 || !got[0].Key {
		t.Fatalf("reloaded %v: want a GOP from its keyframe", seqsOf(got))
	}
	s := newSynth()
	for i, p := range got {
		if p.Seq != got[0].Seq+uint64(i) || samePacket(p, s.packet(int(p.Seq))) != "" {
			t.Fatalf("reloaded %v: not a contiguous GOP of what was retained", seqsOf(got))
		}
	}
	if newest := int(got[len(got)-1].Seq); newest < last-2*s.gop {
		t.Fatalf("reloaded up to seq %d; the child had retained %d", newest, last)
	}
}

// Each run's GOP replaces the last on disk: after several restarts the
// newest run's GOP comes back, never an older one.
func TestDurableCacheAcrossManyRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.gopline")
	s := newSynth()
	for run := range 4 {
		rec := mustOpenPath(t, path)
		d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		got := d.Replay()
		if run > 0 {
			want := uint64(100*(run-1) + 20) // the last GOP of the run before
			if len(got) != 5 || got[0].Seq != want || !got[0].Replay.Stale {
				t.Fatalf("run %d reloaded %v, want the last run's GOP from %d", run, seqsOf(got), want)
			}
		}
		// The first run retains 25 packets, the later ones a single GOP:
		// a short run must still replace a long one on disk.
		s.epoch++
		from := 0
		if run > 0 {
			from = 20
		}
		for i := from; i < 25; i++ { // the last GOP is seq 100*run+20 .. +24
			p := s.packet(i)
			p.Seq += uint64(100 * run)
			p.GOP += uint64(100 * run)
			d.Retain(p)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
