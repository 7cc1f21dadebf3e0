package codecstudy

import (
	"errors"
	"fmt"
	"io"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media"
)

// TestPattern is the name Load gives the test pattern.
const TestPattern = "the test pattern"

// Load loads n frames of size w x h of input: "testsrc" is the test
// pattern, "auto" vtest.avi when it has been fetched (bench.VTestPath) and
// the test pattern otherwise, anything else a video file. name says which.
func Load(input string, w, h, n int) (frames []*media.Frame, name string, err error) {
	path, name := "", TestPattern
	switch input {
	case "testsrc":
	case "auto":
		if p, err := bench.VTestPath(); err == nil {
			path, name = p, p
		} else if !errors.Is(err, bench.ErrNoTestVideo) {
			return nil, "", err
		}
	default:
		path, name = input, input
	}
	frames, err = Clip(path, w, h, n)
	return frames, name, err
}

// Codecs runs the clip through H.264 at gopline's defaults and through
// gopline's JPEG encoder at its default scale and at the coarsest scale
// whose PSNR is at least H.264's, in that order.
func Codecs(frames []*media.Frame, opts ...Option) ([]Result, error) {
	progress := newProgress(4, opts) // H.264, JPEG's default, the search, its confirmation
	h264, err := H264(frames, "veryfast crf 23 gop 30")
	if err != nil {
		return nil, err
	}
	progress.Step()
	jpegDefault, err := FFmpegJPEG(frames, ffmpeg.DefaultJPEGQScale)
	if err != nil {
		return nil, err
	}
	progress.Step()
	jpegMatch, err := ffmpegJPEGMatching(frames, h264.LumaPSNR, progress)
	if err != nil {
		return nil, err
	}
	progress.Step()
	return []Result{h264, jpegDefault, jpegMatch}, nil
}

// WriteCodecsTable prints what Codecs measured, as `gopline bench codecs`
// does: a row per codec and setting, and H.264's bytes against JPEG's at
// equal or better PSNR.
func WriteCodecsTable(w io.Writer, results []Result) error {
	tw := bench.Table(w)
	fmt.Fprintln(tw, "codec\tsetting\tframes\tbytes\tkbit/s@30fps\tluma PSNR dB\tencode fps\tdecode fps\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%.2f\t%.0f\t%.0f\t\n", r.Codec, r.Setting, r.Frames, r.Bytes,
			float64(r.Bytes)*8*30/float64(r.Frames)/1000, r.LumaPSNR, r.EncodeFPS, r.DecodeFPS)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	h264, match := results[0], results[len(results)-1]
	_, err := fmt.Fprintf(w, "\nH.264 needs %.1f%% of JPEG's bytes at equal or better PSNR (%s).\n",
		100*float64(h264.Bytes)/float64(match.Bytes), match.Setting)
	return err
}

// WriteStorageTable prints what StorageTable measured, as `gopline bench
// storage` does: a row per codec, and H.264's file against JPEG's.
func WriteStorageTable(w io.Writer, res []StorageResult) error {
	tw := bench.Table(w)
	fmt.Fprintln(tw, "codec\tsetting\tframes\tpayload bytes\tfile bytes\tfile/payload\tluma PSNR dB\t")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.3f\t%.2f\t\n", r.Codec, r.Setting, r.Frames, r.PayloadBytes, r.FileBytes, r.Overhead(), r.LumaPSNR)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nH.264's file is %.1f%% of JPEG's, at %.2f dB against JPEG's %.2f dB (JPEG set to equal or better PSNR).\n",
		100*float64(res[0].FileBytes)/float64(res[1].FileBytes), res[0].LumaPSNR, res[1].LumaPSNR)
	return err
}
