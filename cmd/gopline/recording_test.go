package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordInfoPlay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	code, stdout, stderr := runCmd("record", "--topic", "/camera", "--out", path, "--json",
		"testsrc size=160x120 num-frames=45 rate=90 ! h264enc gop=15 ! publish topic=/camera")
	if code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	// A live camera may drop a frame on a loaded machine; whatever it sent
	// must all be recorded and played.
	sent := nodeOut(t, stdout, "testsrc0")
	if sent < 30 {
		t.Fatalf("the camera sent %d frames of 45", sent)
	}
	code, stdout, stderr = runCmd("info", path, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	var info []streamSummary
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(info) != 1 || info[0].Stream != "/camera" || info[0].Codec != "h264" || uint64(info[0].Packets) != sent || info[0].GOPs != 3 ||
		info[0].Width != 160 || info[0].PayloadBytes == 0 || info[0].FileBytes == 0 {
		t.Fatalf("info %+v, want %d packets", info, sent)
	}
	code, stdout, stderr = runCmd("play", path, "--rate", "4", "--json")
	if code != 0 {
		t.Fatalf("play: exit %d: %s", code, stderr)
	}
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, s := range stats {
		if s.Node == "count0" && s.In != sent {
			t.Errorf("played %d packets, want %d", s.In, sent)
		}
	}
}

// nodeOut reads one node's out count from `--json` stats.
func nodeOut(t *testing.T, stdout, node string) uint64 {
	t.Helper()
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, s := range stats {
		if s.Node == node {
			return s.Out
		}
	}
	t.Fatalf("no node %q in %s", node, stdout)
	return 0
}

func TestRecordingCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"record", "--out", "x.gopline", "testsrc ! h264enc ! publish topic=/c"}, exitUsage, "give --topic"},
		{[]string{"info"}, exitUsage, "takes one recording file"},
		{[]string{"info", "/no/such/file.gopline"}, 1, "/no/such/file.gopline"},
		{[]string{"play", "/no/such/file.gopline"}, 1, "/no/such/file.gopline"},
		{[]string{"play", "a.gopline", "b.gopline"}, exitUsage, "takes one recording file, got 2"},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %v: exit %d, %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
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
