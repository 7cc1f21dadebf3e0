package elements

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/transport"
)

func TestEveryElementIsRegisteredWithDocs(t *testing.T) {
	r := registry(t)
	want := []string{"testsrc", "videosrc", "h264enc", "jpegenc", "h264dec", "jpegdec", "gate", "publish", "subscribe", "fakesink", "stats", "snapshot", "tee", "queue", "record", "play"}
	for _, name := range want {
		s, err := r.Lookup(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s.Summary == "" {
			t.Errorf("%s has no summary", name)
		}
		for _, p := range s.Props {
			if p.Doc == "" {
				t.Errorf("%s.%s has no doc", name, p.Name)
			}
		}
	}
	if len(r.Specs()) != len(want) {
		t.Errorf("%d elements registered, want %d", len(r.Specs()), len(want))
	}
}

// TestTextSyntaxErrorsPointAtTheirPlace is the table of bad lines and the
// message and column each gets.
func TestTextSyntaxErrorsPointAtTheirPlace(t *testing.T) {
	cases := []struct {
		line   string
		column int
		words  string
	}{
		{"testsrc ! h264encc ! fakesink", 11, `unknown element "h264encc" (did you mean h264enc?)`},
		{"testsrc ! h264enc gopp=30 ! fakesink", 19, `h264enc has no property "gopp" (did you mean gop?)`},
		{"testsrc ! h264enc gop=thirty ! fakesink", 23, `h264enc gop: "thirty" is not a whole number`},
		{"testsrc ! h264enc gop=0 ! fakesink", 23, "0 is out of range 1..300"},
		{"testsrc ! h264enc gop=2s rate=15 ! fakesink", 23, `h264enc gop: "2s" is a time; gop counts frames: at rate=15, 2s is gop=30`},
		{"testsrc ! h264enc gop=1s ! fakesink", 23, `1s is gop=30 at 30 frames a second (rate=, by default 30: set it to the source's)`},
		{"testsrc ! h264enc bitrate=2m ! fakesink", 27, `m is milli`},
		{"testsrc ! stats interval=5", 26, `stats interval: "5" has no unit: write 5s for 5 seconds`},
		{"testsrc format=NV12 ! fakesink", 16, `"NV12" is not one of yuv420p (I420), rgb24 (RGB), gray8 (GRAY8, gray)`},
		{"testsrc num-frames=-5 ! fakesink", 20, "-5 is out of range -1..1099511627776"},
		{"testsrc size=640 ! fakesink", 14, `"640" is not a size such as 640x480`},
		{"testsrc ! h264enc preset=quick ! fakesink", 26, `"quick" is not one of ultrafast`},
		{"testsrc ! h264enc bitrate=2000 ! fakesink", 27, "bitrate is in bit/s (gst's x264enc takes kbit/s; write bitrate=2000000"},
		{"testsrc ! h264dec ! fakesink", 11, "testsrc0 (testsrc) gives raw frames but h264dec0 (h264dec) takes h264 packets; put an encoder between them (! h264enc !)"},
		{"videosrc location=a.mp4 ! h264dec ! fakesink", 27, "; videosrc decodes by itself: drop h264dec, or set passthrough=true to hand on the packets it reads"},
		{"videosrc location=a.mp4 ! publish topic=/c", 27, "; put an encoder between them (! h264enc !), or set videosrc passthrough=true to hand on the H.264 it reads"},
		{"testsrc ! h264enc ! snapshot", 21, "gives h264 packets but snapshot0 (snapshot) takes raw frames; put a decoder between them (! h264dec !)"},
		{"testsrc ! h264enc ! jpegdec ! fakesink", 21, "h264 packets but jpegdec0 (jpegdec) takes jpeg packets"},
		{"testsrc ! h264enc ! publish", 21, "publish needs topic=VALUE"},
		{"testsrc ! h264enc ! publish topic=camera/", 35, `publish topic: transport: invalid topic name: "camera/" must start with '/'`},
		{"testsrc ! h264enc ! publish topic=/camera/", 35, `publish topic: transport: invalid topic name: "/camera/" must not end with '/'`},
		{"record path=x.gopline topics=/a,b/", 30, `record topics: transport: invalid topic name: "b/" must start with '/'`},
		{"testsrc rate=NaN ! fakesink", 14, "NaN is not a finite number"},
		{"testsrc rate=-Inf ! fakesink", 14, "-Inf is not a finite number"},
		{"testsrc rate=1e999 ! fakesink", 14, "+Inf is not a finite number"},
		{"play path=x.db rate=nan ! fakesink", 21, "NaN is not a finite number"},
		{"subscribe topic=/a remote=127.0.0.1:99999 ! fakesink", 27, "the port is not a number from 1 to 65535"},
		{"subscribe topic=/a remote=localhost ! fakesink", 27, "want host:port"},
		{"testsrc ! stats interval=0s", 26, "0s is out of range 1ms..1h0m0s"},
		{"testsrc ! stats interval=-1s", 26, "-1s is out of range"},
		{"videosrc location=x timeout=2h ! fakesink", 29, "2h0m0s is out of range 0s..1h0m0s"},
		{"record path=x.db topics=/a flush=0s", 34, "0s is out of range"},
		{"testsrc size=0x10 ! fakesink", 14, "0x10 is not a size"},
		{"h264enc preset=\"\" ! fakesink", 16, "is not one of"},
		{"testsrc ! h264enc", 11, "gives h264 packets but nothing takes them"},
		{"h264enc ! fakesink", 1, "h264enc0 (h264enc) needs an input of raw frames"},
		{"testsrc ! tee name=t ! fakesink  t. ! jpegenc", 39, "jpegenc0 (jpegenc) gives jpeg packets but nothing takes them"},
		{"fakesink ! testsrc", 12, "fakesink0 (fakesink) is a sink"},
		{"testsrc ! ! fakesink", 11, `expected an element after "!"`},
		{"testsrc is-live=maybe ! fakesink", 17, `"maybe" is not true or false`},
	}
	r := registry(t)
	for _, c := range cases {
		p, err := pipeline.Parse(c.line, r)
		if err == nil {
			// The whole graph is checked after parsing (a node nothing
			// feeds, an output nothing takes).
			err = p.Check()
		}
		if err == nil {
			// Errors found when the pipeline starts (a bad topic name)
			// are reported by Start.
			err = p.Start(t.Context())
			if err == nil {
				p.Stop()
				t.Errorf("%q: no error", c.line)
				continue
			}
			if !strings.Contains(err.Error(), c.words) {
				t.Errorf("%q: %q does not say %q", c.line, err, c.words)
			}
			continue
		}
		var serr *syntax.Error
		if !errors.As(err, &serr) {
			t.Errorf("%q: %T %v is not a *syntax.Error", c.line, err, err)
			continue
		}
		if !strings.Contains(serr.Msg, c.words) || serr.Column() != c.column {
			t.Errorf("%q:\n got column %d: %s\nwant column %d: ...%s...\n%s", c.line, serr.Column(), serr.Msg, c.column, c.words, serr.Caret())
		}
	}
}

// GStreamer's framerate fraction and pixel format names, and FFmpeg's
// bit rate prefixes, are taken on a line.
func TestALineTakesGStreamersAndFFmpegsValueForms(t *testing.T) {
	r := registry(t)
	for _, line := range []string{
		"testsrc rate=30/1 format=I420 ! h264enc bitrate=2M rate=30/1 ! fakesink",
		"testsrc rate=30000/1001 format=GRAY8 ! jpegenc ! fakesink",
		"testsrc format=RGB ! h264enc bitrate=500k gop=60 ! fakesink",
	} {
		p, err := pipeline.Parse(line, r)
		if err == nil {
			err = p.Check()
		}
		if err != nil {
			t.Errorf("%q: %v", line, err)
		}
	}
}

// A topic name without its leading slash is in the root namespace, on a
// line as on gopline topic's command line and as ros2 takes it: publish
// topic=camera publishes /camera.
func TestARelativeTopicInALineIsInTheRootNamespace(t *testing.T) {
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	p, err := pipeline.Parse("testsrc size=64x48 rate=30 ! jpegenc ! publish topic=robot/camera", registry(t),
		pipeline.WithSystem(system), pipeline.WithBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if _, err := pipeline.Parse("subscribe topic=robot/camera ! fakesink  record path=x.gopline topics=robot/camera,/imu", registry(t)); err != nil {
		t.Errorf("subscribe and record of robot/camera: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); !slices.Contains(bus.Topics(), "/robot/camera"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("publish topic=robot/camera: the bus has %q, not /robot/camera", bus.Topics())
		}
	}
}

// options= is a list of key=value, and a space after its commas belongs to
// the list, not to the next key.
func TestKeyValuesTrimTheKeys(t *testing.T) {
	got, err := keyValues("probesize=5000, analyzeduration=1000")
	if err != nil || len(got) != 2 || got["probesize"] != "5000" || got["analyzeduration"] != "1000" {
		t.Fatalf("keyValues: %v, %v", got, err)
	}
	if _, err := keyValues("a=1, =2"); err == nil {
		t.Fatal("an empty key was taken")
	}
}

// A comma followed by a part without "=" continues the value before it, as
// ffmpeg's -protocol_whitelist file,udp,rtp; an empty part, or a first part
// without "=", is still refused.
func TestKeyValuesTakeCommasInAValue(t *testing.T) {
	got, err := keyValues("protocol_whitelist=file,udp,rtp, framerate=30")
	if err != nil || len(got) != 2 || got["protocol_whitelist"] != "file,udp,rtp" || got["framerate"] != "30" {
		t.Fatalf("keyValues: %v, %v", got, err)
	}
	if back, err := keyValues(formatKeyValues(got)); err != nil || !maps.Equal(back, got) {
		t.Fatalf("formatted and read again: %v, %v; want %v", back, err, got)
	}
	for _, bad := range []string{"file,udp=1", "a=1,,b=2", "a=1,", "a=1, "} {
		if got, err := keyValues(bad); err == nil {
			t.Errorf("keyValues(%q) = %v, want an error", bad, got)
		}
	}
}

// A backslash before a comma keeps the comma in its value even when a
// key= follows it, as a header's or a cookie's value may hold one; \\ is a
// backslash, and any other backslash stays. Formatted options read back
// the same.
func TestKeyValuesTakeAnEscapedCommaBeforeAKey(t *testing.T) {
	got, err := keyValues(`headers=Cookie: id=7\,lang=en,rtsp_transport=tcp,dir=C:\data\\,x=a\\b`)
	want := map[string]string{"headers": "Cookie: id=7,lang=en", "rtsp_transport": "tcp", "dir": `C:\data\`, "x": `a\b`}
	if err != nil || !maps.Equal(got, want) {
		t.Fatalf("keyValues: %q, %v; want %q", got, err, want)
	}
	for _, m := range []map[string]string{
		want,
		{"a": "x,y=1,z", "b": ",", "c": `\`, "d": `p\,q`, "e": "1, 2", "f": "x,,y", "g": `\\,=`},
	} {
		if back, err := keyValues(formatKeyValues(m)); err != nil || !maps.Equal(back, m) {
			t.Errorf("%q formatted as %q reads back as %q, %v", m, formatKeyValues(m), back, err)
		}
	}
}

func FuzzKeyValuesReadBackWhatTheyFormat(f *testing.F) {
	f.Add("a", `x,y=1\`)
	f.Add("protocol_whitelist", "file,udp,rtp")
	f.Fuzz(func(t *testing.T, k, v string) {
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, `=,\`) {
			return
		}
		m := map[string]string{k: v}
		if back, err := keyValues(formatKeyValues(m)); err != nil || !maps.Equal(back, m) {
			t.Fatalf("%q formatted as %q reads back as %q, %v", m, formatKeyValues(m), back, err)
		}
	})
}
