package web

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// DefaultMaxViewers bounds the WebRTC sessions and Foxglove connections a
// Handler serves at once: each costs a subscription, a writer and, for
// WebRTC, a peer connection with its own encryption. Within it, one client
// address holds 8 places of each (loopback 16), and WebRTC sessions not
// connected yet a quarter (4 from one address).
const DefaultMaxViewers = 32

// clientWarnEvery is the most often the log says that clients were refused,
// evicted or cut off, each warning saying how many it stands for.
const clientWarnEvery = 10 * time.Second

//go:embed static
var static embed.FS

// Config configures a Handler. The zero value (but for Bus and System) is
// a Handler with no token and the default limits.
type Config struct {
	// Bus holds the topics served; System is the actor system the viewers'
	// subscriptions run on (the node's).
	Bus    *transport.Bus
	System *actor.ActorSystem
	// Token, when set, is required of every client: on /whep and /api as
	// a bearer token (Authorization: Bearer TOKEN, the scheme in any case)
	// or as ?token=TOKEN, on /foxglove too; the pages take it as
	// ?token=TOKEN and pass it on.
	Token string
	// MaxViewers bounds the WebRTC sessions and the Foxglove connections,
	// each (default DefaultMaxViewers); when the Foxglove connections are
	// at their most, one that has subscribed to nothing for a while gives
	// its place to a new one.
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
	// WebRTCSettings, when set, adjusts the setting engine of every WebRTC
	// viewer's connection after gopline's own settings: a virtual network
	// in tests (SetNet), fixed UDP ports, NAT mapping.
	WebRTCSettings func(*webrtc.SettingEngine)
	// Trace, when set, is given each WebRTC viewer's JoinTrace as its first
	// picture is sent (benchmarks: where a join's time goes). It runs on
	// the viewer's writer and must return promptly.
	Trace func(JoinTrace)
	// Metrics, when set, is served at /metrics (the node's counters in
	// Prometheus's text format), to clients with the token.
	Metrics http.Handler
	// Pprof serves Go's profiles at /debug/pprof/, to clients with the
	// token: a CPU profile or trace costs the node while it runs.
	Pprof bool
	Log   zerolog.Logger
	// asBefore is for benchmarks only (webrtc.go).
	asBefore sendingAsBefore
}

// Handler serves a node's topics over HTTP: the pages, the topic list,
// WHEP and Foxglove. Close ends every viewer's session.
type Handler struct {
	cfg   Config
	api   viewerAPI // how each WebRTC viewer's connection is made
	mux   *http.ServeMux
	files http.Handler

	mu       sync.Mutex
	sessions map[string]*whepSession
	whepPool *viewerPool                             // the sessions' places
	foxPool  *viewerPool                             // the Foxglove connections' places
	foxglove map[*viewerSlot]context.CancelCauseFunc // open Foxglove connections
	foxWG    sync.WaitGroup                          // their handlers, until their feeds stopped
	channels *channelTable                           // the topics advertised to Foxglove clients
	advert   map[uint32]advertised                   // the table's latest answer, at advertAt
	advertAt time.Time
	closed   bool

	// The warnings of WebRTC viewers and Foxglove clients refused, of
	// Foxglove clients evicted or cut off for not reading, of those
	// that fell behind and skipped to the newest GOP, and of WebRTC
	// viewers that lose much of their stream (lossWatch), each kind
	// rate-limited on its own; foxChurn: Foxglove subscriptions that
	// start without their replay (foxreplay.go).
	logMu                                                                sync.Mutex
	whepRefused, foxRefused, foxEvicted, slow, behind, lossy, wrongToken lograte.Limiter
	foxChurn                                                             lograte.Limiter
	// held are the kinds of warnClient's warnings held back since their
	// last line, by limiter, which flushWarnings tells.
	held    map[*lograte.Limiter]string
	flushWG sync.WaitGroup

	// order is what the packets seen of each topic say of their order
	// (B-frames or not); probes are the subscriptions running to learn it,
	// each with its channel closed when it ends.
	order *orderWatch
	// formats is the picture format of each topic's latest keyframe, to
	// tell viewers of a format browsers do not decode why they see nothing.
	formats *formatWatch
	probes  map[string]chan struct{}
	probeWG sync.WaitGroup
	closing chan struct{} // closed by Close

	// telling holds a place for each refused Foxglove client being told
	// why in a close handshake (see refuseFoxglove).
	telling chan struct{}
}

