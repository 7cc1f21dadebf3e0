package rtsp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/credentials"
	"github.com/gopline/gopline/internal/paramsetwatch"
	"github.com/gopline/gopline/media"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/rs/zerolog"
)

// Reader reads the H.264 video of an RTSP camera or server (Open), or what
// an RTP sender sends to a port (ListenRTP), as Packets.
// Each access unit is handed on as soon as its last RTP packet came (the
// one with the marker bit), a frame sooner than a reader that waits for
// the next unit to know the last one ended. Packets before the first
// keyframe are left out; a picture that lost packets (RTP over UDP) or
// that the stream's loss cut short is left out, with the pictures after it
// until the next keyframe, and counted in Stats.
//
// Capture times are the stream's own: the moment of its first packet plus
// each picture's RTP time since (see liveClock). A B-frame camera's
// Packets keep decode order and carry their composition offsets, their
// decode times read from their RTP times and the pictures' order counts.
//
// A Reader is not safe for concurrent use; Close may be called from any
// goroutine, and ends a ReadPacket that waits.
type Reader struct {
	url    string
	shown  string // the URL as messages show it (credentials.Redact)
	cfg    config
	client *gortsplib.Client // an RTSP session's; nil for a port (ListenRTP)
	port   *port             // a port's; nil for an RTSP session
	order  reorder           // a port's packets, put back in order
	// closeConn ends the connection, which ends its wait (watch).
	closeConn func()
	opening   *openingWatch // an RTSP session's, while it opens

	pkts    chan received
	queued  atomic.Int64  // bytes of the payloads in pkts
	drained chan struct{} // a token after ReadPacket took a packet
	done    chan struct{} // closed by Close
	ended   chan struct{} // closed when the connection ended; err says why
	err     error

	units  depacketizer
	times  rtpTime
	ssrc   uint32 // a port's sender's, which a restarted sender changes
	fresh  bool   // no packet taken yet
	sets   paramsetwatch.Watch
	failed error // the stream's own failure (its keyframes lack parameter sets)
	maker  *packetMaker
	ready  []*media.Packet // Packets of units that ended together, the oldest first
	// arrived is when the latest RTP packet taken came (Arrived).
	arrived time.Time
	// lastHeard is when the stream last sent something (heard), in Unix
	// nanoseconds; pace bounds how long it may send nothing, silence
	// times that, and silent is the silence that ended the stream.
	lastHeard atomic.Int64
	held      atomic.Bool // while the connection waits for ReadPacket (queue)
	pace      pace
	silence   *time.Timer // stopped until watchSilence arms it, and by Close
	silent    time.Duration
	logged    time.Duration // the silence bound last logged (notePace)
	clock     liveClock
	camera    cameraClock   // WithCameraClock's
	sender    senderReports // the camera's clock, as its sender reports give it
	// pinFailed is why the camera's certificate was refused (WithFingerprint).
	pinFailed atomic.Pointer[error]
	stats     Stats
	closed    sync.Once
}

// Open connects to the RTSP server at url (rtsp://[USER:PASSWORD@]HOST[:PORT]/PATH),
// asks for its first H.264 video stream and starts it, its RTP over the
// RTSP connection unless WithTransport says otherwise or the server refuses
// it (then over UDP; see WithTransport). A session without
// H.264 video gives an error wrapping ErrNotH264, and a recording of a
// known length one wrapping ErrRecorded, which a caller may take to read
// the stream another way; a server that refuses the credentials, one
// wrapping ErrUnauthorized.
func Open(url string, opts ...Option) (*Reader, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.transport != nil {
		return open(url, cfg)
	}
	// RTP over the RTSP connection unless the camera refuses it: see
	// WithTransport for what UDP costs.
	tcp := gortsplib.TransportTCP
	overTCP := cfg
	overTCP.transport = &tcp
	r, err := open(url, overTCP)
	if !errors.Is(err, ErrRefusesTCP) {
		return r, err
	}
	cfg.log.Info().Str("location", credentials.Redact(url)).
		Msg("the camera refuses RTP over its RTSP connection (TCP): over UDP, where a lost packet holds back those after it until 64 more came")
	return open(url, cfg)
}

