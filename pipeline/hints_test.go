package pipeline_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
)

// parseError parses line with gopline's elements and returns its error,
// which must be a *syntax.Error.
func parseError(t *testing.T, line string) *syntax.Error {
	t.Helper()
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	_, err = pipeline.Parse(line, reg)
	var serr *syntax.Error
	if !errors.As(err, &serr) {
		t.Fatalf("Parse(%q) = %v, want a *syntax.Error", line, err)
	}
	return serr
}

// TestGStreamerHabitsGetGoplinesName is the table of what a gst-launch (or
// FFmpeg) user writes, with the phrase of the error and its column.
func TestGStreamerHabitsGetGoplinesName(t *testing.T) {
	for _, c := range []struct {
		line   string
		column int
		is     error
		phrase string
	}{
		// Elements.
		{"videotestsrc num-buffers=10 ! x264enc ! fakesink", 1, pipeline.ErrUnknownElement, `unknown element "videotestsrc": gopline's test source is testsrc`},
		{"testsrc ! x264enc ! fakesink", 11, pipeline.ErrUnknownElement, `"x264enc": gopline's H.264 encoder is h264enc`},
		{"testsrc ! openh264enc ! fakesink", 11, pipeline.ErrUnknownElement, "is h264enc"},
		{"testsrc ! nvh264enc ! fakesink", 11, pipeline.ErrUnknownElement, "is h264enc"},
		{"testsrc ! vaapih264enc ! fakesink", 11, pipeline.ErrUnknownElement, "is h264enc"},
		{"testsrc ! libx264 ! fakesink", 11, pipeline.ErrUnknownElement, "is h264enc"},
		{"testsrc ! h264enc ! avdec_h264 ! fakesink", 21, pipeline.ErrUnknownElement, `"avdec_h264": gopline's H.264 decoder is h264dec`},
		{"testsrc ! h264enc ! openh264dec ! fakesink", 21, pipeline.ErrUnknownElement, "decoder is h264dec"},
		{"testsrc ! h264enc ! decodebin ! fakesink", 21, pipeline.ErrUnknownElement, "h264dec decodes H.264 packets"},
		{"testsrc ! h264 ! fakesink", 11, pipeline.ErrUnknownElement, "h264enc encodes H.264 and h264dec decodes it"},
		{"v4l2src device=/dev/video0 ! fakesink", 1, pipeline.ErrUnknownElement, "videosrc location=/dev/video0 input-format=v4l2"},
		{"filesrc location=a.mp4 ! qtdemux ! h264parse ! fakesink", 1, pipeline.ErrUnknownElement, "videosrc location=FILE reads, demuxes and decodes"},
		{"videosrc location=a.mp4 ! qtdemux ! fakesink", 27, pipeline.ErrUnknownElement, "videosrc location=FILE"},
		{"videosrc location=a.mkv ! matroskademux ! fakesink", 27, pipeline.ErrUnknownElement, "videosrc location=FILE"},
		{"videosrc location=a.h264 passthrough=true ! h264parse ! fakesink", 45, pipeline.ErrUnknownElement, "gopline needs no parser"},
		{"rtspsrc location=rtsp://cam/1 ! fakesink", 1, pipeline.ErrUnknownElement, "videosrc location=rtsp://HOST/PATH"},
		{"udpsrc port=5000 ! rtph264depay ! fakesink", 1, pipeline.ErrUnknownElement, "videosrc location=rtp://IP:PORT receives and depayloads RTP itself, no SDP file needed (the sender: rtph264pay config-interval=-1 ! udpsink host=IP port=PORT)"},
		{"videosrc location=rtp://127.0.0.1:5000 ! rtph264depay ! fakesink", 42, pipeline.ErrUnknownElement, "videosrc location=rtp://IP:PORT receives and depayloads RTP itself"},
		{"videosrc location=rtp://127.0.0.1:5000 encoding=JPEG ! rtpjpegdepay ! fakesink", 56, pipeline.ErrUnknownElement, "videosrc location=rtp://IP:PORT encoding=JPEG"},
		{"videosrc location=rtp://127.0.0.1:5000 ! rtph265depay ! fakesink", 42, pipeline.ErrUnknownElement, "encoding=H265"},
		{"uridecodebin uri=rtsp://cam/1 ! fakesink", 1, pipeline.ErrUnknownElement, "videosrc location=PATH-OR-URL"},
		{"tcpclientsrc host=cam port=5000 ! tsdemux ! fakesink", 1, pipeline.ErrUnknownElement, `"tcpclientsrc": videosrc location=tcp://HOST:PORT connects`},
		{"tcpserversrc port=5000 ! fakesink", 1, pipeline.ErrUnknownElement, "videosrc location=tcp://0.0.0.0:PORT?listen=1 waits for a sender to connect"},
		{"srtsrc uri=srt://cam:9000 ! fakesink", 1, pipeline.ErrUnknownElement, "srt://0.0.0.0:PORT?mode=listener waits for a caller"},
		{"videosrc location=rtsp://cam/1 ! rtpjpegdepay ! fakesink", 34, pipeline.ErrUnknownElement, "receives RTP itself"},
		{"testsrc ! videoconvert ! h264enc ! fakesink", 11, pipeline.ErrUnknownElement, "gopline has no converter"},
		{"testsrc ! videoscale ! fakesink", 11, pipeline.ErrUnknownElement, "size=WIDTHxHEIGHT on testsrc or videosrc"},
		{"testsrc ! capsfilter caps=video/x-raw,width=320 ! fakesink", 11, pipeline.ErrUnknownElement, "gopline has no caps filters: set size= and format= on the source (and rate= on testsrc)"},
		{"testsrc ! h264enc ! rtph264pay ! udpsink host=x ! fakesink", 21, pipeline.ErrUnknownElement, "gopline sends streams on topics: publish topic=/cam"},
		{"testsrc ! autovideosink", 11, pipeline.ErrUnknownElement, "h264enc ! publish topic=/cam and run with --http 127.0.0.1:8080, or end in fakesink"},
		{"testsrc ! xvimagesink", 11, pipeline.ErrUnknownElement, "in a browser"},
		{"testsrc ! glimagesink", 11, pipeline.ErrUnknownElement, "in a browser"},
		{"testsrc ! ximagesink", 11, pipeline.ErrUnknownElement, "in a browser"},
		{"testsrc ! fpsdisplaysink", 11, pipeline.ErrUnknownElement, "stats logs the rate"},
		{"testsrc ! h264enc ! filesink location=a.h264", 21, pipeline.ErrUnknownElement, "record path=FILE records the packets"},
		{"testsrc ! h264enc ! mp4mux ! fakesink", 21, pipeline.ErrUnknownElement, "gopline export FILE --out clip.mp4"},
		{"testsrc ! queue2 ! fakesink", 11, pipeline.ErrUnknownElement, "gopline's thread boundary is queue"},
		{"testsrc ! x265enc ! fakesink", 11, pipeline.ErrUnknownElement, "gopline encodes H.264 (h264enc) and JPEG (jpegenc) only"},
		// Properties.
		{"testsrc num-buffers=10 ! h264enc ! fakesink", 9, pipeline.ErrUnknownProperty, `testsrc has no property "num-buffers": write num-frames=N`},
		{"testsrc pattern=ball ! fakesink", 9, pipeline.ErrUnknownProperty, "testsrc draws one pattern"},
		{"testsrc width=640 height=480 ! fakesink", 9, pipeline.ErrUnknownProperty, "write size=WIDTHxHEIGHT"},
		{"testsrc framerate=30/1 ! fakesink", 9, pipeline.ErrUnknownProperty, "write rate=N"},
		{"testsrc ! h264enc speed-preset=ultrafast ! fakesink", 19, pipeline.ErrUnknownProperty, "write preset=NAME"},
		{"testsrc ! h264enc key-int-max=30 ! fakesink", 19, pipeline.ErrUnknownProperty, "write gop=N"},
		{"testsrc ! h264enc bframes=0 ! fakesink", 19, pipeline.ErrUnknownProperty, "h264enc never makes B-frames"},
		{"testsrc ! h264enc quantizer=20 ! fakesink", 19, pipeline.ErrUnknownProperty, "crf=N (constant quality"},
		{"testsrc ! h264enc pass=quant ! fakesink", 19, pipeline.ErrUnknownProperty, "or bitrate=N (bit/s)"},
		{"testsrc ! h264enc ! h264dec max-threads=4 ! fakesink", 29, pipeline.ErrUnknownProperty, "write threads=N"},
		{"testsrc ! jpegenc quality=85 ! fakesink", 19, pipeline.ErrUnknownProperty, "write qscale=N"},
		{"videosrc device=/dev/video0 ! fakesink", 10, pipeline.ErrUnknownProperty, "a camera is location=/dev/video0 input-format=v4l2"},
		{"videosrc location=rtsp://cam/1 protocols=tcp ! fakesink", 32, pipeline.ErrUnknownProperty, "options=rtsp_transport=tcp"},
		{"testsrc ! h264enc ! record location=a.gopline", 28, pipeline.ErrUnknownProperty, "write path=FILE"},
		{"testsrc ! queue max-size-time=0 ! fakesink", 17, pipeline.ErrUnknownProperty, "max-size-buffers=N"},
		{"testsrc ! queue leaky=downstream ! fakesink", 17, pipeline.ErrUnknownProperty, "a queue never drops"},
		{"testsrc ! fakesink sync=false", 20, pipeline.ErrUnknownProperty, "gopline's sinks never wait for a clock"},
		// Caps.
		{"testsrc ! video/x-raw,width=640,height=480 ! h264enc ! fakesink", 11, syntax.ErrCaps, "GStreamer caps in a line: gopline sets them as properties of the source, here size=640x480"},
		{`testsrc ! "video/x-raw,format=I420" ! h264enc ! fakesink`, 11, syntax.ErrCaps, "here format=yuv420p"},
		{"testsrc ! video/x-raw ! fakesink", 11, syntax.ErrCaps, "properties of the source: size= and format= (and rate= on testsrc)"},
		{"testsrc ! h264enc ! video/x-h264,stream-format=byte-stream ! fakesink", 21, syntax.ErrCaps, "gopline needs none: h264enc gives H.264 access units"},
		{"testsrc ! jpegenc ! image/jpeg ! fakesink", 21, syntax.ErrCaps, "jpegenc gives JPEG pictures"},
		{"testsrc ! audio/x-raw ! fakesink", 11, syntax.ErrCaps, "gopline carries video only"},
		// A camera's caps are its mode, which FFmpeg's V4L2 options set.
		{"videosrc location=/dev/video0 ! video/x-raw,width=1280,height=720,framerate=30/1 ! h264enc ! fakesink", 33, syntax.ErrCaps,
			"a camera's mode is set by videosrc's options, here options=video_size=1280x720,framerate=30 (size= would scale its frames, not set its mode)"},
		{"videosrc location=/dev/video0 ! image/jpeg,width=1280,height=720 ! jpegdec ! h264enc ! fakesink", 33, syntax.ErrCaps,
			"here options=input_format=mjpeg,video_size=1280x720: videosrc decodes its pictures (no jpegdec after it), or hands them on as JPEG with passthrough=true"},
		{"videosrc location=clip.mp4 ! video/x-raw,width=640,height=480 ! h264enc ! fakesink", 30, syntax.ErrCaps,
			"videosrc's size=WIDTHxHEIGHT scales its frames; a file or stream keeps its own frame rate"},
		{"videosrc location=clip.mp4 ! image/jpeg ! fakesink", 30, syntax.ErrCaps, "gopline needs none: each element says what it gives"},
		{"testsrc ! application/x-rtp ! fakesink", 11, syntax.ErrCaps, "gopline has no caps filters, the elements' properties set what they give"},
	} {
		e := parseError(t, c.line)
		if !strings.Contains(e.Msg, c.phrase) || e.Column() != c.column || !errors.Is(e, c.is) {
			t.Errorf("%s\n got %s (column %d, %v)\nwant %s (column %d, %v)", c.line, e.Msg, e.Column(), errors.Is(e, c.is), c.phrase, c.column, c.is)
		}
	}
}