// errClosing ends the Foxglove connections when the handler closes.
var errClosing = errors.New("the node is shutting down")

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
	api := cfg.viewerAPI()
	if _, err := api.new(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, api: api, mux: http.NewServeMux(), files: http.FileServerFS(sub), sessions: map[string]*whepSession{},
		whepPool: newViewerPool(viewerLimits(cfg.MaxViewers, true)), foxPool: newViewerPool(viewerLimits(cfg.MaxViewers, false)),
		foxglove: map[*viewerSlot]context.CancelCauseFunc{}, channels: newChannelTable(foxgloveLinger), order: newOrderWatch(), formats: newFormatWatch(),
		probes: map[string]chan struct{}{}, closing: make(chan struct{}), telling: make(chan struct{}, maxTelling),
		whepRefused: lograte.Limiter{Interval: clientWarnEvery}, foxRefused: lograte.Limiter{Interval: clientWarnEvery},
		wrongToken: lograte.Limiter{Interval: clientWarnEvery},
		foxEvicted: lograte.Limiter{Interval: clientWarnEvery}, slow: lograte.Limiter{Interval: clientWarnEvery},
		behind: lograte.Limiter{Interval: clientWarnEvery}, lossy: lograte.Limiter{Interval: clientWarnEvery},
		foxChurn: lograte.Limiter{Interval: clientWarnEvery},
		held:     map[*lograte.Limiter]string{}}
	h.flushWG.Add(1)
	go h.flushWarnings(clientWarnEvery)
	h.mux.HandleFunc("GET /{$}", h.serveRoot)
	h.mux.HandleFunc("GET /view", h.page("view.html"))
	h.mux.Handle("GET /static/", http.StripPrefix("/static", h.files))
	h.mux.HandleFunc("GET /api/topics", h.authorized(h.serveTopics))
	h.mux.HandleFunc("GET /api/topics/{topic...}", h.authorized(h.serveTopic))
	h.mux.HandleFunc("POST "+whepPrefix+"{topic...}", h.authorized(h.serveOffer))
	h.mux.HandleFunc("DELETE "+sessionPrefix+"{id}", h.authorized(h.serveDelete))
	h.mux.HandleFunc("GET /foxglove", h.serveFoxglove)
	if cfg.Metrics != nil {
		h.mux.HandleFunc("GET /metrics", h.authorized(cfg.Metrics.ServeHTTP))
	}
	if cfg.Pprof {
		h.mux.HandleFunc("GET /debug/pprof/", h.authorized(pprof.Index))
		h.mux.HandleFunc("GET /debug/pprof/cmdline", h.authorized(pprof.Cmdline))
		h.mux.HandleFunc("GET /debug/pprof/profile", h.authorized(pprof.Profile))
		h.mux.HandleFunc("GET /debug/pprof/symbol", h.authorized(pprof.Symbol))
		h.mux.HandleFunc("GET /debug/pprof/trace", h.authorized(pprof.Trace))
	}
	return h, nil
}

// ServeHTTP serves r; the paths a player on another origin calls answer
// its preflights and carry CORS headers (cors.go).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.withCORS(h.mux).ServeHTTP(w, r)
}

// serveRoot serves the topics' page, and a Foxglove connection to the
// root as foxglove_bridge takes it (ws://robot:8765): a WebSocket upgrade,
// which no browser sends for a page, is one (refused, saying why, when it
// does not ask for Foxglove's subprotocol).
func (h *Handler) serveRoot(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		h.serveFoxglove(w, r)
		return
	}
	h.page("index.html")(w, r)
}

// page serves one of the embedded pages. The pages hold no secret: the
// token, when needed, is in the page's own URL and sent on by its script.
func (h *Handler) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, static, "static/"+name)
	}
}

// foxgloveChannels returns the channels to advertise to Foxglove clients,
// by id: the same for every client. The topics are looked at again when the
// last look is half an advertiseEvery old.
func (h *Handler) foxgloveChannels() map[uint32]advertised {
	h.mu.Lock()
	if h.advert != nil && time.Since(h.advertAt) < advertiseEvery/2 {
		defer h.mu.Unlock()
		return h.advert
	}
	h.mu.Unlock()
	stats := h.topicStats()
	seen := make([]topicSeen, len(stats))
	for i, st := range stats {
		seen[i] = seenOf(st)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advertAt = time.Now()
	h.advert = h.channels.update(h.advertAt, seen)
	return h.advert
}

// warnClient logs, at most once per clientWarnEvery for each limiter, that
// a client was refused, evicted or cut off, and for what.
func (h *Handler) warnClient(l *lograte.Limiter, addr netip.Addr, what string, err error) {
	h.logMu.Lock()
	ok, count := l.Allow(time.Now())
	if !ok {
		h.held[l] = what
	}
	h.logMu.Unlock()
	if ok {
		h.cfg.Log.Warn().Err(err).Str("client", addr.String()).Uint64("count", count).Msg("web: " + what)
	}
}

// flushWarnings tells, every interval until the handler closes, the count
// of each kind of warnClient's warnings held back since its last line
// (lograte.Limiter.Flush): an attack that stops had its last line's count
// only, the first's, whatever came after it.
func (h *Handler) flushWarnings(interval time.Duration) {
	defer h.flushWG.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-h.closing:
			return
		case now := <-t.C:
			h.flushHeld(now)
		}
	}
}

// flushHeld tells the warnings held back that Flush lets out at now.
func (h *Handler) flushHeld(now time.Time) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	for l, what := range h.held {
		if n := l.Flush(now); n > 0 {
			h.cfg.Log.Warn().Uint64("count", n).Msg("web: " + what + " (since the last line)")
			delete(h.held, l)
		}
	}
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
		cancel(errClosing)
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
	h.flushWG.Wait()
	return nil
}
