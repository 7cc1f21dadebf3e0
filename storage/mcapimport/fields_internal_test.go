package mcapimport

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// A size field out of range, or not a whole number, is an error naming it,
// where it was read as 0 (a step of 0 is "packed": padded rows would come
// out sheared).
func TestAPictureSizeOutOfRangeIsAnError(t *testing.T) {
	for field, v := range map[string]any{"step": int64(0x80000000), "width": int64(-1), "height": 240.5, "width ": "320"} {
		field = strings.TrimSpace(field)
		m := map[string]any{"width": int64(320), "height": int64(240), "step": int64(960)}
		m[field] = v
		if _, err := pictureOf(m); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s = %v: %v, want an error naming it", field, v, err)
		}
	}
	p, err := pictureOf(map[string]any{"width": int64(320), "height": 240.0, "step": int64(960)})
	if err != nil || p.width != 320 || p.height != 240 || p.step != 960 {
		t.Fatalf("a picture of good sizes: %+v, %v", p, err)
	}
}

// Seconds after 2038 (a ROS 1 time is unsigned, Foxglove's protobuf
// seconds are 64-bit) are read as they are, where they were read as 0.
func TestStampsAfter2038AreRead(t *testing.T) {
	const sec = int64(1) << 31 // 2038-01-19
	for _, m := range []map[string]any{
		{"sec": sec, "nanosec": int64(5)},
		{"seconds": sec, "nanos": int64(5)},
		{"sec": float64(sec), "nsec": float64(5)},
	} {
		if got := stampOf(m); !got.Equal(time.Unix(sec, 5)) {
			t.Errorf("stampOf(%v) = %v, want %v", m, got, time.Unix(sec, 5))
		}
	}
	w := &rosWire{data: []byte{0x00, 0x00, 0x00, 0x80, 5, 0, 0, 0}, order: binary.LittleEndian, maxAlign: 8, budget: 10}
	v, err := w.value("time", 0)
	if m := asMap(v); err != nil || m["sec"] != sec {
		t.Fatalf("a ROS 1 time of 2^31 s: %v, %v", v, err)
	}
}
