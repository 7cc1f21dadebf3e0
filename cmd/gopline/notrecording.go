package main

import (
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/storage"
)

// checkKinds refuses, as a usage error, the first of files that its first
// bytes say is a video or a picture rather than a recording: users of
// FFmpeg and GStreamer give gopline's info, play and export (cmd) the clip
// itself. The error says what the file is and what to run instead. Any
// other file is left for opening to judge, which names what is wrong with
// it: an MCAP file (gopline's own export) or another bag is named so
// there, with the import that reads it (exit 1).
func checkKinds(cmd string, files []string) error {
	for _, file := range files {
		kind, _, err := storage.SniffFile(file)
		if err != nil || !kind.IsOther() || kind.IsBag() {
			continue
		}
		return usagef("%s is %s, not a gopline recording: %s", file, kind, otherKindAdvice(cmd, file, kind))
	}
	return nil
}

// otherKindAdvice says what to run for file, of kind, instead of cmd.
func otherKindAdvice(cmd, file string, kind storage.FileKind) string {
	if kind == storage.KindAudio {
		return "gopline carries pictures, and records, plays and exports video only"
	}
	if !kind.IsVideo() {
		return "gopline export --at writes pictures from a recording"
	}
	publish := "videosrc location=" + syntax.Value(file) + " is-live=true ! h264enc ! publish topic=/camera"
	keep := " (passthrough=true in place of h264enc keeps its H.264 as it is)"
	if kind == storage.KindWebM { // VP8, VP9 or AV1: gopline's topics carry H.264 and JPEG
		keep = " (its VP8, VP9 or AV1 encoded to H.264)"
	}
	advice := "gopline reads a video with videosrc: gopline run " + shellLine([]string{publish}) + " publishes it on /camera" + keep + ", " +
		"and gopline record --topic /camera -o cam.gopline " + shellLine([]string{publish}) + " records it"
	if cmd == "info" {
		advice = "ffprobe " + shellLine([]string{file}) + " describes it; " + advice
	}
	return advice
}
