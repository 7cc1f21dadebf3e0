// Package testrtsp is an RTSP camera for tests: a server on loopback that
// plays a loop of H.264 access units at their frame rate to every client
// that asks (DESCRIBE, SETUP over TCP, PLAY), and that a test can take down
// and bring back on the same address, as a camera that reboots.
//
// It speaks just enough RTSP for FFmpeg's client: RTP over the RTSP
// connection (interleaved, RFC 2326 10.12), H.264 packetized as single NAL
// units or FU-A fragments (RFC 6184). A client that asks for UDP is told
// 461 Unsupported Transport and retries over TCP.
package testrtsp

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Path is the stream's path on the server.
const Path = "/cam"

// Server is an RTSP camera on loopback. Its methods are safe for
// concurrent use.
type Server struct {
	addr  string
	units [][][]byte // access units, each a list of NAL units without start codes
	rate  int
	h265  bool // the units are H.265 (RFC 7798), not H.264
	tls   *tls.Config
	cert  []byte // the TLS certificate, DER

	frozen atomic.Bool // streams send nothing, connections stay open
	hung   atomic.Bool // frozen, and requests go unanswered (Hang)
	// every, when above 0, spaces the pictures of the streams that begin
	// from now on instead of the frame rate (Every); gap spaces the RTP
	// packets of a picture (PacketGap).
	every, gap atomic.Int64
	joinAt     atomic.Int64 // the frame of the loop a new client's stream begins at
	// pictures, when above 0, is how many pictures a stream sends before
	// it freezes (SendOnly).
	pictures atomic.Int64
	// login, when not empty, is the "USER:PASSWORD" a client must give
	// (RequireLogin).
	login atomic.Value
	// description, when not empty, is the session description DESCRIBE
	// answers with instead of the stream's (Describe).
	description atomic.Value
	// reports, when set, makes streams send RTCP sender reports, their
	// clock this far off the machine's (SenderReports).
	reports   atomic.Bool
	reportsAt atomic.Int64
	// teardowns counts the TEARDOWNs clients sent (Teardowns).
	teardowns atomic.Int64
	// cut, while StopInPicture waits, is closed by the stream that sent
	// part of a picture and sends nothing more.
	cut     chan struct{}
	cutOnce sync.Once
	cutting atomic.Bool

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	down  chan struct{} // closed by Stop: streams end
	wg    sync.WaitGroup
}

// Start serves units, a loop of H.264 access units that begins with an IDR
// and its parameter sets, at rate frames/s on a free loopback port. The
// test's cleanup stops it.
func Start(t testing.TB, units [][][]byte, rate int) *Server {
	t.Helper()
	return start(t, units, rate, false, false)
}

// StartH265 serves units of H.265 (ClipH265) as Start serves H.264.
func StartH265(t testing.TB, units [][][]byte, rate int) *Server {
	t.Helper()
	return start(t, units, rate, true, false)
}

func start(t testing.TB, units [][][]byte, rate int, h265, overTLS bool) *Server {
	t.Helper()
	if len(units) == 0 || rate <= 0 {
		t.Fatalf("testrtsp: %d access units at %d frames/s", len(units), rate)
	}
	s := &Server{addr: "127.0.0.1:0", units: units, rate: rate, h265: h265}
	if overTLS {
		srv := httptest.NewUnstartedServer(nil)
		srv.StartTLS()
		cert := srv.TLS.Certificates
		srv.Close()
		s.tls, s.cert = &tls.Config{Certificates: cert}, cert[0].Certificate[0]
	}
	if err := s.listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Fingerprint is the SHA-256 of a TLS camera's certificate, in hex, as
// browsers and mediamtx's sourceFingerprint show it.
func (s *Server) Fingerprint() string {
	sum := sha256.Sum256(s.cert)
	return hex.EncodeToString(sum[:])
}

// URL is the stream's address, the same across restarts.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tls != nil {
		return "rtsps://" + s.addr + Path
	}
	return "rtsp://" + s.addr + Path
}

// StartTLS serves units as Start does, over TLS (rtsps://) with a
// certificate no one signed, as cameras have (Fingerprint).
func StartTLS(t testing.TB, units [][][]byte, rate int) *Server {
	t.Helper()
	return start(t, units, rate, false, true)
}

// StartTLSH265 serves units of H.265 as StartTLS serves H.264.
func StartTLSH265(t testing.TB, units [][][]byte, rate int) *Server {
	t.Helper()
	return start(t, units, rate, true, true)
}

