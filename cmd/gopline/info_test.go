package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// gapRecording writes a JPEG-less H.264-like stream of 20 keyframes at 10
// fps with a 2 s pause after the tenth, and an empty second stream.
func gapRecording(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gap.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	for _, name := range []string{"/cam", "/idle"} {
		if err := rec.CreateStream(storage.StreamInfo{Name: name, Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 20 {
		if i == 10 {
			at = at.Add(2 * time.Second)
		}
		p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 1,
			CaptureTime: at, Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
		at = at.Add(100 * time.Millisecond)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInfoShowsTimesKeyframesAndGaps(t *testing.T) {
	path := gapRecording(t)
	code, stdout, stderr := runCmd("info", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sums []streamSummary
	if err := json.Unmarshal([]byte(stdout), &sums); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(sums) != 2 {
		t.Fatalf("%d streams: %s", len(sums), stdout)
	}
	cam := sums[0]
	if cam.Stream != "/cam" || cam.Packets != 20 || cam.Keyframes != 20 || cam.Gaps != 1 || cam.GapTime != 2100*time.Millisecond ||
		!cam.Start.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) || cam.End.Sub(cam.Start) != 3900*time.Millisecond {
		t.Errorf("/cam %+v", cam)
	}
	if sums[1].Packets != 0 || sums[1].Gaps != 0 {
		t.Errorf("/idle %+v", sums[1])
	}
	code, stdout, _ = runCmd("info", path)
	for _, want := range []string{"Start:     2024-05-01 12:00:00.000 UTC", "End:       2024-05-01 12:00:03.900 UTC", "Duration:  3.9s",
		"Packets:   20 in 2 streams", "1 (2.1s)", "keyframes"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, info lacks %q:\n%s", code, want, stdout)
		}
	}
}

func TestInfoFailsOnAnEmptyOrDamagedRecording(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.gopline")
	rec, err := storage.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	damaged := damagedRecording(t)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"info", empty}, 1, empty + " is empty: no packet was recorded in it"},
		{[]string{"info", damaged}, 1, damaged + ": 1 damaged record, which do not decode"},
		{[]string{"info", "--allow-damage", damaged}, 0, ""},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.says) {
			t.Errorf("gopline %q: exit %d, %q; want exit %d and %q", c.args, code, stderr, c.code, c.says)
		}
	}
	// An empty recording's JSON is an empty list, which a script iterates.
	if code, stdout, stderr := runCmd("info", "--json", empty); code != 1 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("info --json of an empty recording: exit %d, %q, %q; want exit 1 and []", code, stdout, stderr)
	}
}

// The summary counts a single stream as one and gives the file's size on
// disk, also when no packet was recorded in it.
func TestInfoSaysTheFileSizeAndOneStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idle.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: "/idle", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		t.Fatalf("the recording's file: %v, %v", fi, err)
	}
	code, stdout, _ := runCmd("info", path)
	for _, want := range []string{"Size:      " + formatBytes(fi.Size()) + "\n", "Packets:   0 in 1 stream\n"} {
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, info lacks %q:\n%s", code, want, stdout)
		}
	}
}

// A recording that a writer holds open is described as of its last commit:
// info says so, leaves gaps and damage uncounted, and --json has the commit.
func TestInfoDescribesARecordingAWriterHoldsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "open.gopline")
	rec, err := storage.Open(path, storage.WithBatch(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd("info", path)
	if code != 1 || !strings.Contains(stdout, "being written") || !strings.Contains(stderr, path+" is being written and holds no packet yet") {
		t.Errorf("before a packet: exit %d\n%s%s", code, stdout, stderr)
	}
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 1,
			CaptureTime: at.Add(time.Duration(i) * 100 * time.Millisecond), Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr = runCmd("info", path)
	for _, want := range []string{"Writing:   still being written: figures as of its last commit (txid ", "Duration:  300ms",
		"Packets:   4 in 1 stream", "/cam"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, info lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	code, stdout, stderr = runCmd("info", "--json", path)
	var sums []streamSummary
	if err := json.Unmarshal([]byte(stdout), &sums); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s%s", code, err, stdout, stderr)
	}
	if len(sums) != 1 || sums[0].Packets != 4 || sums[0].Keyframes != 4 || sums[0].Writing == nil || sums[0].Writing.TxID == 0 ||
		sums[0].Writing.AsOf.IsZero() {
		t.Errorf("%+v", sums)
	}
	// Closed, the recording is described as before.
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ = runCmd("info", "--json", path); code != 0 || strings.Contains(stdout, "being_written") {
		t.Errorf("after Close: exit %d\n%s", code, stdout)
	}
}

// `gopline info` on the file that `gopline record` writes, in another
// process, shows the stream recorded so far.
func TestInfoDescribesARecordingThatRecordWrites(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t) // no other node of this host
	path := filepath.Join(t.TempDir(), "live.gopline")
	recorder, _, recLog := startGopline(t, "record", "--no-mdns", "--topic", "/liveinfo", "--out", path, "--duration", "300s",
		"testsrc size=160x120 rate=30 ! h264enc ! publish topic=/liveinfo")
	exited := make(chan error, 1)
	go func() { exited <- recorder.Wait() }()
	defer func() {
		recorder.Process.Kill()
		<-exited
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		// info exits 1 until the recorder has created the file and
		// committed a packet.
		code, stdout, stderr := runCmd("info", path)
		if code == 0 {
			if !strings.Contains(stdout, "still being written") || !strings.Contains(stdout, "/liveinfo") || !strings.Contains(stdout, "h264") {
				t.Fatalf("info on the recording being written:\n%s", stdout)
			}
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the recorder exited (%v):\n%s", err, recLog)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("info never described the recording: exit %d\n%s%s\nthe recorder:\n%s", code, stdout, stderr, recLog)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// info on a bag describes it as ros2 bag info does, and says what gopline
// import would make of each topic; a rosbag2 directory too; nothing is
// written, and the exit is 0.
func TestInfoDescribesABag(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "robot.mcap")
	if code, _, stderr := runCmd("export", exportRecording(t), "--out", bag); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd("info", bag, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	var r bagReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 1 || len(r.Topics) == 0 || r.Start == nil || r.End.Before(*r.Start) || len(r.Indexed) != 1 {
		t.Fatalf("%+v", r)
	}
	for _, tp := range r.Topics {
		if (tp.Type == "foxglove.CompressedVideo") != (tp.Codec == "h264") || tp.Codec == "" || tp.Width == 0 || tp.Messages == 0 || tp.Rate <= 0 {
			t.Errorf("%+v", tp)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("info wrote into the bag's directory: %v", entries)
	}

	split := filepath.Join("..", "..", "storage", "mcapimport", "testdata", "rosbag2_split")
	code, stdout, stderr = runCmd("info", split)
	for _, want := range []string{"rosbag2_split_0.mcap, rosbag2_split_1.mcap", "Messages:  20 in 4 topics",
		"/camera/image_raw/compressed", "jpeg 64x48", "raw rgb24 6x4", "Left out by an import: /imu (not pictures)",
		"gopline import " + split + " --out rosbag2_split.gopline",
		"Counted from the index of rosbag2_split_0.mcap, rosbag2_split_1.mcap, as ros2 bag info and rosbag info count"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("info %s does not say %q: exit %d\n%s%s", split, want, code, stdout, stderr)
		}
	}
}
