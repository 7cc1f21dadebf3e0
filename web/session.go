package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// rtpMTU is the size of the RTP packets a picture is cut into: below the
// path MTU of any network a viewer is on, with room for SRTP and the
// header extensions.
const rtpMTU = 1200

// connectTimeout ends a session whose viewer never connects (an offer
// posted and abandoned): a browser connects within a second or two, over
// any network a viewer is on without a relay.
const connectTimeout = 10 * time.Second

// playoutDelayZero is the playout-delay extension's payload for a minimum
// and maximum delay of 0: render each picture as soon as it decodes.
var playoutDelayZero = []byte{0, 0, 0}

// errNotH264 ends a viewer of a topic whose packets are not H.264.
var errNotH264 = errors.New("web: the topic's packets are not H.264; WebRTC viewers need H.264")

// whepSession is one WebRTC viewer: its peer connection, its track, and
// from the moment it connects, its feed of the topic.
type whepSession struct {
	id, topic string
	pc        *webrtc.PeerConnection
	track     *webrtc.TrackLocalStaticRTP
	sender    *webrtc.RTPSender
	log       zerolog.Logger

	// Only the feed's writer uses these.
	packetizer rtp.Packetizer
	clock      *rtpClock
	delayExt   uint8 // the playout-delay extension's id, 0 when not negotiated
	sentOne    bool  // a picture was sent
	skip       deltaSkip
	// pacer is the viewer's pace on the wire, shared with its resends
	// (resendGuard) and capped while its feedback says most of what it is
	// sent is lost (deliveryCap). noCap: the cap is off and resends are
	// not paced (viewerAPI.unpacedRepairs).
	pacer sendPace
	noCap bool
	// keyframesOnly: the viewer's estimate, or without one its reports of
	// loss, say its link does not carry the stream, and it is sent
	// keyframes only (lossPacer).
	keyframesOnly atomic.Bool
	// bwe estimates the viewer's link's bandwidth from its transport-wide
	// feedback; feedback says that some came. closing is closed by Close:
	// a write waiting for its pace returns.
	bwe      cc.BandwidthEstimator
	feedback atomic.Bool
	// carries: the last sample of the estimate found it above the stream's
	// bitrate; the viewer is paced at burstPace times it.
	carries atomic.Bool
	// resends keeps the viewer's NACKs within its resend budget.
	resends *resendGuard
	closing chan struct{}
	bus     *transport.Bus

	mu        sync.Mutex
	feed      *feed
	closed    bool
	forget    func(id string) // removes the session from its handler's list
	ignorePLI bool
	trace     JoinTrace
	traced    func(JoinTrace) // called once, when the first picture is sent
	observed  func(topic string, p *media.Packet) streamOrder
	reordered bool       // the feed's actor's alone: the topic turned out to have B-frames
	status    ViewerInfo // what the estimate watch saw last
	// refusals: when the estimate watch warns of the viewer's refused
	// resends, once, unless resendWarn holds it back.
	refusals   refusalWatch
	resendWarn *warnLimiter
	// The RTCP reader's alone: the viewer's receiver reports, and whom to
	// tell of those that say it lost much of the stream.
	loss  lossWatch
	lossy func(lossReport)
	// pace says whether the viewer's stream is thinned to keyframes: fed
	// its estimate each estimateEvery (watch) once it sends transport-wide
	// feedback, its receiver reports (readRTCP) before that or without.
	paceMu sync.Mutex
	pace   lossPacer
	// The RTCP reader's alone: how the viewer's picture loss reports are
	// answered.
	pli pliRule
}

// JoinTrace is when each step of a WebRTC viewer's join happened on the
// server: what its browser cannot see. Config.Trace is given one per
// viewer, when the viewer's first picture is sent.
type JoinTrace struct {
	// Session is the session's id, the last part of its Location.
	Session string
	// Offer: the offer was read; Answered: the answer was made, with every
	// candidate.
	Offer, Answered time.Time
	// ICEConnected: ICE found a working pair; Connected: DTLS completed on
	// it too, and the viewer's feed starts.
	ICEConnected, Connected time.Time
	// FirstPicture: the first picture's packets went to the track (the
	// cached GOP's keyframe, or the first keyframe of a volatile topic).
	FirstPicture time.Time
}

