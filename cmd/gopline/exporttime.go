package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/storage/export"
)

// parseExportTime parses a time of the command line: a duration from base
// (12.5s, 1m; a bare number is seconds; ffmpeg's [HH:]MM:SS[.m], as -ss
// takes it), an RFC 3339 time, a time as gopline info and export's
// messages print it (2024-05-01 12:00:03.500 UTC, in UTC or the local
// zone), or a time of day in UTC as recover's table prints an End
// (12:00:03.500; timeOfDay). HH:MM:SS is the time of day when that lies
// within the recording, from base to last (a zero last: unknown, which
// reads it as ffmpeg does), else a duration. An empty string gives the
// zero time.
func parseExportTime(flagName, s string, base, last time.Time) (time.Time, error) {
	t, _, err := readExportTime(flagName, s, base, last)
	return t, err
}

// readExportTime is parseExportTime, and says whether s was read as a
// time of day.
func readExportTime(flagName, s string, base, last time.Time) (_ time.Time, ofDay bool, err error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if d, ok := clockDuration(s); ok {
		if t, ok := timeOfDay(s, base); ok && !last.IsZero() && !t.Before(base) && !t.After(last) {
			return t, true, nil
		}
		return base.Add(d), false, nil
	}
	t, err := parseOtherTime(flagName, s, base)
	return t, false, err
}

// clockDuration reads s as ffmpeg writes a duration with colons:
// [HH:]MM:SS[.m...], hours of any number of digits, minutes and seconds of
// one or two below 60.
func clockDuration(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	secs, frac, _ := strings.Cut(parts[len(parts)-1], ".")
	fields := append(parts[:len(parts)-1:len(parts)-1], secs)
	var n [3]int
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 || f == "" || strings.ContainsAny(f, "+-") || (i > 0 || len(fields) == 2) && (len(f) > 2 || v >= 60) {
			return 0, false
		}
		n[3-len(fields)+i] = v
	}
	d := time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute + time.Duration(n[2])*time.Second
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil || strings.ContainsAny(frac, "+-eE") {
			return 0, false
		}
		d += time.Duration(f * float64(time.Second))
	}
	return d, n[0] < 1e6
}

