package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/gopline/gopline/codecs/ffmpeg"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	if err := parse(newFlags("version", stderr), args); err != nil {
		return err
	}
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	fmt.Fprintf(stdout, "gopline %s\nFFmpeg %s (libavcodec %s)\n", version, ffmpeg.Version(), ffmpeg.LibavcodecVersion())
	return nil
}