// sessionParams is what a new session needs from its handler.
type sessionParams struct {
	api    viewerAPI
	system *actor.ActorSystem
	bus    *transport.Bus
	topic  string
	qos    *qos.Profile
	// addr is the viewer's address, for the topic's stats.
	addr      netip.Addr
	ignorePLI bool
	log       zerolog.Logger
	forget    func(id string)
	// connected is called once, when the viewer connects (ICE and DTLS
	// done).
	connected func()
	trace     func(JoinTrace) // may be nil
	// observed is shown every packet the viewer's feed receives and
	// returns what is known of the topic's order (Handler.observed).
	observed func(topic string, p *media.Packet) streamOrder
	// lossy is told each receiver report of the viewer's that says it
	// lost lossyFraction of the stream or more; it may be nil.
	lossy func(lossReport)
}

// newSessionID returns a random session id, the last part of the session's
// URL: a tag, which names the session where others see it (/api/topics,
// the topic's subscribers, the log), a dot, and a secret that only the
// viewer, given the URL, knows. Ending a session (DELETE) takes the whole
// id, so that whoever reads the topic's viewers cannot end one.
func newSessionID() string {
	var tag [6]byte
	var secret [16]byte
	_, _ = rand.Read(tag[:]) // crypto/rand.Read never fails
	_, _ = rand.Read(secret[:])
	return hex.EncodeToString(tag[:]) + "." + hex.EncodeToString(secret[:])
}

// sessionTag is the tag of a session id (newSessionID): its public part.
func sessionTag(id string) string {
	tag, _, _ := strings.Cut(id, ".")
	return tag
}

// newWHEPSession answers offer: it returns the session, whose answer is its
// peer connection's local description. The feed starts when the viewer
// connects.
func newWHEPSession(p sessionParams, offer string) (*whepSession, error) {
	offered := time.Now()
	s := &whepSession{id: newSessionID(), topic: p.topic, log: p.log, forget: p.forget, ignorePLI: p.ignorePLI,
		traced: p.trace, observed: p.observed, lossy: p.lossy, bus: p.bus, closing: make(chan struct{})}
	pc, err := s.newPeerConnection(p.api)
	if err != nil {
		return nil, err
	}
	s.trace.Session, s.trace.Offer = s.id, offered
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateConnected {
			s.mu.Lock()
			s.trace.ICEConnected = time.Now()
			s.mu.Unlock()
		}
	})
	if err := s.negotiate(offer); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("%w: %v", errBadOffer, err)
	}
	ssrc := uint32(0)
	if enc := s.sender.GetParameters().Encodings; len(enc) > 0 {
		ssrc = uint32(enc[0].SSRC)
	}
	s.loss = lossWatch{ssrc: ssrc}
	s.packetizer = rtp.NewPacketizer(rtpMTU, 0, ssrc, &codecs.H264Payloader{}, rtp.NewRandomSequencer(), videoClockRate)
	s.clock = newRTPClock(time.Now(), randomUint32())
	for _, ext := range s.sender.GetParameters().HeaderExtensions {
		if ext.URI == playoutDelayURI {
			s.delayExt = uint8(ext.ID)
		}
	}
	s.mu.Lock()
	s.trace.Answered = time.Now()
	s.mu.Unlock()
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) { s.stateChanged(p, st) })
	go s.readRTCP()
	time.AfterFunc(connectTimeout, func() {
		if pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
			s.Close()
		}
	})
	return s, nil
}

