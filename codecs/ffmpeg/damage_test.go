package ffmpeg

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/asticode/go-astiav"
)

// sendAll reads n packets as feed does, the ones at the places keys (in
// this call's own count) keyframes, and returns how many it left out.
func sendAll(d *damageSpans, n int, keys ...int) (skipped int) {
	for i := range n {
		key := slices.Contains(keys, i)
		if d.skip(key) {
			skipped++
			continue
		}
		d.sent(key)
	}
	return skipped
}

// A damaged picture of a B-frame stream comes out after the next keyframe
// was sent: only the pictures between the damage and that keyframe are
// left out, the keyframe's GOP is kept, and nothing more is skipped.
func TestDamageFoundLateKeepsTheNextGOP(t *testing.T) {
	var d damageSpans
	sendAll(&d, 33, 0, 30) // packets 0..32, keyframes 0 and 30
	d.damaged(28)          // picture 28 comes out flagged, after packet 32 was sent
	for i, want := range map[uint64]bool{27: true, 28: false, 29: false, 30: true, 31: true, 32: true} {
		if keep, count := d.picture(i); keep != want || count == keep {
			t.Errorf("picture of packet %d: keep %v count %v, want keep %v", i, keep, count, want)
		}
	}
	if skipped := sendAll(&d, 5); skipped != 0 {
		t.Fatalf("%d packets of the kept GOP skipped", skipped)
	}
}

// Damage with no keyframe after it leaves out every later packet until the
// next keyframe, which starts clean.
func TestDamageSkipsPacketsUntilTheNextKeyframe(t *testing.T) {
	var d damageSpans
	sendAll(&d, 10, 0)
	d.refused(9)
	if keep, count := d.picture(9); keep || count {
		t.Fatalf("a refused packet's picture: keep %v count %v, want left out uncounted", keep, count)
	}
	if keep, count := d.picture(8); !keep || count {
		t.Fatalf("the picture before the damage: keep %v count %v", keep, count)
	}
	if skipped := sendAll(&d, 20, 10); skipped != 10 {
		t.Fatalf("%d packets skipped, want the 10 before the keyframe", skipped)
	}
	if d.next != 20 {
		t.Fatalf("%d packets sent", d.next)
	}
	if keep, _ := d.picture(10); !keep {
		t.Fatal("the keyframe's picture left out")
	}
}

// Damages in one GOP make one span, up to the keyframe after them;
// damage in the first keyframe leaves out its whole GOP.
func TestDamageSpansMerge(t *testing.T) {
	var d damageSpans
	sendAll(&d, 1, 0)
	d.refused(0)
	if skipped := sendAll(&d, 20, 9); skipped != 9 {
		t.Fatalf("%d packets skipped after damage in the first keyframe, want 9", skipped)
	}
	d.damaged(5)
	d.damaged(4)
	if len(d.spans) != 2 || d.spans[0] != (damageSpan{from: 0, to: 1}) || d.spans[1] != (damageSpan{from: 4, open: true}) {
		t.Fatalf("spans %+v", d.spans)
	}
	sendAll(&d, 1, 0) // packet 12, a keyframe
	d.damaged(1)
	if len(d.spans) != 1 || d.spans[0] != (damageSpan{from: 0, to: 12}) {
		t.Fatalf("spans after damage between them: %+v", d.spans)
	}
	for i := range uint64(13) {
		if keep, _ := d.picture(i); keep != (i == 12) {
			t.Fatalf("picture of packet %d: keep %v", i, keep)
		}
	}
}

// A picture held back for reordering that the decoder drops after damage,
// without a word, is counted lost, once; without damage a packet without a
// picture (one field of a pair) is not.
func TestDamageCountsPicturesThatNeverCameOut(t *testing.T) {
	var d damageSpans
	sendAll(&d, 4, 0)
	d.cameOut(0)
	d.cameOut(2)
	at := d.sent(false) // packet 4, refused
	d.refused(at)
	d.cameOut(1)
	d.end()
	if lost := d.takeLost(); lost != 1 {
		t.Fatalf("%d pictures lost, want 1 (packet 3's)", lost)
	}
	if lost := d.takeLost(); lost != 0 {
		t.Fatalf("%d lost counted twice", lost)
	}
	var clean damageSpans
	sendAll(&clean, 3*pendingLimit, 0)
	clean.end()
	if lost := clean.takeLost(); lost != 0 {
		t.Fatalf("%d pictures lost without damage", lost)
	}
}

// What the spans remember is bounded by pendingLimit packets however long
// the stream.
func TestDamageForgetsOldPackets(t *testing.T) {
	var d damageSpans
	for i := range 10000 {
		key := i%5 == 0
		if !d.skip(key) {
			at := d.sent(key)
			if i%7 == 0 {
				d.refused(at)
			}
		}
	}
	if len(d.keys) > pendingLimit || len(d.undecodable) > pendingLimit || len(d.spans) > pendingLimit || len(d.pending) > pendingLimit {
		t.Fatalf("%d keys, %d undecodable, %d spans, %d pending remembered", len(d.keys), len(d.undecodable), len(d.spans), len(d.pending))
	}
}

func TestIsDamage(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("x: %w", astiav.ErrInvaliddata), true},
		{astiav.ErrPatchwelcome, true},
		{astiav.ErrEio, false},
		{errors.New("other"), false},
	} {
		if got := isDamage(c.err); got != c.want {
			t.Errorf("isDamage(%v) = %v", c.err, got)
		}
	}
}
