package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline/syntax"
)

// The line's syntax is gst-launch's, so its users write GStreamer's names
// (and FFmpeg's) out of habit. An unknown name that is one of theirs gets an
// error that names gopline's equivalent. The names are never aliases: a line
// means one thing, and its error teaches gopline's name.

// elementHint says what gopline writes for another tool's element.
type elementHint struct {
	name string // GStreamer's (or FFmpeg's) element
	// target is the element of gopline the hint names; the hint is given
	// only by a registry that has it.
	target string
	hint   string // one clause, after `unknown element "NAME": `
}

const (
	hintH264Enc = "gopline's H.264 encoder is h264enc (libx264)"
	hintH264Dec = "gopline's H.264 decoder is h264dec"
	hintDemux   = "videosrc location=FILE reads, demuxes and decodes a file itself (passthrough=true keeps its H.264)"
	hintViewer  = "gopline shows streams in a browser: end in h264enc ! publish topic=/cam and run with --http 127.0.0.1:8080, or end in fakesink"
	hintMux     = "record path=FILE records the packets into a gopline recording, and gopline export FILE --out clip.mp4 makes an MP4 of it"
	hintPay     = "gopline sends streams on topics: publish topic=/cam, served to other hosts with --listen and to browsers with --http"
	hintCodecs  = "gopline encodes H.264 (h264enc) and JPEG (jpegenc) only"
	hintRTP     = "videosrc location=rtp://IP:PORT receives and depayloads RTP itself, no SDP file needed (the sender: rtph264pay config-interval=-1 ! udpsink host=IP port=PORT); an RTSP camera is videosrc location=rtsp://HOST/PATH"
)

