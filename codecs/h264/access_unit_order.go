package h264

import (
	"errors"
	"fmt"
)

// AccessUnitOrder finds the output order of a stream's access units from
// their slice headers, for a stream that carries no timestamps of its own
// (a raw Annex B file or pipe): it keeps the parameter sets (ParamSetTable),
// reads each access unit's first slice header (ParseSliceHeader), counts
// its picture order (PicOrderCounter) and places it in output order
// (PresentationOrder), holding back as many pictures as its SPS says a
// decoder does (SPS.MaxReorderFrames; none for pic_order_cnt_type 2).
//
// Push access units in decode order from an IDR on; Pop hands them back in
// the same order, each with its place in output order, as soon as that is
// known; Flush at the end of the stream lets out the ones held back. Fields
// coded as access units of their own are placed as pictures of their own.
//
// The zero value is ready to use. An AccessUnitOrder is not safe for
// concurrent use.
type AccessUnitOrder struct {
	sets    ParamSetTable
	counter PicOrderCounter
	order   PresentationOrder
	// the current coded video sequence: its highest picture order count
	// and how many pictures wait in it
	highest    int64
	maxReorder int
}

// Push adds the next access unit, given as its NAL units, in decode order.
// An IDR picture, or one whose marking holds
// memory_management_control_operation 5, starts the order over.
// nalus is not modified or kept.
//
// An access unit whose order cannot be read (no slice, a slice header that
// does not parse, parameter sets missing) is still placed, after every
// picture pushed before it, and Push returns why, wrapping
// ErrInvalidSliceHeader, ErrMissingParameterSets or another sentinel of
// this package.
func (o *AccessUnitOrder) Push(nalus [][]byte) error {
	psErr := o.sets.Update(nalus)
	h, sps, err := o.firstSlice(nalus)
	if err != nil {
		o.highest++
		o.order.Push(o.highest, false, o.maxReorder)
		return errors.Join(err, psErr)
	}
	if h.IDR {
		o.maxReorder = 0
		if sps.PicOrderCntType != 2 {
			o.maxReorder = sps.MaxReorderFrames()
		}
	}
	poc := o.counter.Count(h, sps)
	// A reset of the count outputs every picture before, as an IDR does
	// (ITU-T H.264 C.4.4).
	restart := h.IDR || h.MMCO5
	if restart || poc > o.highest {
		o.highest = poc
	}
	o.order.Push(poc, restart, o.maxReorder)
	return nil
}

// firstSlice reads the header of the access unit's first coded slice.
func (o *AccessUnitOrder) firstSlice(nalus [][]byte) (*SliceHeader, *SPS, error) {
	for _, nalu := range nalus {
		if t := TypeOf(nalu); t != NALUTypeIDR && t != NALUTypeNonIDR {
			continue
		}
		h, err := ParseSliceHeader(nalu, &o.sets)
		if err != nil {
			return nil, nil, err
		}
		sps, _, err := o.sets.Lookup(h.PPSID)
		return h, sps, err
	}
	return nil, nil, fmt.Errorf("%w: access unit without a coded slice", ErrNotSlice)
}

// Flush places every access unit held back: at the end of the stream.
func (o *AccessUnitOrder) Flush() { o.order.Flush() }

// Pop returns the oldest access unit in decode order not popped yet, once
// its place in output order is known; ok is false while there is none.
func (o *AccessUnitOrder) Pop() (Placement, bool) { return o.order.Pop() }

// Held returns the access units pushed and not popped yet, at most
// MaxHeldPictures once Pop has been called until it returns false.
func (o *AccessUnitOrder) Held() int { return o.order.Held() }

// Delay is PresentationOrder.Delay: a presentation time of Display + Delay
// frames never comes before a decode time of Decode frames.
func (o *AccessUnitOrder) Delay() int { return o.order.Delay() }

// Forced is PresentationOrder.Forced.
func (o *AccessUnitOrder) Forced() int { return o.order.Forced() }