// TestTyposGetTheNearestName: a name near one of gopline's, and no other
// tool's, gets "did you mean".
func TestTyposGetTheNearestName(t *testing.T) {
	for _, c := range []struct {
		line   string
		column int
		want   string
	}{
		{"testsrc ! h246enc ! fakesink", 11, `unknown element "h246enc" (did you mean h264enc?): ` + "`gopline elements` lists them"},
		{"testsr ! fakesink", 1, `unknown element "testsr" (did you mean testsrc?)`},
		{"test ! fakesink", 1, `unknown element "test" (did you mean testsrc?)`},
		{"testsrc ! jpegencoder ! fakesink", 11, `unknown element "jpegencoder" (did you mean jpegenc?)`},
		{"testsrc ! h264encoder ! fakesink", 11, `unknown element "h264encoder" (did you mean h264enc?)`},
		{"testsrc ! fakesnik", 11, `unknown element "fakesnik" (did you mean fakesink?)`},
		{"testsrc num-frame=3 ! fakesink", 9, `testsrc has no property "num-frame" (did you mean num-frames?)`},
		{"testsrc islive=true ! fakesink", 9, `testsrc has no property "islive" (did you mean is-live?)`},
		{"videosrc location=a.mp4 input_format=v4l2 ! fakesink", 25, `videosrc has no property "input_format" (did you mean input-format?)`},
		{"testsrc ! h264enc pre=fast ! fakesink", 19, `h264enc has no property "pre" (did you mean preset?)`},
	} {
		e := parseError(t, c.line)
		if !strings.Contains(e.Msg, c.want) || e.Column() != c.column {
			t.Errorf("%s\n got %s (column %d)\nwant %s (column %d)", c.line, e.Msg, e.Column(), c.want, c.column)
		}
	}
}