// open opens url with cfg's transport, or UDP then TCP when it has none.
func open(url string, cfg config) (*Reader, error) {
	r := newReader(url, cfg)
	u, err := base.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrOpen, r.shown, err)
	}
	if u.Scheme != "rtsp" && u.Scheme != "rtsps" {
		return nil, fmt.Errorf("%w %q: not an rtsp:// or rtsps:// URL", ErrOpen, r.shown)
	}
	r.client = &gortsplib.Client{
		Scheme: u.Scheme, Host: u.Host, Transport: cfg.transport,
		// rtsps://: RTSP, and the RTP in it, over TLS, the camera's
		// certificate taken as it is, as FFmpeg (tls_verify=0) and VLC take
		// it: cameras make their own, which nothing could check; unless it
		// is pinned (WithFingerprint).
		TLSConfig: &tls.Config{InsecureSkipVerify: true, VerifyConnection: r.checkFingerprint},
		// The opening's waits are bounded by openingWatch, the stream's
		// silence by the camera's pace (see pace): none by the client.
		ReadTimeout: noClientTimeout, WriteTimeout: cfg.timeout, UserAgent: "gopline",
		OnTransportSwitch: func(err error) { r.log().Info().Str("location", r.shown).Msg(err.Error()) },
		OnPacketsLost:     func(uint64) {}, // counted from the sequence numbers, where the pictures they hit are known
		OnDecodeError:     func(err error) { r.log().Debug().Str("location", r.shown).Err(err).Msg("RTSP") },
	}
	if err := r.startClient(); err != nil {
		return nil, err
	}
	if err := r.start(u); err != nil {
		r.client.Close()
		return nil, err
	}
	r.closeConn = r.client.Close
	go r.watch(r.client.Wait)
	return r, nil
}

// newReader returns a Reader of url yet to be connected.
func newReader(url string, cfg config) *Reader {
	silence := time.NewTimer(time.Hour)
	silence.Stop()
	return &Reader{url: url, shown: credentials.Redact(url), cfg: cfg, pkts: make(chan received, queuedPackets),
		drained: make(chan struct{}, 1), done: make(chan struct{}), ended: make(chan struct{}), fresh: true,
		pace: pace{timeout: cfg.timeout, given: cfg.pace}, silence: silence}
}

// noClientTimeout is the RTSP client's read timeout, which the Reader
// does not use (openingWatch, pace).
const noClientTimeout = 24 * time.Hour

// startClient starts the RTSP client, its opening watched (openingWatch).
func (r *Reader) startClient() error {
	r.opening = watchOpening(r.cfg.timeout, r.client.Close)
	r.client.OnRequest = func(*base.Request) { r.opening.progress(r.cfg.timeout) }
	r.client.OnResponse = func(*base.Response) { r.opening.progress(r.cfg.timeout) }
	if err := r.client.Start2(); err != nil {
		r.opening.over() // its end would close a client that never started
		return fmt.Errorf("%w %q: %w", ErrOpen, r.shown, redacted{err})
	}
	return nil
}

// start connects, describes, sets up and plays the session's H.264 stream,
// giving up when the stop channel closes.
func (r *Reader) start(u *base.URL) error {
	steps := make(chan error, 1)
	go func() { steps <- r.setUp(u) }()
	select {
	case err := <-steps:
		if r.opening.over() {
			return fmt.Errorf("%w %q: no answer for %v (timeout=)", ErrOpen, r.shown, r.cfg.timeout)
		}
		if err == nil {
			r.heard(r.cfg.now()) // its silence counts from PLAY's answer
		}
		return err
	case <-r.cfg.stop:
		r.opening.over()
		r.client.Close() // the step under way fails at once
		<-steps
		return fmt.Errorf("%w %q: stopped while opening it", ErrOpen, r.shown)
	}
}

