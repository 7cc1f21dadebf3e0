package jpeg_test

import (
	"fmt"

	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media/testsrc"
)

func Example() {
	src, err := testsrc.New(320, 240)
	if err != nil {
		fmt.Println(err)
		return
	}
	enc, err := jpeg.NewEncoder(jpeg.WithQuality(90))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer enc.Close()
	dec, err := jpeg.NewDecoder()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dec.Close()

	pkt, err := enc.Encode(src.Frame(7))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pkt.Codec, pkt.Key, pkt.Seq, pkt.Width, pkt.Height)

	frames, err := dec.Decode(pkt)
	if err != nil {
		fmt.Println(err)
		return
	}
	n, ok := testsrc.ReadFrameNumber(frames[0])
	fmt.Println(frames[0].Format, frames[0].Width, frames[0].Height, n, ok)
	// Output:
	// jpeg true 0 320 240
	// yuv420p 320 240 7 true
}
