package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"
)

// play and export of a bag say what its import left out, repaired or found
// damaged, as gopline import says it: they said only that the bag was
// imported, and a bag whose pictures were piled 1 µs apart played at a
// pace nobody was told of.
func TestPlayAndExportOfABagSayWhatItsImportSays(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "robot.mcap")
	var pic bytes.Buffer
	if err := jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(bag)
	if err != nil {
		t.Fatal(err)
	}
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: false})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "foxglove.CompressedImage", Encoding: "jsonschema",
		Data: []byte(`{"type":"object","properties":{"timestamp":{},"frame_id":{},"data":{},"format":{}}}`)})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: "/cam", MessageEncoding: "json"})
	start := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	for i := range 12 {
		logged := start.Add(time.Duration(i) * 100 * time.Millisecond)
		stamp, frame, data := logged, "cam", pic.Bytes()
		switch {
		case i >= 3 && i <= 5: // a camera that stamped three pictures alike
			stamp = start.Add(200 * time.Millisecond)
		case i == 7:
			data = []byte("not a picture")
		case i >= 8:
			frame = "cam_link"
		}
		msg, _ := json.Marshal(map[string]any{"timestamp": map[string]any{"sec": stamp.Unix(), "nsec": stamp.Nanosecond()},
			"frame_id": frame, "format": "jpeg", "data": data})
		_ = w.WriteMessage(&mcap.Message{ChannelID: 1, LogTime: uint64(logged.UnixNano()), Data: msg})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(bag)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bag, b[:len(b)-200], 0o600); err != nil { // cut short, in its summary
		t.Fatal(err)
	}

	code, imported, stderr := runCmd("import", bag, "-o", filepath.Join(dir, "robot.gopline"))
	if code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, imported, stderr)
	}
	want := []string{
		"1 damaged (the first: invalid JPEG format: missing SOI marker); 3 not after the one before, stored 1 µs after it",
		`/cam changes its frame_id: 4 pictures of "cam_link", not "cam", its first picture's`,
		"robot.mcap was cut short before its footer or index",
	}
	for _, w := range want {
		if !strings.Contains(imported, w) {
			t.Fatalf("import does not say %q: %s", w, imported)
		}
	}
	// The stream's frame_id, kept by the import, is in its description.
	for _, args := range [][]string{{"info", filepath.Join(dir, "robot.gopline")}, {"info", "--json", filepath.Join(dir, "robot.gopline")}} {
		code, stdout, stderr := runCmd(args...)
		if code != 0 || !strings.Contains(stdout, "/cam: frame_id cam\n") && !strings.Contains(stdout, `"frame_id": "cam"`) {
			t.Errorf("%v: exit %d, no frame_id cam in:\n%s%s", args, code, stdout, stderr)
		}
	}
	want[0] = "/cam: left out " + want[0]
	t.Setenv("TMPDIR", t.TempDir())
	for _, args := range [][]string{{"play", bag, "--rate", "8"}, {"export", bag, "--out", filepath.Join(dir, "cam.mp4")}} {
		code, stdout, stderr := runCmd(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s%s", args[0], code, stdout, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stderr, "warning: "+w) {
				t.Errorf("%s does not warn %q: %s", args[0], w, stderr)
			}
		}
	}
}
