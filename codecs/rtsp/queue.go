package rtsp

import (
	"time"

	"github.com/pion/rtp"
)

// queuedPackets and queuedBytes bound the RTP packets that wait between the
// connection's goroutine and ReadPacket: a 4K keyframe of a few MB is a few
// thousand packets of 1.4 kB, and a server may send interleaved packets of
// up to 64 kB, so the bytes are bounded as well. When the reader falls
// further behind, the connection waits, as a reader of a TCP stream makes
// its sender wait (over UDP, the system drops what does not fit in the
// socket's buffer, and the gap is a loss).
const (
	queuedPackets = 4096
	queuedBytes   = 8 << 20
)

// received is one RTP packet and the moment it came; with the camera's
// clock (WithCameraClock), the camera's time of its RTP time, zero until
// the camera's first sender report.
type received struct {
	pkt    *rtp.Packet
	at     time.Time
	camera time.Time
}

// queue hands a copy of pkt, whose buffer the connection reuses, to
// ReadPacket, waiting while queuedPackets or queuedBytes wait already.
// While it waits, the connection reads nothing and the camera's packets
// wait in its buffers: the stream is held, not silent (held), and its
// silence counts anew from the end of the wait.
func (r *Reader) queue(pkt *rtp.Packet) {
	at := r.cfg.now()
	r.heard(at)
	var camera time.Time
	if r.cfg.camera {
		camera = r.sender.at(pkt.Timestamp)
	}
	c := pkt.Clone()
	n := int64(len(c.Payload))
	if r.full(n) {
		r.held.Store(true)
		for r.full(n) {
			select {
			case <-r.drained:
			case <-r.done:
				return
			}
		}
		// Heard before the hold ends, and both before the packet is
		// queued: ReadPacket, woken by it, times the silence from now.
		r.heard(r.cfg.now())
		r.held.Store(false)
	}
	r.queued.Add(n)
	select {
	case r.pkts <- received{pkt: c, at: at, camera: camera}:
	case <-r.done:
	}
}

// full reports whether ReadPacket is too far behind for a packet of n
// bytes to be queued: queuedPackets wait, or queuedBytes would.
func (r *Reader) full(n int64) bool {
	queued := r.queued.Load()
	return len(r.pkts) == cap(r.pkts) || (queued > 0 && queued+n > queuedBytes)
}
