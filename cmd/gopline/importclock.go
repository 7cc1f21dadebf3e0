package main

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/storage/mcapimport"
)

// parseClock reads import's --time.
func parseClock(s string) (mcapimport.Clock, error) {
	switch s {
	case "auto":
		return mcapimport.ClockAuto, nil
	case "stamp":
		return mcapimport.ClockStamp, nil
	case "log":
		return mcapimport.ClockLog, nil
	}
	return 0, usagef("--time %q: want stamp (the header stamps), log (the log times, as ros2 bag play paces) or auto (the stamps, "+
		"but a topic's on another clock by its log times)", s)
}

// clockNote says, of a stream timed by its log times because its stamps
// are offset from them by another clock than the bag's, how far, or "";
// keep is how to keep the stamps.
func clockNote(stream string, offset time.Duration, keep string) string {
	if offset == 0 {
		return ""
	}
	return fmt.Sprintf("%s is timed by its log times, as ros2 bag play paces it: its header stamps are %s, "+
		"on another clock than the bag's (a simulation's, or a sensor's boot clock), and would play that far from its other topics (%s keeps them)",
		stream, clockOffsetText(offset), keep)
}

// clockOffsetText says how far stamps are from their log times.
func clockOffsetText(d time.Duration) string {
	way := "ahead of them"
	if d < 0 {
		d, way = -d, "behind them"
	}
	const day = 24 * time.Hour
	text := d.Round(time.Second).String()
	switch {
	case d >= 2*365*day:
		text = fmt.Sprintf("%.0f years", d.Hours()/24/365.25)
	case d >= 2*day:
		text = fmt.Sprintf("%.0f days", d.Hours()/24)
	}
	return text + " " + way
}
