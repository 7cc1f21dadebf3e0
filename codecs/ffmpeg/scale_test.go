package ffmpeg

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
)

// A JPEG's full-range pictures (yuvj420p) convert to yuv420p as the ffmpeg
// command converts them, pixel for pixel, and swscale's warning that the
// format is deprecated stays out of the log.
func TestFullRangeJPEGPicturesConvertAsFFmpegDoes(t *testing.T) {
	clip := testclip.Make(t, "mjpeg.avi", 3, 25, "-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p")
	var process, mine testlog.Buffer
	SetLogger(zerolog.New(&process), zerolog.WarnLevel)
	t.Cleanup(testFFmpegLog)
	r := mustReader(t, clip, WithReaderLogger(zerolog.New(&mine)))
	frames := readAllFrames(t, r)
	want, err := exec.Command("ffmpeg", "-v", "error", "-i", clip, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for _, f := range frames {
		got = f.AppendPacked(got)
	}
	if len(frames) != 3 || !bytes.Equal(got, want) {
		t.Errorf("%d pictures, %d bytes, equal to ffmpeg's %d bytes: %v", len(frames), len(got), len(want), bytes.Equal(got, want))
	}
	if log := process.String() + mine.String(); strings.Contains(log, "deprecated pixel format") {
		t.Errorf("the log warns of the pixel format:\n%s", log)
	}
}
