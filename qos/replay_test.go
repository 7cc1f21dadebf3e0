package qos_test

import (
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

func TestReplayViewShows(t *testing.T) {
	live := &media.Packet{}
	old := &media.Packet{Replay: media.Replay{Replayed: true}}
	newest := &media.Packet{Replay: media.Replay{Replayed: true, Last: true}}
	for _, c := range []struct {
		v    qos.ReplayView
		p    *media.Packet
		want bool
	}{
		{qos.ReplayLatest, live, true}, {qos.ReplayLatest, old, false}, {qos.ReplayLatest, newest, true},
		{qos.ReplayAll, live, true}, {qos.ReplayAll, old, true}, {qos.ReplayAll, newest, true},
	} {
		if got := c.v.Shows(c.p); got != c.want {
			t.Errorf("%v.Shows(%+v) = %v", c.v, c.p.Replay, got)
		}
	}
	for _, s := range []string{"latest", "all"} {
		if v, err := qos.ParseReplayView(s); err != nil || v.String() != s {
			t.Errorf("qos.ParseReplayView(%q) = %v, %v", s, v, err)
		}
	}
	if _, err := qos.ParseReplayView("newest"); err == nil {
		t.Error("qos.ParseReplayView accepted an unknown view")
	}
}
