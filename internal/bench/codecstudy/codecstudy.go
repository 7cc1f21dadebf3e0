// Package codecstudy encodes and decodes one clip with each of gopline's
// codecs and reports bytes, picture quality and speed: the figures behind
// gopline's codec choices, the demo's table and the seed storage benchmark.
package codecstudy

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// Result is what one codec made of a clip.
type Result struct {
	Codec    string  `json:"codec"`
	Setting  string  `json:"setting"`
	Frames   int     `json:"frames"`
	Bytes    int     `json:"payload_bytes"`
	LumaPSNR float64 `json:"psnr_db"` // mean over frames, identical frames counted as media.MaxPSNR
	// EncodeFPS and DecodeFPS are frames per second of one thread.
	EncodeFPS float64 `json:"encode_fps"`
	DecodeFPS float64 `json:"decode_fps"`
}

// Clip loads n frames of size w x h in YUV420P: from a video file when path
// is not empty (scaled, starting at its first frame), else from the test pattern.
func Clip(path string, w, h, n int) ([]*media.Frame, error) {
	if path == "" {
		p, err := testsrc.New(w, h)
		if err != nil {
			return nil, err
		}
		frames := make([]*media.Frame, n)
		for i := range frames {
			frames[i] = p.Frame(uint64(i))
		}
		return frames, nil
	}
	r, err := ffmpeg.OpenReader(path, ffmpeg.WithSize(w, h))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	frames := make([]*media.Frame, 0, n)
	for len(frames) < n {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("codecstudy: %q has no frames", path)
	}
	return frames, nil
}

// Run encodes every frame with enc, decodes every packet with dec, and
// measures the result. Both are closed before it returns.
func Run(name, setting string, frames []*media.Frame, enc codecs.Encoder, dec codecs.Decoder) (Result, error) {
	defer enc.Close()
	defer dec.Close()
	res := Result{Codec: name, Setting: setting, Frames: len(frames)}
	pkts := make([]*media.Packet, len(frames))
	start := time.Now()
	for i, f := range frames {
		p, err := enc.Encode(f)
		if err != nil {
			return res, fmt.Errorf("codecstudy: %s encode frame %d: %w", name, i, err)
		}
		pkts[i] = p
		res.Bytes += len(p.Data)
	}
	res.EncodeFPS = float64(len(frames)) / time.Since(start).Seconds()
	decoded := make([]*media.Frame, 0, len(frames))
	start = time.Now()
	for i, p := range pkts {
		out, err := dec.Decode(p)
		if err != nil {
			return res, fmt.Errorf("codecstudy: %s decode frame %d: %w", name, i, err)
		}
		decoded = append(decoded, out...)
	}
	res.DecodeFPS = float64(len(frames)) / time.Since(start).Seconds()
	if len(decoded) != len(frames) {
		return res, fmt.Errorf("codecstudy: %s gave %d pictures for %d frames", name, len(decoded), len(frames))
	}
	var sum float64
	for i, f := range decoded {
		psnr, err := media.LumaPSNR(frames[i], f)
		if err != nil {
			return res, err
		}
		sum += media.CapPSNR(psnr)
	}
	res.LumaPSNR = sum / float64(len(frames))
	return res, nil
}

// H264 runs the clip through libx264 (gopline's live settings plus opts)
// and FFmpeg's decoder.
func H264(frames []*media.Frame, setting string, opts ...ffmpeg.EncoderOption) (Result, error) {
	return runWith("h264", setting, frames,
		func() (codecs.Encoder, error) {
			return ffmpeg.NewH264Encoder(frames[0].Width, frames[0].Height, opts...)
		},
		func() (codecs.Decoder, error) { return ffmpeg.NewH264Decoder() })
}

// JPEG runs the clip through codecs/jpeg's encoder (Go's image/jpeg) at the
// given quality and codecs/jpeg's decoder. gopline encodes JPEG with
// FFmpegJPEG's encoder; this one stays for comparison.
func JPEG(frames []*media.Frame, quality int) (Result, error) {
	return runWith("jpeg", fmt.Sprintf("quality %d", quality), frames,
		func() (codecs.Encoder, error) { return jpeg.NewEncoder(jpeg.WithQuality(quality)) }, newJPEGDecoder)
}

// runWith runs the clip through a new encoder and decoder (Run).
func runWith(name, setting string, frames []*media.Frame, newEnc func() (codecs.Encoder, error), newDec func() (codecs.Decoder, error)) (Result, error) {
	enc, dec, err := openCodecs(newEnc, newDec)
	if err != nil {
		return Result{}, err
	}
	return Run(name, setting, frames, enc, dec)
}

