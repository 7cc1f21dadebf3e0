package ffmpeg

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/internal/paramsetwatch"
	"github.com/gopline/gopline/internal/rtpsender"
)

// An rtp:// location is a port that RTP packets are sent to, as
// GStreamer's `rtph264pay ! udpsink host=IP port=PORT` sends them. RTP
// says nothing of its payload but a number: FFmpeg's rtp demuxer names the
// codec of a static payload type alone (26 is JPEG) and refuses a dynamic
// one (H.264's 96) without a session description. The Reader therefore
// writes the description itself, from the address and WithRTPSession's
// payload type and encoding, and hands it to FFmpeg's sdp demuxer as a
// data: URL: no file, nothing to clean up.

// DefaultRTPPayload is the payload type an rtp:// stream of H.264 or H.265
// is taken to carry: the first dynamic one, which rtph264pay and
// rtph265pay use by default, as ffmpeg -f rtp does.
const DefaultRTPPayload = 96

// jpegRTPPayload is JPEG's static payload type (RFC 3551), rtpjpegpay's
// default.
const jpegRTPPayload = 26

// rtpProbeMargin is how much longer than the I/O timeout FFmpeg may look
// at an rtp:// stream before the Reader goes on with what it found. A
// stream without parameter sets in-band never tells FFmpeg its picture
// size, and FFmpeg would look at it for as long as it lasts; a healthy
// stream is known at its first keyframe with its parameter sets, and a
// late joiner whose sender's GOP is longer than this still starts, at that
// keyframe (see paramsetwatch.Watch).
const rtpProbeMargin = 2 * time.Second

// rtpEncodings are the encodings an rtp:// stream may carry, by the name
// of RFC 4566's rtpmap (H264, H265, JPEG).
var rtpEncodings = map[string]bool{"H264": true, "H265": true, "JPEG": true}

// WithRTPSession sets what an rtp:// location carries: its payload type
// (0: DefaultRTPPayload, or 26 for JPEG) and encoding, "H264" (the
// default), "H265" or "JPEG" (case does not matter). Other locations
// ignore it. The sender must use the same payload type: FFmpeg drops the
// packets of another.
func WithRTPSession(payload int, encoding string) ReaderOption {
	return func(c *readerConfig) error {
		enc := strings.ToUpper(encoding)
		if enc == "" {
			enc = "H264"
		}
		if !rtpEncodings[enc] {
			return fmt.Errorf("%w: RTP encoding %q (want H264, H265 or JPEG)", ErrBadOption, encoding)
		}
		if payload < 0 || payload > 127 {
			return fmt.Errorf("%w: RTP payload type %d (want 1..127, or 0 for %d, 26 for JPEG)", ErrBadOption, payload, DefaultRTPPayload)
		}
		c.rtpPayload, c.rtpEncoding = payload, enc
		return nil
	}
}

// IsRTP reports whether location is an rtp:// port, which the Reader
// receives with a session description of its own.
func IsRTP(location string) bool {
	scheme, _, ok := strings.Cut(location, "://")
	return ok && strings.EqualFold(scheme, "rtp")
}

// rtpSession is what the Reader knows of an rtp:// location.
type rtpSession struct {
	addr     string // the location, for errors
	host     string // the IP packets are sent to; multicast is joined
	port     int
	payload  int
	encoding string // H264, H265 or JPEG
	watch    paramsetwatch.Watch
	// probeCut: FFmpeg was still reading packets when its look at the
	// stream was cut short, so packets came.
	probeCut bool
	// filter is the hosts the location's sources= and block= allow.
	filter rtpsender.Filter
	// front receives the port for FFmpeg, keeping to one sender of those
	// filter allows: FFmpeg's receiver listens at the loopback's
	// front.port instead of the location's.
	front *rtpFront
}

