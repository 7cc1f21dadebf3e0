package ffmpeg

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// mp4TimeBase is the MP4 track's clock: 90 kHz, the usual video clock, fine
// enough for any frame rate.
const mp4TimeBase = 90000

// soleFrameTicks is the duration of a packet before a second one says the
// stream's frame interval: the only one of a stream of one picture (a
// snapshot recorded), shown for a frame at 30 frames/s rather than for a
// tick, which players skip.
const soleFrameTicks = mp4TimeBase / 30

// maxSampleTicks is the longest step between two samples' decode times an
// MP4 track holds: a sample's duration is a 32-bit field of the track's
// stts, and FFmpeg's muxer takes at most INT_MAX ticks. A longer step it
// warns of ("Packet duration ... is out of range") and squeezes to a tick,
// moving every picture after it, and the write succeeds.
const maxSampleTicks = math.MaxInt32

// MaxMP4Step is how far apart two pictures' decode times can be in an MP4
// track: maxSampleTicks of its 90 kHz clock, 6h37m40.9s. A gap that long
// (a camera that came back the next day) is not a step any MP4 holds.
const MaxMP4Step = time.Duration(maxSampleTicks) * time.Second / mp4TimeBase

// MP4StepFits says whether an MP4 track holds a step of d between two
// pictures' decode times, as WritePacket counts it (less a tick, for the
// rounding of each of the two times to a tick).
func MP4StepFits(d time.Duration) bool { return mp4Ticks(d) < maxSampleTicks }

// ErrNotKeyframe means an MP4 file must begin with a keyframe carrying its
// SPS and PPS.
var ErrNotKeyframe = errors.New("ffmpeg: an MP4 track must start with an H.264 keyframe")

// MP4Writer writes H.264 access units into an MP4 file that plays in any
// player: length-prefixed NAL units, with the avcC box built from the first
// keyframe's SPS and PPS. Packets come in decode order, each with its
// presentation time; a stream with reordering (B-frames) gives its decode
// times by media.Packet.CompositionOffset. Each sample lasts until the next
// one's decode time; the last sample, and the picture shown last, are given
// the stream's frame interval (the median of its latest decode steps). A
// gap in the stream (a camera that reconnected, a recording resumed later)
// is thus in the file once, as the decode step across it, and the movie
// lasts from its first picture to the end of its last.
//
// A stream whose SPS or PPS change from one keyframe to another (a camera
// restarted with other settings, or at another size) is written with
// KeepParameterSets: an avc3 track, whose keyframes carry their own. Its
// track header keeps the first keyframe's size; decoders show each
// picture at its SPS's.
//
// It is not safe for concurrent use. Close writes the index and frees its
// FFmpeg objects; a file that was not closed does not play.
type MP4Writer struct {
	path          string
	width, height int
	fc            *astiav.FormatContext
	io            *astiav.IOContext
	stream        *astiav.Stream
	pkt           *astiav.Packet
	headerDone    bool
	inBand        bool  // avc3: the samples keep their SPS and PPS
	lastDTS       int64 // the last packet's decode timestamp, once started
	started       bool
	steps         frameSteps // estimates the packets' duration
	frames        int
}

// CreateMP4 creates (or truncates) an MP4 file for a width x height H.264 track.
func CreateMP4(path string, width, height int) (*MP4Writer, error) {
	if width <= 0 || height <= 0 || width > media.MaxDimension || height > media.MaxDimension {
		return nil, fmt.Errorf("%w: MP4 %dx%d", media.ErrInvalidSize, width, height)
	}
	fc, err := astiav.AllocOutputFormatContext(nil, "mp4", path)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: mp4 muxer for %q: %w", path, err)
	}
	w := &MP4Writer{path: path, width: width, height: height, fc: fc}
	if w.stream = fc.NewStream(nil); w.stream == nil {
		w.Close()
		return nil, fmt.Errorf("ffmpeg: mp4 stream for %q failed", path)
	}
	if w.io, err = astiav.OpenIOContext(path, astiav.NewIOContextFlags(astiav.IOContextFlagWrite)); err != nil {
		w.Close()
		return nil, fmt.Errorf("ffmpeg: create %q: %w", path, err)
	}
	fc.SetPb(w.io)
	w.pkt = astiav.AllocPacket()
	return w, nil
}

// KeepParameterSets makes the track an avc3 one, for a stream whose SPS or
// PPS change: each sample keeps the SPS and PPS in front of its keyframe,
// which a decoder takes in place of those it had, and the sample entry's
// avcC holds the first keyframe's. Without it the track is avc1, its
// parameter sets in avcC alone. It must be called before the first packet.
func (w *MP4Writer) KeepParameterSets() error {
	if w.headerDone {
		return fmt.Errorf("ffmpeg: mp4 %q: parameter sets kept after the first packet", w.path)
	}
	w.inBand = true
	return nil
}

// avc3Tag is the sample entry of an H.264 track whose parameter sets may
// be in its samples (ISO/IEC 14496-15).
var avc3Tag = astiav.CodecTag('a' | 'v'<<8 | 'c'<<16 | '3'<<24)