// openCodecs makes an encoder and a decoder; the caller closes both.
func openCodecs(newEnc func() (codecs.Encoder, error), newDec func() (codecs.Decoder, error)) (codecs.Encoder, codecs.Decoder, error) {
	enc, err := newEnc()
	if err != nil {
		return nil, nil, err
	}
	dec, err := newDec()
	if err != nil {
		enc.Close()
		return nil, nil, err
	}
	return enc, dec, nil
}

// newJPEGDecoder is the JPEG decoder gopline uses: codecs/jpeg's, in Go.
func newJPEGDecoder() (codecs.Decoder, error) { return jpeg.NewDecoder() }

// JPEGMatching finds the lowest JPEG quality whose mean luma PSNR over the
// clip is at least target, and returns its result. PSNR grows with quality,
// so it bisects on every searchStride-th frame, then confirms on the whole
// clip, stepping the quality up if the whole clip falls short. When even
// quality 100 falls short it returns quality 100's result.
func JPEGMatching(frames []*media.Frame, target float64) (Result, error) {
	sample := searchSample(frames)
	lo, hi := 1, 100
	for lo < hi {
		mid := (lo + hi) / 2
		r, err := JPEG(sample, mid)
		if err != nil {
			return r, err
		}
		if r.LumaPSNR >= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	for q := lo; ; q++ {
		r, err := JPEG(frames, q)
		if err != nil || r.LumaPSNR >= target || q == 100 {
			return r, err
		}
	}
}

// FFmpegJPEG runs the clip through the JPEG encoder gopline uses, FFmpeg's
// MJPEG (ffmpeg.JPEGEncoder) at quantiser scale qscale, and codecs/jpeg's
// decoder, as the jpegenc and jpegdec elements do.
func FFmpegJPEG(frames []*media.Frame, qscale int) (Result, error) {
	return runWith("jpeg", fmt.Sprintf("qscale %d", qscale), frames, ffmpegJPEGEncoder(frames, qscale), newJPEGDecoder)
}

// ffmpegJPEGEncoder makes gopline's JPEG encoder for the clip at qscale.
func ffmpegJPEGEncoder(frames []*media.Frame, qscale int) func() (codecs.Encoder, error) {
	return func() (codecs.Encoder, error) {
		return ffmpeg.NewJPEGEncoder(frames[0].Width, frames[0].Height, ffmpeg.WithQScale(qscale))
	}
}

// FFmpegJPEGMatching finds the coarsest quantiser scale whose mean luma PSNR
// over the clip is at least target and returns its result. It confirms the
// scale on the whole clip, stepping to finer scales while it falls short; when
// even the finest scale falls short it returns that one's result.
func FFmpegJPEGMatching(frames []*media.Frame, target float64) (Result, error) {
	return ffmpegJPEGMatching(frames, target, nil)
}

// ffmpegJPEGMatching is FFmpegJPEGMatching stepping progress once the
// search has estimated the scale.
func ffmpegJPEGMatching(frames []*media.Frame, target float64, progress *bench.Progress) (Result, error) {
	q, err := matchingQScale(frames, target)
	if err != nil {
		return Result{}, err
	}
	progress.Step()
	for ; ; q-- {
		r, err := FFmpegJPEG(frames, q)
		if err != nil || r.LumaPSNR >= target || q == finestQScale {
			return r, err
		}
	}
}

// matchingQScale estimates the coarsest quantiser scale of gopline's JPEG
// encoder whose mean luma PSNR over the clip is at least target, or the
// finest scale when none is. PSNR falls as the scale grows, so it bisects on
// every searchStride-th frame; callers confirm the scale on the whole clip.
func matchingQScale(frames []*media.Frame, target float64) (int, error) {
	sample := searchSample(frames)
	lo, hi := finestQScale, coarsestQScale // lo meets the target if any scale does
	for lo < hi {
		mid := (lo + hi + 1) / 2
		r, err := FFmpegJPEG(sample, mid)
		if err != nil {
			return 0, err
		}
		if r.LumaPSNR >= target {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// The range of ffmpeg.WithQScale.
const (
	finestQScale   = 2
	coarsestQScale = 31
)

// searchSample thins a clip of at least 4*searchStride frames to every
// searchStride-th frame; shorter clips are searched whole.
func searchSample(frames []*media.Frame) []*media.Frame {
	if len(frames) < 4*searchStride {
		return frames
	}
	sample := make([]*media.Frame, 0, len(frames)/searchStride+1)
	for i := 0; i < len(frames); i += searchStride {
		sample = append(sample, frames[i])
	}
	return sample
}

// searchStride thins the clip the quality searches bisect on: neighbouring
// frames of a camera clip compress alike, and a search encodes it five to
// seven times.
const searchStride = 5
