package main

import (
	"bytes"
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