// TestNamesWithNoNearMatchKeepTheirMessage: a name that is neither
// another tool's nor near one of gopline's gets the message it always had.
func TestNamesWithNoNearMatchKeepTheirMessage(t *testing.T) {
	for _, c := range []struct {
		line   string
		column int
		want   string
	}{
		{"testsrc ! bogus ! fakesink", 11, `unknown element "bogus": ` + "`gopline elements` lists them"},
		{"testsrc zzz=1 ! fakesink", 9, `unknown property: testsrc has no property "zzz" (it has size, rate, num-frames, is-live, format)`},
		{"testsrc ! fakesink silent=true", 20, `unknown property: fakesink has no property "silent"`},
		{"testsrc ! foo/bar ! fakesink", 14, `unexpected character '/'`},
	} {
		e := parseError(t, c.line)
		if e.Msg != c.want || e.Column() != c.column {
			t.Errorf("%s\n got %s (column %d)\nwant %s (column %d)", c.line, e.Msg, e.Column(), c.want, c.column)
		}
	}
}

// TestEveryHintNamesWhatGoplineHas checks the hint tables against
// gopline's elements: an element hint is for a name gopline does not have
// and names one it has; a property hint is for a property its element does
// not have and names one it has, so that every hint is given and true.
func TestEveryHintNamesWhatGoplineHas(t *testing.T) {
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	hasProp := func(s *pipeline.Spec, name string) bool {
		for _, p := range s.Props {
			if p.Name == name {
				return true
			}
		}
		return false
	}
	els, props := pipeline.HintTables()
	seen := map[string]bool{}
	for _, h := range els {
		name, target := h[0], h[1]
		if seen[name] {
			t.Errorf("element %s has two hints", name)
		}
		seen[name] = true
		if _, err := reg.Lookup(target); err != nil {
			t.Errorf("%s's hint names %s: %v", name, target, err)
		}
		if _, err := reg.Lookup(name); err == nil || strings.Contains(err.Error(), "gopline elements") {
			t.Errorf("%s: no hint: %v", name, err)
		}
	}
	for _, h := range props {
		element, name, target := h[0], h[1], h[2]
		key := element + " " + name
		if seen[key] {
			t.Errorf("%s has two hints", key)
		}
		seen[key] = true
		s, err := reg.Lookup(element)
		if err != nil {
			t.Errorf("a hint for %s: %v", key, err)
			continue
		}
		if hasProp(s, name) {
			t.Errorf("%s is a property: its hint is never given", key)
		}
		if target != "" && !hasProp(s, target) {
			t.Errorf("%s's hint names %s, which %s does not have", key, target, element)
		}
		if _, err := s.ParseProps(map[string]string{name: "1"}); err == nil || strings.Contains(err.Error(), "did you mean") || strings.Contains(err.Error(), "(it has") {
			t.Errorf("%s: no hint: %v", key, err)
		}
	}
}

// A word alone after an element is a property without its value, unless
// it names an element: then a "!" was left out before it.
func TestAnElementsNameAloneSaysAnExclamationMarkIsMissing(t *testing.T) {
	for _, c := range []struct {
		line   string
		column int
		want   string
	}{
		{"testsrc ! h264enc fakesink", 19, `"fakesink" is an element: a "!" is missing before it (... ! fakesink), or write fakesink=VALUE for a property`},
		{"testsrc ! h264enc gopp", 19, `property "gopp" needs a value: write gopp=VALUE`},
	} {
		if e := parseError(t, c.line); e.Msg != c.want || e.Column() != c.column {
			t.Errorf("%s: %q at column %d; want %q at %d", c.line, e.Msg, e.Column(), c.want, c.column)
		}
	}
}
