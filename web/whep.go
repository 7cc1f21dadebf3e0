package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

// URL paths of WHEP: a viewer POSTs its offer to whepPrefix + the topic's
// name without its leading slash, and DELETEs the Location it is given,
// sessionPrefix + the session's id.
const (
	whepPrefix    = "/whep/"
	sessionPrefix = "/whep-session/"
)

// maxOfferBytes bounds an SDP offer. A browser's offer is a few kilobytes;
// this leaves room for many candidates and codecs, and no more.
const maxOfferBytes = 64 << 10

// errBadOffer wraps what is wrong with an offer that is not SDP gopline
// can answer.
var errBadOffer = errors.New("bad SDP offer")

// checkOffer parses an SDP offer and checks that it asks to receive
// video in H.264 of packetization mode 1, which is what gopline sends: a
// section that only sends or is inactive receives nothing, and a player
// of mode 0 alone (one NAL unit a packet) could not take gopline's
// fragments, and would show nothing. It is the first thing to see a
// client's bytes, before pion does.
func checkOffer(offer []byte) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(string(offer)); err != nil {
		return fmt.Errorf("%w: %v", errBadOffer, err)
	}
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media == "video" && receives(m) && offersH264Mode1(m) {
			return nil
		}
	}
	return fmt.Errorf("%w: %v", errBadOffer, errNoVideo)
}

// receives reports whether an offer's media section asks to receive:
// sendrecv (the default) or recvonly, not sendonly or inactive.
func receives(m *sdp.MediaDescription) bool {
	for _, a := range m.Attributes {
		if a.Key == sdp.AttrKeySendOnly || a.Key == sdp.AttrKeyInactive {
			return false
		}
	}
	return true
}

// offersH264Mode1 reports whether an offer's media section offers H.264
// with packetization-mode=1 (a format whose fmtp does not say is mode 0).
func offersH264Mode1(m *sdp.MediaDescription) bool {
	h264 := map[string]bool{}
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		pt, codec, _ := strings.Cut(a.Value, " ")
		if name, _, _ := strings.Cut(codec, "/"); strings.EqualFold(name, "H264") {
			h264[pt] = true
		}
	}
	for _, a := range m.Attributes {
		if a.Key != "fmtp" {
			continue
		}
		pt, params, _ := strings.Cut(a.Value, " ")
		if !h264[pt] {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			if k, v, _ := strings.Cut(strings.TrimSpace(p), "="); strings.EqualFold(k, "packetization-mode") && strings.TrimSpace(v) == "1" {
				return true
			}
		}
	}
	return false
}

// serveOffer answers a WHEP offer for a topic: 201 with the SDP answer and
// the session's Location.
func (h *Handler) serveOffer(w http.ResponseWriter, r *http.Request) {
	topic := "/" + r.PathValue("topic")
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/sdp" {
		http.Error(w, "an offer is Content-Type: application/sdp", http.StatusUnsupportedMediaType)
		return
	}
	offer, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOfferBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("the offer is over %d bytes", maxOfferBytes), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "reading the offer: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := checkOffer(offer); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if status, msg := h.checkTopic(topic); status != 0 {
		http.Error(w, msg, status)
		return
	}
	s, status, err := h.startSession(topic, string(offer), clientAddr(r.RemoteAddr))
	switch {
	case errors.Is(err, errRefused):
		refuse(w, err) // with the time to wait before another offer
		return
	case err != nil:
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", sessionPrefix+s.id)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, s.Answer())
}

