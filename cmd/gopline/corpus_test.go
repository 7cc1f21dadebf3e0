package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/internal/testclip"
)

// corpusClip is one kind of file third parties make, and how gopline
// reads it.
type corpusClip struct {
	name string
	make func(t *testing.T) string
	// source is the videosrc properties after location=: passthrough for
	// H.264 and MJPEG, a decode and an H.264 encode for MPEG-4 Part 2.
	source string
	// timed: the recording keeps the source's packet times, so the MP4
	// export has the source's pts and dts (H.264 or JPEG passed through).
	timed bool
	// jpeg: the stream is passed through as JPEG pictures, which MCAP and
	// PNG take and an MP4 export encodes as H.264, saying so.
	jpeg bool
	// damaged: the stream is corrupt in its middle, so the PNG of an
	// instant after the damage has no picture.
	damaged bool
}

func makeClip(name string, n int, args ...string) func(t *testing.T) string {
	return func(t *testing.T) string { return testclip.Make(t, name, n, 25, args...) }
}

var corpus = []corpusClip{
	{name: "bframes.mp4", make: makeClip("bframes.mp4", 30, "-c:v", "libx264", "-bf", "3", "-g", "12", "-pix_fmt", "yuv420p"),
		source: "passthrough=true", timed: true},
	{name: "bframes.mkv", make: makeClip("bframes.mkv", 30, "-c:v", "libx264", "-bf", "3", "-g", "12", "-pix_fmt", "yuv420p"),
		source: "passthrough=true", timed: true},
	{name: "bframes.avi", make: makeClip("bframes.avi", 30, "-c:v", "mpeg4", "-bf", "2", "-g", "12"),
		source: "! h264enc gop=12"},
	{name: "vfr.mp4", make: makeClip("vfr.mp4", 20, "-vf", "select='lt(n\\,10)+not(mod(n\\,4))'", "-fps_mode", "vfr",
		"-c:v", "libx264", "-bf", "2", "-g", "12", "-pix_fmt", "yuv420p"),
		source: "passthrough=true", timed: true},
	{name: "vui.h264", make: makeClip("vui.h264", 30, "-c:v", "libx264", "-bf", "2", "-g", "12", "-pix_fmt", "yuv420p"),
		source: "passthrough=true"},
	{name: "novui.h264", make: func(t *testing.T) string { return testclip.MakeRawWithoutVUI(t, "novui.h264", 30, 25) },
		source: "passthrough=true"},
	{name: "mjpeg.avi", make: makeClip("mjpeg.avi", 30, "-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p"),
		source: "passthrough=true", jpeg: true, timed: true},
	{name: "damaged.h264", make: func(t *testing.T) string {
		path := testclip.Make(t, "damaged.h264", 40, 25, "-c:v", "libx264", "-g", "1000", "-pix_fmt", "yuv420p")
		testclip.Damage(t, path, 0.4, 64)
		return path
	}, source: "passthrough=true", damaged: true},
}

// TestCorpusRecordInfoExportPlay takes each kind of file of the corpus
// through the commands as a user would: record it, describe the
// recording, export it to MP4, MCAP and PNG, and play it. Every frame
// ffprobe finds is recorded, described, exported and played, at the
// source's times where the stream is passed through, and the exit codes
// say what happened.
func TestCorpusRecordInfoExportPlay(t *testing.T) {
	for _, clip := range corpus {
		t.Run(clip.name, func(t *testing.T) {
			src := clip.make(t)
			want := len(testclip.Times(t, src, "packet", "pts_time"))
			rec, stored, whole := recordClip(t, clip, src, want)
			info := infoOf(t, rec)
			if info.Packets != int64(stored) {
				t.Errorf("info: %d packets, want %d", info.Packets, stored)
			}
			if d := probeDuration(t, src, clip); whole && (info.Duration-d).Abs() > time.Millisecond {
				t.Errorf("info: duration %v, ffprobe's packets span %v", info.Duration, d)
			}
			exportClip(t, clip, src, rec, stored, whole)
			code, stdout, stderr := runCmd("play", rec, "--rate", "8", "--json")
			if code != 0 {
				t.Fatalf("play: exit %d: %s", code, stderr)
			}
			if played := nodeStat(t, stdout, "play0").Out; played != uint64(stored) {
				t.Errorf("played %d packets, want %d", played, stored)
			}
			decodeRecording(t, clip, src, rec, whole)
			decodeDamagedSource(t, clip, src)
		})
	}
}

