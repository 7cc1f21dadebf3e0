package viewerbench

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/web"
)

// pageStats is window.goplineStats as a join reads it: times in ms from
// the viewer's connect (see web/static/viewer.js).
type pageStats struct {
	FirstFrameMs         *float64 `json:"firstFrameMs"`
	Error                *string  `json:"error"`
	OfferMs              *float64 `json:"offerMs"`
	AnsweredMs           *float64 `json:"answeredMs"`
	ICEConnectedMs       *float64 `json:"iceConnectedMs"`
	ConnectedMs          *float64 `json:"connectedMs"`
	FirstFrameReceivedMs *float64 `json:"firstFrameReceivedMs"`
	FirstFrameDecodeMs   *float64 `json:"firstFrameDecodeMs"`
	StartedAt            *float64 `json:"startedAt"` // ms since the epoch
	Session              *string  `json:"session"`
}

// Stage is one step of a join, timed from the viewer's connect; the
// browser's steps are its own, the server's are the node's JoinTrace set
// on the same clock by the page's startedAt (both run on this host).
type Stage int

// The stages of a join, in the order they happen.
const (
	StageOffer           Stage = iota // the browser made its offer
	StageServerOffer                  // the node read it
	StageServerAnswered               // the node made its answer
	StageAnswered                     // the browser received it
	StageServerICE                    // the node's ICE connected
	StageICE                          // the browser's ICE connected
	StageConnected                    // the browser's DTLS connected
	StageServerConnected              // the node's DTLS connected, its feed subscribed
	StageServerPicture                // the node sent the first picture
	StageReceived                     // the browser received the first painted picture
	StagePainted                      // the browser painted it
	// StageDecode is a duration, not a time: the browser's decode of the
	// first painted picture.
	StageDecode
	numStages
)

var stageNames = [numStages]string{"offer made", "offer read (node)", "answer made (node)", "answer received",
	"ICE connected (node)", "ICE connected", "DTLS connected", "DTLS connected (node)", "first picture sent (node)",
	"first picture received", "first picture painted", "its decode (duration)"}

func (s Stage) String() string { return stageNames[s] }

// Timeline is one join's stages; a stage not seen is negative.
type Timeline struct {
	At [numStages]time.Duration
}

// timeline puts a page's stats and the node's trace of the same session
// on one time line.
func timeline(st pageStats, tr web.JoinTrace, traced bool) Timeline {
	var t Timeline
	for i := range t.At {
		t.At[i] = -1
	}
	ms := func(v *float64) time.Duration {
		if v == nil {
			return -1
		}
		return time.Duration(*v * float64(time.Millisecond))
	}
	t.At[StageOffer], t.At[StageAnswered] = ms(st.OfferMs), ms(st.AnsweredMs)
	t.At[StageICE], t.At[StageConnected] = ms(st.ICEConnectedMs), ms(st.ConnectedMs)
	t.At[StageReceived], t.At[StagePainted] = ms(st.FirstFrameReceivedMs), ms(st.FirstFrameMs)
	t.At[StageDecode] = ms(st.FirstFrameDecodeMs)
	if !traced || st.StartedAt == nil {
		return t
	}
	start := time.UnixMicro(int64(*st.StartedAt * 1000))
	for stage, at := range map[Stage]time.Time{StageServerOffer: tr.Offer, StageServerAnswered: tr.Answered,
		StageServerICE: tr.ICEConnected, StageServerConnected: tr.Connected, StageServerPicture: tr.FirstPicture} {
		if !at.IsZero() {
			t.At[stage] = at.Sub(start)
		}
	}
	return t
}

// StageTimes is a stage's p50 and p95 over the joins that saw it.
type StageTimes struct {
	Stage    Stage
	P50, P95 float64 // ms from connect
}

// stageTimes sums up timelines per stage.
func stageTimes(ts []Timeline) []StageTimes {
	var out []StageTimes
	for s := range numStages {
		var d []time.Duration
		for _, t := range ts {
			if v := t.At[s]; v >= 0 {
				d = append(d, v)
			}
		}
		if len(d) == 0 {
			continue
		}
		slices.Sort(d)
		out = append(out, StageTimes{Stage: s, P50: bench.Millis(bench.Percentile(d, 50)), P95: bench.Millis(bench.Percentile(d, 95))})
	}
	return out
}

// traces keeps the node's join traces by session, for the joins to pick up.
type traces struct {
	mu sync.Mutex
	m  map[string]web.JoinTrace
}

func (t *traces) add(tr web.JoinTrace) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]web.JoinTrace{}
	}
	t.m[tr.Session] = tr
}

// take returns session's trace. The node gives it as it sends the first
// picture, before the page can paint it, but on a loaded machine its
// goroutine may run late: take waits for it up to a second.
func (t *traces) take(ctx context.Context, session string) (web.JoinTrace, bool) {
	for range 100 {
		t.mu.Lock()
		tr, ok := t.m[session]
		delete(t.m, session)
		t.mu.Unlock()
		if ok {
			return tr, true
		}
		if bench.Sleep(ctx, 10*time.Millisecond) != nil {
			break
		}
	}
	return web.JoinTrace{}, false
}
