package gopline_test

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport/remote"
)

func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.WarnLevel), zerolog.WarnLevel)
	os.Exit(m.Run())
}

// ignoreDeadLetterThrottle passes over protoactor's dead-letter throttle, a
// timer goroutine that ends by itself a second after a dead letter.
var ignoreDeadLetterThrottle = goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1")

func registry(t *testing.T) *pipeline.Registry {
	t.Helper()
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// start parses line on n and starts it.
func start(t *testing.T, n *gopline.Node, line string) *pipeline.Pipeline {
	t.Helper()
	p, err := n.Parse(line, registry(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitPublished waits until topic has had n packets published.
func waitPublished(t *testing.T, node *gopline.Node, topic string, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := node.Bus().Stats(topic)
		if err == nil && st.Published >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %+v, %v: want %d packets published", topic, st, err, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A node with a state file and a persistent topic whose pipeline still
// runs: Close stops the pipeline, writes the cache, and leaves no goroutine
// behind; the state file can be opened again at once.
func TestCloseStopsEveryGoroutineItStarted(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), ignoreDeadLetterThrottle)
	state := filepath.Join(t.TempDir(), "state.gopline")
	n, err := gopline.New(gopline.WithStateFile(state), gopline.WithDefaultQoS(qos.PersistentVideo()))
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, n, "testsrc size=160x96 is-live=true ! h264enc gop=5 ! publish topic=/camera  subscribe topic=/camera ! fakesink")
	waitPublished(t, n, "/camera", 6)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	default:
		t.Error("the pipeline still runs after Close")
	}
	if p, err := n.NewPipeline(); !errors.Is(err, gopline.ErrClosed) || p != nil {
		t.Errorf("NewPipeline on a closed node: %v, %v; want ErrClosed and no pipeline, which would run without the node's topics", p, err)
	}
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	if p, err := n.Parse("testsrc num-frames=3 ! fakesink", reg); !errors.Is(err, gopline.ErrClosed) || p != nil {
		t.Errorf("Parse on a closed node: %v, %v; want ErrClosed and no pipeline", p, err)
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	again, err := gopline.New(gopline.WithStateFile(state))
	if err != nil {
		t.Fatalf("the state file after Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

// A node whose state file a power cut left damaged starts all the same: the
// file is set aside, said in the log, and the persistent topic is cached in
// a new one that the next node replays from.
func TestNodeWithADamagedStateFileStarts(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.gopline")
	cacheCamera(t, state)
	fi, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(state, fi.Size()/2); err != nil {
		t.Fatal(err)
	}

	var log testlog.Buffer
	cacheCamera(t, state, gopline.WithLogger(zerolog.New(&log)))
	aside, _ := filepath.Glob(state + ".damaged-*")
	if len(aside) != 1 || !strings.Contains(log.String(), "the state file was damaged: it is set aside as "+aside[0]) {
		t.Errorf("set aside as %v; the log says: %s", aside, log.String())
	}
	waitStaleReplay(t, state)
}

// cacheCamera runs a node on the state file whose camera publishes the
// persistent topic /camera until it has published 8 packets, and closes
// it, which writes the topic's GOP into the file.
func cacheCamera(t *testing.T, state string, opts ...gopline.Option) {
	t.Helper()
	n, err := gopline.New(append([]gopline.Option{gopline.WithStateFile(state), gopline.WithDefaultQoS(qos.PersistentVideo())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	start(t, n, "testsrc size=160x96 is-live=true ! h264enc gop=5 ! publish topic=/camera")
	waitPublished(t, n, "/camera", 8)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitStaleReplay starts a node on the state file with a viewer and a
// camera of /camera, and waits until the topic has replayed the GOP the
// file held, marked stale.
func waitStaleReplay(t *testing.T, state string) {
	t.Helper()
	n, err := gopline.New(gopline.WithStateFile(state), gopline.WithDefaultQoS(qos.PersistentVideo()))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	start(t, n, "subscribe topic=/camera ! fakesink")
	start(t, n, "testsrc size=160x96 is-live=true ! h264enc gop=5 ! publish topic=/camera")
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := n.Bus().Stats("/camera")
		if err == nil && st.ReplayedStale > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing stale replayed from the state file: %+v, %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOptionsThatDoNotHoldFailNew(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), ignoreDeadLetterThrottle)
	dir := t.TempDir()
	for name, opt := range map[string]gopline.Option{
		"no state path":                gopline.WithStateFile(""),
		"state in a missing directory": gopline.WithStateFile(filepath.Join(dir, "no", "such", "dir", "state")),
		"no listen address":            gopline.WithListen(""),
		"a bad listen port":            gopline.WithListen("127.0.0.1:99999"),
		"no host to listen on":         gopline.WithListen(":0"),
		"a bad default QoS":            gopline.WithDefaultQoS(qos.Profile{Depth: -1}),
		"TLS without a client side":    gopline.WithRemote(remote.Config{ServerTLS: &tls.Config{}}),
		"a node name with a dot":       gopline.WithName("robot.local"),
	} {
		n, err := gopline.New(opt)
		if err == nil {
			n.Close()
			t.Errorf("%s: New did not fail", name)
		}
	}
}

// A state file another node has open is refused in a state file's terms:
// each node keeps its own.
func TestAStateFileAnotherNodeHasIsRefusedSayingSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.db")
	first, err := gopline.New(gopline.WithStateFile(path))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	n, err := gopline.New(gopline.WithStateFile(path))
	if err == nil {
		n.Close()
		t.Fatal("a second node opened the first's state file")
	}
	if !errors.Is(err, storage.ErrLocked) || !strings.Contains(err.Error(), "state file "+path+": another node has it open") {
		t.Errorf("the second node: %v", err)
	}
}

// A pipeline made on the node runs on its topics: a viewer made while the
// camera runs is replayed the topic's cached GOP at once.
func TestPipelinesShareTheNodesTopics(t *testing.T) {
	n, err := gopline.New()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	start(t, n, "testsrc size=160x96 is-live=true ! h264enc gop=30 ! publish topic=/camera")
	waitPublished(t, n, "/camera", 4)
	viewer := start(t, n, "subscribe topic=/camera ! fakesink name=sink")
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := n.Bus().Stats("/camera")
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Subscribers) == 1 && st.Replayed > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the viewer was replayed nothing: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := viewer.Stop(); err != nil {
		t.Fatal(err)
	}
}

// Close writes a persistent topic's cache before it closes the state file:
// the next node on the same file replays the GOP, marked stale, as soon as
// a publisher offers the topic again.
func TestClosedNodesPersistentCacheServesTheNextNode(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.gopline")
	cacheCamera(t, state)
	waitStaleReplay(t, state)
}
