package elements

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// takeQueued takes the oldest item queued in src, as its pipeline would,
// making room; it fails the test when none waits.
func takeQueued[T media.Item](t *testing.T, src *AppSrc[T]) T {
	t.Helper()
	it, err := src.h.take(context.Background(), false, false)
	if err != nil {
		t.Fatalf("nothing queued: %v", err)
	}
	return it
}

// TryPush never waits, not even for a Push that waits for room: it
// refuses its item with ErrAppFull, as the full queue would.
func TestTryPushDoesNotWaitForAPushWaitingForRoom(t *testing.T) {
	appLeaks(t)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{MaxQueued: 1})
	pool, _ := media.NewFramePool(media.GRAY8, 16, 16, 0)
	if err := src.TryPush(pool.Get()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	pushed := make(chan error, 1)
	go func() { pushed <- src.Push(ctx, pool.Get()) }()
	waitForRoomWaiter(t, src)
	tried := make(chan error, 1)
	go func() { tried <- src.TryPush(pool.Get()) }()
	select {
	case err := <-tried:
		if !errors.Is(err, ErrAppFull) {
			t.Fatalf("TryPush: %v, want ErrAppFull", err)
		}
	case <-time.After(appTimeout):
		t.Fatal("TryPush waits for the Push that waits for room")
	}
	select {
	case err := <-pushed:
		t.Fatalf("the waiting Push returned %v before TryPush did", err)
	default:
	}
	takeQueued(t, src)
	if err := <-pushed; err != nil {
		t.Fatalf("the Push given room: %v", err)
	}
}

// waitForRoomWaiter waits until a Push holds src's turn waiting for room.
func waitForRoomWaiter[T media.Item](t *testing.T, src *AppSrc[T]) {
	t.Helper()
	deadline := time.Now().Add(appTimeout)
	for {
		src.turn.mu.Lock()
		waiting := src.turn.waiting
		src.turn.mu.Unlock()
		if waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the Push never waited for room")
		}
		time.Sleep(time.Millisecond)
	}
}

// A packet TryPush refused while a Push waited for room, and never pushed
// again, is a loss: the delta pushed after it is left out.
func TestAPacketTryPushRefusedBehindAWaitingPushBreaksTheChain(t *testing.T) {
	appLeaks(t)
	encoded := encodedPackets(t, 96, 64, 4, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{MaxQueued: 1})
	if err := src.TryPush(&media.Packet{Data: encoded[0].Data}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	pushed := make(chan error, 1)
	go func() { pushed <- src.Push(ctx, &media.Packet{Data: encoded[1].Data}) }()
	waitForRoomWaiter(t, src)
	if err := src.TryPush(&media.Packet{Data: encoded[2].Data}); !errors.Is(err, ErrAppFull) {
		t.Fatalf("TryPush behind a Push waiting for room: %v, want ErrAppFull", err)
	}
	takeQueued(t, src)
	if err := <-pushed; err != nil {
		t.Fatalf("the Push given room: %v", err)
	}
	takeQueued(t, src)
	if err := src.TryPush(&media.Packet{Data: encoded[3].Data}); err != nil {
		t.Fatal(err)
	}
	if st := src.Stats(); st.Queued != 0 || st.Dropped != 1 {
		t.Fatalf("a delta after one refused and never pushed again: %+v, want it left out, counted", st)
	}
}

// A frame refused for room that the caller changes (its next picture, in
// the same Frame) and pushes again goes out as it is now, checked again,
// not as it was when refused.
func TestARefusedFrameChangedAndPushedAgainGoesOutAsItIsNow(t *testing.T) {
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{MaxQueued: 1})
	pool, _ := media.NewFramePool(media.GRAY8, 16, 16, 0)
	t0 := time.Unix(1_700_000_000, 0)
	first, f := pool.Get(), pool.Get()
	first.CaptureTime, f.CaptureTime = t0, t0.Add(time.Second)
	if err := src.TryPush(first); err != nil {
		t.Fatal(err)
	}
	if err := src.TryPush(f); !errors.Is(err, ErrAppFull) {
		t.Fatalf("TryPush on a full queue: %v, want ErrAppFull", err)
	}
	f.CaptureTime = t0.Add(time.Hour)
	takeQueued(t, src)
	if err := src.TryPush(f); err != nil {
		t.Fatal(err)
	}
	if got := takeQueued(t, src).CaptureTime; !got.Equal(f.CaptureTime) {
		t.Fatalf("the frame pushed again went out captured at %v, not at %v as it is now", got, f.CaptureTime)
	}
	// Changed to one that does not fit, it is refused.
	if err := src.TryPush(pool.Get()); err != nil {
		t.Fatal(err)
	}
	g := pool.Get()
	if err := src.TryPush(g); !errors.Is(err, ErrAppFull) {
		t.Fatalf("TryPush on a full queue: %v, want ErrAppFull", err)
	}
	g.CaptureTime = t0
	takeQueued(t, src)
	if err := src.TryPush(g); !errors.Is(err, ErrAppRefused) {
		t.Fatalf("a refused frame pushed again captured before the last: %v, want ErrAppRefused", err)
	}
}

// A delta refused for room, pushed again unchanged, continues the chain;
// one whose Packet the caller reused for the next picture means the
// refused one never came: the new one is left out, as a loss.
func TestARefusedPacketPushedAgainIsKnownUnchanged(t *testing.T) {
	encoded := encodedPackets(t, 96, 64, 4, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{MaxQueued: 1})
	if err := src.TryPush(&media.Packet{Data: encoded[0].Data}); err != nil {
		t.Fatal(err)
	}
	d := &media.Packet{Data: encoded[1].Data}
	if err := src.TryPush(d); !errors.Is(err, ErrAppFull) {
		t.Fatalf("TryPush on a full queue: %v, want ErrAppFull", err)
	}
	takeQueued(t, src)
	if err := src.TryPush(d); err != nil || src.Stats().Queued != 1 || src.Stats().Dropped != 0 {
		t.Fatalf("the refused delta pushed again unchanged: %v, %+v: want it queued", err, src.Stats())
	}
	d = &media.Packet{Data: encoded[2].Data}
	if err := src.TryPush(d); !errors.Is(err, ErrAppFull) {
		t.Fatalf("TryPush on a full queue: %v, want ErrAppFull", err)
	}
	d.Data = encoded[3].Data // the caller's next picture, in the same Packet
	takeQueued(t, src)
	if err := src.TryPush(d); err != nil {
		t.Fatal(err)
	}
	if st := src.Stats(); st.Queued != 0 || st.Dropped != 1 {
		t.Fatalf("a delta after one refused and never pushed again: %+v, want it left out, counted", st)
	}
	select {
	case <-src.KeyframeRequests():
	default:
		t.Fatal("the loss asked for no keyframe")
	}
}
