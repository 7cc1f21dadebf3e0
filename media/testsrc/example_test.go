package testsrc_test

import (
	"fmt"

	"github.com/gopline/gopline/media/testsrc"
)

func Example() {
	p, err := testsrc.New(320, 240)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := p.Frame(42)
	n, ok := testsrc.ReadFrameNumber(f)
	fmt.Println(f.Width, f.Height, f.Format, f.Seq)
	fmt.Println(n, ok)
	// Output:
	// 320 240 yuv420p 42
	// 42 true
}