// writeHeader sets the track up from the first keyframe and writes the
// file's header.
func (w *MP4Writer) writeHeader(nalus [][]byte) error {
	var sps, pps []byte
	for _, n := range nalus {
		switch h264.TypeOf(n) {
		case h264.NALUTypeSPS:
			sps = n
		case h264.NALUTypePPS:
			pps = n
		}
	}
	if sps == nil || pps == nil {
		return fmt.Errorf("%w: its first packet has no SPS or PPS", ErrNotKeyframe)
	}
	s, err := h264.ParseSPS(sps)
	if err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: %w", w.path, err)
	}
	avcc, err := (&h264.DecoderConfig{Profile: s.ProfileIDC, ProfileCompatibility: s.ConstraintSetFlags, Level: s.LevelIDC,
		LengthSize: 4, SPS: [][]byte{sps}, PPS: [][]byte{pps}}).Marshal()
	if err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: avcC: %w", w.path, err)
	}
	par := w.stream.CodecParameters()
	par.SetMediaType(astiav.MediaTypeVideo)
	par.SetCodecID(astiav.CodecIDH264)
	par.SetWidth(w.width)
	par.SetHeight(w.height)
	if w.inBand {
		par.SetCodecTag(avc3Tag)
	}
	if err := par.SetExtraData(avcc); err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: extradata: %w", w.path, err)
	}
	w.stream.SetTimeBase(astiav.NewRational(1, mp4TimeBase))
	if err := w.fc.WriteHeader(nil); err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: header: %w", w.path, withErrno(err))
	}
	w.headerDone = true
	return nil
}

// WritePacket appends one H.264 access unit (Annex B) shown at pts from the
// start of the file and decoded p.CompositionOffset before that. Packets
// come in decode order: decode times must grow (one that does not is moved
// just after the last), and a picture is not shown before it is decoded.
// The first packet must be a keyframe with SPS and PPS. A packet decoded
// more than MaxMP4Step after the one before is refused, and the file is
// then not whole: a caller checks its steps first (MP4StepFits).
func (w *MP4Writer) WritePacket(p *media.Packet, pts time.Duration) error {
	if w.fc == nil {
		return errors.New("ffmpeg: mp4 writer is closed")
	}
	if p.Codec != media.H264 {
		return fmt.Errorf("ffmpeg: mp4 %q takes H.264, got %v", w.path, p.Codec)
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: packet %d: %w", w.path, p.Seq, err)
	}
	if !w.headerDone {
		if !p.Key {
			return ErrNotKeyframe
		}
		if err := w.writeHeader(nalus); err != nil {
			return err
		}
	}
	// An avc1 track's parameter sets live in avcC; its samples keep only
	// the other NAL units. An avc3 track's samples keep them too.
	var sample [][]byte
	for _, n := range nalus {
		t := h264.TypeOf(n)
		if t != h264.NALUTypeAUD && (w.inBand || t != h264.NALUTypeSPS && t != h264.NALUTypePPS) {
			sample = append(sample, n)
		}
	}
	data, err := h264.JoinAVCC(sample, 4)
	if err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: packet %d: %w", w.path, p.Seq, err)
	}
	ts := mp4Ticks(pts)
	dts := ts - mp4Ticks(p.CompositionOffset)
	if w.started && dts <= w.lastDTS {
		dts = w.lastDTS + 1 // decode timestamps must grow strictly
	}
	ts = max(ts, dts)
	if w.started && dts-w.lastDTS > maxSampleTicks {
		return fmt.Errorf("ffmpeg: mp4 %q: packet %d is decoded %v after the one before, longer than an MP4 sample lasts (%v)",
			w.path, p.Seq, time.Duration(dts-w.lastDTS)*time.Second/mp4TimeBase, MaxMP4Step)
	}
	if w.started {
		w.steps.add(dts - w.lastDTS)
	}
	if err := w.pkt.FromData(data); err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: %w", w.path, err)
	}
	w.pkt.SetStreamIndex(w.stream.Index())
	w.pkt.SetPts(ts)
	w.pkt.SetDts(dts)
	duration := w.steps.interval()
	if duration <= 0 {
		duration = soleFrameTicks
	}
	w.pkt.SetDuration(duration)
	if p.Key {
		w.pkt.SetFlags(w.pkt.Flags().Add(astiav.PacketFlagKey))
	}
	err = w.fc.WriteFrame(w.pkt)
	w.pkt.Unref()
	if err != nil {
		return fmt.Errorf("ffmpeg: mp4 %q: writing packet %d: %w", w.path, p.Seq, withErrno(err))
	}
	w.lastDTS, w.started = dts, true
	w.frames++
	return nil
}

// mp4Ticks converts a duration to 90 kHz ticks, rounded to the nearest tick,
// without overflowing for recordings of any length.
func mp4Ticks(d time.Duration) int64 {
	if d < 0 {
		return -mp4Ticks(-d)
	}
	sec, frac := int64(d/time.Second), int64(d%time.Second)
	return sec*mp4TimeBase + (frac*mp4TimeBase+int64(time.Second)/2)/int64(time.Second)
}

// Frames returns how many packets were written.
func (w *MP4Writer) Frames() int { return w.frames }

// Close writes the file's index and closes it.
func (w *MP4Writer) Close() error {
	var err error
	if w.fc != nil && w.headerDone {
		if terr := w.fc.WriteTrailer(); terr != nil {
			err = fmt.Errorf("ffmpeg: mp4 %q: trailer: %w", w.path, withErrno(terr))
		}
	}
	if w.pkt != nil {
		w.pkt.Free()
		w.pkt = nil
	}
	if w.io != nil {
		if cerr := w.io.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("ffmpeg: closing %q: %w", w.path, withErrno(cerr))
		}
		w.io = nil
	}
	if w.fc != nil {
		w.fc.Free()
		w.fc = nil
	}
	return err
}
