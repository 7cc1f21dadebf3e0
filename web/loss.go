package web

import (
	"fmt"

	"github.com/pion/rtcp"
)

// lossyFraction is the share of a stream's packets, in 256ths, that a
// WebRTC viewer's receiver report must say it lost for the node to warn:
// 26 is about a tenth. A viewer that loses fewer has most of them repaired
// by NACK; one that loses more sees broken pictures until keyframes, on a
// link that cannot carry the stream (congested, or lossy radio).
const lossyFraction = 26

// lossWatch reads the receiver reports (RTCP RR) a WebRTC viewer sends of
// the session's stream, about one a second from a browser: each says the
// share of the packets since the report before that the viewer lost. A
// viewer's writes go to a UDP socket, which never makes them wait, so for a
// viewer that sends no transport-wide feedback (no bandwidth estimate, no
// pacing) these reports are all the node learns of a link that drops what
// it is sent. A lossWatch is plain state for the session's RTCP reader.
type lossWatch struct {
	ssrc uint32 // the session's stream
}

// lossReport is what a receiver report says of the session's stream.
type lossReport struct {
	// Fraction is the share lost since the viewer's report before, in
	// 256ths; Total the packets lost since the stream began (RTCP's
	// cumulative count).
	Fraction uint8
	Total    uint32
}

// Percent is the share lost since the report before, in percent.
func (r lossReport) Percent() int { return (int(r.Fraction)*100 + 128) / 256 }

// String says the loss as the node's warning does.
func (r lossReport) String() string {
	return fmt.Sprintf("%d%% of its packets since its last report (%d lost in all)", r.Percent(), r.Total)
}

// report returns what rr says of the session's stream, and whether the
// viewer lost at least lossyFraction of it; ok is false when rr says
// nothing of it.
func (w lossWatch) report(rr *rtcp.ReceiverReport) (r lossReport, lossy, ok bool) {
	for _, rep := range rr.Reports {
		if rep.SSRC == w.ssrc {
			r = lossReport{Fraction: rep.FractionLost, Total: rep.TotalLost}
			return r, r.Fraction >= lossyFraction, true
		}
	}
	return lossReport{}, false, false
}
