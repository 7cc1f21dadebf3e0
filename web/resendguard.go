package web

import (
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// resendGuard is the interceptor that keeps a viewer's NACKs within its
// resendLedger: it books every packet of the viewer's stream as it is
// written, and strikes from each NACK the packets the ledger refuses,
// before pion's NACK responder, next in the chain, reads it.
type resendGuard struct {
	interceptor.NoOp
	mu     sync.Mutex
	ssrc   uint32
	ledger resendLedger
	// pace, when set, is the viewer's pace, which its resends wait for at
	// rate() (or are refused, past maxResendLag); a wait ends when closing
	// is closed. Without it, resends go at once.
	pace    *sendPace
	rate    func() int
	closing <-chan struct{}
}

// paceResends makes the viewer's resends wait for their turn at pace,
// booked at rate(), until closing is closed.
func (g *resendGuard) paceResends(pace *sendPace, rate func() int, closing <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pace, g.rate, g.closing = pace, rate, closing
}

// resendCounts is what a viewer's resendGuard did: the packets it let be
// resent, their bytes, and the packets asked for and refused.
type resendCounts struct {
	Resent, ResentBytes, Refused uint64
}

// counts returns what the guard did so far.
func (g *resendGuard) counts() resendCounts {
	g.mu.Lock()
	defer g.mu.Unlock()
	return resendCounts{Resent: g.ledger.resent, ResentBytes: g.ledger.resentBytes, Refused: g.ledger.refused}
}

// BindLocalStream books each packet of the viewer's stream written: those
// sent first (paced by the session's writer), and the responder's resends,
// which the ledger knows again, and which wait here for their turn at the
// viewer's pace, or are dropped and counted refused when it would come too
// late.
func (g *resendGuard) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	g.mu.Lock()
	g.ssrc = info.SSRC
	g.mu.Unlock()
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC == info.SSRC {
			size := h.MarshalSize() + len(payload)
			g.mu.Lock()
			first := g.ledger.sent(h.SequenceNumber, size)
			pace, rate, closing := g.pace, g.rate, g.closing
			g.mu.Unlock()
			if !first && pace != nil {
				if !g.waitResend(pace, rate(), closing, h.SequenceNumber, size) {
					return 0, nil // refused: the responder may be asked again
				}
			}
		}
		return w.Write(h, payload, a)
	})
}

// waitResend waits for the turn at pace, at rate, of a resend of seq, of
// size bytes, and reports whether to send it: not when its turn is more
// than maxResendLag away (the ledger counts it refused), nor when closing
// closes first.
func (g *resendGuard) waitResend(pace *sendPace, rate int, closing <-chan struct{}, seq uint16, size int) bool {
	d, ok := pace.takeResend(time.Now(), size, rate)
	if !ok {
		g.mu.Lock()
		g.ledger.lagged(seq)
		g.mu.Unlock()
		return false
	}
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-closing:
		return false
	}
}

// BindRTCPReader strikes from each NACK the viewer sends what the ledger
// refuses; the interceptors after it (the responder, the session) read
// the NACK as struck.
func (g *resendGuard) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := r.Read(b, a)
		if err != nil {
			return 0, nil, err
		}
		if a == nil {
			a = make(interceptor.Attributes)
		}
		pkts, err := a.GetRTCPPackets(b[:n])
		if err != nil {
			return 0, nil, err
		}
		for _, p := range pkts {
			if nack, ok := p.(*rtcp.TransportLayerNack); ok {
				g.strike(nack)
			}
		}
		return n, a, nil
	})
}

// strike leaves in nack the packets the ledger allows to be resent: none
// of a stream other than the viewer's.
func (g *resendGuard) strike(nack *rtcp.TransportLayerNack) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var allowed []uint16
	if nack.MediaSSRC == g.ssrc {
		for _, pair := range nack.Nacks {
			pair.Range(func(seq uint16) bool {
				if g.ledger.allow(seq) {
					allowed = append(allowed, seq)
				}
				return true
			})
		}
	}
	nack.Nacks = rtcp.NackPairsFromSequenceNumbers(allowed)
}

// resendGuardFactory makes a resendGuard for each connection and gives it
// to made.
type resendGuardFactory struct {
	made func(*resendGuard)
}

// NewInterceptor makes a connection's guard.
func (f resendGuardFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	g := &resendGuard{}
	f.made(g)
	return g, nil
}
