package ffmpeg

import (
	"cmp"
	"errors"
	"slices"

	"github.com/asticode/go-astiav"
)

// isDamage reports whether an error of FFmpeg's decoder is about the data
// it was given (damaged or cut-off input, or a feature of it FFmpeg cannot
// decode), which a Reader counts and recovers from at the next keyframe,
// rather than a failure of the decoder itself (out of memory, say).
func isDamage(err error) bool {
	return errors.Is(err, astiav.ErrInvaliddata) || errors.Is(err, astiav.ErrPatchwelcome)
}

// damageSpans tells a strict decoding Reader which pictures to leave out
// after damage. Packets are named by their index in decode order, counted
// from 0 as they are sent to the decoder. Damage at a packet breaks the
// pictures of that packet and of every packet after it up to the next
// keyframe sent, whose GOP starts clean.
//
// The damage comes to light late: a decoder with reordering (B-frames)
// gives a damaged picture out after later packets were sent, the next
// keyframe maybe among them. The span is tied to the damaged packet's index,
// not to the moment the damage shows, so that keyframe's GOP is kept and
// only the pictures before it are left out.
//
// Damage may also make the decoder drop pictures it held back for
// reordering, without a word: a packet sent before damage whose picture
// never comes out is counted lost.
//
// It remembers the packets of the last pendingLimit indices: no picture
// comes out of the decoder later than that.
type damageSpans struct {
	next        uint64   // the index of the next packet sent
	keys        []uint64 // the keyframes sent, in order
	undecodable []uint64 // the packets the decoder refused, counted already
	spans       []damageSpan
	// pending are the packets sent whose pictures have not come out, the
	// last pendingLimit; lost counts those given up on after damage.
	pending []pendingPicture
	lost    int
}

// pendingPicture is a packet whose picture has not come out. Suspect: damage
// came to light since it was sent. Refused: the decoder refused it, and its
// damage is counted.
type pendingPicture struct {
	at               uint64
	suspect, refused bool
}

// damageSpan is the packets [from, to) whose pictures are left out; open
// until a keyframe is sent after from.
type damageSpan struct {
	from, to uint64
	open     bool
}

func (s damageSpan) holds(i uint64) bool { return i >= s.from && (s.open || i < s.to) }

// skip reports whether the next packet is left out unsent: damage came
// before it and no keyframe since, so nothing it gives can be shown.
func (d *damageSpans) skip(key bool) bool {
	return !key && len(d.spans) > 0 && d.spans[len(d.spans)-1].open
}

// sent records that the next packet was sent to the decoder and returns its
// index.
func (d *damageSpans) sent(key bool) uint64 {
	i := d.next
	d.next++
	d.pending = append(d.pending, pendingPicture{at: i})
	if len(d.pending) > pendingLimit {
		d.giveUp(d.pending[0])
		d.pending = append(d.pending[:0], d.pending[1:]...)
	}
	if key {
		d.keys = append(d.keys, i)
		if n := len(d.spans); n > 0 && d.spans[n-1].open {
			d.spans[n-1].to, d.spans[n-1].open = i, false
		}
	}
	d.forget()
	return i
}

// last returns the index of the packet sent last, where damage whose packet
// is unknown is placed.
func (d *damageSpans) last() uint64 {
	if d.next == 0 {
		return 0
	}
	return d.next - 1
}

// refused records that the decoder refused packet i: its damage is counted,
// and a picture it gives later is left out without counting it again.
func (d *damageSpans) refused(i uint64) {
	d.undecodable = append(d.undecodable, i)
	for k := range d.pending {
		if d.pending[k].at == i {
			d.pending[k].refused = true
		}
	}
	d.damaged(i)
}

// cameOut records that the picture of packet i came out of the decoder.
func (d *damageSpans) cameOut(i uint64) {
	for k, p := range d.pending {
		if p.at == i {
			d.pending = append(d.pending[:k], d.pending[k+1:]...)
			return
		}
	}
}

// end gives up on the pictures that have not come out when the decoder has
// given out its last.
func (d *damageSpans) end() {
	for _, p := range d.pending {
		d.giveUp(p)
	}
	d.pending = d.pending[:0]
}

// giveUp counts a picture that never came out as lost when damage came to
// light after its packet was sent, and it was not counted already.
func (d *damageSpans) giveUp(p pendingPicture) {
	if p.suspect && !p.refused {
		d.lost++
	}
}

// takeLost returns the pictures lost since the last call.
func (d *damageSpans) takeLost() int {
	n := d.lost
	d.lost = 0
	return n
}

// damaged records damage at packet i (clamped to the packets sent): the
// pictures from i up to the first keyframe sent after it are left out.
func (d *damageSpans) damaged(i uint64) {
	i = min(i, d.last())
	for k := range d.pending {
		d.pending[k].suspect = true
	}
	to, open := uint64(0), true
	for _, k := range d.keys {
		if k > i {
			to, open = k, false
			break
		}
	}
	d.spans = append(d.spans, damageSpan{from: i, to: to, open: open})
	slices.SortFunc(d.spans, func(a, b damageSpan) int { return cmp.Compare(a.from, b.from) })
	merged := d.spans[:1]
	for _, s := range d.spans[1:] {
		last := &merged[len(merged)-1]
		switch {
		case last.open:
		case s.from > last.to:
			merged = append(merged, s)
		case s.open:
			last.open = true
		default:
			last.to = max(last.to, s.to)
		}
	}
	d.spans = merged
}

// picture tells what to do with a picture of packet i: keep it, or leave it
// out and count it as damage (count unset: its packet was counted
// undecodable already).
func (d *damageSpans) picture(i uint64) (keep, count bool) {
	for _, u := range d.undecodable {
		if u == i {
			return false, false
		}
	}
	for _, s := range d.spans {
		if s.holds(i) {
			return false, true
		}
	}
	return true, false
}

// forget drops what concerns packets older than the last pendingLimit.
func (d *damageSpans) forget() {
	if d.next <= pendingLimit {
		return
	}
	old := d.next - pendingLimit
	d.keys = dropBefore(d.keys, old)
	d.undecodable = dropBefore(d.undecodable, old)
	kept := d.spans[:0]
	for _, s := range d.spans {
		if s.open || s.to > old {
			kept = append(kept, s)
		}
	}
	d.spans = kept
}

// dropBefore removes the leading indices below old from an ordered list.
func dropBefore(list []uint64, old uint64) []uint64 {
	n := 0
	for n < len(list) && list[n] < old {
		n++
	}
	return append(list[:0], list[n:]...)
}
