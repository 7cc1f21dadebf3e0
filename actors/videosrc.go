package actors

import (
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// VideoSrcConfig configures a video source.
type VideoSrcConfig struct {
	// Location is a file path, a device (/dev/video0 with InputFormat
	// "v4l2") or a URL (rtsp://...).
	Location    string
	InputFormat string
	// InputOptions are demuxer or device options (video_size, framerate...).
	InputOptions map[string]string
	// Passthrough hands out the stream's own H.264 access units, or the
	// JPEG pictures of an MJPEG stream, as packets instead of decoded
	// frames. Other codecs fail to open.
	Passthrough bool
	// Width and Height scale decoded frames (0: the stream's size).
	Width, Height int
	// Format is the frames' pixel format; the zero value means YUV420P.
	Format media.PixelFormat
	// Live paces a file at its own frame rate; cameras and network streams
	// pace themselves.
	Live bool
	// Rate is the frame rate of a raw H.264 file whose SPS states none
	// (0: ffmpeg.AssumedFrameRate, as ffprobe assumes).
	Rate float64
	// IOTimeout bounds how long a read from a network URL waits for data
	// before the stream fails (0: ffmpeg.DefaultIOTimeout, negative: no
	// bound).
	IOTimeout time.Duration
}

// rateProp is videosrc's choice of VideoSrcConfig.Rate.
var rateProp = pipeline.PropSpec{Name: "rate", Type: pipeline.Float, Default: "25", Min: 0.001, Max: 1000,
	Doc: "frame rate of a raw H.264 file whose SPS states none (others keep their own)"}

// VideoSrc is a source of anything FFmpeg reads: decoded frames, or H.264
// or JPEG packets untouched in passthrough mode.
func VideoSrc(cfg VideoSrcConfig) pipeline.Element {
	if cfg.Format == media.PixelFormatUnknown {
		cfg.Format = media.YUV420P
	}
	if cfg.Passthrough {
		// H.264, or JPEG of an MJPEG stream
		return pipeline.SourceElement("videosrc", pipeline.Packets(media.CodecUnknown), func() (pipeline.Source[*media.Packet], error) {
			r, err := openVideo(cfg)
			if err != nil {
				return nil, err
			}
			return &videoSrc[*media.Packet]{cfg: cfg, r: r, read: (*ffmpeg.Reader).ReadPacket}, nil
		})
	}
	return pipeline.SourceElement("videosrc", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) {
		r, err := openVideo(cfg)
		if err != nil {
			return nil, err
		}
		return &videoSrc[*media.Frame]{cfg: cfg, r: r, read: (*ffmpeg.Reader).ReadFrame}, nil
	})
}

// openVideo opens the reader of a video source.
func openVideo(cfg VideoSrcConfig) (*ffmpeg.Reader, error) {
	opts := []ffmpeg.ReaderOption{ffmpeg.WithPixelFormat(cfg.Format)}
	if cfg.InputFormat != "" {
		opts = append(opts, ffmpeg.WithInputFormat(cfg.InputFormat))
	}
	if len(cfg.InputOptions) > 0 {
		opts = append(opts, ffmpeg.WithInputOptions(cfg.InputOptions))
	}
	if cfg.Width > 0 && cfg.Height > 0 {
		opts = append(opts, ffmpeg.WithSize(cfg.Width, cfg.Height))
	}
	if cfg.Passthrough {
		opts = append(opts, ffmpeg.WithPassthrough())
	}
	if cfg.Rate > 0 {
		opts = append(opts, ffmpeg.WithAssumedFrameRate(cfg.Rate))
	}
	switch {
	case cfg.IOTimeout > 0:
		opts = append(opts, ffmpeg.WithIOTimeout(cfg.IOTimeout))
	case cfg.IOTimeout < 0:
		opts = append(opts, ffmpeg.WithIOTimeout(0))
	}
	return ffmpeg.OpenReader(cfg.Location, opts...)
}

// videoSrc reads frames or, in passthrough mode, packets.
type videoSrc[T interface {
	*media.Frame | *media.Packet
	media.Item
}] struct {
	cfg  VideoSrcConfig
	r    *ffmpeg.Reader
	read func(*ffmpeg.Reader) (T, error)
}

func (s *videoSrc[T]) Start(*pipeline.Env) error { return nil }

func (s *videoSrc[T]) Stop() error { return s.r.Close() }

func (s *videoSrc[T]) Next() (T, time.Time, error) {
	item, err := s.read(s.r)
	if err != nil || !s.cfg.Live {
		return item, time.Time{}, err
	}
	return item, captureTime(item), nil
}

// captureTime is when an item is due: a frame at its capture time, a
// packet in decode order.
func captureTime(item media.Item) time.Time {
	switch it := item.(type) {
	case *media.Packet:
		return it.DecodeTime()
	case *media.Frame:
		return it.CaptureTime
	}
	return time.Time{}
}
