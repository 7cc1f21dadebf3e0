package h264

// MaxHeldPictures bounds the pictures a PresentationOrder holds whose place
// in output order is not known yet, or that wait behind such a picture. A
// conforming stream needs at most a decoded picture buffer (16 frames) and
// the run of B-frames an encoder puts between two references (x264 allows
// 16); 32 leaves room for both while bounding what a hostile stream that
// never lets a picture out can make a reader keep.
const MaxHeldPictures = 32

// Placement is a picture's place in decode order and in output order,
// counted from 0 at the first picture pushed.
type Placement struct {
	Decode, Display uint64
}

// PresentationOrder finds the output order of pictures given in decode
// order with their picture order counts, as a decoder's output process
// does (ITU-T H.264 C.4.5.3, "bumping"): a decoded picture waits while no
// more than maxReorder pictures wait, and the one with the lowest picture
// order count is output first; a new coded video sequence (an IDR picture)
// outputs every picture still waiting. For a conforming stream this is the
// order a decoder shows, and every picture's Display is at least its Decode
// less Delay.
//
// The zero value is ready to use. A PresentationOrder is not safe for
// concurrent use.
type PresentationOrder struct {
	waiting []waitingPicture // decoded, not output yet
	placed  []placed         // in decode order, from the oldest not popped
	decoded uint64           // pictures pushed
	output  uint64           // pictures output
	delay   int              // the largest maxReorder pushed
	forced  int              // pictures output early for MaxHeldPictures
}

type waitingPicture struct {
	decode uint64
	poc    int64
}

type placed struct {
	display uint64
	known   bool
}

// Push adds the next picture in decode order, whose picture order count is
// poc. newSequence says it starts a coded video sequence: the pictures
// before it are output first, whatever their count. maxReorder is how many
// pictures may wait (SPS.MaxReorderFrames; 0 when pic_order_cnt_type is 2,
// since such a stream is output in decode order); it is bounded to 0 to 16.
func (o *PresentationOrder) Push(poc int64, newSequence bool, maxReorder int) {
	maxReorder = min(max(maxReorder, 0), maxDPBFrames)
	o.delay = max(o.delay, maxReorder)
	if newSequence {
		o.Flush()
	}
	o.waiting = append(o.waiting, waitingPicture{decode: o.decoded, poc: poc})
	o.placed = append(o.placed, placed{})
	o.decoded++
	for len(o.waiting) > maxReorder {
		o.bump(o.lowest())
	}
	for len(o.placed) > MaxHeldPictures && !o.placed[0].known {
		o.bump(0) // the oldest: waiting is in decode order
		o.forced++
	}
}

// Flush outputs every picture still waiting, lowest picture order count
// first: at the end of the stream.
func (o *PresentationOrder) Flush() {
	for len(o.waiting) > 0 {
		o.bump(o.lowest())
	}
}

// lowest returns the index in waiting of the picture with the lowest
// picture order count, the first decoded of them on a tie.
func (o *PresentationOrder) lowest() int {
	low := 0
	for i, w := range o.waiting {
		if w.poc < o.waiting[low].poc {
			low = i
		}
	}
	return low
}

// bump outputs waiting[i].
func (o *PresentationOrder) bump(i int) {
	p := &o.placed[o.waiting[i].decode-o.popped()]
	p.display, p.known = o.output, true
	o.output++
	o.waiting = append(o.waiting[:i], o.waiting[i+1:]...)
}

// popped is the decode index of the oldest picture not popped.
func (o *PresentationOrder) popped() uint64 { return o.decoded - uint64(len(o.placed)) }

// Pop returns the oldest picture in decode order not popped yet, once its
// place in output order is known; ok is false while there is none.
func (o *PresentationOrder) Pop() (p Placement, ok bool) {
	if len(o.placed) == 0 || !o.placed[0].known {
		return Placement{}, false
	}
	p = Placement{Decode: o.popped(), Display: o.placed[0].display}
	o.placed = o.placed[1:]
	return p, true
}

// Held returns the pictures pushed and not popped yet.
func (o *PresentationOrder) Held() int { return len(o.placed) }

// Delay returns the largest maxReorder pushed so far: in a conforming
// stream a picture's Display plus Delay is at least its Decode, so a
// presentation time of Display + Delay frames never comes before a decode
// time of Decode frames.
func (o *PresentationOrder) Delay() int { return o.delay }

// Forced returns how many pictures were output before their turn, oldest
// first, because MaxHeldPictures were held: their order may differ from a
// decoder's.
func (o *PresentationOrder) Forced() int { return o.forced }
