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

// writeTwoClockBag writes at path an MCAP file of two cameras of JPEG
// pictures (Foxglove's CompressedImage in JSON), both logged with the wall
// clock: /sim stamped with a simulation's time, seconds from 0, and /wall
// with the wall clock.
func writeTwoClockBag(t *testing.T, path string) {
	t.Helper()
	var pic bytes.Buffer
	if err := jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: true, Compression: mcap.CompressionZSTD})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "foxglove.CompressedImage", Encoding: "jsonschema",
		Data: []byte(`{"type":"object","properties":{"timestamp":{},"frame_id":{},"data":{},"format":{}}}`)})
	_ = w.WriteChannel(&mcap.Channel{ID: 1, SchemaID: 1, Topic: "/sim", MessageEncoding: "json"})
	_ = w.WriteChannel(&mcap.Channel{ID: 2, SchemaID: 1, Topic: "/wall", MessageEncoding: "json"})
	wall := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	for i := range 10 {
		logged := wall.Add(time.Duration(i) * 100 * time.Millisecond)
		for ch, stamp := range map[uint16]time.Time{1: time.Unix(5, 0).Add(time.Duration(i) * 100 * time.Millisecond), 2: logged} {
			msg, _ := json.Marshal(map[string]any{"timestamp": map[string]any{"sec": stamp.Unix(), "nsec": stamp.Nanosecond()},
				"frame_id": "c", "format": "jpeg", "data": pic.Bytes()})
			_ = w.WriteMessage(&mcap.Message{ChannelID: ch, LogTime: uint64(logged.UnixNano()), Data: msg})
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A bag whose cameras are stamped on different clocks imports with both
// on the bag's clock, the one timed by its log times said; --time stamp
// keeps its stamps, and another --time is a usage error.
func TestImportTimesACameraOnAnotherClockByItsLogTimes(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "sim.mcap")
	writeTwoClockBag(t, bag)
	code, stdout, stderr := runCmd("import", bag, "-o", filepath.Join(dir, "auto.gopline"))
	if code != 0 || !strings.Contains(stdout, "/sim is timed by its log times") || !strings.Contains(stdout, "55 years behind them") ||
		strings.Contains(stdout, "/wall is timed") {
		t.Fatalf("import: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("import", bag, "-o", filepath.Join(dir, "stamp.gopline"), "--time", "stamp", "--json")
	var report importReport
	if err := json.Unmarshal([]byte(stdout), &report); code != 0 || err != nil {
		t.Fatalf("import --time stamp: exit %d, %v: %s%s", code, err, stdout, stderr)
	}
	for _, tp := range report.Topics {
		if tp.LogTimed || (tp.Topic == "/sim") != (tp.Start.Year() == 1970) {
			t.Fatalf("%+v", tp)
		}
	}
	if code, _, stderr := runCmd("import", bag, "-o", filepath.Join(dir, "x.gopline"), "--time", "header"); code != exitUsage || !strings.Contains(stderr, "--time") {
		t.Fatalf("--time header: exit %d: %s", code, stderr)
	}
}
