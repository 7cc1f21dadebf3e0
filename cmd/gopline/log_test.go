package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogLinesCarryUnitsAndNoColourOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	log := logger(&buf, false)
	log.Warn().Dur("retry_in", 100*time.Millisecond).Dur("after", 2*time.Second).Msg("reconnecting")
	log.Debug().Msg("debug is off")
	out := buf.String()
	if !strings.Contains(out, "retry_in=100ms") || !strings.Contains(out, "after=2s") || strings.Contains(out, "\x1b[") ||
		strings.Contains(out, "debug is off") {
		t.Errorf("log line %q: want units, no escape codes, no debug", out)
	}
	t.Setenv("NO_COLOR", "1")
	if colorful(&buf) {
		t.Error("a buffer takes colour")
	}
}

// FFmpeg's lines that name no node are written as the command's own: at a
// 24-hour time of day, warnings and up.
func TestFFmpegLinesHaveTheCommandsTimeOfDay(t *testing.T) {
	var buf bytes.Buffer
	log := ffmpegLogger(&buf)
	log.Info().Msg("info is off")
	log.Warn().Msg("Stream ends prematurely")
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d WRN Stream ends prematurely\n$`).MatchString(buf.String()) {
		t.Errorf("FFmpeg's line %q: want HH:MM:SS WRN and the line alone", buf.String())
	}
}