// Restart brings a stopped server back on its address.
func (s *Server) Restart() error {
	var err error
	for range 50 { // the port may linger for a moment after Stop
		if err = s.listen(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func (s *Server) listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("testrtsp: already serving")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("testrtsp: %w", err)
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln, s.addr, s.conns, s.down = ln, ln.Addr().String(), map[net.Conn]struct{}{}, make(chan struct{})
	s.wg.Add(1)
	go s.accept(ln, s.down)
	return nil
}

// Stop takes the server down: it stops listening and drops every client,
// as a camera that loses power. It returns once every goroutine ended.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
		close(s.down)
		for c := range s.conns {
			c.Close()
		}
		s.ln = nil
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// JoinAt makes the streams of the clients that come from now on begin at
// frame of the loop, not at its first keyframe: as a camera that has been
// streaming for a while, which a client joins inside a GOP.
func (s *Server) JoinAt(frame int) { s.joinAt.Store(int64(frame)) }

// StopInPicture takes the server down as Stop does, once a stream has sent
// all but the last RTP packet of a picture that takes more than one:
// as a camera that loses power while sending a picture. It returns once the
// server is down.
func (s *Server) StopInPicture() {
	s.mu.Lock()
	s.cut, s.cutOnce = make(chan struct{}), sync.Once{}
	cut := s.cut
	s.mu.Unlock()
	s.cutting.Store(true)
	<-cut
	s.Stop()
	s.cutting.Store(false)
}

// cutHere reports whether a stream in the middle of a picture stops there
// for StopInPicture, telling it so.
func (s *Server) cutHere() bool {
	if !s.cutting.Load() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutOnce.Do(func() { close(s.cut) })
	return true
}

// Freeze makes the camera hang, as one whose encoder locked up: its
// connections stay open and it answers requests, but it sends no pictures
// until Thaw.
func (s *Server) Freeze() { s.frozen.Store(true) }

// SendOnly makes the streams of the clients that come from now on send n
// pictures and then nothing, their connections open, as Freeze: a test
// can tell whether a client hands on a picture as it came or only once the
// next one begins.
func (s *Server) SendOnly(n int) { s.pictures.Store(int64(n)) }

// RequireLogin makes the server answer every request that does not give
// user and password (HTTP Basic authentication, RFC 2617) with 401
// Unauthorized, as a camera with accounts does.
func (s *Server) RequireLogin(user, password string) { s.login.Store(user + ":" + password) }

// Describe makes DESCRIBE answer with sdp, a session description of the
// test's, instead of the H.264 stream's: a camera of another codec.
func (s *Server) Describe(sdp string) { s.description.Store(sdp) }

// SenderReports makes the streams of the clients that come from now on
// send an RTCP sender report (RFC 3550 6.4.1) after their fifth picture
// and every tenth after it, as cameras do every few seconds: the wall-clock
// time of a picture's RTP time by the camera's clock, which is offset
// from this machine's (a camera's NTP time is often off). A picture's
// time is the moment its stream began (by that clock) plus its place in
// the stream at the frame rate.
func (s *Server) SenderReports(offset time.Duration) {
	s.reportsAt.Store(int64(offset))
	s.reports.Store(true)
}

// Hang makes the camera stop as one whose host died behind a switch: its
// connections stay open, but it sends nothing and answers no request.
func (s *Server) Hang() { s.hung.Store(true) }

// Every makes the streams of the clients that come from now on send a
// picture every d instead of at the frame rate: a time-lapse camera, or
// one whose pictures come at a trigger. Their RTP times follow d too.
func (s *Server) Every(d time.Duration) { s.every.Store(int64(d)) }

// PacketGap makes the streams wait d after each RTP packet of a picture
// but its last, as a camera behind a slow link whose large pictures take
// their time to come (the pictures that fall behind then go out at once).
func (s *Server) PacketGap(d time.Duration) { s.gap.Store(int64(d)) }

// Thaw makes a frozen camera send pictures again.
func (s *Server) Thaw() { s.frozen.Store(false) }

// Teardowns is how many TEARDOWNs the camera's clients have sent: a client
// that ends its session says so, and the camera frees it at once.
func (s *Server) Teardowns() int { return int(s.teardowns.Load()) }

func (s *Server) accept(ln net.Listener, down chan struct{}) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.ln != ln { // stopped between Accept and here
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer c.Close()
			(&session{srv: s, conn: c, in: bufio.NewReader(c), down: down}).serve()
		}()
	}
}
