package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/storage"
)

// While recording, --all and --regex find the topics that appeared, each
// with the node to take it from; --exclude still leaves out, and a topic
// more than one other node publishes is left out, said once.
func TestTopicSearchFindsTopicsThatAppear(t *testing.T) {
	s := newTopicSearch(topicChoice{regex: "cam", exclude: "^/debug/"}, "this node", []leftOut{{topic: "/dup/cam"}})
	pub := published{
		here:   []string{"/cam", "/debug/cam"},
		others: map[string][]string{"/cam/left": {"a at h:1"}, "/dup/cam": {"a at h:1", "b at h:2"}, "/new/cam": {"a at h:1", "b at h:2"}, "/lidar": {"a at h:1"}},
		addrs:  map[string]string{"/cam/left": "h:1", "/dup/cam": "h:1", "/new/cam": "h:1", "/lidar": "h:1"},
	}
	found, left := s.found(pub)
	want := []elements.FoundTopic{{Topic: "/cam", Publisher: "this node"}, {Topic: "/cam/left", Remote: "h:1", Publisher: "a at h:1"}}
	if !slices.Equal(found, want) {
		t.Errorf("found %+v, want %+v", found, want)
	}
	if len(left) != 1 || left[0].topic != "/new/cam" {
		t.Errorf("left out %v, want /new/cam alone (/dup/cam was said at the start)", left)
	}
	if _, left = s.found(pub); len(left) != 0 {
		t.Errorf("left out %v again", left)
	}
	// A second node that publishes a topic found before does not take it
	// from its recording, and the warning says where it goes on from.
	pub.others["/cam/left"] = []string{"a at h:1", "b at h:2"}
	found, left = s.found(pub)
	if slices.ContainsFunc(found, func(f elements.FoundTopic) bool { return f.Topic == "/cam/left" }) {
		t.Errorf("found %+v, want /cam/left no more (two nodes publish it)", found)
	}
	if len(left) != 1 || left[0].topic != "/cam/left" || !strings.Contains(left[0].String(), "goes on from a at h:1") {
		t.Errorf("left out %v, want /cam/left going on from a at h:1", left)
	}
}

