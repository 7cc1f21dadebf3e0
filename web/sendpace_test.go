package web

import (
	"testing"
	"time"
)

// A viewer's resends are booked in the same bucket as its stream: a
// resend waits behind the packets booked before it, the packets after it
// wait for its bytes too, and what both send over a run keeps to the
// rate.
func TestResendsShareTheViewersPace(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const rate = 800_000 // 100 000 bytes/s: 1200 bytes in 12 ms
	var p sendPace
	p.take(t0, 2*rtpMTU, rate) // the bucket's burst
	if d := p.take(t0, rtpMTU, rate); d != 0 {
		t.Fatalf("the packet after the burst waits %v, want 0 (the bucket is not yet in debt)", d)
	}
	d, ok := p.takeResend(t0, rtpMTU, rate)
	if !ok || d < 11*time.Millisecond || d > 13*time.Millisecond {
		t.Fatalf("a resend behind a packet in debt: wait %v, sent %v; want 12 ms behind it", d, ok)
	}
	if d := p.take(t0, rtpMTU, rate); d < 23*time.Millisecond || d > 25*time.Millisecond {
		t.Errorf("the packet after the resend waits %v: want 24 ms, behind the resend's bytes too", d)
	}

	// Over a run of one resend for every three packets, the writes of both
	// keep to the rate.
	var q sendPace
	now, start, bytes := t0, t0, 0
	for i := range 1000 {
		if i%4 == 3 {
			d, ok := q.takeResend(now, rtpMTU, rate)
			if !ok {
				t.Fatalf("resend %d refused at the writer's own pace", i)
			}
			now = now.Add(d)
		} else {
			now = now.Add(q.take(now, rtpMTU, rate))
		}
		bytes += rtpMTU
	}
	if got := float64(bytes*8) / now.Sub(start).Seconds(); got > rate*1.02 {
		t.Errorf("sent %.0f bit/s with resends, want %d at most", got, rate)
	}
}

// A resend that would wait more than maxResendLag behind what is booked
// (a join's burst, paced to a slow link) is refused and books nothing;
// before the viewer's feedback (rate 0), nothing is paced and nothing
// refused.
func TestResendsTooFarBehindThePaceAreRefused(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const rate = 800_000 // 100 000 bytes/s
	var p sendPace
	for range 10 { // 12 000 bytes: 120 ms of the rate, less the burst
		p.take(t0, rtpMTU, rate)
	}
	if d, ok := p.takeResend(t0, rtpMTU, rate); ok {
		t.Fatalf("a resend 90 ms behind was let through (wait %v): want it refused past %v", d, maxResendLag)
	}
	if d := p.take(t0, rtpMTU, rate); d < 95*time.Millisecond || d > 97*time.Millisecond {
		t.Errorf("the next packet waits %v: want 96 ms, as if the refused resend had not been", d)
	}
	if d, ok := p.takeResend(t0.Add(60*time.Millisecond), rtpMTU, rate); !ok || d > maxResendLag {
		t.Errorf("a resend 48 ms behind: wait %v, sent %v; want it sent", d, ok)
	}

	var unpaced sendPace
	for range 1000 {
		unpaced.take(t0, rtpMTU, 0)
	}
	if d, ok := unpaced.takeResend(t0, rtpMTU, 0); !ok || d != 0 {
		t.Errorf("a resend to a viewer without feedback: wait %v, sent %v; want it sent at once", d, ok)
	}
}

// A viewer whose feedback says it lost most of what it was sent is paced
// at its cap, below its estimate's pace, until the cap ends; a viewer
// without feedback (rate 0) is never capped.
func TestTheDeliveryCapLowersTheViewersPace(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const rate = 8_000_000
	var p sendPace
	for at := time.Duration(0); at <= 1100*time.Millisecond; at += 100 * time.Millisecond {
		p.take(t0.Add(at), 12_500, 0) // 1 Mbit/s, unpaced
		p.feedback(t0.Add(at), 1, 9)
	}
	capRate, caps := p.capStatus(t0.Add(1100 * time.Millisecond))
	if caps != 1 || capRate < minPaceRate || capRate > 200_000 {
		t.Fatalf("a viewer that lost 90%% of 1 Mbit/s: cap %d bit/s, capped %d times; want 1.25 times 100 kbit/s", capRate, caps)
	}
	if d := p.take(t0.Add(1200*time.Millisecond), 100*rtpMTU, 0); d != 0 {
		t.Errorf("a viewer without feedback waited %v under a cap: want it unpaced", d)
	}
	// Paced at its estimate's 8 Mbit/s, 120 000 bytes wait 120 ms; at the
	// cap, about 125 000 bit/s, several seconds.
	now := t0.Add(1300 * time.Millisecond)
	var waited time.Duration
	for range 101 {
		waited = p.take(now, rtpMTU, rate)
	}
	if waited < 5*time.Second {
		t.Errorf("120 KB under the cap went in %v: want the cap's pace, not the estimate's", waited)
	}
	later := t0.Add(time.Second + capHold + time.Minute) // the cap has ended; the debt is paid
	p.take(later, 2*rtpMTU, rate)
	if d := p.take(later, 10*rtpMTU, rate); d != 0 {
		t.Errorf("after the cap ended, a packet in the estimate's burst waits %v", d)
	}
	if d := p.take(later, rtpMTU, rate); d > 20*time.Millisecond {
		t.Errorf("after the cap ended, 12 KB in debt waits %v: want the estimate's pace (12 ms)", d)
	}
}
