package main

import (
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// logger is the log of a command: info and up (debug with verbose), times
// of day, colour only on a terminal.
func logger(w io.Writer, verbose bool) zerolog.Logger {
	level := zerolog.InfoLevel
	if verbose {
		level = zerolog.DebugLevel
	}
	// Actors log from their own goroutines; w need not be safe for that.
	// gopline logs durations with their unit (Stringer: "retry_in=100ms"),
	// never with zerolog's Dur, whose bare number hides it.
	out := zerolog.ConsoleWriter{Out: zerolog.SyncWriter(w), TimeFormat: time.TimeOnly, NoColor: !colorful(w)}
	return zerolog.New(out).With().Timestamp().Logger().Level(level)
}

// setLogFormat makes every duration in a log line carry its unit
// (retry_in=100ms, not retry_in=100). It sets zerolog's global format, once,
// before anything logs.
func setLogFormat() {
	zerolog.DurationFieldFormat = zerolog.DurationFormatString
}

// colorful reports whether w takes colour: a terminal, unless NO_COLOR is
// set (https://no-color.org).
func colorful(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == ""
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