// newRTPSession returns the session of an rtp:// location, with the
// payload type and encoding of WithRTPSession (H.264 on 96 by default).
// The host must be an IP address (0.0.0.0, or none as in rtp://:5000 or
// rtp://@:5000, for every interface): it is written into the description,
// which takes no names. The location's query, if any, is sources= and
// block= (rtpsender.ParseFilter).
func newRTPSession(location string, payload int, encoding string) (*rtpSession, error) {
	_, rest, _ := strings.Cut(location, "://")
	rest, query, _ := strings.Cut(rest, "?")
	if strings.Contains(rest, "/") {
		return nil, fmt.Errorf("%w %q: %w: an RTP location is rtp://IP:PORT, with sources= and block= alone after a '?'; the sdp demuxer's options (localaddr=, buffer_size=, reorder_queue_size=) go in options=",
			ErrOpen, location, ErrBadOption)
	}
	filter, err := rtpsender.ParseFilter(query)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w: %w (the sdp demuxer's options, localaddr=, buffer_size=, reorder_queue_size=, go in options=)",
			ErrOpen, location, ErrBadOption, err)
	}
	host := strings.TrimPrefix(rest, "@") // rtp://@:5000, VLC's and GStreamer's "any"
	h, p, err := net.SplitHostPort(host)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("%w %q: %w: an RTP location is rtp://IP:PORT, the address and port the sender sends to (udpsink host=IP port=PORT)",
			ErrOpen, location, ErrBadOption)
	}
	if h == "" {
		h = "0.0.0.0"
	}
	if net.ParseIP(h) == nil {
		return nil, fmt.Errorf("%w %q: %w: %q is not an IP address; an RTP location is rtp://IP:PORT (0.0.0.0 for every interface)",
			ErrOpen, location, ErrBadOption, h)
	}
	if encoding == "" {
		encoding = "H264"
	}
	if payload == 0 {
		payload = DefaultRTPPayload
		if encoding == "JPEG" {
			payload = jpegRTPPayload
		}
	}
	s := &rtpSession{addr: location, host: h, port: port, payload: payload, encoding: encoding, filter: filter}
	s.watch = paramsetwatch.Watch{HEVC: encoding == "H265", Off: encoding == "JPEG"}
	return s, nil
}

// description is the session description (RFC 4566) of s: one video
// stream of s's payload type and encoding, at 90 kHz as RTP video is, to
// be received at s's port (its front's, when it has one).
func (s *rtpSession) description() string {
	host, port := s.host, s.port
	if s.front != nil {
		host, port = "127.0.0.1", s.front.port
	}
	ipv := "IP4"
	if strings.Contains(host, ":") {
		ipv = "IP6"
	}
	return fmt.Sprintf("v=0\r\n"+
		"o=- 0 0 IN %[1]s %[2]s\r\n"+
		"s=gopline\r\n"+
		"c=IN %[1]s %[2]s\r\n"+
		"t=0 0\r\n"+
		"m=video %[3]d RTP/AVP %[4]d\r\n"+
		"a=rtpmap:%[4]d %[5]s/90000\r\n", ipv, host, port, s.payload, s.encoding)
}

// rtpProtocols are the protocols the description is read through: data:
// for itself, rtp and udp for the stream.
const rtpProtocols = "data,udp,rtp"

// input returns what FFmpeg opens for s: the description as a data: URL,
// the sdp demuxer, and options with the protocols and the I/O timeout
// (the sdp demuxer's listen_timeout, as an .sdp file's: see
// withListenTimeout) added, unless given. timeoutAdded is the option openInput
// added for an rtp:// URL, which the sdp demuxer does not have.
func (s *rtpSession) input(options, given map[string]string, timeout time.Duration, timeoutAdded string) (string, *astiav.InputFormat, map[string]string) {
	opts := maps.Clone(options)
	if opts == nil {
		opts = map[string]string{}
	}
	if _, ok := given[timeoutAdded]; !ok {
		delete(opts, timeoutAdded)
	}
	if opts["protocol_whitelist"] == "" {
		opts["protocol_whitelist"] = rtpProtocols
	}
	opts = withListenTimeout(opts, given, timeout)
	data := "data:application/sdp;base64," + base64.StdEncoding.EncodeToString([]byte(s.description()))
	return data, astiav.FindInputFormat("sdp"), opts
}

// rtpInput turns the input of an rtp:// Reader into its session
// description's (see rtpSession.input); other inputs are returned as
// they are. A format the caller forced is kept: they know better.
func (r *Reader) rtpInput(url string, inFmt *astiav.InputFormat, options map[string]string) (string, *astiav.InputFormat, map[string]string, error) {
	if !IsRTP(r.url) || inFmt != nil {
		return url, inFmt, options, nil
	}
	s, err := newRTPSession(r.url, r.cfg.rtpPayload, r.cfg.rtpEncoding)
	if err != nil {
		return "", nil, nil, err
	}
	at := frontOf{location: s.addr, host: s.host, port: s.port, filter: s.filter, localaddr: r.cfg.inputOptions["localaddr"]}
	if s.front, err = startRTPFront(at, r.namedOtherSender, r.frontReadFailed); err != nil {
		return "", nil, nil, err
	}
	r.rtp = s
	url, inFmt, options = s.input(options, r.cfg.inputOptions, r.cfg.ioTimeout, ioTimeoutOption(r.url))
	options["localaddr"] = "127.0.0.1" // FFmpeg's receiver hears the front alone
	return url, inFmt, options, nil
}

