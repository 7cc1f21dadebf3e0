package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// topicArgs splits record's arguments into the topics named before the
// pipeline, as ros2 bag record takes them (gopline record /camera /imu
// -o x.gopline), and the rest, the pipeline. A pipeline never begins with
// a topic name, as an element's name has no slash, so the leading
// arguments that are topic names are the topics.
func topicArgs(args []string) (topics, rest []string) {
	for i, a := range args {
		if !strings.HasPrefix(a, "/") || transport.ValidateTopicName(a) != nil {
			return args[:i], args[i:]
		}
	}
	return args, nil
}

// defaultOutLayout names a recording made without --out after its start,
// in the local time, as ros2 bag record names its bag (rosbag2_2024_05_01-12_00_00).
const defaultOutLayout = "gopline_2006_01_02-15_04_05.gopline"

// defaultOut is the recording a run that started at now makes without
// --out, in the current directory.
func defaultOut(now time.Time) string { return now.Format(defaultOutLayout) }

// maxHeldStreams bounds the streams heldText names; the rest are counted.
const maxHeldStreams = 4

// heldText says what a recording that a run appends to holds: its
// streams and span, "/camera, /imu: 300 packets from 2024-05-01
// 12:00:00.000 UTC to 2024-05-01 12:00:10.000 UTC (10s)"; "" when it
// holds no packet (a new recording) or cannot be read.
func heldText(rec *storage.Recording) string {
	infos, err := rec.Streams()
	if err != nil {
		return ""
	}
	st, err := rec.RecordingStats()
	if err != nil || st.Packets == 0 {
		return ""
	}
	names := make([]string, 0, min(len(infos), maxHeldStreams+1))
	for i, info := range infos {
		if i == maxHeldStreams && len(infos) > maxHeldStreams+1 {
			names = append(names, fmt.Sprintf("%d more streams", len(infos)-maxHeldStreams))
			break
		}
		names = append(names, info.Name)
	}
	return fmt.Sprintf("%s: %d packets from %s to %s (%s)", strings.Join(names, ", "), st.Packets,
		startTime(st.First).Format(infoTime), st.Last.Format(infoTime), st.Duration.Round(time.Millisecond))
}