// newPeerConnection makes the viewer's connection with a bandwidth
// estimator and a resend guard of its own.
func (s *whepSession) newPeerConnection(api viewerAPI) (*webrtc.PeerConnection, error) {
	api.estimated = func(e cc.BandwidthEstimator) { s.bwe = e }
	api.resends = func(g *resendGuard) {
		s.resends = g
		if !api.unpacedRepairs {
			g.paceResends(&s.pacer, s.paceRate, s.closing)
		}
	}
	s.noCap, s.resendWarn = api.unpacedRepairs, api.resendWarn
	s.pacer.cap.releaseAtOnce = api.capReleaseAtOnce
	a, err := api.new()
	if err != nil {
		return nil, err
	}
	pc, err := a.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	if s.bwe == nil || s.resends == nil {
		_ = pc.Close()
		return nil, errors.New("web: the viewer's connection was made without its bandwidth estimator or its resend guard")
	}
	s.pc = pc
	return pc, nil
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// errNoVideo is a refused offer: it asks for no H.264 video gopline can send.
var errNoVideo = errors.New("the offer has no video section with H.264 (packetization-mode=1) to receive")

// negotiate adds the track, takes the offer and makes the answer, with
// every ICE candidate in it (WHEP without trickle).
func (s *whepSession) negotiate(offer string) error {
	track, err := webrtc.NewTrackLocalStaticRTP(h264Codec, "video", "gopline")
	if err != nil {
		return err
	}
	s.track = track
	if s.sender, err = s.pc.AddTrack(track); err != nil {
		return err
	}
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return err
	}
	if len(s.sender.GetParameters().Codecs) == 0 {
		return errNoVideo
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return err
	}
	<-gathered
	return nil
}

// Answer is the SDP answer to the viewer's offer.
func (s *whepSession) Answer() string { return s.pc.LocalDescription().SDP }

func (s *whepSession) stateChanged(p sessionParams, st webrtc.PeerConnectionState) {
	switch st {
	case webrtc.PeerConnectionStateConnected:
		if p.connected != nil {
			p.connected()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || s.feed != nil {
			return
		}
		s.trace.Connected = time.Now()
		f, err := startFeed(p.system, feedConfig{bus: p.bus, topic: p.topic, qos: p.qos, name: whepViewerName(p.addr, sessionTag(s.id)),
			write: s.writePacket, waitForKeyframe: p.ignorePLI,
			observe: s.observe, ended: func(error) { go s.Close() }, log: p.log})
		if err != nil {
			s.log.Warn().Err(err).Str("topic", p.topic).Msg("viewer: cannot subscribe")
			go s.Close()
			return
		}
		s.feed = f
		go s.watch()
	case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		go s.Close()
	}
}

// observe shows the handler a packet the feed received and ends the
// session at the first packet out of display order (B-frames), which
// WebRTC cannot carry: a topic not yet known to have them when the viewer
// joined. It runs on the feed's actor.
func (s *whepSession) observe(p *media.Packet) {
	if s.observed != nil && s.observed(s.topic, p) == orderReordered && !s.reordered {
		s.reordered = true
		s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).Msg("viewer: B-frames, which WebRTC cannot carry: the session ends")
		go s.Close()
	}
}

// writePacket sends one access unit: its NAL units in RTP packets (SPS and
// PPS, in front of each IDR in gopline's Annex B, go first in one STAP-A),
// all with the timestamp of now and, when negotiated, a playout delay of 0.
func (s *whepSession) writePacket(p *media.Packet) error {
	if p.Codec != media.H264 {
		return errNotH264
	}
	if s.skip.skip(p.Key, s.keyframesOnly.Load()) {
		return nil
	}
	ts := s.clock.stamp(time.Now())
	for _, pkt := range s.packetizer.Packetize(p.Data, 0) {
		pkt.Timestamp = ts
		if s.delayExt != 0 {
			if err := pkt.Header.SetExtension(s.delayExt, playoutDelayZero); err != nil {
				return err
			}
		}
		if err := s.waitToSend(pkt.MarshalSize()); err != nil {
			return err
		}
		if err := s.track.WriteRTP(pkt); err != nil {
			return err
		}
	}
	if !s.sentOne {
		s.sentOne = true
		s.firstPictureSent(time.Now())
	}
	return nil
}

// firstPictureSent completes the session's JoinTrace and gives it out.
func (s *whepSession) firstPictureSent(at time.Time) {
	s.mu.Lock()
	s.trace.FirstPicture = at
	t := s.trace
	s.mu.Unlock()
	s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).Dur("answered", t.Answered.Sub(t.Offer)).
		Dur("ice_connected", t.ICEConnected.Sub(t.Offer)).Dur("connected", t.Connected.Sub(t.Offer)).
		Dur("first_picture", t.FirstPicture.Sub(t.Offer)).Msg("viewer: first picture sent")
	if s.traced != nil {
		s.traced(t)
	}
}

