package elements

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// What an AppSrc checks of the items pushed into it, and what it makes of
// them, before they are queued: plain values, used by one Push at a time.
// check refuses an item with an error that names it (by its number among
// the items pushed, from 0) and says what to do, and returns the item the
// pipeline gets: a copy of the pushed one's header, stamped. took commits
// the stream's state once the item was taken (queued, or dropped by the
// overflow policy); an item refused for room commits nothing.

// appFrames checks pushed frames: every one valid (media.Frame.Validate),
// all of one size and pixel format, times that do not go back.
type appFrames struct {
	width, height int
	format        media.PixelFormat
	set           string    // where the size and format came from
	n             uint64    // frames taken so far
	last          time.Time // the last frame's capture time
}

// newAppFrames takes the frames' size and format from cfg: all three, or
// none (the first frame's).
func newAppFrames(cfg AppSrcConfig) (appFrames, error) {
	if cfg.Width == 0 && cfg.Height == 0 && cfg.Format == media.PixelFormatUnknown {
		return appFrames{set: "as its first frame set them"}, nil
	}
	// A pool checks a size and format as every frame's are checked; it
	// allocates nothing before its first Get.
	if _, err := media.NewFramePool(cfg.Format, cfg.Width, cfg.Height, 1); err != nil {
		return appFrames{}, fmt.Errorf("%w: AppSrcConfig's Width %d, Height %d and Format %v: %w (set all three, or none to take the first frame's)",
			pipeline.ErrBadGraph, cfg.Width, cfg.Height, cfg.Format, err)
	}
	return appFrames{width: cfg.Width, height: cfg.Height, format: cfg.Format, set: "as AppSrcConfig sets them"}, nil
}

// check refuses a frame that is not valid or not like the stream's; a
// frame without a capture time is stamped now.
func (c *appFrames) check(f *media.Frame, now time.Time) (*media.Frame, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: frame %d is nil", ErrAppRefused, c.n)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%w: frame %d: %w", ErrAppRefused, c.n, err)
	}
	if c.width != 0 && (f.Width != c.width || f.Height != c.height || f.Format != c.format) {
		return nil, fmt.Errorf("%w: frame %d is %dx%d %v, but the stream's frames are %dx%d %v (%s): push frames of one size and format, or use an AppSrc per stream",
			ErrAppRefused, c.n, f.Width, f.Height, f.Format, c.width, c.height, c.format, c.set)
	}
	out := *f // the header only: the pixels and their holders are shared
	if out.CaptureTime.IsZero() {
		out.CaptureTime = now
	}
	if out.CaptureTime.Before(c.last) {
		return nil, fmt.Errorf("%w: frame %d was captured at %s, %v before frame %d: push frames in the order they were captured, or leave CaptureTime zero to stamp them as pushed",
			ErrAppRefused, c.n, out.CaptureTime.Format(time.RFC3339Nano), c.last.Sub(out.CaptureTime), c.n-1)
	}
	return &out, nil
}

func (c *appFrames) took(f *media.Frame) {
	if c.width == 0 {
		c.width, c.height, c.format = f.Width, f.Height, f.Format
	}
	c.last = f.CaptureTime
	c.n++
}

// appPackets checks pushed H.264 packets: one access unit each, in Annex B
// form; Key, if set, only on a picture a decoder can start at (AppSrc finds
// keyframes itself: an IDR, or a recovery point); the latest SPS and PPS put
// in front of every keyframe, and the picture's size read from them; decode
// times that do not go back.
type appPackets struct {
	params h264.ParamSets
	// checked is params updated by the last packet checked, committed when
	// it is taken.
	checked       h264.ParamSets
	width, height int
	n             uint64    // packets taken so far
	last          time.Time // the last packet's decode time
}

func (c *appPackets) check(p *media.Packet, now time.Time) (*media.Packet, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: packet %d is nil", ErrAppRefused, c.n)
	}
	if p.Codec != media.CodecUnknown && p.Codec != media.H264 {
		return nil, fmt.Errorf("%w: packet %d is %v: an AppSrc of packets takes H.264 (leave Codec unset, or set media.H264)", ErrAppRefused, c.n, p.Codec)
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: packet %d: %w: Data is one access unit in Annex B form, with start codes (convert length-prefixed AVCC data with h264.SplitAVCC and h264.JoinAnnexB)",
			ErrAppRefused, c.n, err)
	}
	key := h264.IsRandomAccess(nalus)
	if p.Key && !key {
		return nil, fmt.Errorf("%w: packet %d is marked Key but holds no IDR picture and no recovery point, so no decoder can start at it: leave Key false (AppSrc finds keyframes itself)",
			ErrAppRefused, c.n)
	}
	params := c.params // a copy: Update never writes into the slices it shares
	params.Update(nalus)
	out := &media.Packet{Codec: media.H264, Data: p.Data, Key: key, CaptureTime: p.CaptureTime,
		CompositionOffset: p.CompositionOffset, Width: c.width, Height: c.height}
	if key {
		fixed, err := params.Prepend(nalus)
		if err != nil {
			return nil, fmt.Errorf("%w: keyframe %d: %w: push the SPS and PPS with the first keyframe (in its Data, in front of its slices)", ErrAppRefused, c.n, err)
		}
		if len(fixed) != len(nalus) {
			out.Data = h264.JoinAnnexB(fixed)
		}
		if w, h, ok := h264.PictureSize(fixed); ok {
			out.Width, out.Height = w, h
		}
	}
	if out.CaptureTime.IsZero() {
		out.CaptureTime = now
	}
	if dts := out.DecodeTime(); dts.Before(c.last) {
		return nil, fmt.Errorf("%w: packet %d decodes at %s, %v before packet %d: push packets in decode order, or leave CaptureTime zero to stamp them as pushed",
			ErrAppRefused, c.n, dts.Format(time.RFC3339Nano), c.last.Sub(dts), c.n-1)
	}
	c.checked = params
	return out, nil
}

// took commits the packet last checked, p.
func (c *appPackets) took(p *media.Packet) {
	c.params = c.checked
	if p.Key {
		c.width, c.height = p.Width, p.Height
	}
	c.last = p.DecodeTime()
	c.n++
}

// appNumbers numbers what an AppSrc hands on, as its node takes it: frames
// from 0, +1 each; packets the same, with their GOP and one Epoch per
// AppSrc. The queue hands on a chain without holes (appQueue), so the
// numbers have none either.
type appNumbers struct {
	seq, gop uint64
	epoch    uint64
}

func (n *appNumbers) number(item media.Item) {
	switch it := item.(type) {
	case *media.Frame:
		it.Seq = n.seq
	case *media.Packet:
		if it.Key {
			n.gop = n.seq
		}
		it.Seq, it.GOP, it.Epoch = n.seq, n.gop, n.epoch
	}
	n.seq++
}