// decodeRecording plays the recording into its decoder as fast as it
// decodes. Every picture ffprobe decodes from the source comes out, the
// ones a stream with reordering holds back to its end among them; a
// damaged stream's decoder counts the damage and the run exits 1 naming it.
func decodeRecording(t *testing.T, clip corpusClip, src, rec string, whole bool) {
	t.Helper()
	dec := "h264dec"
	if clip.jpeg {
		dec = "jpegdec"
	}
	code, stdout, stderr := runCmd("run", "play path="+rec+" is-live=false ! "+dec+" name=dec ! fakesink name=sink", "--json")
	d := nodeStat(t, stdout, "dec")
	if clip.damaged {
		if code != 1 || d.Errors == 0 || !strings.Contains(stderr, "dec ("+dec+") ") {
			t.Errorf("decoding a damaged stream: exit %d, %d errors, %q; want exit 1 and the errors named", code, d.Errors, stderr)
		}
		return
	}
	if code != 0 {
		t.Fatalf("decoding the recording: exit %d: %s", code, stderr)
	}
	if want := testclip.FrameCount(t, src); whole && nodeStat(t, stdout, "sink").In != uint64(want) {
		t.Errorf("decoded %d pictures of the recording, ffprobe %d of the source", nodeStat(t, stdout, "sink").In, want)
	}
}

// decodeDamagedSource decodes a damaged clip with videosrc itself: the run
// exits 1 naming the source and the damage it skipped, and 0 with
// --allow-damage, the damage still counted.
func decodeDamagedSource(t *testing.T, clip corpusClip, src string) {
	t.Helper()
	if !clip.damaged {
		return
	}
	line := "videosrc location=" + src + " name=src ! fakesink"
	code, stdout, stderr := runCmd("run", line, "--json")
	s := nodeStat(t, stdout, "src")
	if code != 1 || s.Skipped["damaged"]+s.Skipped["undecodable"] == 0 || !strings.Contains(stderr, "src (videosrc) skipped") ||
		!strings.Contains(stderr, "damaged input") {
		t.Errorf("decoding a damaged source: exit %d, skipped %v, %q; want exit 1 and the damage named", code, s.Skipped, stderr)
	}
	code, stdout, stderr = runCmd("run", line, "--json", "--allow-damage")
	if s := nodeStat(t, stdout, "src"); code != 0 || s.Skipped["damaged"]+s.Skipped["undecodable"] == 0 {
		t.Errorf("decoding a damaged source with --allow-damage: exit %d, skipped %v, %q; want exit 0, the damage counted", code, s.Skipped, stderr)
	}
	rec := filepath.Join(t.TempDir(), "decoded.gopline")
	record := []string{"record", "--topic", "/d", "--out", rec, "videosrc location=" + src + " name=src ! h264enc ! publish topic=/d"}
	if code, _, stderr := runCmd(record...); code != 1 || !strings.Contains(stderr, "damaged input") {
		t.Errorf("recording a damaged source: exit %d, %q; want exit 1 and the damage named", code, stderr)
	}
	if code, _, stderr := runCmd(append(record, "--allow-damage")...); code != 0 {
		t.Errorf("recording a damaged source with --allow-damage: exit %d, %q; want 0", code, stderr)
	}
}