// readRTCP answers the viewer's picture loss reports (PLI, FIR) as its
// pliRule says: at most one a second, with a keyframe request to the topic
// (which replays its cache when that repairs the viewer's picture, and
// asks the encoder otherwise) at most once per replayInterval, and to the
// encoder between. It tells of the receiver reports that say the viewer
// lost much of the stream. NACKs are pion's interceptors' to answer.
func (s *whepSession) readRTCP() {
	for {
		pkts, _, err := s.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt := pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.pictureLost(time.Now())
			case *rtcp.ReceiverReport:
				s.received(pkt)
			case *rtcp.TransportLayerCC:
				s.feedback.Store(true)
				if !s.noCap {
					s.delivered(time.Now(), pkt)
				}
			}
		}
	}
}

// received takes one of the viewer's receiver reports.
func (s *whepSession) received(rr *rtcp.ReceiverReport) {
	r, lossy, ok := s.loss.report(rr)
	if !ok {
		return
	}
	if !s.feedback.Load() { // the estimate, when there is one, paces the viewer
		s.paceMu.Lock()
		s.paced(s.pace.report(time.Now(), lossy), func() string { return thinnedViewer(s.topic, r) })
		s.paceMu.Unlock()
	}
	if !lossy {
		return
	}
	s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).Int("lost_percent", r.Percent()).Uint32("lost", r.Total).
		Msg("viewer: the viewer reports lost packets")
	if s.lossy != nil {
		s.lossy(r)
	}
}

// paced carries out a change of how the viewer is sent, which why says
// the reason of: it says so at the default level the first time the
// viewer is sent keyframes only, at debug level after that. The caller
// holds paceMu.
func (s *whepSession) paced(c paceChange, why func() string) {
	switch c {
	case paceThin:
		s.keyframesOnly.Store(true)
		ev := s.log.Debug()
		if s.pace.thinned == 1 {
			ev = s.log.Warn()
		}
		ev.Str("topic", s.topic).Str("session", sessionTag(s.id)).Dur("hold", s.pace.hold).Msg(why())
	case paceFull:
		s.keyframesOnly.Store(false)
		s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).
			Msg("viewer: the viewer's estimate or reports show it keeps up again; it is sent the whole stream from the next keyframe")
	}
}

// thinnedViewer says why a WebRTC viewer of topic, whose last report said
// r, is sent keyframes only.
func thinnedViewer(topic string, r lossReport) string {
	return fmt.Sprintf("WebRTC viewer of %s lost a tenth of its packets or more in %d reports in a row (the last: %v): "+
		"its link does not carry the stream, so the node sends it keyframes only, one picture a GOP, "+
		"until %d reports in a row show it keeps up", topic, lossyReportsToThin, r, clearReportsToResume)
}

// pictureLost answers one of the viewer's picture loss reports, received
// at now.
func (s *whepSession) pictureLost(now time.Time) {
	s.mu.Lock()
	f := s.feed
	s.mu.Unlock()
	if f == nil || s.ignorePLI {
		return
	}
	a := s.pli.answer(now)
	switch a {
	case pliFromTopic:
		f.RequestKeyframe()
	case pliFromEncoder:
		f.RequestEncoderKeyframe()
	default:
		return
	}
	s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).Stringer("answer", a).
		Uint64("from_topic", s.pli.count(pliFromTopic)).Uint64("from_encoder", s.pli.count(pliFromEncoder)).
		Uint64("held", s.pli.count(pliHeld)).Msg("viewer: picture loss reported; a keyframe is asked for")
}

func (s *whepSession) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close ends the session: the peer connection, then the feed. Closing
// twice does nothing more.
func (s *whepSession) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	f := s.feed
	s.mu.Unlock()
	_ = s.pc.Close()
	if f != nil {
		f.Stop()
	}
	s.forget(s.id)
}
