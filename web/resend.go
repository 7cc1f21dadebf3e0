package web

// A viewer asks for the packets it lost with NACKs, which pion's NACK
// responder answers by sending them again from its buffer of the last
// resendWindow packets. Unchecked, a viewer decides how much the node
// sends it: a viewer on a slow link that asks again every 100 ms, or a
// hostile one that names every packet every 10 ms, makes the node resend
// many times the stream. resendLedger bounds what a NACK can ask for: each
// packet is resent at most maxResends times, and the bytes resent come
// from a budget that each packet sent first adds resendShare of its size
// to, up to resendBurst: a viewer is resent at most a quarter of what it
// is sent, however it asks.
const (
	// resendWindow is how many of its last packets a viewer's NACKs may
	// name: the size of the NACK responder's buffer.
	resendWindow = 1024
	// maxResends is how often one packet is resent: once, and once more
	// when the resend was lost too.
	maxResends = 2
	// resendShare is the share of the bytes a viewer is sent that it may
	// be resent: a link that loses more than that does not carry the
	// stream, which its estimate thins.
	resendShare = 0.25
	// resendBurst is the most a viewer's resend budget holds, in bytes: a
	// burst of lost packets (a keyframe's on a link that stalled) is
	// resent at once, and a quiet viewer saves no more than this.
	resendBurst = 100 * rtpMTU
)

// resendLedger is one viewer's account of resends: the packets it was
// sent (their sequence numbers and sizes), how often each was resent, and
// its budget. It is plain state; resendGuard serializes its use.
type resendLedger struct {
	slots  [resendWindow]resendSlot
	budget float64 // bytes
	// resent and resentBytes count the resends allowed; refused the
	// packets asked for and refused (resent too often, or over budget).
	resent, resentBytes, refused uint64
}

// resendSlot is one packet sent: its sequence number and size, and how
// often it was resent.
type resendSlot struct {
	seq    uint16
	size   int
	resent int
	used   bool
}

// sent books a packet sent first, of sequence number seq and size bytes,
// which adds resendShare of it to the budget, and reports true. A sequence
// number the ledger holds already is a resend: it books nothing and
// reports false.
func (l *resendLedger) sent(seq uint16, size int) bool {
	s := &l.slots[seq%resendWindow]
	if s.used && s.seq == seq {
		return false
	}
	*s = resendSlot{seq: seq, size: size, used: true}
	l.budget = min(resendBurst, l.budget+resendShare*float64(size))
	return true
}

// lagged takes back the resend of seq that allow allowed and the viewer's
// pace then refused (it would have waited more than maxResendLag): it is
// counted refused, and its bytes and its turn go back to the budget and
// the packet.
func (l *resendLedger) lagged(seq uint16) {
	s := &l.slots[seq%resendWindow]
	if !s.used || s.seq != seq || s.resent == 0 {
		return
	}
	s.resent--
	l.budget = min(resendBurst, l.budget+float64(s.size))
	l.resent--
	l.resentBytes -= uint64(s.size)
	l.refused++
}

// allow reports whether the packet of sequence number seq, which a NACK
// asks for, may be resent, and books it if so: a packet not among the last
// resendWindow sent is not (nor counted refused: the responder holds it no
// more), one resent maxResends times already or bigger than the budget
// left is refused.
func (l *resendLedger) allow(seq uint16) bool {
	s := &l.slots[seq%resendWindow]
	if !s.used || s.seq != seq {
		return false
	}
	if s.resent >= maxResends || float64(s.size) > l.budget {
		l.refused++
		return false
	}
	s.resent++
	l.budget -= float64(s.size)
	l.resent++
	l.resentBytes += uint64(s.size)
	return true
}
