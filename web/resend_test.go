package web

import "testing"

// The ledger resends a packet at most maxResends times, only packets among
// the last resendWindow sent, and no more bytes than resendShare of those
// sent, up to resendBurst.
func TestResendLedgerBoundsWhatNACKsAreResent(t *testing.T) {
	cases := []struct {
		name              string
		sent              []uint16 // each of rtpMTU bytes, unless size says
		size              int
		asks              []resendAsk
		resent, refused   uint64
		resentBytesAtMost uint64
	}{
		{name: "a lost packet is resent", sent: seqs(0, 8), asks: []resendAsk{{3, true}}, resent: 1},
		{name: "twice at most", sent: seqs(0, 40), asks: []resendAsk{{3, true}, {3, true}, {3, false}, {3, false}}, resent: 2, refused: 2},
		{name: "a packet never sent is not", sent: seqs(0, 8), asks: []resendAsk{{9, false}, {1000, false}}},
		{name: "nor one out of the window", sent: seqs(0, resendWindow+10), asks: []resendAsk{{5, false}, {resendWindow + 5, true}}, resent: 1},
		{name: "a quarter of what was sent", sent: seqs(0, 8), asks: []resendAsk{{0, true}, {1, true}, {2, false}, {3, false}}, resent: 2, refused: 2},
		{name: "across the sequence numbers' wrap", sent: seqs(65530, 12), asks: []resendAsk{{65535, true}, {2, true}}, resent: 2},
		{name: "a quiet viewer saves up resendBurst at most", sent: seqs(0, resendWindow), size: 1000,
			asks: everyOnce(0, resendWindow), resentBytesAtMost: resendBurst},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var l resendLedger
			size := rtpMTU
			if c.size > 0 {
				size = c.size
			}
			for _, seq := range c.sent {
				l.sent(seq, size)
			}
			for _, a := range c.asks {
				if got := l.allow(a.seq); got != a.want && c.resentBytesAtMost == 0 {
					t.Errorf("allow(%d) = %v, want %v", a.seq, got, a.want)
				}
			}
			if c.resentBytesAtMost > 0 {
				if l.resentBytes > c.resentBytesAtMost || l.resentBytes < c.resentBytesAtMost-uint64(size) {
					t.Errorf("resent %d bytes: want resendBurst, %d", l.resentBytes, c.resentBytesAtMost)
				}
				return
			}
			if l.resent != c.resent || l.refused != c.refused {
				t.Errorf("resent %d, refused %d: want %d, %d", l.resent, l.refused, c.resent, c.refused)
			}
		})
	}
}

// A resend the ledger knows again adds nothing to the budget: a viewer
// cannot earn resends with resends.
func TestResendsAddNothingToTheBudget(t *testing.T) {
	var l resendLedger
	for _, seq := range seqs(0, 8) {
		l.sent(seq, rtpMTU)
	}
	for i := 0; i < 100; i++ {
		l.sent(uint16(i%8), rtpMTU)
	}
	if got, want := l.budget, resendShare*8*rtpMTU; got != want {
		t.Errorf("budget %v after 8 packets sent and 100 resends: want %v", got, want)
	}
}

// seqs returns n sequence numbers from first on.
func seqs(first uint16, n int) []uint16 {
	s := make([]uint16, n)
	for i := range s {
		s[i] = first + uint16(i)
	}
	return s
}

// resendAsk is one packet a NACK asks for, and whether it should be
// resent.
type resendAsk struct {
	seq  uint16
	want bool
}

// everyOnce asks for each of n packets from first on once.
func everyOnce(first uint16, n int) []resendAsk {
	a := make([]resendAsk, n)
	for i := range a {
		a[i].seq = first + uint16(i)
	}
	return a
}

// A resend the ledger allowed and the viewer's pace then refused counts
// as refused, not resent, and gives its bytes and its turn back.
func TestAResendThePaceRefusedIsCountedRefused(t *testing.T) {
	var l resendLedger
	for _, seq := range seqs(0, 8) {
		l.sent(seq, rtpMTU)
	}
	budget := l.budget
	if !l.allow(3) {
		t.Fatal("allow(3) refused in budget")
	}
	l.lagged(3)
	if l.resent != 0 || l.refused != 1 || l.resentBytes != 0 || l.budget != budget {
		t.Errorf("after a lagged resend: resent %d (%d bytes), refused %d, budget %v; want 0, 0, 1, %v",
			l.resent, l.resentBytes, l.refused, l.budget, budget)
	}
	l.lagged(3) // twice, or of a packet not resent: nothing more
	l.lagged(5)
	if l.refused != 1 {
		t.Errorf("refused %d after lagged resends not allowed: want 1", l.refused)
	}
	if !l.allow(3) || !l.allow(3) {
		t.Error("a packet whose resend the pace refused cannot be resent twice again")
	}
}