// parseOtherTime parses the forms of parseExportTime but ffmpeg's clock.
func parseOtherTime(flagName, s string, base time.Time) (time.Time, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if secs, ferr := strconv.ParseFloat(s, 64); ferr == nil && secs > -1e9 && secs < 1e9 {
			d, err = time.Duration(secs*float64(time.Second)), nil
		}
	}
	if err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%w: %s %q: a duration from the recording's start cannot be negative", errUsage, flagName, s)
		}
		return base.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	// The fraction of a second is optional: Parse takes one after the
	// seconds. A zone abbreviation other than UTC's and the local zone's
	// would be taken as UTC: it is refused instead.
	if t, err := time.ParseInLocation(time.DateTime+" MST", s, time.Local); err == nil {
		if t.Location() != time.Local && t.Location() != time.UTC {
			name, _ := t.Zone()
			return time.Time{}, fmt.Errorf("%w: %s %q: the zone %s is not UTC or this machine's: give an RFC 3339 time (2024-05-01T12:00:00+02:00)", errUsage, flagName, s, name)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: %s %q: want a duration from the recording's start (12.5s, 1m30s, 00:01:30.5) or a time (2024-05-01T12:00:00Z, or as gopline info prints it, or a time of day in UTC within the recording: 12:00:00.500)", errUsage, flagName, s)
}

// parseEndTime parses --end as parseExportTime does, except that a time
// to the millisecond as gopline info prints it (2024-05-01
// 12:00:02.966 UTC), or as recover's table prints an End (12:00:02.966),
// takes in that whole millisecond: info prints a
// recording's End: cut to the millisecond, and pasted into --end, which is
// exclusive, it then keeps the last packet. A duration or an RFC 3339 time
// is the instant it names.
func parseEndTime(s string, base, last time.Time) (time.Time, error) {
	t, ofDay, err := readExportTime("--end", s, base, last)
	if err != nil {
		return t, err
	}
	_, perr := time.ParseInLocation(infoTime, s, time.Local)
	_, terr := time.Parse(time.TimeOnly+".000", s)
	if perr == nil || terr == nil && ofDay {
		t = t.Add(time.Millisecond)
	}
	return t, nil
}

// timeOfDay parses s as a time of day in UTC (15:04:05, a fraction of a
// second optional), the way recover's table prints an End, on the day of
// base, the recording's start; a time more than 12 hours before base is
// the next day's (a recording over midnight).
func timeOfDay(s string, base time.Time) (time.Time, bool) {
	tod, err := time.Parse(time.TimeOnly, s)
	if err != nil {
		return time.Time{}, false
	}
	b := base.UTC()
	t := time.Date(b.Year(), b.Month(), b.Day(), tod.Hour(), tod.Minute(), tod.Second(), tod.Nanosecond(), time.UTC)
	if b.Sub(t) > 12*time.Hour {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

// timeRange is the --start and --end of export and play: as given, and
// as times of the recording counted from base, its start. A zero from or
// to is none given.
type timeRange struct {
	start, end     string
	base, from, to time.Time
}

// checkTimeForms refuses a --start, --end or --at time that none of
// parseExportTime's forms reads, before anything is opened: what a time
// means waits for the recording's start, its form does not (a bag's
// export imports it first).
func checkTimeForms(start, end, at string) error {
	base := time.Now()
	if _, err := parseExportTime("--start", start, base, time.Time{}); err != nil {
		return err
	}
	if _, err := parseEndTime(end, base, time.Time{}); err != nil {
		return err
	}
	for _, s := range strings.Split(at, ",") {
		if _, err := parseExportTime("--at", strings.TrimSpace(s), base, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// parseTimeRange parses --start and --end of a recording from base to last
// (parseExportTime, parseEndTime), and refuses an end that is not after
// the start.
func parseTimeRange(start, end string, base, last time.Time) (timeRange, error) {
	r := timeRange{start: start, end: end, base: base}
	var err error
	if r.from, err = parseExportTime("--start", start, base, last); err != nil {
		return r, err
	}
	if r.to, err = parseEndTime(end, base, last); err != nil {
		return r, err
	}
	if !r.from.IsZero() && !r.to.IsZero() && !r.to.After(r.from) {
		return r, fmt.Errorf("%w: --end %s is not after --start %s", errUsage, end, start)
	}
	return r, nil
}

// holds reports whether packets from first to last have one in the range.
func (r timeRange) holds(first, last time.Time) bool {
	return (r.from.IsZero() || !r.from.After(last)) && (r.to.IsZero() || r.to.After(first))
}

// offsets are the range from first, a stream's first packet, as
// elements.PlayConfig takes it: start (0 when the range starts before
// the stream) and end (0 for none).
func (r timeRange) offsets(first time.Time) (start, end time.Duration) {
	if r.from.After(first) {
		start = r.from.Sub(first)
	}
	if !r.to.IsZero() {
		end = r.to.Sub(first)
	}
	return start, end
}

// outside is the usage error for a range that does not hold streams,
// which span from first to last: it names --start when the range starts
// after them, else --end.
func (r timeRange) outside(streams []string, first, last time.Time) error {
	if r.from.After(last) {
		return outsideError("--start", r.start, streams, r.base, first, last)
	}
	if r.to.Equal(first) { // the range ends where the streams begin: empty, not outside
		verb := "begins"
		if len(streams) > 1 {
			verb = "begin"
		}
		return fmt.Errorf("%w: --end %s ends the range where %s %s, so it holds nothing (--end is the first instant left out); the span is %s",
			errUsage, r.end, export.StreamNames(streams), verb, describeSpan(r.base, first, last))
	}
	return outsideError("--end", r.end, streams, r.base, first, last)
}

// outsideError is the usage error for a time given by flagName, text s,
// that falls outside streams, which span from first to last, base being
// the recording's start.
func outsideError(flagName, s string, streams []string, base, first, last time.Time) error {
	verb := "spans"
	if len(streams) > 1 {
		verb = "span"
	}
	return fmt.Errorf("%w: %s %s is outside %s, which %s %s", errUsage, flagName, s, export.StreamNames(streams), verb, describeSpan(base, first, last))
}

// describeSpan says when a stream spans, from first to last, in whole
// milliseconds from the recording's start (base) and as times of day:
// rounded inward, so that each time it shows is within the stream.
func describeSpan(base, first, last time.Time) string {
	return describeSpanFrom(base, "the recording's start", first, last)
}

// describeSpanFrom is describeSpan from base, which origin names.
func describeSpanFrom(base time.Time, origin string, first, last time.Time) string {
	const ms = time.Millisecond
	return fmt.Sprintf("%v to %v from %s (%s to %s)",
		startOffset(first.Sub(base)), last.Sub(base).Truncate(ms), origin, startTime(first).Format(infoTime), last.Format(infoTime))
}