// recordClip records clip's /clip stream from src at its own pace and
// returns the recording, the number of packets it stored, and whether
// those are every one of src's want packets. On a loaded machine the
// source may drop a frame its encoder has no time for, and the recorder a
// GOP it falls behind on; each is counted, and what is not counted must
// be stored.
func recordClip(t *testing.T, clip corpusClip, src string, want int) (rec string, stored int, whole bool) {
	t.Helper()
	rec = filepath.Join(t.TempDir(), "clip.gopline")
	line := "videosrc location=" + src + " is-live=true "
	if strings.HasPrefix(clip.source, "!") {
		line += clip.source
	} else {
		line += clip.source + " "
	}
	code, stdout, stderr := runCmd("record", "--topic", "/clip", "--out", rec, "--json", line+" ! publish topic=/clip")
	if code != 0 {
		t.Fatalf("record %q: exit %d: %s", line, code, stderr)
	}
	cam, r := nodeStat(t, stdout, "videosrc0"), nodeStat(t, stdout, "recorder")
	if cam.Out+cam.Dropped != uint64(want) {
		t.Fatalf("the source gave %d and dropped %d of the %d packets ffprobe finds", cam.Out, cam.Dropped, want)
	}
	if cam.Dropped+r.Dropped > 0 {
		t.Logf("on a busy machine the source dropped %d packets and the recorder %d", cam.Dropped, r.Dropped)
	}
	stored = int(cam.Out - r.Dropped)
	return rec, stored, stored == want
}

// infoOf is `gopline info --json` of a recording of one stream.
func infoOf(t *testing.T, rec string) streamSummary {
	t.Helper()
	code, stdout, stderr := runCmd("info", rec, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	var info []streamSummary
	if err := json.Unmarshal([]byte(stdout), &info); err != nil || len(info) != 1 {
		t.Fatalf("info: %v: %s", err, stdout)
	}
	return info[0]
}

// probeDuration is the span of src's packets as ffprobe times them: from
// the first to the last presentation time, or for a raw stream, which has
// none, the frame interval times the frames less one.
func probeDuration(t *testing.T, src string, clip corpusClip) time.Duration {
	t.Helper()
	pts := testclip.Times(t, src, "packet", "pts_time")
	if clip.timed {
		first, last := pts[0], pts[0]
		for _, p := range pts {
			first, last = min(first, p), max(last, p)
		}
		return last - first
	}
	rate := strings.Split(testclip.Probe(t, src, "-show_entries", "stream=r_frame_rate")[0], "/")
	num, err1 := strconv.Atoi(rate[0])
	den, err2 := strconv.Atoi(strings.Trim(rate[1], ","))
	if err1 != nil || err2 != nil || num == 0 {
		t.Fatalf("ffprobe r_frame_rate %q", rate)
	}
	return time.Duration(len(pts)-1) * time.Second * time.Duration(den) / time.Duration(num)
}

// exportClip exports the recording of want packets to MP4, MCAP and PNG
// and checks each; the MP4's times against the source's when the
// recording holds the whole source.
func exportClip(t *testing.T, clip corpusClip, src, rec string, want int, whole bool) {
	t.Helper()
	dir := t.TempDir()
	mp4, mc := filepath.Join(dir, "clip.mp4"), filepath.Join(dir, "clip.mcap")
	if code, _, stderr := runCmd("export", rec, "--stream", "/clip", "--out", mc); code != 0 {
		t.Fatalf("export to MCAP: exit %d: %s", code, stderr)
	}
	if n := mcapMessages(t, mc); n != uint64(want) {
		t.Errorf("the MCAP has %d messages, want %d", n, want)
	}
	exportPNGs(t, clip, rec, filepath.Join(dir, "png"))
	code, _, stderr := runCmd("export", rec, "--stream", "/clip", "--out", mp4)
	if code != 0 {
		t.Fatalf("export to MP4: exit %d: %s", code, stderr)
	}
	if encoded := strings.Contains(stderr, "note: the JPEG pictures of /clip are encoded as H.264"); encoded != clip.jpeg {
		t.Errorf("export to MP4 of JPEG pictures %v says: %q", clip.jpeg, stderr)
	}
	if got := len(testclip.Times(t, mp4, "packet", "pts_time")); got != want {
		t.Errorf("the MP4 has %d packets, want %d", got, want)
	}
	if n, from := testclip.FrameCount(t, mp4), testclip.FrameCount(t, src); whole && !clip.damaged && n != from {
		t.Errorf("ffprobe decodes %d pictures of the MP4, %d of the source", n, from)
	}
	if clip.timed && whole {
		if differ := packetTimesDiffer(t, mp4, src); differ != "" {
			t.Errorf("the MP4's packets have other times than the source's: %s", differ)
		}
	}
}

// exportPNGs exports the pictures at two instants, early and late in the
// clip. Of a damaged clip the late one, past the damage and with no
// keyframe after it, has no picture: exit 1, and with --allow-damage
// exit 0 and the early picture written.
func exportPNGs(t *testing.T, clip corpusClip, rec, dir string) {
	t.Helper()
	at := []string{"--at", "0.1s,1.1s"}
	code, stdout, stderr := runCmd(append([]string{"export", rec, "--stream", "/clip", "--out", dir}, at...)...)
	pics, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if !clip.damaged {
		if code != 0 || len(pics) != 2 {
			t.Fatalf("png export: exit %d, %d pictures, want 2: %s%s", code, len(pics), stdout, stderr)
		}
		for _, p := range pics {
			if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
				t.Errorf("%s: %v", p, err)
			}
		}
		return
	}
	if code != 1 || !strings.Contains(stdout+stderr, "1 of 2 times have no picture") {
		t.Errorf("png export of a damaged clip: exit %d, %s%s; want exit 1 naming the time without a picture", code, stdout, stderr)
	}
	os.RemoveAll(dir)
	code, stdout, stderr = runCmd(append([]string{"export", rec, "--stream", "/clip", "--out", dir, "--allow-damage"}, at...)...)
	pics, _ = filepath.Glob(filepath.Join(dir, "*.png"))
	if code != 0 || len(pics) != 1 {
		t.Errorf("png export of a damaged clip with --allow-damage: exit %d, %d pictures, want 1: %s%s", code, len(pics), stdout, stderr)
	}
}

