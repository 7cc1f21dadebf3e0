package h264

import (
	"bytes"
	"fmt"
)

// ParamSets keeps the latest SPS and PPS of a stream and puts them in front of
// random access points (IsRandomAccess) that lack them, so that a decoder
// can start at any of them: many cameras send parameter sets only once, or
// out of band.
//
// The zero value is ready to use. A ParamSets is not safe for concurrent use.
type ParamSets struct {
	sps []byte
	pps []byte
}

// SPS returns the latest SPS seen, or nil. The caller must not modify it; it
// stays valid after later updates.
func (p *ParamSets) SPS() []byte { return p.sps }

// PPS returns the latest PPS seen, or nil. The caller must not modify it; it
// stays valid after later updates.
func (p *ParamSets) PPS() []byte { return p.pps }

// Update remembers the last SPS and the last PPS among nalus. It copies them,
// so nalus may be reused afterwards.
func (p *ParamSets) Update(nalus [][]byte) {
	for _, nalu := range nalus {
		switch TypeOf(nalu) {
		case NALUTypeSPS:
			p.sps = keep(p.sps, nalu)
		case NALUTypePPS:
			p.pps = keep(p.pps, nalu)
		}
	}
}

// keep returns a copy of nalu, or kept when it already holds the same bytes.
// It never writes into kept: slices handed out by SPS, PPS and Prepend stay
// valid.
func keep(kept, nalu []byte) []byte {
	if bytes.Equal(kept, nalu) {
		return kept
	}
	return bytes.Clone(nalu)
}

// Prepend returns a random access point (IsRandomAccess: an IDR or a
// recovery point) with the kept SPS and PPS added where it
// lacks them: a missing SPS goes first, after an access unit delimiter if one
// leads; a missing PPS goes after the access unit's own SPS, or after the
// added one. Access units that are not random access points, or that have both, are returned
// as they are.
//
// It never modifies nalus: when it adds anything it returns a new slice,
// whose added elements are the kept parameter sets, which the caller must not
// modify. It returns ErrMissingParameterSets when a random access point lacks a
// parameter set and none is kept, and ErrTooManyNALUs when adding them would
// make more than MaxNALUsPerAccessUnit NAL units.
func (p *ParamSets) Prepend(nalus [][]byte) ([][]byte, error) {
	if !IsRandomAccess(nalus) {
		return nalus, nil
	}
	lastSPS, hasPPS := -1, false
	for i, nalu := range nalus {
		switch TypeOf(nalu) {
		case NALUTypeSPS:
			lastSPS = i
		case NALUTypePPS:
			hasPPS = true
		}
	}
	hasSPS := lastSPS >= 0
	if hasSPS && hasPPS {
		return nalus, nil
	}
	if (!hasSPS && p.sps == nil) || (!hasPPS && p.pps == nil) {
		return nil, fmt.Errorf("%w: access unit has SPS %t and PPS %t, kept SPS %t and PPS %t",
			ErrMissingParameterSets, hasSPS, hasPPS, p.sps != nil, p.pps != nil)
	}
	added := 0
	if !hasSPS {
		added++
	}
	if !hasPPS {
		added++
	}
	if len(nalus)+added > MaxNALUsPerAccessUnit {
		return nil, fmt.Errorf("%w: %d with the parameter sets added", ErrTooManyNALUs, len(nalus)+added)
	}
	out := make([][]byte, 0, len(nalus)+added)
	if !hasSPS {
		at := 0
		if TypeOf(nalus[0]) == NALUTypeAUD {
			at = 1
		}
		out = append(out, nalus[:at]...)
		out = append(out, p.sps)
		if !hasPPS {
			out = append(out, p.pps)
		}
		return append(out, nalus[at:]...), nil
	}
	out = append(out, nalus[:lastSPS+1]...)
	out = append(out, p.pps)
	return append(out, nalus[lastSPS+1:]...), nil
}

// FixAccessUnit is Update and Prepend on an access unit in Annex B form: it
// splits au, remembers its parameter sets, and adds the kept ones a random access point
// lacks. It returns au itself when nothing had to be added, and otherwise a
// new byte stream with four-byte start codes. Errors are those of SplitAnnexB
// and Prepend.
func (p *ParamSets) FixAccessUnit(au []byte) ([]byte, error) {
	nalus, err := SplitAnnexB(au)
	if err != nil {
		return nil, err
	}
	p.Update(nalus)
	fixed, err := p.Prepend(nalus)
	if err != nil {
		return nil, err
	}
	if len(fixed) == len(nalus) {
		return au, nil
	}
	return JoinAnnexB(fixed), nil
}
