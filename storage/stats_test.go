package storage_test

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

func TestStatsDescribeWhatTheFileHolds(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	if err := rec.CreateStream(storage.StreamInfo{Name: "/arm", Codec: media.JPEG}); err != nil {
		t.Fatal(err)
	}
	s := newSynth() // 30 fps, GOP 10
	var payload int64
	for i := range 91 {
		p := s.packet(i)
		payload += int64(len(p.Data))
		if err := rec.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
	}
	arm := &media.Packet{Codec: media.JPEG, Data: make([]byte, 1000), Key: true, Width: 8, Height: 8, CaptureTime: s.start.Add(-time.Second)}
	if err := rec.Append("/arm", arm); err != nil {
		t.Fatal(err)
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := rec.Stats("/camera")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Streams != 1 || st.Packets != 91 || st.GOPs != 10 || st.Segments != 1 || st.PayloadBytes != payload {
		t.Fatalf("stats %+v; want 91 packets, 10 GOPs, 1 segment, %d bytes", st, payload)
	}
	if st.FileBytes != fi.Size() || st.Overhead() != float64(fi.Size())/float64(payload) {
		t.Fatalf("file bytes %d, overhead %.2f; the file has %d", st.FileBytes, st.Overhead(), fi.Size())
	}
	span := s.packet(90).CaptureTime.Sub(s.start)
	if !st.First.Equal(s.start) || st.Duration != span || math.Abs(st.FPS-90/span.Seconds()) > 1e-9 || st.MeanGOP != 9.1 {
		t.Fatalf("first %v, duration %v, fps %v, mean GOP %v", st.First, st.Duration, st.FPS, st.MeanGOP)
	}
	all, err := rec.RecordingStats()
	if err != nil {
		t.Fatal(err)
	}
	if all.Streams != 2 || all.Packets != 92 || all.GOPs != 11 || all.PayloadBytes != payload+1000 ||
		!all.First.Equal(arm.CaptureTime) || !all.Last.Equal(st.Last) || all.Duration != span+time.Second {
		t.Fatalf("recording stats %+v", all)
	}
	empty, err := rec.Stats("/nothing")
	if err == nil {
		t.Fatalf("stats of an unknown stream: %+v", empty)
	}
}