func (r *Reader) setUp(u *base.URL) error {
	desc, res, err := r.client.Describe(u)
	if err != nil {
		return r.refused(err)
	}
	if end, ok := recordingEnd(res.Body); ok {
		return fmt.Errorf("%w: %q is %s long (its range)", ErrRecorded, r.shown, end)
	}
	var forma *format.H264
	medi := desc.FindFormat(&forma)
	if medi == nil {
		return fmt.Errorf("%w: %q offers %s", ErrNotH264, r.shown, offered(desc))
	}
	if forma.PacketizationMode > 1 {
		return fmt.Errorf("%w: %q sends H.264 in RTP's interleaved mode", ErrNotH264, r.shown)
	}
	r.maker = newPacketMaker(&r.stats, forma.SPS, forma.PPS)
	r.sets.Off = len(forma.SPS) > 0 && len(forma.PPS) > 0 // out of band
	r.maker.width, r.maker.height, _ = h264.PictureSize([][]byte{forma.SPS})
	if _, err := r.client.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		return r.refusedSetup(err)
	}
	if r.cfg.camera {
		r.client.OnPacketRTCP(medi, func(pkt rtcp.Packet) {
			if sr, ok := pkt.(*rtcp.SenderReport); ok {
				r.sender.add(sr.NTPTime, sr.RTPTime)
			}
		})
	}
	r.client.OnPacketRTP(medi, forma, func(pkt *rtp.Packet) { r.queue(pkt) })
	if _, err := r.client.Play(nil); err != nil {
		return r.refused(err)
	}
	return nil
}

// recordingEnd returns the end of a session description's range
// (a=range:npt=START-END, RFC 2326 C.1.5) when it has one: the session is
// a recording that ends there, where a live one's range is open
// ("npt=0-", "npt=now-").
func recordingEnd(sdp []byte) (string, bool) {
	for _, line := range strings.Split(string(sdp), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=range:npt=")
		if !ok {
			continue
		}
		if _, end, _ := strings.Cut(v, "-"); end != "" {
			if d, err := strconv.ParseFloat(end, 64); err == nil && d > 0 {
				return (time.Duration(d * float64(time.Second))).String(), true
			}
		}
	}
	return "", false
}

// offered names the formats of a session's media, for the error of one
// without H.264 video.
func offered(desc *description.Session) string {
	var names []string
	for _, m := range desc.Medias {
		for _, f := range m.Formats {
			names = append(names, f.Codec())
		}
	}
	if len(names) == 0 {
		return "no media"
	}
	return strings.Join(names, ", ")
}

// watch notes why the connection ended, once wait returns.
func (r *Reader) watch(wait func() error) {
	r.err = wait()
	close(r.ended)
}

// Stats returns what the Reader left out so far.
func (r *Reader) Stats() Stats {
	st := r.stats
	st.Restarts += r.clock.jumps
	if r.port != nil {
		st.OtherSenders = int(r.port.others.Load())
	}
	return st
}

// Waiting reports whether packets have come that ReadPacket has not handed
// on yet: a reader that is behind its camera. Call it from ReadPacket's
// goroutine.
func (r *Reader) Waiting() bool { return len(r.ready) > 0 || len(r.pkts) > 0 }

// Arrived returns when the latest RTP packet ReadPacket took came, by the
// Reader's clock (WithClock): the picture it last handed on came then or
// before. Unlike a picture's capture time, it does not drift with the
// camera's clock. Call it from ReadPacket's goroutine.
func (r *Reader) Arrived() time.Time { return r.arrived }

// ReadPacket returns the next access unit, or io.EOF once the stop channel
// closed or Close was called. A connection that drops or goes silent
// for the timeout gives an error wrapping ErrStreamLost, after the
// pictures that came whole before it.
func (r *Reader) ReadPacket() (*media.Packet, error) {
	for {
		if len(r.ready) > 0 {
			p := r.ready[0]
			r.ready[0] = nil
			r.ready = r.ready[1:]
			return p, nil
		}
		if r.failed != nil {
			return nil, r.failed
		}
		var in received
		var giveUp <-chan time.Time // on packets held after a gap (a timer left running is collected)
		if due, ok := r.order.due(); ok {
			giveUp = time.After(max(due.Sub(r.cfg.now()), 0))
		}
		silent := r.watchSilence()
		select {
		case in = <-r.pkts:
		case <-silent:
			r.checkSilence()
			continue
		case <-giveUp:
			r.takeAll(r.order.flush())
			continue
		case <-r.done:
			r.silence.Stop()
			return nil, io.EOF
		case <-r.cfg.stop:
			return nil, io.EOF
		case <-r.ended:
			select {
			case in = <-r.pkts: // what came before the end first
			case <-r.done: // closed: the end is Close's
				r.silence.Stop()
				return nil, io.EOF
			default:
				if held := r.order.flush(); len(held) > 0 {
					r.takeAll(held)
					continue
				}
				return nil, r.lost()
			}
		}
		r.queued.Add(-int64(len(in.pkt.Payload)))
		select {
		case r.drained <- struct{}{}:
		default:
		}
		if r.port == nil {
			r.take(in) // an RTSP session's: in order (TCP, or the RTSP client's reordering over UDP)
			continue
		}
		r.takeAll(r.order.push(in))
	}
}

