package ffmpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/rs/zerolog"
)

// openPassthrough prepares passthrough of an H.264 stream (its parameter
// sets, the NAL length size of AVCC input) or an MJPEG one.
func (r *Reader) openPassthrough(par *astiav.CodecParameters) error {
	switch par.CodecID() {
	case astiav.CodecIDMjpeg:
		r.jpeg = true
		return nil
	case astiav.CodecIDH264:
	default:
		return fmt.Errorf("%w: %q has %s video, which passthrough cannot hand on (it takes H.264 or MJPEG): decode it instead",
			ErrNotH264, r.shown, r.info.Codec)
	}
	extra := par.ExtraData()
	switch {
	case len(extra) > 0 && extra[0] == 1: // avcC: an MP4/MKV-style stream
		cfg, err := h264.ParseDecoderConfig(extra)
		if err != nil {
			return fmt.Errorf("ffmpeg: %q: H.264 decoder configuration: %w", r.shown, err)
		}
		r.avccLength = cfg.LengthSize
		r.params.Update(append(append([][]byte{}, cfg.SPS...), cfg.PPS...))
	case len(extra) > 0:
		if nalus, err := h264.SplitAnnexB(extra); err == nil {
			r.params.Update(nalus)
		}
	}
	r.width, r.height = r.info.Width, r.info.Height
	switch {
	case r.rawH264():
		r.order = &h264.AccessUnitOrder{}
		_, r.rateKnown = vuiFrameRate(extra)
	case r.decodeOrderOnly():
		// Its frames come at the container's rate, in decode order:
		// their presentation times are the slices' picture order's.
		r.order, r.rateKnown = &h264.AccessUnitOrder{}, true
	}
	return nil
}

// decodeOrderOnly reports whether the input's container stores no
// presentation times, only its frames in decode order at its frame rate:
// an AVI, whose H.264 with B-frames FFmpeg gives each packet's decode time
// as its presentation time.
func (r *Reader) decodeOrderOnly() bool {
	f := r.fc.InputFormat()
	return f != nil && f.Name() == "avi" && r.info.FrameRate > 0
}

// ReadPacket returns the next H.264 access unit or JPEG picture in
// passthrough mode, or io.EOF at the end of the stream.
//
// A raw H.264 stream (the "h264" input format: Annex B without a container)
// carries no timestamps, and an AVI only its frames in decode order, so the
// Reader times their packets itself, a frame apart at the stream's frame
// rate (StreamInfo.FrameRate): decode times in
// the order the packets come, presentation times in the order their
// pictures are shown, which their slice headers' picture order counts give
// (h264.AccessUnitOrder). To know it, the Reader holds packets back as a
// decoder does: as many pictures as the stream's SPS says may be reordered
// (none for pic_order_cnt_type 2; up to 16 for a stream that does not say;
// never more than h264.MaxHeldPictures packets). Presentation times lie
// that many frames later in the stream's timeline than they would without
// reordering, so that no picture is shown before it is decoded: the first
// packet's decode time is that many frames before its capture time.
//
// Timestamps that jump (files joined, an MPEG-TS encoder that restarted)
// are re-based so that the packets go on a frame after the last, keeping
// their own spacing (see timeline); each jump is counted once as a repaired
// timestamp and said in the log. A file whose edit list starts the stream
// after a keyframe (a cut made without re-encoding) keeps the packets from
// that keyframe on, which the pictures after the cut need: the first
// picture the file shows is at the moment of opening, as for a decoding
// Reader, and the packets before it have capture times before it. A JPEG
// FFmpeg flagged as corrupt (the end of a cut-short file) is left out,
// counted Truncated at the file's end, else Undecodable; so is the picture
// a live network stream was sending when it was lost, counted Truncated
// (streamLoss). From an H.264 access unit FFmpeg flagged as corrupt (an
// MPEG-TS packet lost or damaged: its continuity counter jumped) to the
// next keyframe, every access unit is decoded before it is handed on
// (verified), and the first that does not decode whole is left out, with
// those after it until the next keyframe, built on it, counted Damaged, as
// a strict decoding Reader leaves their pictures out. MPEG-TS files joined
// end to end (cat a.ts b.ts) jump their counters at the join, where FFmpeg
// flags an access unit that is whole.
func (r *Reader) ReadPacket() (*media.Packet, error) {
	if !r.cfg.passthrough {
		return nil, errors.New("ffmpeg: ReadPacket on a decoding reader (open it WithPassthrough)")
	}
	r.readTook = 0
	for {
		if p := r.nextInOrder(); p != nil {
			return p, nil
		}
		if err := r.readVideoPacket(); err == io.EOF {
			if r.order != nil && !r.orderFlushed {
				r.order.Flush()
				r.orderFlushed = true
				continue
			}
			return nil, r.end()
		} else if err != nil {
			return nil, err
		}
		data, pts, dts := r.pkt.Data(), r.pkt.Pts(), r.pkt.Dts()
		corrupt := r.pkt.Flags().Has(astiav.PacketFlagCorrupt)
		discard := r.pkt.Flags().Has(astiav.PacketFlagDiscard) // outside the edits
		r.pkt.Unref()
		var p *media.Packet
		var err error
		switch {
		case r.jpeg && corrupt: // a JPEG cut short: no decoder takes it
			r.countUnusable()
			continue
		case r.jpeg:
			p = r.jpegPacket(data)
		case corrupt && !r.seenKey:
			r.stats.BeforeKeyframe++
			continue
		default:
			p, err = r.accessUnit(data)
		}
		switch {
		case errors.Is(err, errAfterDamage):
			continue
		case err != nil && !r.seenKey:
			// Nothing before the first keyframe is handed on anyway: a
			// stream joined part-way may begin inside a NAL unit.
			r.stats.BeforeKeyframe++
			continue
		case err != nil:
			r.countUnusable()
			continue
		case p == nil:
			r.stats.BeforeKeyframe++
			continue
		case r.order != nil:
			continue // held by accessUnit until its place is known
		}
		if !r.verified(p, corrupt) {
			// Damage: the unit and those built on it are left out
			// until the next keyframe.
			r.countUnusable()
			r.damaged = true
			continue
		}
		r.keepGOP(p)
		r.time(p, pts, dts, discard)
		return p, nil
	}
}

