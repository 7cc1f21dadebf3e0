package syntax_test

import (
	"errors"
	"fmt"

	"github.com/gopline/gopline/pipeline/syntax"
)

func ExampleParse() {
	p, err := syntax.Parse(`testsrc ! tee name=t ! h264enc gop=30 ! publish topic=/a   t. ! snapshot dir="my shots"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, c := range p.Chains {
		fmt.Printf("chain %d:", i)
		for _, n := range c.Nodes {
			if n.Ref != nil {
				fmt.Printf(" [from %s]", n.Ref.Name)
				continue
			}
			fmt.Printf(" %s", n.Element.Type)
			for _, q := range n.Element.Props {
				fmt.Printf(" %s=%q", q.Key, q.Value)
			}
		}
		fmt.Println()
	}
	fmt.Println(p)
	// Output:
	// chain 0: testsrc tee name="t" h264enc gop="30" publish topic="/a"
	// chain 1: [from t] snapshot dir="my shots"
	// testsrc ! tee name=t ! h264enc gop=30 ! publish topic=/a  t. ! snapshot dir="my shots"
}

func ExampleError_Caret() {
	_, err := syntax.Parse(`testsrc ! h264enc gop 30 ! publish topic=/camera`)
	fmt.Println(err)
	// Every error from Parse is an *Error.
	var serr *syntax.Error
	if errors.As(err, &serr) {
		fmt.Println(serr.Caret())
	}
	// Output:
	// syntax: property "gop" needs a value: write gop=VALUE at column 19
	// testsrc ! h264enc gop 30 ! publish topic=/camera
	//                   ^~~
}

func ExampleErrorf() {
	// The layer above reports what it finds with the same look.
	p, _ := syntax.Parse(`testsrc ! h246enc gop=30`)
	e := p.Elements()[1]
	err := syntax.Errorf(p.Line, e.TypePos, "unknown element %q (did you mean h264enc?)", e.Type)
	fmt.Println(err)
	fmt.Println(err.Caret())
	// Output:
	// syntax: unknown element "h246enc" (did you mean h264enc?) at column 11
	// testsrc ! h246enc gop=30
	//           ^~~~~~~
}
