package storage_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// exampleRecording records 3 s of a 30 fps camera with a keyframe every
// second into a new file in dir, and opens it again for reading.
func exampleRecording(dir string) *storage.Recording {
	path := filepath.Join(dir, "run.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	err = rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264, Width: 640, Height: 480})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 90 {
		seq := uint64(i)
		p := &media.Packet{
			Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x65, byte(i)}, Key: i%30 == 0,
			Seq: seq, GOP: seq - seq%30, Epoch: 1,
			CaptureTime: start.Add(time.Duration(i) * time.Second / 30), Width: 640, Height: 480,
		}
		if err := rec.Append("/camera", p); err != nil {
			log.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil { // commits what is pending
		log.Fatal(err)
	}
	rec, err = storage.Open(path, storage.WithReadOnly())
	if err != nil {
		log.Fatal(err)
	}
	return rec
}

func Example() {
	dir, err := os.MkdirTemp("", "gopline-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	rec := exampleRecording(dir)
	defer rec.Close()

	s, err := rec.Stats("/camera")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d packets in %d GOPs over %v, %.0f fps\n", s.Packets, s.GOPs, s.Duration.Round(time.Millisecond), s.FPS)
	// Output: 90 packets in 3 GOPs over 2.967s, 30 fps
}

func ExampleRecording_Seek() {
	dir, err := os.MkdirTemp("", "gopline-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	rec := exampleRecording(dir)
	defer rec.Close()

	// Seek to 1.5 s: the cursor starts at the keyframe of 1 s; a player
	// decodes from there and shows pictures from 1.5 s on.
	t := time.Date(2024, 1, 1, 12, 0, 1, 500_000_000, time.UTC)
	c, err := rec.Seek("/camera", t)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	p, err := c.Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("keyframe %v, seq %d, index %d, captured at %s\n", p.Key, p.Seq, c.Index(), p.CaptureTime.UTC().Format("15:04:05.000"))
	// Output: keyframe true, seq 30, index 30, captured at 12:00:01.000
}

func ExampleRecording_Range() {
	dir, err := os.MkdirTemp("", "gopline-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	rec := exampleRecording(dir)
	defer rec.Close()

	from := time.Date(2024, 1, 1, 12, 0, 2, 0, time.UTC)
	c, err := rec.Range("/camera", from, from.Add(100*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for {
		p, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("seq %d key %v\n", p.Seq, p.Key)
	}
	// Output:
	// seq 60 key true
	// seq 61 key false
	// seq 62 key false
}

func ExampleOpen_errors() {
	dir, err := os.MkdirTemp("", "gopline-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(path, []byte("not a recording"), 0o644); err != nil {
		log.Fatal(err)
	}
	_, err = storage.Open(path)
	fmt.Println(errors.Is(err, storage.ErrNotRecording))
	// Output: true
}