// elementHints are the elements of GStreamer (and a few of FFmpeg's
// encoders) that gopline users come with.
var elementHints = []elementHint{
	// Sources.
	{"videotestsrc", "testsrc", "gopline's test source is testsrc"},
	{"v4l2src", "videosrc", "a V4L2 camera is videosrc location=/dev/video0 input-format=v4l2"},
	{"tcpclientsrc", "videosrc", "videosrc location=tcp://HOST:PORT connects and reads the stream FFmpeg demuxes (MPEG-TS, say)"},
	{"tcpserversrc", "videosrc", "videosrc location=tcp://0.0.0.0:PORT?listen=1 waits for a sender to connect, as tcpserversrc does (the sender: mpegtsmux ! tcpclientsink host=IP port=PORT, or ffmpeg ... -f mpegts tcp://IP:PORT)"},
	{"srtsrc", "videosrc", "videosrc location=srt://HOST:PORT calls an SRT sender that listens; srt://0.0.0.0:PORT?mode=listener waits for a caller (FFmpeg built with SRT, as Debian's is: ffmpeg -protocols lists srt)"},
	{"filesrc", "videosrc", hintDemux},
	{"qtdemux", "videosrc", hintDemux},
	{"matroskademux", "videosrc", hintDemux},
	{"decodebin", "videosrc", "videosrc location=FILE decodes a file itself, and h264dec decodes H.264 packets"},
	{"decodebin3", "videosrc", "videosrc location=FILE decodes a file itself, and h264dec decodes H.264 packets"},
	{"uridecodebin", "videosrc", "videosrc location=PATH-OR-URL (a file, rtsp://, http://) reads and decodes it"},
	{"uridecodebin3", "videosrc", "videosrc location=PATH-OR-URL (a file, rtsp://, http://) reads and decodes it"},
	{"playbin", "videosrc", "videosrc location=PATH-OR-URL (a file, rtsp://, http://) reads and decodes it"},
	{"rtspsrc", "videosrc", "a network camera is videosrc location=rtsp://HOST/PATH, which reconnects by itself"},
	{"souphttpsrc", "videosrc", "videosrc location=http://... reads a stream over HTTP"},
	{"udpsrc", "videosrc", hintRTP},
	{"rtph264depay", "videosrc", hintRTP},
	{"rtph265depay", "videosrc", "videosrc location=rtp://IP:PORT encoding=H265 receives RTP itself (the sender: rtph265pay config-interval=-1 ! udpsink host=IP port=PORT)"},
	{"rtpjpegdepay", "videosrc", "videosrc location=rtp://IP:PORT encoding=JPEG receives RTP itself (the sender: rtpjpegpay ! udpsink host=IP port=PORT)"},
	// Encoders and decoders.
	{"x264enc", "h264enc", hintH264Enc},
	{"openh264enc", "h264enc", hintH264Enc},
	{"nvh264enc", "h264enc", hintH264Enc},
	{"nvv4l2h264enc", "h264enc", hintH264Enc},
	{"vaapih264enc", "h264enc", hintH264Enc},
	{"vah264enc", "h264enc", hintH264Enc},
	{"qsvh264enc", "h264enc", hintH264Enc},
	{"v4l2h264enc", "h264enc", hintH264Enc},
	{"avenc_h264", "h264enc", hintH264Enc},
	{"libx264", "h264enc", hintH264Enc},
	{"h264_nvenc", "h264enc", hintH264Enc},
	{"h264_vaapi", "h264enc", hintH264Enc},
	{"h264_qsv", "h264enc", hintH264Enc},
	{"h264_v4l2m2m", "h264enc", hintH264Enc},
	{"avdec_h264", "h264dec", hintH264Dec},
	{"openh264dec", "h264dec", hintH264Dec},
	{"nvh264dec", "h264dec", hintH264Dec},
	{"vaapih264dec", "h264dec", hintH264Dec},
	{"vah264dec", "h264dec", hintH264Dec},
	{"v4l2h264dec", "h264dec", hintH264Dec},
	{"h264", "h264enc", "h264enc encodes H.264 and h264dec decodes it"},
	{"mjpeg", "jpegenc", "jpegenc encodes JPEG and jpegdec decodes it"},
	{"avenc_mjpeg", "jpegenc", "gopline's JPEG encoder is jpegenc"},
	{"avdec_mjpeg", "jpegdec", "gopline's JPEG decoder is jpegdec"},
	{"x265enc", "h264enc", hintCodecs},
	{"vp8enc", "h264enc", hintCodecs},
	{"vp9enc", "h264enc", hintCodecs},
	{"av1enc", "h264enc", hintCodecs},
	// What gopline does without an element.
	{"h264parse", "h264enc", "gopline needs no parser: its H.264 packets are whole access units, SPS and PPS in front of every IDR"},
	{"capsfilter", "testsrc", "gopline has no caps filters: set size= and format= on the source (and rate= on testsrc)"},
	{"videoconvert", "testsrc", "gopline has no converter: the element that makes frames gives the pixel format its format= names (testsrc, videosrc, h264dec, jpegdec)"},
	{"autovideoconvert", "testsrc", "gopline has no converter: the element that makes frames gives the pixel format its format= names (testsrc, videosrc, h264dec, jpegdec)"},
	{"videoscale", "videosrc", "gopline scales at the source: size=WIDTHxHEIGHT on testsrc or videosrc"},
	{"videorate", "testsrc", "gopline converts no frame rates: testsrc takes rate=N, and videosrc a camera's as options=framerate=N"},
	{"queue2", "queue", "gopline's thread boundary is queue"},
	{"multiqueue", "queue", "gopline's thread boundary is queue"},
	// Sinks.
	{"autovideosink", "publish", hintViewer},
	{"xvimagesink", "publish", hintViewer},
	{"ximagesink", "publish", hintViewer},
	{"glimagesink", "publish", hintViewer},
	{"waylandsink", "publish", hintViewer},
	{"kmssink", "publish", hintViewer},
	{"nveglglessink", "publish", hintViewer},
	{"fakevideosink", "fakesink", "gopline's is fakesink"},
	{"fpsdisplaysink", "stats", "stats logs the rate, bitrate and age of what it takes"},
	{"filesink", "record", hintMux},
	{"mp4mux", "record", hintMux},
	{"qtmux", "record", hintMux},
	{"matroskamux", "record", hintMux},
	{"splitmuxsink", "record", hintMux},
	{"multifilesink", "snapshot", "snapshot dir=DIR writes frames as PNG or JPEG files (every=N: one in N)"},
	{"pngenc", "snapshot", "snapshot writes frames as PNG files (format=png, every=N: one in N)"},
	{"rtph264pay", "publish", hintPay},
	{"rtpjpegpay", "publish", hintPay},
	{"udpsink", "publish", hintPay},
	{"tcpserversink", "publish", hintPay},
	{"rtspclientsink", "publish", hintPay},
	{"webrtcbin", "publish", hintPay},
	{"webrtcsink", "publish", hintPay},
	{"whipsink", "publish", hintPay},
}

