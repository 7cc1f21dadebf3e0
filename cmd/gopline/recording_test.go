package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRecordInfoPlay records a live camera, describes the recording and
// plays it. On a loaded machine the camera may drop a frame, and the topic
// a GOP for a recorder or a player's subscriber that falls behind; each is
// counted, and all that is not counted must be recorded and played.
func TestRecordInfoPlay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	code, stdout, stderr := runCmd("record", "--topic", "/camera", "--out", path, "--json",
		"testsrc size=160x120 num-frames=45 rate=90 ! h264enc gop=15 ! publish topic=/camera")
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	cam, rec := nodeStat(t, stdout, "testsrc0"), nodeStat(t, stdout, "recorder")
	if cam.Out == 0 || cam.Out+cam.Dropped != 45 {
		t.Fatalf("the camera sent %d frames and dropped %d, of 45", cam.Out, cam.Dropped)
	}
	stored := cam.Out - rec.Dropped
	code, stdout, stderr = runCmd("info", path, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	var info []streamSummary
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	// The encoder makes a keyframe every 15 frames it takes; the topic
	// drops what it drops for the recorder up to the next keyframe.
	gops := int64(cam.Out+14) / 15
	if len(info) != 1 || info[0].Stream != "/camera" || info[0].Codec != "h264" || uint64(info[0].Packets) != stored ||
		info[0].GOPs > gops || (rec.Dropped == 0 && info[0].GOPs != gops) ||
		info[0].Width != 160 || info[0].PayloadBytes == 0 || info[0].FileBytes == 0 {
		t.Fatalf("info %+v, want %d packets in %d GOPs less the recorder's drops %+v", info, cam.Out, gops, rec)
	}
	code, stdout, stderr = runCmd("play", path, "--rate", "4", "--json")
	if code != 0 {
		t.Fatalf("play: exit %d: %s", code, stderr)
	}
	if played := nodeStat(t, stdout, "play0").Out; played != stored {
		t.Errorf("played %d packets, want %d", played, stored)
	}
	if published := nodeStat(t, stdout, "publish0").In; published != stored {
		t.Errorf("published %d packets, want %d", published, stored)
	}
}

// A start past a stream's end is refused, as export refuses it, rather
// than played as the stream's last GOP; one inside it plays. A stream the
// recording lacks is refused naming those it has.
func TestPlayRefusesAStartPastTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	code, _, stderr := runCmd("record", "--topic", "/camera", "--out", path,
		"testsrc size=160x120 num-frames=30 rate=90 ! h264enc gop=10 ! publish topic=/camera")
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{"play", path, "--start", "100s"},
		{"play", path, "--stream", "/camera", "--start", "100s", "--loop", "--duration", "5s"},
	} {
		code, _, stderr = runCmd(args...)
		// The span as info and export print it: to the millisecond, and times of day with their zone's name.
		span := regexp.MustCompile(`--start 100s is outside stream "/camera", which spans 0s to [\d.]+m?s from the recording's start ` +
			`\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+\)\n$`)
		if code != exitUsage || !span.MatchString(stderr) || strings.Contains(stderr, "+0000") {
			t.Errorf("gopline %v: exit %d, stderr %q; want exit %d and the stream's span", args, code, stderr, exitUsage)
		}
	}
	for _, c := range []struct{ stream, want string }{
		{"a", `--stream "a": ` + path + " has streams /camera\n"},
		{"camera", `--stream "camera": ` + path + " has streams /camera (did you mean /camera? a stream is named as its topic, with a leading slash)"},
		{"/camra", `--stream "/camra": ` + path + " has streams /camera (did you mean /camera?)"},
	} {
		code, _, stderr = runCmd("play", path, "--stream", c.stream)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("play --stream %s: exit %d, stderr %q; want exit %d and %q", c.stream, code, stderr, exitUsage, c.want)
		}
	}
	if code, _, stderr = runCmd("play", path, "--start", "100ms", "--rate", "4"); code != 0 {
		t.Errorf("play --start 100ms: exit %d: %s", code, stderr)
	}
}

// A stream whose name is not a topic's (record's stream=camera, recover's
// recovered-1) plays on the topic of its name with a slash in front.
func TestPlayOfAStreamNamedWithoutASlash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=30 rate=90 ! h264enc gop=10 ! record path="+path+" stream=camera"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	// Every packet recorded (a live camera on a loaded machine may drop a
	// frame) is published on /camera.
	code, stdout, stderr := runCmd("info", path, "--json")
	var info []streamSummary
	if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || len(info) != 1 {
		t.Fatalf("info: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("play", path, "--rate", "4", "--json")
	if recorded := uint64(info[0].Packets); code != 0 || recorded == 0 || nodeStat(t, stdout, "publish0").In != recorded {
		t.Fatalf("play: exit %d: %s\n%s", code, stdout, stderr)
	}
	if streamTopic("camera") != "/camera" || streamTopic("/camera") != "/camera" {
		t.Errorf("topics %q, %q", streamTopic("camera"), streamTopic("/camera"))
	}
}

// nodeStat reads one node's counters from `--json` stats.
func nodeStat(t *testing.T, stdout, node string) nodeStats {
	t.Helper()
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, s := range stats {
		if s.Node == node {
			return s
		}
	}
	t.Fatalf("no node %q in %s", node, stdout)
	return nodeStats{}
}

func TestRecordingCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"record", "--out", "x.gopline", "testsrc ! h264enc ! publish topic=/c"}, exitUsage, "the topics (gopline record /camera, --topic, --all or --regex)"},
		{[]string{"record", "--topic", "/c", "--out", "x.gopline", "--max-cache-size", "0", "testsrc ! h264enc ! publish topic=/c"},
			exitUsage, "--max-cache-size"},
		{[]string{"info"}, exitUsage, "takes one recording file"},
		{[]string{"info", "/no/such/file.gopline"}, 1, "/no/such/file.gopline"},
		{[]string{"play", "/no/such/file.gopline"}, 1, "/no/such/file.gopline"},
		{[]string{"play"}, exitUsage, "takes one recording file or more, got none"},
		{[]string{"play", "/no/a.gopline", "b.gopline"}, 1, "/no/a.gopline"},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %v: exit %d, %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

// A recorder with the smallest cache (each packet acknowledged once
// written) still records a camera: what the topic did not drop for it.
func TestRecordTakesMaxCacheSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	code, stdout, stderr := runCmd("record", "--topic", "/camera", "--out", path, "--json", "--max-cache-size", "1",
		"testsrc size=160x120 num-frames=30 rate=60 ! h264enc gop=10 ! publish topic=/camera")
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	if rec := nodeStat(t, stdout, "recorder"); rec.In == 0 || rec.Errors != 0 {
		t.Fatalf("recorder stats %+v", rec)
	}
}

func TestBenchStorageJSON(t *testing.T) {
	code, stdout, stderr := runCmd("bench", "storage", "--input", "testsrc", "--frames", "20", "--size", "160x120", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res []struct {
		Codec        string  `json:"codec"`
		FileBytes    int64   `json:"file_bytes"`
		PayloadBytes int64   `json:"payload_bytes"`
		PSNR         float64 `json:"psnr_db"`
		Frames       int     `json:"frames"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(res) != 2 || res[0].Codec != "h264" || res[1].Codec != "jpeg" || res[1].PSNR < res[0].PSNR || res[0].Frames != 20 {
		t.Fatalf("%+v", res)
	}
}
