package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// DefaultMaxViewers bounds the WebRTC sessions and Foxglove connections a
// Handler serves at once: each costs a subscription, a writer and, for
// WebRTC, a peer connection with its own encryption.
const DefaultMaxViewers = 32

//go:embed static
var static embed.FS

// Config configures a Handler. The zero value (but for Bus and System) is
// a Handler with no token and the default limits.
type Config struct {
	// Bus holds the topics served; System is the actor system the viewers'
	// subscriptions run on (the node's).
	Bus    *transport.Bus
	System *actor.ActorSystem
	// Token, when set, is required of every client: as a bearer token
	// (Authorization: Bearer TOKEN) on /whep and /api, as ?token=TOKEN on
	// /foxglove and the pages (which pass it on).
	Token string
	// MaxViewers bounds the WebRTC sessions and the Foxglove connections,
	// each (default DefaultMaxViewers).
	MaxViewers int
	// ViewerQoS is what each viewer requests of its topic; nil takes the
	// topic's offer: on a durable topic, its cached GOP first.
	ViewerQoS *qos.Profile
	// IgnorePictureLoss makes WebRTC viewers wait for the next keyframe the
	// encoder makes on its own, as a ROS 2 viewer does, instead of asking
	// for one when they join mid-GOP or their picture is lost; it is there
	// to compare.
	IgnorePictureLoss bool
	// KeepIP, when set, limits the addresses offered to WebRTC viewers
	// (LoopbackOnly: this host's viewers only).
	KeepIP func(net.IP) bool
	// Trace, when set, is given each WebRTC viewer's JoinTrace as its first
	// picture is sent (benchmarks: where a join's time goes). It runs on
	// the viewer's writer and must return promptly.
	Trace func(JoinTrace)
	Log   zerolog.Logger
}

// Handler serves a node's topics over HTTP: the pages, the topic list,
// WHEP and Foxglove. Close ends every viewer's session.
type Handler struct {
	cfg   Config
	api   *webrtc.API
	mux   *http.ServeMux
	files http.Handler

	mu       sync.Mutex
	sessions map[string]*whepSession
	foxglove map[*int]context.CancelFunc // open Foxglove connections
	foxWG    sync.WaitGroup              // their handlers, until their feeds stopped
	channels map[string]uint32           // Foxglove channel id of each topic
	closed   bool

	// order is what the packets seen of each topic say of their order
	// (B-frames or not); probes are the subscriptions running to learn it,
	// each with its channel closed when it ends.
	order   *orderWatch
	probes  map[string]chan struct{}
	probeWG sync.WaitGroup
	closing chan struct{} // closed by Close
}

// ErrConfig is returned by New for a Config without a bus or actor system.
var ErrConfig = errors.New("web: a handler needs the node's bus and actor system")

// New returns a Handler of cfg's topics.
func New(cfg Config) (*Handler, error) {
	if cfg.Bus == nil || cfg.System == nil {
		return nil, ErrConfig
	}
	if cfg.MaxViewers <= 0 {
		cfg.MaxViewers = DefaultMaxViewers
	}
	api, err := newWebRTCAPI(cfg.KeepIP)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, api: api, mux: http.NewServeMux(), files: http.FileServerFS(sub), sessions: map[string]*whepSession{},
		foxglove: map[*int]context.CancelFunc{}, channels: map[string]uint32{}, order: newOrderWatch(),
		probes: map[string]chan struct{}{}, closing: make(chan struct{})}
	h.mux.HandleFunc("GET /{$}", h.page("index.html"))
	h.mux.HandleFunc("GET /view", h.page("view.html"))
	h.mux.Handle("GET /static/", http.StripPrefix("/static", h.files))
	h.mux.HandleFunc("GET /api/topics", h.authorized(h.serveTopics))
	h.mux.HandleFunc("GET /api/topics/{topic...}", h.authorized(h.serveTopic))
	h.mux.HandleFunc("POST "+whepPrefix+"{topic...}", h.authorized(h.serveOffer))
	h.mux.HandleFunc("DELETE "+sessionPrefix+"{id}", h.authorized(h.serveDelete))
	h.mux.HandleFunc("OPTIONS "+whepPrefix+"{topic...}", h.serveOptions)
	h.mux.HandleFunc("GET /foxglove", h.serveFoxglove)
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// page serves one of the embedded pages. The pages hold no secret: the
// token, when needed, is in the page's own URL and sent on by its script.
func (h *Handler) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, static, "static/"+name)
	}
}

// authorized requires the bearer token, when the handler has one.
func (h *Handler) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !h.tokenMatches(given) || (!ok && h.cfg.Token != "") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gopline"`)
			http.Error(w, "this node needs its token: Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

// tokenMatches compares in constant time; any token matches when the
// handler has none.
func (h *Handler) tokenMatches(given string) bool {
	if h.cfg.Token == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(given), []byte(h.cfg.Token)) == 1
}

// channelID returns the Foxglove channel id of topic, the same for every
// client and for as long as the handler serves.
func (h *Handler) channelID(topic string) uint32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	id, ok := h.channels[topic]
	if !ok {
		id = uint32(len(h.channels) + 1)
		h.channels[topic] = id
	}
	return id
}

// Close ends every WebRTC session and Foxglove connection and refuses new
// ones.
func (h *Handler) Close() error {
	h.mu.Lock()
	if !h.closed {
		close(h.closing)
	}
	h.closed = true
	for _, cancel := range h.foxglove {
		cancel()
	}
	sessions := make([]*whepSession, 0, len(h.sessions))
	for _, s := range h.sessions {
		sessions = append(sessions, s)
	}
	h.mu.Unlock()
	for _, s := range sessions {
		s.Close()
	}
	h.foxWG.Wait()
	h.probeWG.Wait()
	return nil
}
