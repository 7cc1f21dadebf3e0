package h264_test

import (
	"encoding/hex"
	"fmt"

	"github.com/gopline/gopline/codecs/h264"
)

func ExampleSplitAnnexB() {
	au := []byte{0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 0x88, 0x84, 0, 0}
	nalus, err := h264.SplitAnnexB(au)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, nalu := range nalus {
		fmt.Printf("%v % x\n", h264.TypeOf(nalu), nalu)
	}
	fmt.Println("random access:", h264.IsRandomAccess(nalus))
	// Output:
	// AUD 09 f0
	// IDR 65 88 84
	// random access: true
}

func ExampleParseSPS() {
	nalu, _ := hex.DecodeString("67640028acd940780227e5c044000003000400000300f03c60c658")
	sps, err := h264.ParseSPS(nalu)
	if err != nil {
		fmt.Println(err)
		return
	}
	rate, _ := sps.VUI.FrameRate()
	fmt.Printf("profile %d level %d, %dx%d at %v fps\n", sps.ProfileIDC, sps.LevelIDC, sps.Width(), sps.Height(), rate)
	// Output:
	// profile 100 level 40, 1920x1080 at 30 fps
}

func ExampleParamSets_FixAccessUnit() {
	var params h264.ParamSets
	first := h264.JoinAnnexB([][]byte{{0x67, 0x42, 0xc0, 0x1e}, {0x68, 0xce, 0x3c, 0x80}, {0x65, 0x88}})
	later := h264.JoinAnnexB([][]byte{{0x65, 0x88}})
	for _, au := range [][]byte{first, later} {
		fixed, err := params.FixAccessUnit(au)
		if err != nil {
			fmt.Println(err)
			return
		}
		nalus, _ := h264.SplitAnnexB(fixed)
		var types []h264.NALUType
		for _, nalu := range nalus {
			types = append(types, h264.TypeOf(nalu))
		}
		fmt.Println(types)
	}
	// Output:
	// [SPS PPS IDR]
	// [SPS PPS IDR]
}

func ExampleSplitAVCC() {
	sample := []byte{0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 2, 0x41, 0x9a}
	nalus, err := h264.SplitAVCC(sample, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", h264.JoinAnnexB(nalus))
	// Output:
	// 00 00 00 01 09 f0 00 00 00 01 41 9a
}

func ExamplePresentationOrder() {
	// An IDR, then a P-frame and the two B-frames shown before it, as x264
	// codes them with -bf 2: picture order counts in decode order.
	var order h264.PresentationOrder
	for i, poc := range []int64{0, 6, 2, 4, 12, 8, 10} {
		order.Push(poc, i == 0, 2) // SPS.MaxReorderFrames: 2
		for p, ok := order.Pop(); ok; p, ok = order.Pop() {
			fmt.Printf("decoded %d, shown %d\n", p.Decode, p.Display)
		}
	}
	order.Flush() // the end of the stream
	for p, ok := order.Pop(); ok; p, ok = order.Pop() {
		fmt.Printf("decoded %d, shown %d\n", p.Decode, p.Display)
	}
	// Output:
	// decoded 0, shown 0
	// decoded 1, shown 3
	// decoded 2, shown 1
	// decoded 3, shown 2
	// decoded 4, shown 6
	// decoded 5, shown 4
	// decoded 6, shown 5
}