// time sets the capture time and composition offset of p, a packet read
// with timestamps pts and dts, flagged outside the edits of an edit list
// when discard, and says in the log where the stream starts after its
// first packet and where its timestamps jump.
func (r *Reader) time(p *media.Packet, pts, dts int64, discard bool) {
	if !r.times.started {
		if start := r.stream.StartTime(); r.times.presentsFrom(start, pts) {
			if log := r.logger(); log != nil {
				log.Info().Str("location", r.shown).Msgf("the stream starts %v after its first keyframe (an edit list): "+
					"the packets before are kept for decoding, with capture times before the start",
					r.times.duration(start-pts))
			}
		}
	}
	jumps := r.times.jumps
	p.CaptureTime, p.CompositionOffset = r.times.packetOf(pts, dts, discard)
	r.sayJump(jumps, "packet", p.Seq)
}

// sayJump says in the log that the timestamps jumped and were re-based
// at the packet or picture before seq, the one the timeline put a frame
// after the last until seq's timestamp showed the clock had jumped, when
// the timeline's count of jumps is no longer before. Each jump is said but
// in a burst (see jumpLog).
func (r *Reader) sayJump(before int, what string, seq uint64) {
	if r.times.jumps == before {
		return
	}
	log := r.logger()
	if log == nil {
		return
	}
	ok, n := r.times.warned.allow(r.cfg.now())
	if !ok {
		return
	}
	ev := log.Warn().Str("location", r.shown)
	if n > 1 {
		ev = ev.Uint64("jumps", n)
	}
	if jump := r.times.lastJump.Round(time.Millisecond); jump < 0 {
		ev.Msgf("timestamps jumped back by %v at %s %d; re-based", -jump, what, seq-1)
	} else {
		ev.Msgf("timestamps jumped forward by %v at %s %d; re-based", jump, what, seq-1)
	}
}

// logger returns the logger of the Reader's own lines: WithReaderLogger's,
// else SetLogger's, else nil.
func (r *Reader) logger() *zerolog.Logger {
	if r.cfg.log != nil {
		return r.cfg.log
	}
	return ffmpegLogger.Load()
}

// nextInOrder returns the oldest held packet of a raw H.264 stream once its
// place in output order is known, timed by it, or nil.
func (r *Reader) nextInOrder() *media.Packet {
	if r.order == nil {
		return nil
	}
	place, ok := r.order.Pop()
	if !ok {
		return nil
	}
	p := r.held[0]
	r.held[0] = nil
	r.held = r.held[1:]
	frame := r.times.frame
	dts := int64(place.Decode) * frame
	pts := (int64(place.Display) + int64(r.order.Delay())) * frame
	p.CaptureTime, p.CompositionOffset = r.times.packet(pts, dts)
	return p
}

// hold keeps a raw H.264 stream's packet, whose access unit is nalus, until
// its place in output order is known. An access unit whose place cannot be
// read from its slice header, or that is let out before its turn because
// too many wait, is counted as a repaired timestamp: it is shown after the
// pictures before it.
func (r *Reader) hold(p *media.Packet, nalus [][]byte) {
	forced := r.order.Forced()
	if err := r.order.Push(nalus); err != nil {
		r.times.repaired++
	}
	r.times.repaired += r.order.Forced() - forced
	r.held = append(r.held, p)
}

