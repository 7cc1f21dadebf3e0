package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Bounds of what a client can make the server spend before it is served:
// a slow client (slowloris) is cut off after these.
const (
	// ReadHeaderTimeout bounds the time to send a request's headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the time to send a whole request, body included
	// (an SDP offer is a few kilobytes). A WebSocket, once upgraded, is
	// not bound by it.
	ReadTimeout = 10 * time.Second
	// IdleTimeout closes a kept-alive connection that sends nothing more.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes = 16 << 10
	// shutdownTimeout bounds Close's wait for requests in progress.
	shutdownTimeout = 5 * time.Second
)

// Server serves a Handler on a listening socket, over TLS when it has a
// certificate.
type Server struct {
	handler *Handler
	srv     *http.Server
	ln      net.Listener
	tls     bool
	done    chan struct{}
}

// Listen serves h at addr (host:port; port 0 picks a free one), with TLS
// when tlsConfig is not nil (HTTPS and WSS). Close stops it.
func Listen(h *Handler, addr string, tlsConfig *tls.Config) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	limit := newConnLimit(h.cfg.Log)
	ln = limitedListener{Listener: ln, limit: limit}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	s := &Server{handler: h, ln: ln, tls: tlsConfig != nil, done: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
			IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes, ErrorLog: log.New(debugWriter{h.cfg.Log}, "", 0),
			ConnState: limit.connState}}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.cfg.Log.Error().Err(err).Msg("web: the HTTP server stopped")
		}
	}()
	return s, nil
}

// debugWriter passes net/http's own log lines (a client's failed TLS
// handshake, a malformed request) to the node's log at debug level: a
// client's mistakes are not the node's warnings.
type debugWriter struct{ log zerolog.Logger }

func (w debugWriter) Write(p []byte) (int, error) {
	w.log.Debug().Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server's base URL, http:// or https://: of localhost when it
// listens on every interface (0.0.0.0, ::), whose address no browser
// opens.
func (s *Server) URL() string {
	addr := s.Addr()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("localhost", port)
		}
	}
	if s.tls {
		return "https://" + addr
	}
	return "http://" + addr
}

// Exposure says what a viewer port listening at addr (host:port) exposes,
// "" for a loopback one: beyond loopback without a token, every topic to
// any host that reaches it; with a token but without TLS, the token, in
// clear text. As the remote port's, it is a warning, not a refusal.
func Exposure(addr string, token, tls bool) string {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || host == "localhost" || ip != nil && ip.IsLoopback() {
		return ""
	}
	switch {
	case !token:
		return "the viewer port listens beyond loopback without a token: any host that reaches it can watch every topic. " +
			"Set a token (--token); see docs/viewer.md"
	case !tls:
		return "the viewer port's token travels in clear text: anyone on the network path can read it and the streams. " +
			"Use HTTPS (--tls-cert, --tls-key); see docs/viewer.md"
	}
	return ""
}

// Close stops listening, waits a little for requests in progress, closes
// the connections left (WebSockets among them) and ends every viewer.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return errors.Join(err, s.handler.Close())
}
