package elements

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/pipeline"
)

// twoVideoStreams writes a file with two video streams, as a camera's main
// and sub streams: 160x120 then 320x240, 10 pictures each.
func twoVideoStreams(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "two.mkv")
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=0.4",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.4", "-map", "0:v", "-map", "1:v", "-c:v", "libx264", path}
	if out, err := exec.Command("ffmpeg", cmd...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// stream= chooses the video stream, decoded or passed through, as ffmpeg
// -map 0:v:N; one past the last fails the source, saying how many there
// are. The property is in the element's table, which lists and completes
// it.
func TestVideoSrcReadsTheChosenVideoStream(t *testing.T) {
	path := twoVideoStreams(t)
	for _, c := range []struct {
		props string
		width int
	}{
		{"", 160},
		{"stream=1", 320},
	} {
		out := &frames{}
		runToEnd(t, mustParse(t, "videosrc location="+path+" "+c.props+" name=src", map[string]*frames{"src": out}))
		if got := out.all(); len(got) != 10 || got[0].Width != c.width {
			t.Fatalf("%q: %d frames, the first %d wide; want 10 of width %d", c.props, len(got), got[0].Width, c.width)
		}
	}
	p := mustParse(t, "videosrc location="+path+" stream=1 passthrough=true name=src ! fakesink", nil)
	runToEnd(t, p)
	if st := stat(t, p, "src"); st.Out != 10 {
		t.Fatalf("passthrough of stream 1: %+v", st)
	}

	p = mustParse(t, "videosrc location="+path+" stream=2 ! fakesink", nil)
	err := p.Start(t.Context())
	if err == nil {
		p.Stop()
	}
	if err == nil || !strings.Contains(err.Error(), "it has 2 video streams") {
		t.Fatalf("stream=2 of two: %v", err)
	}
	spec, err := registry(t).Lookup("videosrc")
	if err != nil {
		t.Fatal(err)
	}
	for _, prop := range spec.Props {
		if prop.Name == "stream" && prop.Type == pipeline.Int && strings.Contains(prop.Doc, "-map 0:v:N") {
			return
		}
	}
	t.Fatalf("videosrc's properties %+v have no stream", spec.Props)
}