// propertyHint says what an element of gopline takes for another tool's
// property.
type propertyHint struct {
	element string // gopline's element
	name    string // GStreamer's (or FFmpeg's) property
	// target is the property of element the hint names, "" for none; the
	// hint is given only when element has it.
	target string
	hint   string // one clause, after `ELEMENT has no property "NAME": `
}

const (
	hintGOP          = "write gop=N, the frames from one IDR to the next"
	hintRateControl  = "h264enc's rate control is crf=N (constant quality, 0..51, lower is better) or bitrate=N (bit/s)"
	hintNoBFrames    = "h264enc never makes B-frames: it is tuned for live streams (zerolatency)"
	hintSinkNoClock  = "gopline's sinks never wait for a clock: a live source (is-live=true) paces the stream"
	hintQueueByItems = "a queue holds items: max-size-buffers=N"
)

// propertyHints are the properties of GStreamer's elements (and a few of
// FFmpeg's options) on the gopline element that does their work.
var propertyHints = []propertyHint{
	{"testsrc", "num-buffers", "num-frames", "write num-frames=N"},
	{"testsrc", "pattern", "", "testsrc draws one pattern (ramps, colour bars, a bouncing box, the frame number)"},
	{"testsrc", "width", "size", "write size=WIDTHxHEIGHT"},
	{"testsrc", "height", "size", "write size=WIDTHxHEIGHT"},
	{"testsrc", "framerate", "rate", "write rate=N (frames per second)"},
	{"videosrc", "device", "location", "a camera is location=/dev/video0 input-format=v4l2"},
	{"videosrc", "uri", "location", "write location= (a file path, a device or a URL)"},
	{"videosrc", "num-buffers", "", "videosrc reads to the end of its input; gopline run --duration stops sooner"},
	{"videosrc", "protocols", "options", "RTSP over TCP is options=rtsp_transport=tcp"},
	{"videosrc", "framerate", "options", "a camera's frame rate is options=framerate=N"},
	{"videosrc", "width", "size", "write size=WIDTHxHEIGHT to scale the frames (a camera's own size is options=video_size=WIDTHxHEIGHT)"},
	{"videosrc", "height", "size", "write size=WIDTHxHEIGHT to scale the frames (a camera's own size is options=video_size=WIDTHxHEIGHT)"},
	{"h264enc", "speed-preset", "preset", "write preset=NAME, with x264's names (veryfast, medium, ...)"},
	{"h264enc", "key-int-max", "gop", hintGOP},
	{"h264enc", "keyint", "gop", hintGOP},
	{"h264enc", "gop-size", "gop", hintGOP},
	{"h264enc", "g", "gop", hintGOP},
	{"h264enc", "bframes", "", hintNoBFrames},
	{"h264enc", "b-frames", "", hintNoBFrames},
	{"h264enc", "bf", "", hintNoBFrames},
	{"h264enc", "quantizer", "crf", hintRateControl},
	{"h264enc", "qp", "crf", hintRateControl},
	{"h264enc", "pass", "crf", hintRateControl},
	{"h264enc", "b", "bitrate", "write bitrate=N in bit/s: 2000000, or 2M as FFmpeg's -b:v takes it"},
	{"h264dec", "max-threads", "threads", "write threads=N"},
	{"h264dec", "output-corrupt", "conceal", "write conceal=true to hand on damaged pictures, concealed"},
	{"jpegenc", "quality", "qscale", "write qscale=N, FFmpeg's quantiser scale: 2 is best, 31 worst"},
	{"record", "location", "path", "write path=FILE"},
	{"snapshot", "location", "dir", "write dir=DIR; the files are DIR/NODE-SEQ.png (or .jpeg)"},
	{"queue", "max-size-time", "max-size-buffers", hintQueueByItems},
	{"queue", "max-size-bytes", "max-size-buffers", hintQueueByItems},
	{"queue", "leaky", "", "a queue never drops: a live source drops the frames that fall due while the queue is full"},
	{"fakesink", "sync", "", hintSinkNoClock},
	{"fakesink", "async", "", hintSinkNoClock},
}

