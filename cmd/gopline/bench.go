package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/gopline/gopline/internal/codecstudy"
)

func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "codecs" {
		return fmt.Errorf("%w: which benchmark? gopline bench codecs", errUsage)
	}
	return runBenchCodecs(args[1:], stdout, stderr)
}

// runBenchCodecs encodes and decodes one clip with every codec and prints
// bytes, quality and speed.
func runBenchCodecs(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench codecs", stderr)
	input := fs.String("input", "auto", `video file to encode; "auto" uses vtest.avi when make testdata has fetched it, "testsrc" the test pattern`)
	size := fs.String("size", "640x480", "picture size WIDTHxHEIGHT")
	frames := fs.Int("frames", 150, "number of frames")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	w, h, err := parseSize(*size)
	if err != nil {
		return fmt.Errorf("%w: -size: %v", errUsage, err)
	}
	if *frames < 1 || *frames > 100_000 {
		return fmt.Errorf("%w: -frames %d (want 1..100000)", errUsage, *frames)
	}
	path, name := "", "the test pattern"
	switch *input {
	case "testsrc":
	case "auto":
		if p, err := codecstudy.VTestPath(); err == nil {
			path, name = p, p
		} else if !errors.Is(err, codecstudy.ErrNoTestVideo) {
			return err
		}
	default:
		path, name = *input, *input
	}
	clip, err := codecstudy.Clip(path, w, h, *frames)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "gopline bench codecs: %d frames of %s at %dx%d, encoded and decoded by each codec\n\n", len(clip), name, w, h)
	}
	h264, err := codecstudy.H264(clip, "veryfast crf 23 gop 30")
	if err != nil {
		return err
	}
	jpegDefault, err := codecstudy.JPEG(clip, 75)
	if err != nil {
		return err
	}
	jpegMatch, err := codecstudy.JPEGMatching(clip, h264.LumaPSNR)
	if err != nil {
		return err
	}
	results := []codecstudy.Result{h264, jpegDefault, jpegMatch}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "codec\tsetting\tframes\tbytes\tkbit/s@30fps\tluma PSNR dB\tencode fps\tdecode fps\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%.2f\t%.0f\t%.0f\t\n", r.Codec, r.Setting, r.Frames, r.Bytes,
			float64(r.Bytes)*8*30/float64(r.Frames)/1000, r.LumaPSNR, r.EncodeFPS, r.DecodeFPS)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nH.264 needs %.1f%% of JPEG's bytes at equal or better PSNR (%s).\n",
		100*float64(h264.Bytes)/float64(jpegMatch.Bytes), jpegMatch.Setting)
	if path == "" && *input == "auto" {
		fmt.Fprintln(stdout, "Run `make testdata` to fetch vtest.avi, a real camera clip, and run this again.")
	}
	return nil
}
