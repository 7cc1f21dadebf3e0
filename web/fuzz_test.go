package web

import (
	"errors"
	"testing"

	"github.com/pion/webrtc/v4"
)

// A browser's offer, trimmed: what a real client sends.
const chromeOffer = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
	"a=msid-semantic: WMS\r\nm=video 9 UDP/TLS/RTP/SAVPF 102 103\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
	"a=setup:actpass\r\na=mid:0\r\na=extmap:12 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n" +
	"a=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n" +
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\na=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"

// FuzzOffer feeds checkOffer, and pion after it, what a client may POST:
// neither may panic, and an offer refused is refused as a bad offer.
func FuzzOffer(f *testing.F) {
	f.Add([]byte(chromeOffer))
	f.Add([]byte("v=0\r\n"))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 0\r\n"))
	api, err := newWebRTCAPI(LoopbackOnly)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, offer []byte) {
		if err := checkOffer(offer); err != nil {
			if !errors.Is(err, errBadOffer) {
				t.Fatalf("refused, but not as a bad offer: %v", err)
			}
			return
		}
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		_ = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)})
	})
}

// FuzzClientMessage feeds the Foxglove client-message parser: it never
// panics, and what it accepts is an operation gopline serves, within the
// bounds.
func FuzzClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"op":"subscribe","subscriptions":[{"id":0,"channelId":1}]}`,
		`{"op":"unsubscribe","subscriptionIds":[0,1]}`,
		`{"op":"getParameters","parameterNames":[]}`,
		`{"op":"subscribe","subscriptions":[{"id":-1,"channelId":1e99}]}`,
		`{"op":1}`, `[]`, `{}{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseClientMessage(b)
		if err != nil {
			if !errors.Is(err, errClientMessage) && !errors.Is(err, errUnknownOp) {
				t.Fatalf("an error of neither kind: %v", err)
			}
			return
		}
		switch m.Op {
		case "subscribe":
			if n := len(m.Subscriptions); n == 0 || n > maxSubscriptions {
				t.Fatalf("accepted %d subscriptions", n)
			}
		case "unsubscribe":
			if n := len(m.SubscriptionIDs); n == 0 || n > maxSubscriptions {
				t.Fatalf("accepted %d subscription ids", n)
			}
		default:
			t.Fatalf("accepted op %q", m.Op)
		}
	})
}