// accessUnit turns one demuxed packet, which it may keep, into a gopline
// Packet, or nil while waiting for the first random access point (an IDR,
// or a recovery point of an intra-refresh or open-GOP camera, which starts
// a GOP as an IDR does: h264.IsRandomAccess). Annex B input that needs
// no parameter sets added keeps its bytes as they are. A raw H.264
// stream's packet is also held until its place in output order is known
// (hold).
func (r *Reader) accessUnit(data []byte) (*media.Packet, error) {
	var nalus [][]byte
	var err error
	if r.avccLength > 0 {
		nalus, err = h264.SplitAVCC(data, r.avccLength)
	} else {
		nalus, err = h264.SplitAnnexB(data)
		if i := bytes.Index(data, annexBStart); err != nil && !r.seenKey && i > 0 {
			// A stream joined part-way begins inside a NAL unit, which
			// FFmpeg's parser puts in front of the first it finds.
			data = data[i:]
			nalus, err = h264.SplitAnnexB(data)
		}
	}
	if err != nil {
		return nil, err
	}
	r.params.Update(nalus)
	r.sayKeyframes(nalus)
	key := h264.IsRandomAccess(nalus)
	if !key && !r.seenKey {
		return nil, nil
	}
	if r.damaged && !key {
		r.stats.Damaged++
		return nil, errAfterDamage
	}
	r.keyAfterDamage = r.damaged
	r.damaged = false
	fixed, err := r.params.Prepend(nalus)
	if err != nil {
		return nil, err
	}
	if r.avccLength > 0 || len(fixed) != len(nalus) {
		data = h264.JoinAnnexB(fixed)
	}
	if key {
		if !r.seenKey {
			r.rateFromFirstSPS(fixed)
		}
		r.seenKey, r.gopStart = true, r.seq
		if w, h, ok := h264.PictureSize(fixed); ok {
			r.width, r.height = w, h
		}
	}
	p := &media.Packet{
		Codec: media.H264, Data: data, Key: key,
		Seq: r.seq, GOP: r.gopStart, Epoch: r.epoch,
		Width: r.width, Height: r.height,
	}
	r.seq++
	if r.order != nil {
		r.hold(p, fixed)
	}
	return p, nil
}

// errAfterDamage is accessUnit's for an access unit left out after
// damage until the next keyframe (Reader.damaged): counted Damaged.
var errAfterDamage = errors.New("after damage, before the next keyframe")

// annexBStart is the start code in front of every Annex B NAL unit.
var annexBStart = []byte{0, 0, 1}

// jpegPacket turns one demuxed MJPEG packet, which it keeps, into a JPEG
// Packet: every one is a keyframe, of the size its own header gives (a
// camera or a sequence of images may change it; the stream's is the
// first's), or the stream's when the header does not read.
func (r *Reader) jpegPacket(data []byte) *media.Packet {
	if len(data) == 0 {
		return nil
	}
	w, h := r.info.Width, r.info.Height
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil {
		w, h = cfg.Width, cfg.Height
	}
	p := &media.Packet{
		Codec: media.JPEG, Data: data, Key: true,
		Seq: r.seq, GOP: r.seq, Epoch: r.epoch,
		Width: w, Height: h,
	}
	r.seq++
	return p
}

// sayKeyframes notes the access unit nalus in the stream's keyframe watch
// and says in the log, while it lasts, that nothing is handed on before a
// first keyframe, or that the camera sends recovery points instead of IDRs
// and what that means.
func (r *Reader) sayKeyframes(nalus [][]byte) {
	now := r.cfg.now()
	news := r.keyframes.saw(now, nalus)
	log := r.logger()
	if news == newsNone || log == nil {
		return
	}
	d, packets, keyframes, intra := r.keyframes.wait(now)
	d = d.Round(time.Second)
	ev := log.Warn().Str("location", r.shown).Int("packets", packets).Int("intra_pictures", intra)
	if news == newsNoKeyframe {
		ev.Msgf("no keyframe in the first %d packets (%v): nothing is published until one comes; "+
			"the stream has no IDR and no recovery point (%d intra pictures without one); "+
			"make the camera send IDRs (its keyframe or I-frame interval)", packets, d, intra)
		return
	}
	ev.Int("recovery_points", keyframes).Msgf("no IDR in %d packets (%v), but %d recovery points: "+
		"this camera uses intra refresh or open GOP. gopline starts its GOPs at the recovery points "+
		"(the topic's cache and late joiners, subscribers that fall behind, recording and retention); "+
		"a keyframe request cannot make it send an IDR, and browser viewers may wait for one", packets, d, keyframes)
}

// countUnusable counts the packet just read, which cannot be handed on:
// cut short by the end of the file it ends (Truncated), as the decoding
// Reader counts it, else damage (Undecodable).
func (r *Reader) countUnusable() {
	if r.endsTheFile(r.dataEnd) {
		r.stats.Truncated++
	} else {
		r.stats.Undecodable++
	}
}
