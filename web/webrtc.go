package web

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/webrtc/v4"
)

// playoutDelayURI is the RTP header extension by which a sender tells the
// browser how long to buffer before showing a picture; gopline says 0, so
// the newest replayed picture is shown as soon as it decodes.
const playoutDelayURI = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"

// ICE timeouts of a viewer's connection: a viewer that vanished without a
// DELETE is found out and its session ended within iceFailed.
const (
	iceDisconnected = 5 * time.Second
	iceFailed       = 10 * time.Second
	iceKeepalive    = 2 * time.Second
)

// h264Codec is what gopline sends: H.264 as encoded, packetization mode 1.
// Browsers offer several profiles; the stream's own (often High) decodes
// under any of them, since the profile in the SDP only says what the
// receiver can take at least.
var h264Codec = webrtc.RTPCodecCapability{
	MimeType: webrtc.MimeTypeH264, ClockRate: videoClockRate,
	SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
	RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}},
}

// viewerAPI says how a viewer's pion API is made.
type viewerAPI struct {
	// keepIP, when set, limits the candidates to the addresses it keeps.
	keepIP func(net.IP) bool
	// tune, when set, adjusts the setting engine after gopline's settings.
	tune func(*webrtc.SettingEngine)
	// estimated, when set, runs the send-side bandwidth estimator on every
	// connection made with the API and is given it as the connection is
	// made (in NewPeerConnection).
	estimated func(cc.BandwidthEstimator)
	// resends, when set, keeps every connection's NACKs within a
	// resendLedger and is given the connection's guard as it is made.
	resends func(*resendGuard)
	// resendWarn limits the warnings of refused resends across the
	// viewers of a handler (resendwarn.go); nil lets each through.
	resendWarn *warnLimiter
	// unpacedRepairs sends as gopline did before resends shared the
	// viewer's pace and its feedback could cap it (sendPace,
	// deliveryCap): resends go at once, the pace follows the estimate
	// alone. Benchmarks set it to compare (Config.asBefore).
	unpacedRepairs bool
	// capReleaseAtOnce ends a viewer's delivery cap without its ramp
	// (deliveryCap.releaseAtOnce). Benchmarks set it to compare
	// (Config.asBefore).
	capReleaseAtOnce bool
}

// sendingAsBefore has a node send its viewers as gopline did before a
// change (viewerAPI's fields of the same names), so that a benchmark
// compares both in one run. It is set in the Config given to New, so that
// it is fixed before the handler serves its first offer.
type sendingAsBefore struct {
	unpacedRepairs, capReleaseAtOnce bool
}

// viewerAPI returns how the viewers' connections of a handler of c are
// made.
func (c Config) viewerAPI() viewerAPI {
	return viewerAPI{keepIP: c.KeepIP, tune: c.WebRTCSettings, resendWarn: newWarnLimiter(clientWarnEvery),
		unpacedRepairs: c.asBefore.unpacedRepairs, capReleaseAtOnce: c.asBefore.capReleaseAtOnce}
}

// newWebRTCAPI returns a pion API of viewer connections as gopline makes
// them, without the bandwidth estimator.
func newWebRTCAPI(keepIP func(net.IP) bool) (*webrtc.API, error) {
	return viewerAPI{keepIP: keepIP}.new()
}

// new returns the pion API a viewer's connection is made with: H.264 with
// NACK, PLI and FIR, the playout-delay extension, pion's default
// interceptors (NACK retransmission, RTCP reports, TWCC feedback of what
// it receives), with resends the resendGuard in front of the NACK
// responder, and, with estimated, transport-wide sequence numbers on
// what it sends and Google Congestion Control's send-side estimator of
// the feedback; ICE over UDP with host candidates, loopback included, no
// mDNS, and gopline the DTLS server.
func (v viewerAPI) new() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: h264Codec, PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("web: H.264 codec: %w", err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: playoutDelayURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("web: playout-delay extension: %w", err)
	}
	ir := &interceptor.Registry{}
	if v.estimated != nil {
		if err := addEstimator(m, ir, v.estimated); err != nil {
			return nil, fmt.Errorf("web: bandwidth estimator: %w", err)
		}
	}
	if v.resends != nil { // before the NACK responder, which reads the NACKs it struck
		ir.Add(resendGuardFactory{made: v.resends})
	}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("web: interceptors: %w", err)
	}
	se, err := v.settings()
	if err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// addEstimator adds Google Congestion Control's send-side estimator, fed
// by the viewer's TWCC feedback, and the transport-wide sequence numbers
// it needs on every packet sent. The estimator is first in the registry,
// so that its writer runs after the one that numbers the packets; its
// own pacer is a pass-through: the session paces its writes and resends
// (sendPace).
func addEstimator(m *webrtc.MediaEngine, ir *interceptor.Registry, estimated func(cc.BandwidthEstimator)) error {
	f, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(initialEstimate), gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
	})
	if err != nil {
		return err
	}
	f.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) { estimated(e) })
	ir.Add(f)
	return webrtc.ConfigureTWCCHeaderExtensionSender(m, ir)
}

// settings returns the setting engine of viewer connections.
func (v viewerAPI) settings() (webrtc.SettingEngine, error) {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICETimeouts(iceDisconnected, iceFailed, iceKeepalive)
	if v.keepIP != nil {
		se.SetIPFilter(v.keepIP)
	}
	// The browser is the DTLS client: it starts the handshake as soon as
	// its own ICE check succeeds, rather than wait for gopline's agent to
	// accept its nomination, and its retransmission timer, not pion's 1 s,
	// recovers a lost flight. DTLS's cookie exchange (HelloVerifyRequest)
	// is skipped: it proves the client's address, which ICE's checks,
	// signed with the session's password, have proved already; it would
	// cost a round trip.
	if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleServer); err != nil {
		return se, fmt.Errorf("web: DTLS role: %w", err)
	}
	se.SetDTLSInsecureSkipHelloVerify(true)
	if v.tune != nil {
		v.tune(&se)
	}
	return se, nil
}

// LoopbackOnly keeps loopback addresses only: a viewer on the same host
// (tests, a local browser) connects over loopback and nothing else is
// offered.
func LoopbackOnly(ip net.IP) bool { return ip.IsLoopback() }
