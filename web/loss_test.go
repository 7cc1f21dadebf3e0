package web

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

func TestLossWatchFindsTheViewerThatLosesATenthOfTheStream(t *testing.T) {
	w := lossWatch{ssrc: 42}
	cases := []struct {
		name      string
		reports   []rtcp.ReceptionReport
		lossy, ok bool
		percent   int
	}{
		{"no loss", []rtcp.ReceptionReport{{SSRC: 42}}, false, true, 0},
		{"NACK's to repair", []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 25, TotalLost: 30}}, false, true, 10},
		{"a tenth", []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 26, TotalLost: 31}}, true, true, 10},
		{"a quarter", []rtcp.ReceptionReport{{SSRC: 7, FractionLost: 0}, {SSRC: 42, FractionLost: 64, TotalLost: 500}}, true, true, 25},
		{"all", []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 255, TotalLost: 9000}}, true, true, 100},
		{"another stream's", []rtcp.ReceptionReport{{SSRC: 7, FractionLost: 200}}, false, false, 0},
		{"no report block", nil, false, false, 0},
	}
	for _, c := range cases {
		r, lossy, ok := w.report(&rtcp.ReceiverReport{SSRC: 1, Reports: c.reports})
		if lossy != c.lossy || ok != c.ok || r.Percent() != c.percent {
			t.Errorf("%s: lossy %v, ok %v, %d%%; want %v, %v, %d%%", c.name, lossy, ok, r.Percent(), c.lossy, c.ok, c.percent)
		}
	}
	r, _, _ := w.report(&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 64, TotalLost: 500}}})
	if got, want := r.String(), "25% of its packets since its last report (500 lost in all)"; got != want {
		t.Errorf("the report says %q, want %q", got, want)
	}
}

// A WebRTC viewer whose receiver reports say it lost a quarter of the
// stream is warned of at the default level, with its topic and loss; one
// whose reports say it lost nothing is not.
func TestNodeWarnsOfAWebRTCViewerThatLosesMuchOfTheStream(t *testing.T) {
	var logs testlog.Buffer
	n := newLiveNode(t, Config{Log: zerolog.New(&logs).Level(zerolog.InfoLevel)})
	pc, tr := joinWithPion(t, n)
	keepReading(tr) // as a browser does; its own reports say it lost nothing
	report := func(fraction uint8, total uint32) []rtcp.Packet {
		return []rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{
			{SSRC: uint32(tr.SSRC()), FractionLost: fraction, TotalLost: total}}}}
	}
	if err := pc.WriteRTCP(report(0, 0)); err != nil {
		t.Fatal(err)
	}
	// RTCP is UDP: the report goes again every second until the warning.
	var sent time.Time
	waitFor(t, 20*time.Second, "the warning of a viewer that loses a quarter of the stream", func() bool {
		if time.Since(sent) >= time.Second {
			if err := pc.WriteRTCP(report(64, 500)); err != nil {
				t.Fatal(err)
			}
			sent = time.Now()
		}
		return strings.Contains(logs.String(), "lost 25% of its packets since its last report (500 lost in all)")
	})
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, "WebRTC viewer of") &&
			(!strings.Contains(line, `"level":"warn"`) || !strings.Contains(line, "/cam") || !strings.Contains(line, "lost 25%")) {
			t.Errorf("warning %s: want a warning naming /cam and the loss of 25%%", line)
		}
	}
}
