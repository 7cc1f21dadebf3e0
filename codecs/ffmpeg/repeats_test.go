package ffmpeg

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestRepeatedLogLinesPassOncePerInterval(t *testing.T) {
	var r repeats
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	line := func(addr int) string {
		return fmt.Sprintf("[tcp @ 0x%x] Connection to tcp://cam:554 failed: Connection refused", addr)
	}
	if ok, n := r.allow(nil, line(0x7f01), t0); !ok || n != 1 {
		t.Fatalf("first line: %v, %d", ok, n)
	}
	for i := range 5 {
		if ok, _ := r.allow(nil, line(0x7f02+i), t0.Add(time.Duration(i+1)*5*time.Second)); ok {
			t.Fatalf("repeat %d, from another context, let through within the interval", i)
		}
	}
	if ok, n := r.allow(nil, line(0x9999), t0.Add(repeatInterval+time.Second)); !ok || n != 6 {
		t.Fatalf("after the interval: %v, %d; want true and the 5 held back with it", ok, n)
	}
	if ok, _ := r.allow(nil, "[h264 @ 0x1] error while decoding MB 3 4", t0); !ok {
		t.Fatal("another line was held back")
	}
}

func TestRepeatsForgetsWhenFull(t *testing.T) {
	var r repeats
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 * maxRepeatKeys {
		r.allow(nil, "line "+strings.Repeat("x", i), t0)
	}
	if len(r.lines) > maxRepeatKeys {
		t.Fatalf("%d lines remembered, at most %d", len(r.lines), maxRepeatKeys)
	}
}

// A decoder's complaints about a lossy stream differ only in their numbers
// (the macroblock, the packet): they are held back as one line's repeats,
// where each was let through as a line of its own.
func TestRepeatsCountLinesThatDifferInTheirNumbersAsOne(t *testing.T) {
	var r repeats
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if ok, _ := r.allow(nil, "[h264 @ 0x1] error while decoding MB 23 45, bytestream -5", t0); !ok {
		t.Fatal("the first complaint was held back")
	}
	for i := range 20 {
		if ok, _ := r.allow(nil, fmt.Sprintf("[h264 @ 0x1] error while decoding MB %d %d, bytestream -%d", i, i+7, i%9), t0.Add(time.Second)); ok {
			t.Fatalf("complaint %d, another macroblock's, let through within the interval", i)
		}
	}
	if ok, n := r.allow(nil, "[h264 @ 0x1] error while decoding MB 1 2, bytestream -1", t0.Add(repeatInterval+time.Second)); !ok || n != 21 {
		t.Fatalf("after the interval: %v, %d; want true and the 20 held back with it", ok, n)
	}
}

// Two cameras that say the same each have their line: the count is per
// logger, that is per camera.
func TestRepeatsCountEachLoggersLinesApart(t *testing.T) {
	var r repeats
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	left, right := zerolog.Nop(), zerolog.Nop()
	const line = "[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found"
	if ok, _ := r.allow(&left, line, t0); !ok {
		t.Fatal("the left camera's line was held back")
	}
	if ok, _ := r.allow(&right, line, t0); !ok {
		t.Fatal("the right camera's line was held back as a repeat of the left's")
	}
	if ok, _ := r.allow(&left, line, t0.Add(time.Second)); ok {
		t.Fatal("the left camera's repeat was let through within the interval")
	}
}
