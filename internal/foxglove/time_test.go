package foxglove

import (
	"testing"
	"time"
)

// A Foxglove time is unsigned (the schemas' minimum is 0): a time before
// 1970 (a robot whose clock was not set) is 1970's start, never negative
// seconds or nanoseconds, which the JSON schema refuses and the protobuf
// encoding sends as a huge number.
func TestTimeOfATimeBefore1970Is1970sStart(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want Time
	}{
		{time.Unix(1_700_000_000, 5), Time{Sec: 1_700_000_000, Nsec: 5}},
		{time.Unix(0, 0), Time{}},
		{time.Unix(0, -5), Time{}},
		{time.Unix(-3, 250), Time{}},
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), Time{}}, // UnixNano gives a time in 2169
		{time.Date(2300, 1, 1, 0, 0, 0, 7, time.UTC), Time{Sec: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), Nsec: 7}},
	} {
		if got := TimeOf(c.at); got != c.want {
			t.Errorf("%v: %+v, want %+v", c.at.UTC(), got, c.want)
		}
	}
}
