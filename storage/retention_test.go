package storage_test

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// checkWholeGOPs fails unless the stream holds whole GOPs only: it starts
// with a keyframe, its indexes are contiguous up to the last appended packet
// (lastIndex), every delta belongs to the keyframe before it, and the
// stream's counters match what is read.
func checkWholeGOPs(t *testing.T, rec *storage.Recording, stream string, lastIndex uint64) []indexed {
	t.Helper()
	got := readStream(t, rec, stream)
	if len(got) == 0 {
		t.Fatal("retention deleted every packet")
	}
	if !got[0].p.Key {
		t.Fatalf("the oldest stored packet (index %d) is a delta whose keyframe was deleted", got[0].index)
	}
	var payload int64
	keys := int64(0)
	for i, g := range got {
		if g.index != got[0].index+uint64(i) {
			t.Fatalf("hole before index %d", g.index)
		}
		if g.p.Key {
			keys++
		} else if g.p.GOP != got[i-1].p.GOP {
			t.Fatalf("delta %d of GOP %d follows GOP %d", g.index, g.p.GOP, got[i-1].p.GOP)
		}
		payload += int64(len(g.p.Data))
	}
	if last := got[len(got)-1].index; last != lastIndex {
		t.Fatalf("last stored index %d, want %d", last, lastIndex)
	}
	s, err := rec.Stats(stream)
	if err != nil {
		t.Fatal(err)
	}
	if s.Packets != int64(len(got)) || s.GOPs != keys || s.PayloadBytes != payload {
		t.Fatalf("stats say %d packets, %d GOPs, %d bytes; read %d, %d, %d", s.Packets, s.GOPs, s.PayloadBytes, len(got), keys, payload)
	}
	if !s.First.Equal(got[0].p.CaptureTime) {
		t.Fatalf("stats start at %v, first packet at %v", s.First, got[0].p.CaptureTime)
	}
	return got
}

func TestRetentionByBytesDeletesWholeGOPsOldestFirst(t *testing.T) {
	const maxBytes = 40_000
	rec, _ := MustOpen(t, storage.WithBatch(7, 0), storage.WithRetention(maxBytes, 0))
	createCamera(t, rec)
	s := newSynth()
	for i := range 400 {
		appendAll(t, rec, "/camera", s, i, i+1)
		if i%7 != 6 {
			continue
		}
		got := checkWholeGOPs(t, rec, "/camera", uint64(i))
		st, _ := rec.Stats("/camera")
		if st.PayloadBytes > maxBytes && st.GOPs > 1 {
			t.Fatalf("after %d packets: %d bytes in %d GOPs, above the limit", i+1, st.PayloadBytes, st.GOPs)
		}
		// Oldest first: adding back the GOP before the first would exceed
		// the limit.
		if first := got[0].index; first > 0 {
			var before int64
			for j := int(first) - s.gop; j < int(first); j++ {
				before += int64(len(s.packet(j).Data))
			}
			if st.PayloadBytes+before <= maxBytes {
				t.Fatalf("after %d packets: GOP at %d was deleted needlessly", i+1, int(first)-s.gop)
			}
		}
	}
}

func TestRetentionNeverDeletesTheNewestGOP(t *testing.T) {
	rec, _ := MustOpen(t, storage.WithBatch(1, 0), storage.WithRetention(1, 0))
	createCamera(t, rec)
	s := newSynth()
	for i := range 35 {
		appendAll(t, rec, "/camera", s, i, i+1)
		got := checkWholeGOPs(t, rec, "/camera", uint64(i))
		if want := i - i%s.gop; got[0].index != uint64(want) {
			t.Fatalf("after packet %d the stream starts at %d, want the newest keyframe %d", i, got[0].index, want)
		}
	}
}