// elementHint returns the hint for an element name the registry does not
// have, or "".
func (r *Registry) elementHint(name string) string {
	for _, h := range elementHints {
		if h.name == name {
			if _, ok := r.specs[h.target]; ok {
				return h.hint
			}
		}
	}
	return ""
}

// propertyHint returns the hint for a property name s does not have, or "".
func (s *Spec) propertyHint(name string) string {
	for _, h := range propertyHints {
		if h.element == s.Name && h.name == name && (h.target == "" || s.prop(h.target) != nil) {
			return h.hint
		}
	}
	return ""
}

// explainBareWord gives the Error of a word the syntax took for a
// property without its value the likelier reading when the word is an
// element's name: a "!" left out before it (testsrc ! h264enc fakesink).
// Any other error is returned as is.
func (r *Registry) explainBareWord(err *syntax.Error) *syntax.Error {
	if r == nil || !strings.HasPrefix(err.Msg, "property ") || !strings.Contains(err.Msg, "needs a value") {
		return err
	}
	word := err.Line[err.Pos.Offset:err.Pos.End()]
	if _, ok := r.specs[word]; !ok {
		return err
	}
	e := syntax.Errorf(err.Line, err.Pos, "%s is an element: a \"!\" is missing before it (... ! %s), or write %s=VALUE for a property", syntax.Quote(word), word, word)
	e.Err = err.Err
	return e
}

// mismatchHint says what joins an output of element type from, out, to
// an input of element type to, in, that cannot take it: an encoder
// between raw frames and packets, a decoder between packets and frames;
// videosrc's passthrough=true, or no decoder after it, which decodes by
// itself, as GStreamer's decodebin does. "" when it knows nothing to say.
func mismatchHint(from string, out Caps, to string, in Caps) string {
	switch {
	case out.Kind == KindFrame && in.Kind == KindPacket && from == "videosrc" && strings.HasSuffix(to, "dec"):
		return fmt.Sprintf("; videosrc decodes by itself: drop %s, or set passthrough=true to hand on the packets it reads", to)
	case out.Kind == KindFrame && in.Kind == KindPacket && from == "videosrc":
		return "; put an encoder between them (! h264enc !), or set videosrc passthrough=true to hand on the H.264 it reads"
	case out.Kind == KindFrame && in.Kind == KindPacket && in.Codec == media.JPEG:
		return "; put an encoder between them (! jpegenc !)"
	case out.Kind == KindFrame && in.Kind == KindPacket:
		return "; put an encoder between them (! h264enc !)"
	case out.Kind == KindPacket && in.Kind == KindFrame && out.Codec == media.JPEG:
		return "; put a decoder between them (! jpegdec !)"
	case out.Kind == KindPacket && in.Kind == KindFrame:
		return "; put a decoder between them (! h264dec !)"
	}
	return ""
}

// explainCaps gives the Error for caps written in a line (syntax.ErrCaps)
// the properties that set them: raw video's width, height, framerate and
// format as size=, rate= and format=. Any other error is returned as is.
func explainCaps(err *syntax.Error) *syntax.Error {
	caps := err.Caps()
	if caps == "" {
		return err
	}
	fields := strings.Split(caps, ",")
	media, _, _ := strings.Cut(strings.TrimSpace(fields[0]), "(") // video/x-raw(memory:NVMM)
	typ, location := capsSource(err.Line, err.Pos.Offset)
	camera := typ == "videosrc" && strings.HasPrefix(location, "/dev/")
	var msg string
	switch {
	case media == "video/x-raw" && camera:
		msg = "a camera's mode is set by videosrc's options"
		if opts := cameraOptions("", fields[1:]); opts != "" {
			msg += ", here " + opts + " (size= would scale its frames, not set its mode)"
		} else {
			msg += ": options=video_size=WIDTHxHEIGHT,framerate=N (size= would scale its frames, not set its mode)"
		}
	case media == "video/x-raw" && typ == "videosrc":
		msg = "videosrc's size=WIDTHxHEIGHT scales its frames; a file or stream keeps its own frame rate (is-live=true plays a file at it)"
	case media == "video/x-raw":
		msg = "gopline sets them as properties of the source"
		if props := rawCapsProps(fields[1:]); props != "" {
			msg += ", here " + props
		} else {
			msg += ": size= and format= (and rate= on testsrc)"
		}
	case media == "image/jpeg" && camera:
		msg = "a camera's JPEG mode is set by videosrc's options, here " + cameraOptions("mjpeg", fields[1:]) +
			": videosrc decodes its pictures (no jpegdec after it), or hands them on as JPEG with passthrough=true"
	case media == "video/x-h264" && typ == "h264enc":
		msg = "gopline needs none: h264enc gives H.264 access units, SPS and PPS in front of every IDR, and a link checks that its two sides match"
	case media == "image/jpeg" && typ == "jpegenc":
		msg = "gopline needs none: jpegenc gives JPEG pictures, and a link checks that its two sides match"
	case media == "video/x-h264" || media == "image/jpeg":
		msg = "gopline needs none: each element says what it gives, and a link checks that its two sides match"
	default:
		if strings.HasPrefix(media, "audio/") {
			msg = "gopline carries video only (H.264, JPEG and raw frames)"
		} else {
			return err
		}
	}
	e := syntax.Errorf(err.Line, err.Pos, "GStreamer caps in a line: %s", msg)
	e.Err = err.Err
	return e
}