// findStreamInfo has FFmpeg look at the input's first packets to learn
// its streams. An rtp:// stream, or an .sdp file's, is looked at for no
// longer than its I/O timeout and rtpProbeMargin: the Reader then goes on
// with what FFmpeg found (see probedRTP, probedSessionFile).
func (r *Reader) findStreamInfo() error {
	if (r.rtp == nil && r.session == nil) || r.interrupt == nil {
		return r.fc.FindStreamInfo(nil)
	}
	limit := r.cfg.ioTimeout + rtpProbeMargin
	cut := make(chan struct{})
	timer := time.AfterFunc(limit, func() { r.interrupt.Interrupt(); close(cut) })
	err := r.fc.FindStreamInfo(nil)
	if timer.Stop() {
		return err
	}
	<-cut
	if r.rtp != nil {
		r.rtp.probeCut = true
	} else {
		r.session.probeCut = true
	}
	r.interrupt.Resume()
	if r.stopped() { // the stop's interrupt may have come first
		r.interrupt.Interrupt()
		return err
	}
	return nil // what FFmpeg found so far is told apart by probedRTP
}

// probedRTP returns the error of an rtp:// stream that FFmpeg's look at
// found nothing in: it ended by itself, at the I/O timeout of the sdp
// demuxer's wait for a packet (listen_timeout), before the Reader's cut,
// with no picture size and no timestamp. A stream without a picture size
// that was cut short is let through: packets came, and their parameter
// sets may come with a keyframe still to come (a late joiner);
// paramsetwatch.Watch fails it at a keyframe without them.
// A stop that came during the look ends the opening as it ends that of
// any input: the stream did not open.
func (r *Reader) probedRTP() error {
	if r.rtp == nil {
		return nil
	}
	if r.stopped() {
		return fmt.Errorf("%w %q: stopped while waiting for its first packets", ErrOpen, r.shown)
	}
	if r.cfg.ioTimeout == 0 {
		return nil
	}
	if !r.rtp.probeCut && r.stream.StartTime() == astiav.NoPtsValue && r.stream.CodecParameters().Width() == 0 {
		return fmt.Errorf("%w at %s: no RTP packet came for %v (is the sender running, and sending to this host and port? e.g. udpsink host=IP port=%d)",
			ErrNothingArrived, r.rtp.addr, r.cfg.ioTimeout, r.rtp.port)
	}
	return nil
}

// watchRTP fails an H.264 or H.265 rtp:// stream, or .sdp file's, whose
// first keyframe, just read into r.pkt, comes without parameter sets (see
// paramsetwatch.Watch). Other inputs pass.
func (r *Reader) watchRTP() error {
	switch {
	case r.rtp != nil && !r.rtp.watch.Done():
		return r.rtp.watch.Check(packetData(r.pkt), r.rtp.addr) // read, not kept
	case r.session != nil && !r.session.watch.Done():
		return r.session.watch.Check(packetData(r.pkt), r.shown)
	}
	return nil
}

// namedOtherSender says once that an rtp:// port's packets from other,
// another sender than its stream's, are left out, and why (rtpFront).
func (r *Reader) namedOtherSender(other netip.AddrPort, why string) {
	if log := r.logger(); log != nil {
		log.Warn().Str("location", r.shown).Stringer("other_sender", rtpsender.Unmapped(other)).Msg(why)
	}
}

// frontReadFailed warns that a read of an rtp:// port's socket failed,
// count times since the last warning (rtpFront rate-limits them): the
// stream would otherwise be lost at timeout= saying nothing of why.
func (r *Reader) frontReadFailed(err error, count uint64) {
	if log := r.logger(); log != nil {
		log.Warn().Str("location", r.shown).Err(err).Uint64("count", count).
			Msgf("reading the port failed (%d times since the last such warning): %v; its packets are lost until it reads again", count, err)
	}
}

// closeRTP ends an rtp:// Reader's front, if it has one.
func (r *Reader) closeRTP() {
	if r.rtp != nil && r.rtp.front != nil {
		r.rtp.front.close()
		r.rtp.front = nil
	}
}

// rtpOthers is how many packets an rtp:// Reader's front left out as
// other senders'.
func (r *Reader) rtpOthers() int {
	if r.rtp == nil || r.rtp.front == nil {
		return 0
	}
	return int(r.rtp.front.others.Load())
}
