package ffmpeg

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
)

// deviceFile is a kind of file a phone, dashcam, action camera, browser
// or USB camera makes, made at test time by the ffmpeg command from a
// 160x120 pattern at 25 frames/s, and what a Reader makes of it.
type deviceFile struct {
	name string
	make func(t *testing.T) string
	// width and height of the decoded Frames.
	width, height int
	// passthrough: the stream is H.264 or MJPEG, whose packets pass
	// through, as many as ffprobe finds but those before the first
	// keyframe (beforeKey).
	passthrough bool
	beforeKey   int
	// opts are the Reader's options (a stream other than the first).
	opts []ReaderOption
}

func makeFile(name string, n int, args ...string) func(t *testing.T) string {
	return func(t *testing.T) string { return testclip.Make(t, name, n, 25, args...) }
}

var x264 = []string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}

func withX264(args ...string) []string { return append(append([]string{}, args...), x264...) }

var deviceFiles = []deviceFile{
	// Phones: HEVC Main 10 turned, H.264 of pro cameras' formats, full
	// range, variable frame rate (a screen recording), an edit list that
	// starts after the first keyframe (a cut made without re-encoding),
	// the index at the end and at the start.
	{name: "hevc10-rotate90.mov", make: func(t *testing.T) string {
		src := testclip.Make(t, "hevc10.mov", 20, 25, "-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1")
		path := filepath.Join(t.TempDir(), "hevc10-rotate90.mov")
		ffmpegCLI(t, "-v", "error", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=90", path)
		return path
	}, width: 120, height: 160},
	{name: "high422.mov", make: makeFile("high422.mov", 20, "-c:v", "libx264", "-pix_fmt", "yuv422p"), width: 160, height: 120, passthrough: true},
	{name: "high10.mp4", make: makeFile("high10.mp4", 20, "-c:v", "libx264", "-pix_fmt", "yuv420p10le"), width: 160, height: 120, passthrough: true},
	{name: "high444.mp4", make: makeFile("high444.mp4", 20, "-c:v", "libx264", "-pix_fmt", "yuv444p"), width: 160, height: 120, passthrough: true},
	{name: "yuvj420p.mp4", make: makeFile("yuvj420p.mp4", 20, "-c:v", "libx264", "-pix_fmt", "yuvj420p"), width: 160, height: 120, passthrough: true},
	{name: "vfr.mp4", make: makeFile("vfr.mp4", 30, withX264("-vf", "select='lt(n\\,10)+not(mod(n\\,4))'", "-fps_mode", "vfr")...),
		width: 160, height: 120, passthrough: true},
	{name: "editlist.mp4", make: func(t *testing.T) string {
		src := testclip.Make(t, "gop50.mp4", 75, 25, withX264("-g", "50")...)
		path := filepath.Join(t.TempDir(), "editlist.mp4")
		ffmpegCLI(t, "-v", "error", "-ss", "1.3", "-i", src, "-c", "copy", path)
		return path
	}, width: 160, height: 120, passthrough: true},
	{name: "moov-at-end.mp4", make: makeFile("moov-at-end.mp4", 20, x264...), width: 160, height: 120, passthrough: true},
	{name: "faststart.mp4", make: makeFile("faststart.mp4", 20, withX264("-movflags", "+faststart")...), width: 160, height: 120, passthrough: true},
	// Dashcams: interlaced H.264 (MBAFF), a timestamp that wraps at 2^33
	// ticks of 90 kHz 0.7 s in, two programs, a stream joined mid-GOP.
	{name: "interlaced.ts", make: makeFile("interlaced.ts", 20, withX264("-flags", "+ildct+ilme", "-x264opts", "interlaced=1:tff=1")...),
		width: 160, height: 120, passthrough: true},
	{name: "ptswrap.ts", make: makeFile("ptswrap.ts", 40, withX264("-muxdelay", "0", "-muxpreload", "0", "-output_ts_offset", "95443")...),
		width: 160, height: 120, passthrough: true},
	{name: "programs.ts", make: makeFile("programs.ts", 20, withX264("-filter_complex", "[0:v]split[a][b];[b]scale=80:60,setsar=1[c]", "-map", "[a]", "-map", "[c]",
		"-program", "title=A:st=0", "-program", "title=B:st=1")...), width: 160, height: 120, passthrough: true},
	{name: "programs.ts stream=1", make: makeFile("programs.ts", 20, withX264("-filter_complex", "[0:v]split[a][b];[b]scale=80:60,setsar=1[c]", "-map", "[a]", "-map", "[c]",
		"-program", "title=A:st=0", "-program", "title=B:st=1")...), width: 80, height: 60, passthrough: true, opts: []ReaderOption{WithVideoStream(1)}},
	{name: "midgop.ts", make: func(t *testing.T) string {
		src := testclip.Make(t, "gop50.ts", 75, 25, withX264("-g", "50", "-bf", "0")...)
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "midgop.ts")
		if err := os.WriteFile(path, data[188*40:], 0o644); err != nil { // TS packets from inside the first GOP
			t.Fatal(err)
		}
		return path
	}, width: 160, height: 120, passthrough: true, beforeKey: -1},
	// An action camera: sound first, a timecode track.
	{name: "audiofirst-tmcd.mp4", make: makeFile("audiofirst-tmcd.mp4", 20, withX264("-filter_complex", "sine=duration=0.8[s]", "-map", "[s]", "-map", "0:v",
		"-c:a", "aac", "-timecode", "01:00:00:00", "-t", "0.8")...), width: 160, height: 120, passthrough: true},
	// Browsers' MediaRecorder: WebM written as a stream, without duration
	// or cues.
	{name: "vp8.webm", make: makeFile("vp8.webm", 20, "-c:v", "libvpx", "-f", "webm", "-live", "1"), width: 160, height: 120},
	{name: "vp9.webm", make: makeFile("vp9.webm", 20, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-f", "webm", "-live", "1"), width: 160, height: 120},
	// A USB camera's MJPEG in AVI, and sizes off the usual.
	{name: "usbcam.avi", make: makeFile("usbcam.avi", 20, "-c:v", "mjpeg", "-pix_fmt", "yuvj422p"), width: 160, height: 120, passthrough: true},
	{name: "1366x768.mp4", make: makeFile("1366x768.mp4", 5, withX264("-vf", "scale=1366:768,setsar=1")...), width: 1366, height: 768, passthrough: true},
	{name: "1080p.mp4", make: makeFile("1080p.mp4", 5, withX264("-vf", "scale=1920:1080,setsar=1")...), width: 1920, height: 1080, passthrough: true},
	{name: "3x3.mp4", make: makeFile("3x3.mp4", 5, "-vf", "scale=3:3,setsar=1", "-c:v", "libx264", "-pix_fmt", "yuv444p"), width: 3, height: 3, passthrough: true},
}

// Every kind of device file decodes into every picture ffprobe decodes,
// at the size it is shown, on the timeline of ffprobe's best-effort
// times; and its H.264 or MJPEG passes through, every packet ffprobe finds
// from the first keyframe on, in growing decode times.
func TestReaderReadsDeviceFiles(t *testing.T) {
	for _, c := range deviceFiles {
		t.Run(c.name, func(t *testing.T) {
			path := c.make(t)
			stream := "v:0"
			if len(c.opts) > 0 {
				stream = "v:1"
			}
			want := probeStreamTimes(t, path, stream, "frame", "best_effort_timestamp_time")
			frames := readAllFrames(t, mustReader(t, path, c.opts...))
			if len(frames) != len(want) || len(frames) == 0 {
				t.Fatalf("%d pictures, ffprobe decodes %d", len(frames), len(want))
			}
			for i, f := range frames {
				if f.Width != c.width || f.Height != c.height {
					t.Fatalf("picture %d is %dx%d, want %dx%d", i, f.Width, f.Height, c.width, c.height)
				}
				if off := f.CaptureTime.Sub(frames[0].CaptureTime); !near(off, want[i]-want[0]) {
					t.Fatalf("picture %d at +%v, ffprobe says +%v", i, off, want[i]-want[0])
				}
			}
			if !c.passthrough {
				return
			}
			r := mustReader(t, path, append([]ReaderOption{WithPassthrough()}, c.opts...)...)
			var n int
			var last time.Time
			for ; ; n++ {
				p, err := r.ReadPacket()
				if err != nil {
					break
				}
				if n > 0 && !p.DecodeTime().After(last) {
					t.Fatalf("packet %d decoded at %v, not after %v", n, p.DecodeTime(), last)
				}
				last = p.DecodeTime()
			}
			packets := len(probeStreamTimes(t, path, stream, "packet", "pts_time"))
			skipped := r.Stats().BeforeKeyframe
			if n+skipped != packets || (c.beforeKey == 0 && skipped != 0) || (c.beforeKey < 0 && skipped == 0) {
				t.Fatalf("%d packets passed through, %d before the first keyframe; ffprobe finds %d", n, skipped, packets)
			}
		})
	}
}

// probeStreamTimes is testclip.Times of one stream of path (ffprobe's
// stream specifier: v:1, which overrides testclip.Probe's v:0).
func probeStreamTimes(t *testing.T, path, stream, section, entry string) []time.Duration {
	t.Helper()
	var out []time.Duration
	for _, l := range testclip.Probe(t, path, "-select_streams", stream, "-show_"+section+"s", "-show_entries", section+"="+entry) {
		field, _, _ := strings.Cut(l, ",")
		if field == "" {
			continue
		}
		sec, err := strconv.ParseFloat(field, 64)
		if err != nil {
			t.Fatalf("ffprobe %s %q: %v", entry, l, err)
		}
		out = append(out, time.Duration(math.Round(sec*float64(time.Second))))
	}
	return out
}