func TestRetentionByAgeDeletesGOPsOlderThanMaxAge(t *testing.T) {
	clk := newFakeClock()
	const maxAge = 2 * time.Second
	rec, _ := MustOpen(t, storage.WithClock(clk.Now), storage.WithBatch(3, 0), storage.WithRetention(0, maxAge))
	createCamera(t, rec)
	s := newSynth()
	s.gop = 30 // one second at 30 fps
	for i := range 300 {
		p := s.packet(i)
		clk.Advance(p.CaptureTime.Sub(clk.Now())) // the clock follows the camera
		if err := rec.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
		if i%3 != 2 {
			continue
		}
		got := checkWholeGOPs(t, rec, "/camera", uint64(i))
		cutoff := clk.Now().Add(-maxAge)
		// The oldest GOP is kept only while its last packet is younger than
		// maxAge (or it is the newest), and the GOP before it is gone only
		// if it had to go.
		first := int(got[0].index)
		if next := first + s.gop; next <= i && !s.packet(next-1).CaptureTime.After(cutoff) {
			t.Fatalf("at packet %d: GOP %d is older than %v but kept", i, first, maxAge)
		}
		if first > 0 && s.packet(first-1).CaptureTime.After(cutoff) {
			t.Fatalf("at packet %d: GOP %d was deleted before it was %v old", i, first-s.gop, maxAge)
		}
	}
	// Long after the last packet, a new keyframe's commit leaves only the
	// newest GOP.
	clk.Advance(time.Hour)
	last := s.packet(300)
	last.CaptureTime = clk.Now()
	if err := rec.Append("/camera", last); err != nil {
		t.Fatal(err)
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := checkWholeGOPs(t, rec, "/camera", 300); len(got) != 1 {
		t.Fatalf("kept %d packets, want the newest GOP of 1", len(got))
	}
}

// A clock set forward after the camera started (NTP on a robot without a
// battery-backed clock) leaves the camera's timeline where it was: ages
// count back from its newest picture, so the recording keeps its last
// maxAge instead of its newest GOP alone.
func TestRetentionByAgeOutlivesAClockSetForward(t *testing.T) {
	clk := newFakeClock()
	const maxAge = 2 * time.Second
	rec, _ := MustOpen(t, storage.WithClock(clk.Now), storage.WithBatch(3, 0), storage.WithRetention(0, maxAge))
	createCamera(t, rec)
	s := newSynth()
	s.gop = 30 // one second at 30 fps
	var set time.Duration
	for i := range 150 {
		p := s.packet(i)
		if i == 60 {
			set = 365 * 24 * time.Hour // the clock is set; the camera's timeline goes on
		}
		clk.Advance(p.CaptureTime.Add(set).Sub(clk.Now()))
		if err := rec.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	got := checkWholeGOPs(t, rec, "/camera", 149)
	// Packets 90..149 lie within 2 s of the newest: GOPs 90 and 120 are
	// kept whole, and GOP 60 too, whose last packet (89) is 2 s old.
	if first := got[0].index; first != 60 {
		t.Fatalf("kept from packet %d, want from 60 (the last %v of the camera's time)", first, maxAge)
	}
}

func TestRetentionByBytesTakesTheOldestGOPOfAllStreams(t *testing.T) {
	rec, _ := MustOpen(t, storage.WithBatch(1, 0), storage.WithRetention(20_000, 0))
	createCamera(t, rec)
	if err := rec.CreateStream(storage.StreamInfo{Name: "/rear", Codec: media.H264}); err != nil {
		t.Fatal(err)
	}
	front, rear := newSynth(), newSynth()
	rear.epoch = 99
	// The front camera records first; then the rear camera alone. The front
	// camera's GOPs are the oldest, so they go first, down to its newest.
	appendAll(t, rec, "/camera", front, 0, 40)
	appendAll(t, rec, "/rear", rear, 0, 30)
	for i := range 40 {
		p := rear.packet(30 + i)
		if err := rec.Append("/rear", p); err != nil {
			t.Fatal(err)
		}
	}
	frontGot := checkWholeGOPs(t, rec, "/camera", 39)
	rearGot := checkWholeGOPs(t, rec, "/rear", 69)
	if frontGot[0].index != 30 {
		t.Fatalf("front camera starts at %d, want its newest GOP at 30", frontGot[0].index)
	}
	if rearGot[0].index == 0 {
		t.Fatal("the rear camera kept everything while over the limit")
	}
}