// checkTopic returns an HTTP status and message for a topic no WebRTC
// viewer can watch: unknown, not H.264, or H.264 with B-frames.
func (h *Handler) checkTopic(topic string) (int, string) {
	if err := transport.ValidateTopicName(topic); err != nil {
		return http.StatusBadRequest, err.Error()
	}
	st, err := h.cfg.Bus.Stats(topic)
	switch {
	case errors.Is(err, transport.ErrUnknownTopic):
		return http.StatusNotFound, fmt.Sprintf("no topic %s on this node", topic)
	case err != nil:
		return http.StatusServiceUnavailable, err.Error()
	case st.Publishers == 0:
		// As a WHEP server says of a path nobody publishes: a session
		// would only keep an ended topic alive.
		return http.StatusNotFound, fmt.Sprintf("topic %s has no publisher now", topic)
	case st.Published > 0 && st.Codec != media.H264:
		return http.StatusUnsupportedMediaType, fmt.Sprintf("topic %s carries %v; WebRTC viewers need H.264", topic, st.Codec)
	case h.topicOrder(st, probeWait) == orderReordered:
		return http.StatusUnsupportedMediaType, reorderedRefusal(topic)
	}
	// Known once the probe above saw a keyframe.
	if why := h.formats.undecodable(topic); why != "" {
		return http.StatusUnsupportedMediaType, fmt.Sprintf("topic %s: %s", topic, why)
	}
	return 0, ""
}

// startSession makes a session for the client at addr within the caps on
// viewers: its place is pending until the viewer connects.
func (h *Handler) startSession(topic, offer string, addr netip.Addr) (*whepSession, int, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, http.StatusServiceUnavailable, errClosing
	}
	slot, err := h.whepPool.admit(addr, time.Now(), true)
	h.mu.Unlock()
	if err != nil {
		h.warnClient(&h.whepRefused, addr, "WebRTC viewer refused", err)
		status, _ := refusal(err)
		return nil, status, fmt.Errorf("%w: %w", errRefused, err)
	}

	s, err := newWHEPSession(sessionParams{api: h.api, system: h.cfg.System, bus: h.cfg.Bus, topic: topic, addr: addr,
		qos: h.cfg.ViewerQoS, ignorePLI: h.cfg.IgnorePictureLoss, log: h.cfg.Log, trace: h.cfg.Trace, observed: h.observed,
		forget: func(id string) { h.forget(id, slot) }, connected: func() { h.connected(slot) },
		lossy: func(r lossReport) { h.warnClient(&h.lossy, addr, lossyViewer(topic, r), nil) }}, offer)

	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.whepPool.release(slot)
		if errors.Is(err, errBadOffer) {
			return nil, http.StatusBadRequest, err
		}
		return nil, http.StatusInternalServerError, err
	}
	if h.closed {
		go s.Close()
		return nil, http.StatusServiceUnavailable, errClosing
	}
	if s.isClosed() { // it failed already, and forgot its place
		return nil, http.StatusInternalServerError, errors.New("the session ended as it started")
	}
	h.sessions[s.id] = s
	return s, 0, nil
}

// lossyViewer is the warning of a WebRTC viewer of topic that reports the
// loss r.
func lossyViewer(topic string, r lossReport) string {
	return fmt.Sprintf("WebRTC viewer of %s lost %v: its link does not carry the stream; "+
		"NACK and keyframe requests repair its picture, and loss that lasts gets it keyframes only", topic, r)
}

// errRefused wraps why a viewer was refused a place.
var errRefused = errors.New("viewer refused")

// connected takes a session's place out of the pending ones.
func (h *Handler) connected(slot *viewerSlot) {
	h.mu.Lock()
	slot.pending = false
	h.mu.Unlock()
}

// forget removes an ended session and gives its place back.
func (h *Handler) forget(id string, slot *viewerSlot) {
	h.mu.Lock()
	delete(h.sessions, id)
	h.whepPool.release(slot)
	h.mu.Unlock()
}

// serveDelete ends a session (WHEP's DELETE of its Location).
func (h *Handler) serveDelete(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	s := h.sessions[r.PathValue("id")]
	h.mu.Unlock()
	if s == nil {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	s.Close()
	w.WriteHeader(http.StatusOK)
}

// reorderedRefusal says why a topic whose H.264 has B-frames gets no WHEP
// session, and how to watch it.
func reorderedRefusal(topic string) string {
	return fmt.Sprintf("topic %s is H.264 with B-frames (its pictures are sent out of display order), which WebRTC cannot carry: "+
		"browsers play it at a few frames a second. Watch it over the node's WebSocket (/view?topic=%s); Foxglove does not play B-frames either",
		topic, topic)
}
