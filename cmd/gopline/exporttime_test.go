package main

import (
	"strings"
	"testing"
	"time"
)

func TestExportParsesTimes(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"12.5s", base.Add(12500 * time.Millisecond)},
		{"1m", base.Add(time.Minute)},
		{"2.25", base.Add(2250 * time.Millisecond)},
		{"2024-05-01T12:00:03Z", base.Add(3 * time.Second)},
		{"2024-05-01T14:00:03.5+02:00", base.Add(3500 * time.Millisecond)},
		// As gopline info and export's messages print times.
		{"2024-05-01 12:00:03.500 UTC", base.Add(3500 * time.Millisecond)},
		{"2024-05-01 12:00:03 UTC", base.Add(3 * time.Second)},
		// A time of day in UTC, as recover's table prints an End, on the
		// recording's day; early in the morning after an evening start,
		// the next day's.
		{"12:00:03.500", base.Add(3500 * time.Millisecond)},
		{"13:30:00", base.Add(90 * time.Minute)},
		// ffmpeg's [HH:]MM:SS[.m], as -ss takes it: a duration from the
		// start, where it names no time of day within the recording.
		{"11:59:59", base.Add(11*time.Hour + 59*time.Minute + 59*time.Second)},
		{"00:00:05.5", base.Add(5500 * time.Millisecond)},
		{"01:02.5", base.Add(62500 * time.Millisecond)},
		{"1:02:03", base.Add(time.Hour + 2*time.Minute + 3*time.Second)},
		{"14:00:01", base.Add(14*time.Hour + time.Second)},
	} {
		got, err := parseExportTime("-start", c.in, base, base.Add(2*time.Hour))
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%q: %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"1:2:3:4", "00:60:00", "00:00:60", "-1:00", "00:+5", "1:2e3", "00:00:05.x", ":05"} {
		if got, err := parseExportTime("--start", bad, base, base.Add(time.Hour)); err == nil {
			t.Errorf("%q read as %v; want it refused", bad, got)
		}
	}
	evening := time.Date(2024, 5, 1, 23, 50, 0, 0, time.UTC)
	if got, err := parseExportTime("--start", "00:10:00", evening, evening.Add(time.Hour)); err != nil || !got.Equal(evening.Add(20*time.Minute)) {
		t.Errorf("00:10:00 of a recording begun at 23:50: %v, %v; want the next day's", got, err)
	}
	// A zone abbreviation Go does not know would be read as UTC.
	if _, err := parseExportTime("--start", "2024-05-01 12:00:03 XYZ", base, time.Time{}); err == nil || !strings.Contains(err.Error(), "the zone XYZ") {
		t.Errorf("an unknown zone: %v", err)
	}
}

func TestExportEndTakesInTheMillisecondInfoPrints(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2024-05-01 12:00:03.500 UTC", base.Add(3501 * time.Millisecond)},
		{"12:00:03.500", base.Add(3501 * time.Millisecond)},
		// ffmpeg's clock is a duration, the instant it names.
		{"00:00:03.500", base.Add(3500 * time.Millisecond)},
		// Round times, durations and RFC 3339 times are the instant they name.
		{"2024-05-01 12:00:03 UTC", base.Add(3 * time.Second)},
		{"2024-05-01T12:00:03.500Z", base.Add(3500 * time.Millisecond)},
		{"2024-05-01T12:00:03.500000001Z", base.Add(3500*time.Millisecond + 1)},
		{"3.5s", base.Add(3500 * time.Millisecond)},
		{"2.966", base.Add(2966 * time.Millisecond)},
		{"", time.Time{}},
	} {
		got, err := parseEndTime(c.in, base, base.Add(time.Hour))
		if err != nil || !got.Equal(c.want) {
			t.Errorf("--end %q: %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}
