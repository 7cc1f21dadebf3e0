package viewerbench

import (
	"testing"
	"time"

	"github.com/gopline/gopline/web"
)

func ms(v float64) *float64 { return &v }

// The page's times are kept as they are, the node's are put on the page's
// clock by its start, and a stage not seen stays out of the percentiles.
func TestTimelinePutsTheNodesTraceOnThePagesClock(t *testing.T) {
	start := time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC)
	st := pageStats{OfferMs: ms(20), AnsweredMs: ms(30), ICEConnectedMs: ms(41), ConnectedMs: ms(50),
		FirstFrameReceivedMs: ms(55), FirstFrameMs: ms(60), FirstFrameDecodeMs: ms(1.5),
		StartedAt: ms(float64(start.UnixMicro()) / 1000)}
	tr := web.JoinTrace{Offer: start.Add(24 * time.Millisecond), Answered: start.Add(26 * time.Millisecond),
		ICEConnected: start.Add(40 * time.Millisecond), Connected: start.Add(48 * time.Millisecond),
		FirstPicture: start.Add(49 * time.Millisecond)}
	got := timeline(st, tr, true)
	want := map[Stage]float64{StageOffer: 20, StageServerOffer: 24, StageServerAnswered: 26, StageAnswered: 30,
		StageServerICE: 40, StageICE: 41, StageConnected: 50, StageServerConnected: 48, StageServerPicture: 49,
		StageReceived: 55, StagePainted: 60, StageDecode: 1.5}
	for s, w := range want {
		if d := got.At[s]; d != time.Duration(w*float64(time.Millisecond)) {
			t.Errorf("%s: %v, want %v ms", s, d, w)
		}
	}

	untraced := timeline(st, web.JoinTrace{}, false)
	if untraced.At[StageServerPicture] >= 0 || untraced.At[StagePainted] != 60*time.Millisecond {
		t.Errorf("without the node's trace: %v", untraced.At)
	}
	stages := stageTimes([]Timeline{got, untraced})
	for _, s := range stages {
		if s.Stage == StageServerPicture && (s.P50 != 49 || s.P95 != 49) {
			t.Errorf("first picture sent: %+v, want 49 ms from the one join that saw it", s)
		}
	}
	if len(stages) != int(numStages) {
		t.Errorf("%d stages summed up, want %d", len(stages), numStages)
	}
}
