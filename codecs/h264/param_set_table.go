package h264

import (
	"bytes"
	"errors"
	"fmt"
)

// ParamSetTable keeps a stream's parsed parameter sets by their
// identifiers, as a decoder does, so that a slice header can be read with
// the SPS and PPS it refers to. It holds at most 32 SPS and 256 PPS, the
// identifiers' ranges.
//
// The zero value is ready to use. A ParamSetTable is not safe for
// concurrent use.
type ParamSetTable struct {
	sps    [maxSPSID + 1]*SPS
	pps    [maxPPSID + 1]*PPS
	spsRaw [maxSPSID + 1][]byte
	ppsRaw [maxPPSID + 1][]byte
}

// Update parses the SPS and PPS NAL units among nalus and keeps each under
// its identifier, in place of the one before; the others are passed over.
// A parameter set that repeats the bytes of the kept one is not parsed
// again. It returns the errors of the parameter sets it could not parse,
// joined; it keeps the others.
func (t *ParamSetTable) Update(nalus [][]byte) error {
	var errs []error
	for _, nalu := range nalus {
		switch TypeOf(nalu) {
		case NALUTypeSPS:
			if kept(t.spsRaw[:], nalu) {
				continue
			}
			if sps, err := ParseSPS(nalu); err != nil {
				errs = append(errs, err)
			} else if !bytes.Equal(t.spsRaw[sps.ID], nalu) {
				t.sps[sps.ID], t.spsRaw[sps.ID] = sps, bytes.Clone(nalu)
			}
		case NALUTypePPS:
			if kept(t.ppsRaw[:], nalu) {
				continue
			}
			if pps, err := ParsePPS(nalu); err != nil {
				errs = append(errs, err)
			} else if !bytes.Equal(t.ppsRaw[pps.ID], nalu) {
				t.pps[pps.ID], t.ppsRaw[pps.ID] = pps, bytes.Clone(nalu)
			}
		}
	}
	return errors.Join(errs...)
}

// kept reports whether nalu is the bytes of a parameter set in raw: the
// one kept under its identifier, since the identifier is in the bytes.
func kept(raw [][]byte, nalu []byte) bool {
	for _, r := range raw {
		if r != nil && bytes.Equal(r, nalu) {
			return true
		}
	}
	return false
}

// Lookup returns the PPS of identifier ppsID and the SPS it refers to. It
// returns ErrMissingParameterSets when either is not kept. The caller must
// not modify them.
func (t *ParamSetTable) Lookup(ppsID uint32) (*SPS, *PPS, error) {
	if ppsID > maxPPSID || t.pps[ppsID] == nil {
		return nil, nil, fmt.Errorf("%w: no PPS %d", ErrMissingParameterSets, ppsID)
	}
	pps := t.pps[ppsID]
	if t.sps[pps.SPSID] == nil {
		return nil, nil, fmt.Errorf("%w: no SPS %d for PPS %d", ErrMissingParameterSets, pps.SPSID, ppsID)
	}
	return t.sps[pps.SPSID], pps, nil
}