// capsSource returns the type of the element that the caps at offset of
// line follow, and its location= when it has one; "" when none does.
func capsSource(line string, offset int) (typ, location string) {
	before := strings.TrimRight(line[:min(max(offset, 0), len(line))], " \t\"'")
	before = strings.TrimSuffix(before, "!")
	if i := strings.LastIndex(before, "!"); i >= 0 {
		before = before[i+1:]
	}
	fields := strings.Fields(before)
	if len(fields) == 0 {
		return "", ""
	}
	for _, f := range fields[1:] {
		if v, ok := strings.CutPrefix(f, "location="); ok {
			location = strings.Trim(v, `"'`)
		}
	}
	return fields[0], location
}

// cameraOptions writes the fields of caps that set a camera's mode as
// videosrc's options= (FFmpeg's V4L2 options), with input_format=format
// when format is not ""; "" when there are none.
func cameraOptions(format string, fields []string) string {
	values := capsValues(fields)
	var opts []string
	if format != "" {
		opts = append(opts, "input_format="+format)
	}
	w, errW := strconv.Atoi(values["width"])
	h, errH := strconv.Atoi(values["height"])
	if errW == nil && errH == nil && w > 0 && h > 0 {
		opts = append(opts, fmt.Sprintf("video_size=%dx%d", w, h))
	}
	if rate := capsRate(values["framerate"]); rate != "" {
		opts = append(opts, "framerate="+rate)
	}
	if len(opts) == 0 {
		return ""
	}
	return "options=" + strings.Join(opts, ",")
}

// capsValues are the key=value fields of caps, their types taken off
// (width=(int)640 is 640).
func capsValues(fields []string) map[string]string {
	values := map[string]string{}
	for _, f := range fields {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			continue
		}
		if _, typed, ok := strings.Cut(v, ")"); ok && strings.HasPrefix(v, "(") {
			v = typed // width=(int)640
		}
		values[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return values
}

// capsRate is a caps framerate (30/1, 30000/1001) as frames per second
// (30, 29.97); "" when it is none.
func capsRate(framerate string) string {
	num, den, ok := strings.Cut(framerate, "/")
	n, errN := strconv.Atoi(num)
	d, errD := strconv.Atoi(den)
	if !ok || errN != nil || errD != nil || n <= 0 || d <= 0 {
		return ""
	}
	return strconv.FormatFloat(float64(n)/float64(d), 'g', 4, 64)
}

// rawCapsProps writes the fields of raw video caps that gopline's sources
// take as properties, e.g. size=640x480 rate=30 format=yuv420p; "" when none.
func rawCapsProps(fields []string) string {
	values := capsValues(fields)
	var props []string
	w, errW := strconv.Atoi(values["width"])
	h, errH := strconv.Atoi(values["height"])
	if errW == nil && errH == nil && w > 0 && h > 0 {
		props = append(props, fmt.Sprintf("size=%dx%d", w, h))
	}
	camera := ""
	if rate := capsRate(values["framerate"]); rate != "" {
		props = append(props, "rate="+rate)
		camera = " (a camera's rate is videosrc options=framerate=" + rate + ")"
	}
	if f, ok := pixelFormatSynonyms[values["format"]]; ok {
		props = append(props, "format="+f)
	}
	return strings.Join(props, " ") + camera
}
