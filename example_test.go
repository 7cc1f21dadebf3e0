package gopline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
)

// A node hosts the topics its pipelines publish and subscribe to: here a
// camera of 30 frames published on /camera.
func ExampleNew() {
	n, err := gopline.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()
	reg, err := elements.Registry()
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := n.Parse("testsrc size=160x96 num-frames=30 ! h264enc gop=10 ! publish topic=/camera", reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	st, err := n.Bus().Stats("/camera")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("/camera: %d packets published\n", st.Published)
	// Output: /camera: 30 packets published
}

// A node that serves its topics to other nodes listens; port 0 picks a
// free port, and Addr tells which.
func ExampleWithListen() {
	n, err := gopline.New(gopline.WithListen("127.0.0.1:0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("listening:", n.Addr() != "")
	if err := n.Close(); err != nil {
		fmt.Println(err)
	}
	// Output: listening: true
}

// An option that does not hold makes New fail, before anything starts.
func ExampleOption() {
	_, err := gopline.New(gopline.WithStateFile(""))
	fmt.Println(err)
	// Output: gopline: bad option: state file: no path
}

// The state file keeps persistent topics' caches; Close closes it last,
// after the topics have written their caches.
func ExampleWithStateFile() {
	dir, err := os.MkdirTemp("", "gopline-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	n, err := gopline.New(gopline.WithStateFile(filepath.Join(dir, "state.gopline")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("close:", n.Close())
	// Output: close: <nil>
}