// packetTimesDiffer says how the packets of got differ in pts or dts from
// those of want, each counted from the first packet's pts, or "". Where
// the source has no dts for some packets (an MKV's first B-frames), the
// reader makes them up, growing, and got's dts need only grow and come no
// later than the pts.
func packetTimesDiffer(t *testing.T, got, want string) string {
	t.Helper()
	gotPTS, gotDTS := testclip.Times(t, got, "packet", "pts_time"), testclip.Times(t, got, "packet", "dts_time")
	pts, dts := testclip.Times(t, want, "packet", "pts_time"), testclip.Times(t, want, "packet", "dts_time")
	if len(gotPTS) != len(pts) || len(gotDTS) != len(dts) {
		return fmt.Sprintf("%d packets, the source %d", len(gotPTS), len(pts))
	}
	exactDTS := !slices.Contains(dts, testclip.NoTime)
	for i := range pts {
		gp, gd := gotPTS[i]-gotPTS[0], gotDTS[i]-gotPTS[0]
		switch {
		case gp != pts[i]-pts[0]:
		case exactDTS && gd != dts[i]-pts[0]:
		case gd > gp || i > 0 && gotDTS[i] <= gotDTS[i-1]:
		default:
			continue
		}
		return fmt.Sprintf("packet %d at pts +%v dts %+v, the source's at pts +%v dts %+v", i, gp, gd, pts[i]-pts[0], dts[i]-pts[0])
	}
	return ""
}

// mcapMessages is the number of messages an MCAP file's statistics count.
func mcapMessages(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := mcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info, err := r.Info()
	if err != nil || info.Statistics == nil {
		t.Fatalf("%s: statistics %v: %v", path, info, err)
	}
	return info.Statistics.MessageCount
}
