package qos_test

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// A subscriber's Gate on a stream that loses packet 3: the rest of that GOP is
// dropped and a keyframe is asked for; the next keyframe restarts the stream.
func ExampleGate() {
	gate, err := qos.NewGate()
	if err != nil {
		fmt.Println(err)
		return
	}
	const epoch = 42
	for seq := range uint64(9) {
		if seq == 3 {
			continue // lost on the way
		}
		gop := seq - seq%6 // a keyframe every 6 packets
		p := &media.Packet{Codec: media.H264, Key: seq == gop, Seq: seq, GOP: gop, Epoch: epoch}
		d := gate.Admit(p)
		switch {
		case d.Pass:
			fmt.Printf("%d: decode\n", seq)
		case d.RequestKeyframe:
			fmt.Printf("%d: drop (%v), request a keyframe\n", seq, d.Reason)
		default:
			fmt.Printf("%d: drop (%v)\n", seq, d.Reason)
		}
	}
	s := gate.Stats()
	fmt.Printf("passed %d, dropped %d, keyframe requests %d\n", s.Passed, s.Dropped, s.KeyframeRequests)
	// Output:
	// 0: decode
	// 1: decode
	// 2: decode
	// 4: drop (seq_hole), request a keyframe
	// 5: drop (broken_chain)
	// 6: decode
	// 7: decode
	// 8: decode
	// passed 6, dropped 2, keyframe requests 1
}

// The topic broker keeps one KeyframeLimiter per topic, so that many
// subscribers asking at once cost the encoder one keyframe.
func ExampleKeyframeLimiter() {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC) // a fixed clock keeps the example exact
	limiter, err := qos.NewKeyframeLimiter(qos.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}
	forwarded := 0
	for range 5 { // five subscribers ask within a moment
		if limiter.Allow() {
			forwarded++ // forward the request to the encoder
		}
	}
	s := limiter.Stats()
	fmt.Printf("forwarded %d, suppressed %d\n", forwarded, s.Suppressed)
	// Output:
	// forwarded 1, suppressed 4
}