// --polling-interval takes ros2's milliseconds or a duration.
func TestPollingIntervalTakesMilliseconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"100": 100 * time.Millisecond, "2s": 2 * time.Second, "250ms": 250 * time.Millisecond} {
		var d millisValue
		if err := d.Set(in); err != nil || time.Duration(d) != want {
			t.Errorf("%q: %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	for _, in := range []string{"0", "-5", "soon", "1e3"} {
		var d millisValue
		if err := d.Set(in); err == nil {
			t.Errorf("%q taken as %v", in, time.Duration(d))
		}
	}
}

// record -a goes on adding the topics that appear while it records, as
// ros2 bag record does: a node that starts serving later is found as at
// the start, and its topic recorded from a keyframe and said; -x still
// leaves out, and a topic two nodes publish is left out saying so.
func TestRecordAllAddsTopicsThatAppear(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	// Both publishers of /dup serve before the recording starts: one that
	// began later would find the recording taking /dup from the first.
	serveCamera(t, "a", "/dup")
	serveCamera(t, "b", "/dup")
	out := filepath.Join(t.TempDir(), "robot.gopline")
	rec, _, log := startGopline(t, "record", "-a", "-x", "^/debug/", "--no-mdns", "-o", out, "--duration", helperLifetime,
		"testsrc size=64x48 rate=20 ! h264enc gop=10 ! publish topic=/here")
	t.Cleanup(func() { rec.Process.Kill(); rec.Wait() })
	waitText(t, log, "recording /here to ")
	addr := serveCamera(t, "robot", "/robot/camera")
	serveCamera(t, "dbg", "/debug/cam")
	waitText(t, log, "recording /robot/camera, published by robot at "+addr)
	waitText(t, log, "leaving out /dup: more than one node publishes it")
	// The file being written says, as of its last commit, when the added
	// topic's packets are in it.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(infoJSON(t, out), `"stream": "/robot/camera"`) {
		if time.Now().After(deadline) {
			t.Fatalf("/robot/camera was not recorded:\n%s", log)
		}
	}
	rec.Process.Signal(syscall.SIGINT)
	if err := rec.Wait(); err != nil {
		t.Fatalf("record: %v\n%s", err, log)
	}
	r, err := storage.Open(out, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	streams, err := r.Streams()
	var names []string
	for _, s := range streams {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	if err != nil || !slices.Equal(names, []string{"/here", "/robot/camera"}) {
		t.Fatalf("streams %v, %v; want /here and /robot/camera (/debug/cam excluded, /dup left out)\n%s", names, err, log)
	}
	first, err := r.First("/robot/camera")
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Seek("/robot/camera", first)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p, err := c.Next(); err != nil || !p.Key {
		t.Fatalf("the added stream's first packet: %v, a keyframe: %v", err, err == nil && p.Key)
	}
}

// infoJSON is gopline info --json of path, "" when it fails.
func infoJSON(t *testing.T, path string) string {
	code, stdout, _ := goplineProcess(t, "info", path, "--json")
	if code != 0 {
		return ""
	}
	return stdout
}

// waitText waits until log holds text.
func waitText(t *testing.T, log *testlog.Buffer, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("waited for %q:\n%s", text, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// record -a started before anything publishes waits, as ros2 bag record
// -a does: it says so once, naming where it looks, and records the first
// topic that appears, until Ctrl-C.
func TestRecordAllWaitsForTheFirstTopic(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	out := filepath.Join(t.TempDir(), "robot.gopline")
	rec, _, log := startGopline(t, "record", "-a", "--no-mdns", "-o", out, "--duration", helperLifetime)
	t.Cleanup(func() { rec.Process.Kill(); rec.Wait() })
	waitText(t, log, "no topic to record yet (the pipeline publishes none and no other node found publishes one")
	waitText(t, log, "waiting for topics on this node and on the other nodes of this host, and recording each to "+out)
	if strings.Contains(log.String(), "multicast") {
		t.Errorf("--no-mdns, yet the waiting line names multicast DNS:\n%s", log)
	}
	addr := serveCamera(t, "robot", "/robot/camera")
	waitText(t, log, "recording /robot/camera, published by robot at "+addr)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(infoJSON(t, out), `"stream": "/robot/camera"`) {
		if time.Now().After(deadline) {
			t.Fatalf("/robot/camera was not recorded:\n%s", log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rec.Process.Signal(syscall.SIGINT)
	if err := rec.Wait(); err != nil {
		t.Fatalf("record: %v\n%s", err, log)
	}
	if n := strings.Count(log.String(), "waiting for topics"); n != 1 {
		t.Errorf("said %d times that it waits for topics, want once:\n%s", n, log)
	}
	if got := recordedStreams(t, out); !slices.Equal(got, []string{"/robot/camera"}) {
		t.Errorf("recorded %v, want /robot/camera", got)
	}
}

// record -e that finds no topic to record waits for one; stopped before
// one appeared it recorded nothing, and fails saying so, as any recording
// that got no packet does, leaving no file. With --no-discovery nothing
// would come later: it fails at once.
func TestRecordRegexStoppedBeforeATopicAppearedFails(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	serveCamera(t, "other", "/other/cam")
	out := filepath.Join(t.TempDir(), "wanted.gopline")
	code, _, stderr := goplineProcess(t, "record", "-e", "^/wanted/", "--no-mdns", "-o", out, "--duration", "3s")
	for _, want := range []string{`no topic to record yet (--regex "^/wanted/" leaves none of /other/cam): waiting for topics`,
		"recorder (record) recorded nothing: no topic to record appeared in the 3"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a recording of nothing left its file: %v", err)
	}
	code, _, stderr = goplineProcess(t, "record", "-e", "^/wanted/", "--no-discovery", "--no-mdns", "-o", out)
	if code != 1 || !strings.Contains(stderr, `no topic to record: --regex "^/wanted/" leaves none of /other/cam`) ||
		strings.Contains(stderr, "waiting") {
		t.Errorf("--no-discovery with no topic: exit %d, want 1 at once:\n%s", code, stderr)
	}
}

// recordedStreams are the names of the streams of the recording at path,
// sorted.
func recordedStreams(t *testing.T, path string) []string {
	t.Helper()
	r, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	streams, err := r.Streams()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range streams {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}
