package codecstudy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// StorageResult is one codec's recording of a clip: the seed storage table.
type StorageResult struct {
	Codec string `json:"codec"`
	// Setting says how the codec was set: H.264's defaults, or the JPEG
	// quantiser scale that matched H.264's PSNR.
	Setting      string  `json:"setting"`
	FileBytes    int64   `json:"file_bytes"`
	PayloadBytes int64   `json:"payload_bytes"`
	LumaPSNR     float64 `json:"psnr_db"`
	Frames       int     `json:"frames"`
}

// Overhead is the file's bytes over the payload's.
func (r StorageResult) Overhead() float64 { return float64(r.FileBytes) / float64(r.PayloadBytes) }

// StorageTable records the clip once as H.264 (gopline's defaults) and once
// as JPEG (gopline's JPEG encoder at the coarsest quantiser scale whose PSNR
// is at least H.264's, so that the two are compared at equal or better
// quality for JPEG) into recordings in dir, reads every packet back from the
// files, decodes it and compares it with the source. Frames are stamped fps
// apart.
func StorageTable(frames []*media.Frame, fps float64, dir string, opts ...Option) ([]StorageResult, error) {
	progress := newProgress(3, opts) // H.264, the JPEG search, JPEG
	w, h := frames[0].Width, frames[0].Height
	h264Enc := func() (codecs.Encoder, error) { return ffmpeg.NewH264Encoder(w, h) }
	h264Dec := func() (codecs.Decoder, error) { return ffmpeg.NewH264Decoder() }
	res, err := recordWith(filepath.Join(dir, "h264.gopline"), "h264", "veryfast crf 23 gop 30", frames, fps, h264Enc, h264Dec)
	if err != nil {
		return nil, err
	}
	progress.Step()
	out := []StorageResult{res}
	q, err := matchingQScale(frames, res.LumaPSNR)
	if err != nil {
		return nil, err
	}
	progress.Step()
	for ; ; q-- {
		r, err := recordWith(filepath.Join(dir, "jpeg.gopline"), "jpeg", fmt.Sprintf("qscale %d", q), frames, fps,
			ffmpegJPEGEncoder(frames, q), newJPEGDecoder)
		if err != nil || r.LumaPSNR >= res.LumaPSNR || q == finestQScale {
			if err == nil {
				progress.Step()
			}
			return append(out, r), err
		}
	}
}

// recordWith records the clip with a fresh encoder and decoder.
func recordWith(path, name, setting string, frames []*media.Frame, fps float64,
	newEnc func() (codecs.Encoder, error), newDec func() (codecs.Decoder, error)) (StorageResult, error) {
	enc, dec, err := openCodecs(newEnc, newDec)
	if err != nil {
		return StorageResult{}, err
	}
	defer enc.Close()
	defer dec.Close()
	r, err := recordClip(path, name, frames, fps, enc, dec)
	r.Setting = setting
	return r, err
}

func recordClip(path, name string, frames []*media.Frame, fps float64, enc codecs.Encoder, dec codecs.Decoder) (StorageResult, error) {
	res := StorageResult{Codec: name, Frames: len(frames)}
	os.Remove(path)
	rec, err := storage.Open(path)
	if err != nil {
		return res, err
	}
	start := time.Unix(1_700_000_000, 0)
	for i, f := range frames {
		in := *f
		in.CaptureTime = start.Add(time.Duration(float64(i) * float64(time.Second) / fps))
		p, err := enc.Encode(&in)
		if err != nil {
			rec.Close()
			return res, err
		}
		if i == 0 {
			if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: p.Codec, Width: p.Width, Height: p.Height, Created: start}); err != nil {
				rec.Close()
				return res, err
			}
		}
		if err := rec.Append("/camera", p); err != nil {
			rec.Close()
			return res, err
		}
		res.PayloadBytes += int64(len(p.Data))
	}
	if err := rec.Close(); err != nil {
		return res, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return res, err
	}
	res.FileBytes = st.Size()

	// Read the file back and compare every picture with its source.
	if rec, err = storage.Open(path, storage.WithReadOnly()); err != nil {
		return res, err
	}
	defer rec.Close()
	c, err := rec.Seek("/camera", start)
	if err != nil {
		return res, err
	}
	defer c.Close()
	var sum float64
	n := 0
	for {
		p, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		pics, err := dec.Decode(p)
		if err != nil {
			return res, fmt.Errorf("codecstudy: %s: decoding recorded packet %d: %w", name, n, err)
		}
		for _, pic := range pics {
			if n >= len(frames) {
				return res, fmt.Errorf("codecstudy: %s: more pictures than frames", name)
			}
			psnr, err := media.LumaPSNR(frames[n], pic)
			if err != nil {
				return res, err
			}
			sum += media.CapPSNR(psnr)
			n++
		}
	}
	if n != len(frames) {
		return res, fmt.Errorf("codecstudy: %s: %d pictures read back from %d frames", name, n, len(frames))
	}
	res.LumaPSNR = sum / float64(n)
	return res, nil
}