// takeAll takes packets in turn.
func (r *Reader) takeAll(ins []received) {
	for _, in := range ins {
		r.take(in)
	}
}

// take puts one RTP packet into the unit under way, and the Packets of the
// units it ends in ready.
func (r *Reader) take(in received) {
	r.arrived = in.at
	if !r.units.open || in.pkt.Timestamp != r.units.curTS {
		r.pace.picture(in.at) // a picture begins
		if r.pace.known() {
			r.notePace()
		}
	}
	if r.port != nil && !r.fresh && in.pkt.SSRC != r.ssrc {
		// Only a port's: an RTSP session is one sender's, and a new one
		// is a new session; its packets' numbers and times speak for
		// themselves.
		r.restart()
	}
	r.fresh, r.ssrc = false, in.pkt.SSRC
	if gap := int16(in.pkt.SequenceNumber - r.units.next); r.units.started && gap > 0 {
		r.stats.LostPackets += int(gap)
	}
	units, err := r.units.push(in.pkt)
	if errors.Is(err, errLate) {
		return // a duplicate, or one that came after its gap was taken for a loss
	}
	if err != nil {
		r.log().Debug().Str("location", r.shown).Err(err).Uint16("rtp_seq", in.pkt.SequenceNumber).Msg("RTP packet refused")
	}
	at := r.times.unwrap(in.pkt.Timestamp)
	for _, au := range units {
		if err := r.checkSets(au); err != nil {
			r.failed = err
			return
		}
		// A unit that a new timestamp ended is before the packet's own.
		pts := at - int64(int32(in.pkt.Timestamp-au.timestamp))
		p, dts := r.maker.packet(au, pts)
		if p == nil {
			continue
		}
		// The clock follows decode times, which come in order; a B-frame
		// camera's pictures are presented later by their offsets.
		p.CompositionOffset = ticks(pts - dts)
		p.CaptureTime = r.clock.at(dts, in.at).Add(p.CompositionOffset)
		if r.cfg.camera {
			// The camera's time of the picture's RTP time (its
			// presentation), from that of the packet that ended it.
			var ok bool
			if p.CaptureTime, ok = r.camera.at(p, in, au.timestamp, r.shown, r.log()); !ok {
				r.stats.BeforeKeyframe++
				continue
			}
		}
		r.ready = append(r.ready, p)
	}
}

// checkSets watches au, when whole (a broken one says nothing of the
// sender), for keyframes that come without their parameter sets
// (paramsetwatch).
func (r *Reader) checkSets(au accessUnit) error {
	if !au.whole {
		return nil
	}
	return r.sets.CheckUnits(au.nalus, r.shown)
}

// restart begins the stream anew for a sender that restarted (its
// synchronization source changed): its first packets start a new Epoch at
// its first keyframe, timed from the moment they came.
func (r *Reader) restart() {
	sets := r.maker.params // the sender's, until its keyframes bring new ones
	r.units, r.times = depacketizer{}, rtpTime{}
	r.maker = newPacketMaker(&r.stats, nil, nil)
	r.maker.params = sets
	r.clock.started = false
	r.stats.Restarts++
}

// Close ends the session and frees what the Reader holds.
func (r *Reader) Close() error {
	r.closed.Do(func() {
		close(r.done)
		r.closeConn()
		<-r.ended
		// Made once, never replaced: stopped from any goroutine; a
		// ReadPacket under way may arm it again, and stops it at done.
		r.silence.Stop()
	})
	return nil
}

func (r *Reader) log() *zerolog.Logger { return &r.cfg.log }
