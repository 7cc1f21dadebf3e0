package main

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
)

// The duration counts from the first packet; without one within the
// duration, it ends the duration after the start.
func TestFromFirstPacketCountsTheDurationFromTheFirstPacket(t *testing.T) {
	const d = 400 * time.Millisecond
	for _, firstAfter := range []time.Duration{-1, 250 * time.Millisecond} {
		start := time.Now()
		var recorded atomic.Bool
		if firstAfter >= 0 {
			time.AfterFunc(firstAfter, func() { recorded.Store(true) })
		}
		ctx, cancel, begin := fromFirstPacket(context.Background(), d, recorded.Load)
		begin()
		<-ctx.Done()
		cancel()
		took, want := time.Since(start), d
		if firstAfter >= 0 {
			want += firstAfter
		}
		if took < want || took > want+5*time.Second {
			t.Errorf("first packet after %v: ended after %v, want %v", firstAfter, took, want)
		}
	}
}

// A recording of another node's topic that replays nothing (best effort,
// volatile) lasts as long as --duration asks, whatever finding the node and
// waiting for the topic's next keyframe took (up to 1.5s here).
func TestRecordDurationCountsFromTheFirstPacket(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	// A keyframe every 1.5s: a recorder that joins waits for the next.
	addr := freeAddr(t)
	srv, _, log := startGopline(t, "serve", "--listen", addr, "--no-mdns", "--name", "robot", "--duration", helperLifetime,
		"--qos", "sensor_data", "testsrc size=64x48 rate=20 ! h264enc gop=30 ! publish topic=/robot/camera")
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	waitListening(t, addr, log)
	path := filepath.Join(t.TempDir(), "cam.gopline")
	code, stdout, stderr := goplineProcess(t, "record", "--no-mdns", "--topic", "/robot/camera", "--out", path, "--duration", "3s")
	if code != 0 {
		t.Fatalf("record: exit %d: %s\n%s", code, stdout, stderr)
	}
	s := cameraStats(t, path)
	// The camera's 20 frames/s: the last packet is a frame before the stop
	// (a few on a loaded machine, whose camera runs late).
	if span := s.Last.Sub(s.First); span < 2700*time.Millisecond {
		t.Fatalf("recorded %v of the 3s asked (%d packets)", span, s.Packets)
	}
}

// A recorder that joins a durable topic late starts at its cached GOP's
// keyframe, seconds old with a long GOP: --duration counts the capture
// time recorded from there, as ffmpeg's -t counts its output, so the file
// is as long as asked, not the cached GOP's age longer.
func TestRecordDurationOfALateJoinerCountsTheCachedGOP(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	// A keyframe every 5 s, the recorder joining 2 s or more after one.
	addr := freeAddr(t)
	srv, _, log := startGopline(t, "serve", "--listen", addr, "--no-mdns", "--name", "robot", "--duration", helperLifetime,
		"testsrc size=64x48 rate=20 ! h264enc gop=100 ! publish topic=/robot/camera")
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	waitListening(t, addr, log)
	time.Sleep(2 * time.Second)
	path := filepath.Join(t.TempDir(), "cam.gopline")
	code, stdout, stderr := goplineProcess(t, "record", "--no-mdns", "--topic", "/robot/camera", "--out", path, "--duration", "1500ms")
	if code != 0 {
		t.Fatalf("record: exit %d: %s\n%s", code, stdout, stderr)
	}
	s := cameraStats(t, path)
	if span := s.Last.Sub(s.First); span >= 1500*time.Millisecond || span < time.Second || s.Packets > 30 {
		t.Fatalf("recorded %v in %d packets; want less than the 1.5 s asked (at most 30 packets at 20 frames/s), a second at least", span, s.Packets)
	}
}

// cameraStats are the stats of the stream /robot/camera of the recording
// at path.
func cameraStats(t *testing.T, path string) storage.Stats {
	t.Helper()
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	s, err := rec.Stats("/robot/camera")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
