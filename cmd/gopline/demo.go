package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gopline/gopline/actors"
	"github.com/gopline/gopline/internal/codecstudy"
	"github.com/gopline/gopline/pipeline"
)

// runDemo runs a small robot camera graph: a camera published on a topic,
// one subscriber decoding to snapshots, another only counting.
func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	duration := fs.Duration("duration", 5*time.Second, "how long to run")
	input := fs.String("input", "auto", `camera: "auto" plays vtest.avi when make testdata has fetched it, else the test pattern; "testsrc"; or a video file`)
	out := fs.String("out", filepath.Join(os.TempDir(), "gopline-demo"), "directory for the viewer's snapshots")
	asJSON := fs.Bool("json", false, "print the per-node stats as JSON on stdout")
	verbose := fs.Bool("v", false, "log at debug level")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *duration <= 0 {
		return fmt.Errorf("%w: -duration %v", errUsage, *duration)
	}
	camera := "testsrc size=640x480 rate=30"
	source := "the test pattern (640x480, 30 fps)"
	switch *input {
	case "testsrc":
	case "auto":
		path, err := codecstudy.VTestPath()
		if err != nil && !errors.Is(err, codecstudy.ErrNoTestVideo) {
			return err
		}
		if err == nil {
			*input = path
		}
	}
	if *input != "auto" && *input != "testsrc" {
		camera = fmt.Sprintf("videosrc location=%q size=640x480 is-live=true", *input)
		source = *input + " (scaled to 640x480, at its own frame rate)"
	}
	line := camera + " ! h264enc gop=30 name=encoder ! publish topic=/robot/camera " +
		fmt.Sprintf("subscribe topic=/robot/camera name=viewer ! gate name=viewer-gate ! h264dec name=viewer-decoder ! snapshot dir=%q every=30 name=viewer-snapshots ", *out) +
		"subscribe topic=/robot/camera name=counter ! fakesink name=counter-sink"
	if !*asJSON {
		fmt.Fprintf(stdout, "gopline demo: a robot camera, %s, encoded to H.264 and published on /robot/camera;\n", source)
		fmt.Fprintf(stdout, "one subscriber decodes it and writes a snapshot every 30 frames to %s, another only counts.\n", *out)
		fmt.Fprintf(stdout, "The same graph on one line:\n  gopline run --duration %v '%s'\n\n", *duration, line)
	}
	reg, err := actors.Registry()
	if err != nil {
		return err
	}
	p, err := pipeline.Parse(line, reg, pipeline.WithLogger(logger(stderr, *verbose)))
	if err != nil {
		return err
	}
	stats, err := runUntilDone(p, *duration)
	if jerr := report(stats, *asJSON, stdout, stdout); jerr != nil || *asJSON {
		return errors.Join(err, jerr)
	}
	snaps, _ := filepath.Glob(filepath.Join(*out, "viewer-snapshots-*.png"))
	fmt.Fprintf(stdout, "\n%d snapshots in %s\n", len(snaps), *out)
	return err
}
