package actors

import (
	"fmt"
	"net"
	"strings"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

var formatProp = pipeline.PropSpec{Name: "format", Type: pipeline.Enum, Default: "yuv420p",
	Choices: []string{"yuv420p", "rgb24", "gray8"}, Doc: "pixel format of the frames"}

func pixelFormat(p pipeline.Props) media.PixelFormat {
	f, _ := media.ParsePixelFormat(p.String("format"))
	return f
}

var replayProp = pipeline.PropSpec{Name: "replay", Type: pipeline.Enum, Default: "latest",
	Choices: []string{"latest", "all"}, Doc: "pictures of a replayed GOP to emit: the newest only, or all"}

func replayView(p pipeline.Props) qos.ReplayView {
	v, _ := qos.ParseReplayView(p.String("replay"))
	return v
}

// qosRequestProp is the QoS request of a subscriber; "auto" takes the
// topic's offer. qosRequest also reads a publisher's offer, where "auto" is
// the node's default.
var qosRequestProp = pipeline.PropSpec{Name: "qos", Type: pipeline.String, Default: "auto",
	Doc: "QoS requested: auto (what the topic offers), a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. transient_local,reliable"}

func qosRequest(p pipeline.Props) (*qos.Profile, error) {
	if p.String("qos") == "auto" {
		return nil, nil
	}
	prof, err := qos.ParseProfile(p.String("qos"))
	if err != nil {
		return nil, err
	}
	return &prof, nil
}

// Registry returns a registry of gopline's elements, for the one-line
// syntax (pipeline.Parse) and `gopline elements`. Its error can only come
// from a mistake in the specs below, which the tests would catch.
func Registry() (*pipeline.Registry, error) {
	r := pipeline.NewRegistry()
	for _, s := range specs() {
		if err := r.Register(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func specs() []pipeline.Spec {
	return []pipeline.Spec{
		{
			Name: "testsrc", Summary: "moving test pattern with the frame number burned in", Out: "raw frames",
			Doc: "A deterministic moving picture (ramps, colour bars, a bouncing box, fine detail) with the frame number as digits and as a machine-readable code. Live (the default) paces frames at rate in real time like a camera; otherwise they go out as fast as the pipeline takes them.",
			Props: []pipeline.PropSpec{
				{Name: "size", Type: pipeline.Size, Default: "640x480", Doc: "picture size WIDTHxHEIGHT"},
				{Name: "rate", Type: pipeline.Float, Default: "30", Min: 0.1, Max: 1000, Doc: "frames per second"},
				{Name: "num-frames", Type: pipeline.Int, Default: "-1", Min: -1, Max: 1 << 40, Doc: "frames to produce, -1 for no end"},
				{Name: "is-live", Type: pipeline.Bool, Default: "true", Doc: "pace frames in real time"},
				formatProp,
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				w, h := p.Size("size")
				return TestSrc(TestSrcConfig{Width: w, Height: h, Rate: p.Float("rate"), Frames: p.Int("num-frames"),
					Live: p.Bool("is-live"), Format: pixelFormat(p)}), nil
			},
		},
		{
			Name: "videosrc", Summary: "video file, V4L2 camera or network stream through FFmpeg", Out: "raw frames, or h264 or jpeg packets with passthrough=true",
			Doc: "Reads anything FFmpeg opens: a file, a camera (location=/dev/video0 input-format=v4l2) or a URL (rtsp://...). It decodes to frames, or with passthrough=true hands on the stream's own H.264 access units without re-encoding, SPS and PPS in front of every IDR (or an MJPEG stream's JPEG pictures).",
			Props: []pipeline.PropSpec{
				{Name: "location", Type: pipeline.String, Required: true, Doc: "file path, device or URL"},
				{Name: "passthrough", Type: pipeline.Bool, Default: "false", Doc: "hand on H.264 (or MJPEG's JPEG) packets instead of decoding"},
				{Name: "size", Type: pipeline.Size, Doc: "scale decoded frames to WIDTHxHEIGHT (default: the stream's size)"},
				formatProp,
				{Name: "input-format", Type: pipeline.String, Doc: "FFmpeg demuxer or device, e.g. v4l2 (default: probe)"},
				{Name: "options", Type: pipeline.String, Doc: "demuxer or device options key=value,key=value (e.g. video_size=1280x720,framerate=30)"},
				{Name: "is-live", Type: pipeline.Bool, Default: "false", Doc: "pace a file at its own frame rate"},
				rateProp,
				{Name: "timeout", Type: pipeline.Duration, Default: ffmpeg.DefaultIOTimeout.String(), Doc: "a network stream that sends nothing for this long fails (0s: wait for ever)"},
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				opts, err := keyValues(p.String("options"))
				if err != nil {
					return pipeline.Element{}, err
				}
				w, h := p.Size("size")
				timeout := p.Duration("timeout")
				if timeout == 0 {
					timeout = -1 // wait for ever
				}
				return VideoSrc(VideoSrcConfig{Location: p.String("location"), InputFormat: p.String("input-format"), InputOptions: opts,
					Passthrough: p.Bool("passthrough"), Width: w, Height: h, Format: pixelFormat(p), Live: p.Bool("is-live"), IOTimeout: timeout, Rate: p.Float("rate")}), nil
			},
		},
		{
			Name: "h264enc", Summary: "H.264 encoder (libx264), one access unit per frame", In: "raw frames", Out: "h264 packets",
			Doc: "libx264 tuned for live streams: zero latency, no B-frames, an IDR every gop frames with SPS and PPS in front, and an IDR at once when a keyframe request comes from downstream. Quality by crf, or an average bitrate (bit/s).",
			Props: []pipeline.PropSpec{
				{Name: "gop", Type: pipeline.Int, Default: "30", Min: 1, Max: 300, Doc: "frames from one IDR to the next"},
				{Name: "preset", Type: pipeline.Enum, Default: "veryfast", Choices: []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"}, Doc: "speed against compression"},
				{Name: "tune", Type: pipeline.Enum, Default: "zerolatency", Choices: []string{"zerolatency", "film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode"}, Doc: "added to zerolatency, which is always on"},
				{Name: "crf", Type: pipeline.Int, Default: "23", Min: 0, Max: 51, Doc: "constant quality, lower is better; 0 is lossless"},
				{Name: "bitrate", Type: pipeline.Int, Default: "0", Min: 0, Max: 1e9, Doc: "average bit/s instead of crf (0: use crf)"},
				{Name: "threads", Type: pipeline.Int, Default: "0", Min: 0, Max: 64, Doc: "encoder threads, 0 for automatic"},
				{Name: "rate", Type: pipeline.Int, Default: "30", Min: 1, Max: 1000, Doc: "nominal frames per second, for rate control"},
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				return H264Enc(H264EncConfig{GOP: p.Int("gop"), Preset: p.String("preset"), Tune: p.String("tune"), CRF: p.Int("crf"),
					Lossless: p.Int("crf") == 0, Bitrate: int64(p.Int("bitrate")), Threads: p.Int("threads"), Rate: p.Int("rate")}), nil
			},
		},
		{
			Name: "jpegenc", Summary: "JPEG encoder (FFmpeg MJPEG)", In: "raw frames", Out: "jpeg packets",
			Doc:   "Baseline JPEG, every picture a keyframe. qscale is FFmpeg's quantiser scale: 2 is best and largest, 31 worst and smallest.",
			Props: []pipeline.PropSpec{{Name: "qscale", Type: pipeline.Int, Default: "4", Min: 2, Max: 31, Doc: "quantiser scale"}},
			Make:  func(p pipeline.Props) (pipeline.Element, error) { return JPEGEnc(p.Int("qscale")), nil },
		},
		{
			Name: "h264dec", Summary: "strict H.264 decoder (FFmpeg)", In: "h264 packets", Out: "raw frames",
			Doc:   "Decodes H.264. A damaged packet is a warning and counted as an error, never shown as a smeared picture unless conceal=true; the decoder then drops deltas until the next keyframe and asks upstream for one (a gate in front answers with its own break). Of a GOP a durable topic replays to a late subscriber it shows only the newest picture (replay=latest), or every one (replay=all).",
			Props: []pipeline.PropSpec{formatProp, replayProp, concealProp},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				return H264DecWith(DecoderConfig{Format: pixelFormat(p), Replay: replayView(p), Conceal: p.Bool("conceal")}), nil
			},
		},
		{
			Name: "jpegdec", Summary: "JPEG decoder (pure Go)", In: "jpeg packets", Out: "raw frames",
			Doc:   "Decodes JPEG with gopline's memory-safe Go decoder; damaged pictures are counted as errors.",
			Props: []pipeline.PropSpec{formatProp, replayProp},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				return JPEGDecWith(DecoderConfig{Format: pixelFormat(p), Replay: replayView(p)}), nil
			},
		},
		{
			Name: "gate", Summary: "GOP gate: passes only decodable packets", In: "packets", Out: "packets",
			Doc:  "Passes a delta only when its whole chain since its keyframe passed. A hole in Seq, a new encoder epoch or a delta before any keyframe makes it drop until the next keyframe and ask upstream for one (at most every 300 ms). Drops are counted by reason.",
			Make: func(pipeline.Props) (pipeline.Element, error) { return Gate(), nil },
		},
		{
			Name: "publish", Summary: "publish packets on a topic", In: "packets",
			Doc: "Publishes on a topic of the process. Never waits for subscribers; each has its own queue, dropped GOP-aware when full. Keyframe requests from the topic go upstream to the encoder. The first publisher's qos sets the topic's: a durable one (the default) keeps the latest GOP and replays it, keyframe first, to subscribers that join late.",
			Props: []pipeline.PropSpec{
				{Name: "topic", Type: pipeline.String, Required: true, Doc: "topic name, e.g. /camera/front"},
				{Name: "qos", Type: pipeline.String, Default: "auto", Doc: "QoS offered: auto (the node's default: durable_video unless gopline run --qos says otherwise), a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. transient_local,reliable,keep_last=2,deadline=100ms"},
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				if err := transport.ValidateTopicName(p.String("topic")); err != nil {
					return pipeline.Element{}, err
				}
				offer, err := qosRequest(p)
				if err != nil {
					return pipeline.Element{}, err
				}
				return PublishWith(PublishConfig{Topic: p.String("topic"), QoS: offer}), nil
			},
		},
		{
			Name: "subscribe", Summary: "receive a topic's packets", Out: "packets",
			Doc: "Subscribes to a topic of the process. On a durable topic the cached GOP comes first, keyframe first and marked as replayed, then the live packets, with no gap. window is the queue at the topic: when the pipeline behind falls that far behind, the rest of the GOP is dropped and delivery resumes at a keyframe, so the stream stays decodable. A qos request the topic does not meet is an error naming both profiles. Ends when the topic's last publisher leaves.",
			Props: []pipeline.PropSpec{
				{Name: "topic", Type: pipeline.String, Required: true, Doc: "topic name, e.g. /camera/front"},
				{Name: "window", Type: pipeline.Int, Default: fmt.Sprint(transport.DefaultWindow), Min: 1, Max: 1024, Doc: "packets in flight before GOP-aware dropping"},
				qosRequestProp,
				{Name: "remote", Type: pipeline.String, Doc: "host:port of another gopline node whose topic to subscribe to (empty: this process's topic)"},
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				if err := transport.ValidateTopicName(p.String("topic")); err != nil {
					return pipeline.Element{}, err
				}
				req, err := qosRequest(p)
				if err != nil {
					return pipeline.Element{}, err
				}
				if r := p.String("remote"); r != "" {
					if _, _, err := net.SplitHostPort(r); err != nil {
						return pipeline.Element{}, fmt.Errorf("remote %q: want host:port", r)
					}
				}
				return SubscribeWith(SubscribeConfig{Topic: p.String("topic"), Window: p.Int("window"), QoS: req, Remote: p.String("remote")}), nil
			},
		},
		{
			Name: "record", Summary: "record packets into a gopline recording (bbolt)", In: "packets, or nothing with topics=",
			Doc: "Records the topics it subscribes to (topics=/a,/b), each as a stream named after its topic, or its input as stream=NAME. Commits in groups; a recorder slower than its topics drops whole GOPs at the topic, counted, and never holds the topic back. The file is created, or appended to.",
			Props: []pipeline.PropSpec{
				{Name: "path", Type: pipeline.String, Required: true, Doc: "recording file"},
				{Name: "topics", Type: pipeline.String, Doc: "topics to subscribe to and record, comma-separated"},
				{Name: "stream", Type: pipeline.String, Default: "/input", Doc: "stream name for the input when no topics are given"},
				{Name: "window", Type: pipeline.Int, Default: fmt.Sprint(transport.DefaultWindow), Min: 1, Max: 1024, Doc: "packets in flight per topic before GOP-aware dropping"},
				{Name: "flush", Type: pipeline.Duration, Default: DefaultFlushInterval.String(), Doc: "commit at least this often"},
				{Name: "sync", Type: pipeline.Enum, Default: "every-commit", Choices: []string{"every-commit", "none"}, Doc: "fsync every group commit, or leave it to the OS"},
				{Name: "max-bytes", Type: pipeline.Int, Default: "0", Min: 0, Max: 1 << 50, Doc: "retention: payload bytes to keep, whole GOPs (0: all)"},
				{Name: "max-age", Type: pipeline.Duration, Default: "0s", Doc: "retention: age to keep, whole GOPs (0: all)"},
				qosRequestProp,
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				cfg := RecordConfig{Path: p.String("path"), Stream: p.String("stream"), Window: p.Int("window"),
					FlushInterval: p.Duration("flush"), MaxBytes: int64(p.Int("max-bytes")), MaxAge: p.Duration("max-age")}
				req, err := qosRequest(p)
				if err != nil {
					return pipeline.Element{}, err
				}
				cfg.QoS = req
				if p.String("sync") == "none" {
					cfg.Sync = storage.SyncNone
				}
				if t := p.String("topics"); t != "" {
					cfg.Topics = strings.Split(t, ",")
					for _, topic := range cfg.Topics {
						if err := transport.ValidateTopicName(topic); err != nil {
							return pipeline.Element{}, err
						}
					}
				}
				return Record(cfg), nil
			},
		},
		{
			Name: "play", Summary: "play a stream of a recording as packets", Out: "packets of the stream's codec",
			Doc: "Plays a recorded stream at its recorded pace (is-live=true) times rate, or as fast as the pipeline takes it. Starts at the keyframe at or before start. Each pass is a new encoder epoch with Seq from 0, so receivers treat it as a fresh stream.",
			Props: []pipeline.PropSpec{
				{Name: "path", Type: pipeline.String, Required: true, Doc: "recording file"},
				{Name: "stream", Type: pipeline.String, Doc: "stream to play (default: the only one)"},
				{Name: "rate", Type: pipeline.Float, Default: "1", Min: 0.01, Max: 1000, Doc: "speed factor"},
				{Name: "start", Type: pipeline.Duration, Default: "0s", Doc: "offset from the stream's start"},
				{Name: "loop", Type: pipeline.Bool, Default: "false", Doc: "start again at the end"},
				{Name: "is-live", Type: pipeline.Bool, Default: "true", Doc: "pace packets as recorded"},
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				return Play(PlayConfig{Path: p.String("path"), Stream: p.String("stream"), Rate: p.Float("rate"),
					Start: p.Duration("start"), Loop: p.Bool("loop"), Live: p.Bool("is-live")})
			},
		},
		{
			Name: "tee", Summary: "branch point: hands everything on", In: "anything", Out: "the same",
			Doc:  "Name it (tee name=t) and start other chains from it (t. ! ...). Branches share the stream; the slowest sets the pace, so put a topic between a live source and a slow consumer.",
			Make: func(pipeline.Props) (pipeline.Element, error) { return Tee(), nil },
		},
		{
			Name: "fakesink", Summary: "takes anything and drops it", In: "anything",
			Make: func(pipeline.Props) (pipeline.Element, error) { return FakeSink(), nil },
		},
		{
			Name: "stats", Summary: "logs rate, bitrate and age", In: "anything",
			Props: []pipeline.PropSpec{{Name: "interval", Type: pipeline.Duration, Default: "1s", Doc: "how often to log"}},
			Make:  func(p pipeline.Props) (pipeline.Element, error) { return Stats(p.Duration("interval")), nil },
		},
		{
			Name: "snapshot", Summary: "writes every Nth frame as PNG or JPEG", In: "raw frames",
			Doc: "Writes DIR/NODE-SEQ.png (or .jpeg), creating DIR.",
			Props: []pipeline.PropSpec{
				{Name: "dir", Type: pipeline.String, Default: "snapshots", Doc: "output directory"},
				{Name: "every", Type: pipeline.Int, Default: "30", Min: 1, Max: 1 << 30, Doc: "write one frame in every N"},
				{Name: "format", Type: pipeline.Enum, Default: "png", Choices: []string{"png", "jpeg"}, Doc: "file format"},
			},
			Make: func(p pipeline.Props) (pipeline.Element, error) {
				return Snapshot(SnapshotConfig{Dir: p.String("dir"), Every: p.Int("every"), Format: p.String("format")}), nil
			},
		},
	}
}

// keyValues parses "k=v,k=v".
func keyValues(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("options: %q is not key=value", kv)
		}
		out[k] = v
	}
	return out, nil
}
