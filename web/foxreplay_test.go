package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

func TestReplayBudgetReplaysABurstThenOneEveryInterval(t *testing.T) {
	var b replayBudget
	t0 := time.Unix(1000, 0)
	for i := range replayBurst {
		if !b.take(1, t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatalf("replay %d of the burst refused", i+1)
		}
	}
	if b.take(1, t0.Add(time.Second)) {
		t.Fatalf("replay %d in a row taken", replayBurst+1)
	}
	if next := b.next(1, t0.Add(time.Second)); next != t0.Add(replayEvery) {
		t.Errorf("the next replay at %v, want %v", next.Sub(t0), replayEvery)
	}
	if !b.take(2, t0.Add(time.Second)) {
		t.Error("another channel's replay refused")
	}
	if b.take(1, t0.Add(replayEvery-time.Millisecond)) || !b.take(1, t0.Add(replayEvery)) || b.take(1, t0.Add(replayEvery+time.Second)) {
		t.Error("once the burst is spent, not one replay every interval")
	}
	if !b.take(1, t0.Add(time.Hour)) {
		t.Error("the budget is not whole again after a while")
	}
	// The budgets kept are bounded: the whole ones go.
	for ch := range uint32(10 * maxReplayBudgets) {
		b.take(100+ch, t0.Add(2*time.Hour+time.Duration(ch)*replayEvery))
	}
	if len(b.whole) > maxReplayBudgets {
		t.Errorf("%d budgets kept, want %d at most", len(b.whole), maxReplayBudgets)
	}
}

func TestReplaySkipWaitsForTheFirstLiveKeyframe(t *testing.T) {
	r := replaySkip{waiting: true}
	for i, c := range []struct{ replayed, key, skip bool }{
		{true, true, true}, {true, false, true}, {false, false, true}, {false, true, false}, {false, false, false}, {true, true, false},
	} {
		if got := r.skip(c.replayed, c.key); got != c.skip {
			t.Errorf("picture %d (replayed %v, keyframe %v): skip %v, want %v", i, c.replayed, c.key, got, c.skip)
		}
	}
}

// A client that subscribes and unsubscribes a channel in a loop is
// replayed its cached GOP replayBurst times in a row; the subscription
// after those starts at a live keyframe, its client told why in a status
// that is removed at its first picture.
func TestFoxgloveSubscribeLoopIsNotReplayedEachTime(t *testing.T) {
	n := newLiveNode(t, Config{})
	c := dialFoxglove(t, n, "?replay=marked")
	ch := c.greeting()[0]
	for i := range uint32(replayBurst + 1) {
		id := strconv.FormatUint(uint64(i+1), 10)
		c.send(`{"op":"subscribe","subscriptions":[{"id":` + id + `,"channelId":` + jsonNumber(ch.ID) + `}]}`)
		var told string
		op, data := c.next()
		for ; op != "binary" || !ofSubscription(t, ch, data, i+1); op, data = c.next() {
			if op == "binary" {
				continue // the subscription before's, sent before its unsubscribe was read
			}
			var st status
			if err := json.Unmarshal(data, &st); err != nil || op != "status" {
				t.Fatalf("subscription %d: %s %s before its first picture", i+1, op, data)
			}
			told = st.ID + ": " + st.Message
		}
		replayed := replayMark(t, data) == 1
		_, m := decodeMessage(t, ch, data)
		nalus, err := h264.SplitAnnexB(m.Data)
		if err != nil || !h264.IsRandomAccess(nalus) {
			t.Fatalf("subscription %d: the first picture is no keyframe (%v)", i+1, err)
		}
		if i < replayBurst {
			if !replayed || told != "" {
				t.Fatalf("subscription %d of a burst: replayed %v, told %q; want replayed, told nothing", i+1, replayed, told)
			}
		} else {
			if replayed || !strings.HasPrefix(told, statusNoReplay+id+": ") || !strings.Contains(told, "next keyframe") {
				t.Fatalf("subscription %d, after a burst: replayed %v, told %q; want a live keyframe, told why", i+1, replayed, told)
			}
			if op, data := c.nextOp(); op != "removeStatus" || !strings.Contains(string(data), statusNoReplay+id) {
				t.Errorf("after the first picture: %s %s, want the status removed", op, data)
			}
			t.Logf("told: %s", told)
		}
		c.send(`{"op":"unsubscribe","subscriptionIds":[` + id + `]}`)
	}
}

// ofSubscription reports whether Message Data data is of subscription id.
func ofSubscription(t *testing.T, ch channel, data []byte, id uint32) bool {
	sub, _ := decodeMessage(t, ch, data)
	return sub == id
}
