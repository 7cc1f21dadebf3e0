package ffmpeg

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
)

// TestInputWithoutAPictureIsAnError reads an empty raw H.264 file: an error
// naming the file, in both modes, never an empty stream that ends well.
func TestInputWithoutAPictureIsAnError(t *testing.T) {
	empty := writeFile(t, "empty.h264", nil)
	for _, passthrough := range []bool{false, true} {
		var opts []ReaderOption
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		r, err := OpenReader(empty, opts...)
		if err == nil {
			if passthrough {
				_, err = r.ReadPacket()
			} else {
				_, err = r.ReadFrame()
			}
			r.Close()
			if !errors.Is(err, ErrNoVideoFrames) {
				t.Errorf("passthrough=%v: %v, want ErrNoVideoFrames", passthrough, err)
			}
		}
		t.Logf("passthrough=%v: %v", passthrough, err)
		if err == nil || err == io.EOF || !strings.Contains(err.Error(), empty) {
			t.Errorf("passthrough=%v: %v; want an error naming %s", passthrough, err, empty)
		}
	}
}

// TestReaderCountsPacketsOfOtherStreams reads the video of a clip with a
// sound track: the audio packets read while probing, which come through
// although the demuxer leaves the rest out, are counted as skipped.
func TestReaderCountsPacketsOfOtherStreams(t *testing.T) {
	path := testclip.MakeWithSound(t, "with-sound.mkv")
	r := mustReader(t, path)
	frames := 0
	for ; ; frames++ {
		if _, err := r.ReadFrame(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	st := r.Stats()
	if frames != 25 || st.OtherStreams == 0 || st.Undecodable != 0 {
		t.Fatalf("%d frames, stats %+v; want 25 frames and the audio packets counted", frames, st)
	}
	if !strings.Contains(st.String(), " of other streams") || st.Reasons()["other_streams"] != st.OtherStreams {
		t.Fatalf("stats read %q, %v", st, st.Reasons())
	}
}

func TestTimelineCountsTheTimestampsItRepairs(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	for _, ts := range []int64{ms(500), noTimestamp, ms(620), ms(600), noTimestamp, ms(1000)} {
		tl.picture(ts)
	}
	if tl.repaired != 1 {
		t.Fatalf("%d picture times repaired, want 1 (600 after 620); missing ones are filled, not repaired", tl.repaired)
	}
	tl = newTimeline(epoch0, 1, 1000, 25)
	tl.packet(100, 100)
	tl.packet(50, 140)  // presented before it is decoded
	tl.packet(200, 120) // decoded before the last
	tl.packet(noTimestamp, noTimestamp)
	if tl.repaired != 2 {
		t.Fatalf("%d packet times repaired, want 2", tl.repaired)
	}
	if got := (ReadStats{}).String(); got != "nothing skipped" {
		t.Fatalf("empty stats read %q", got)
	}
}

// TestStopEndsABlockingOpen opens a silent server with an I/O timeout of a
// minute: closing the stop of WithStop ends the open at once.
func TestStopEndsABlockingOpen(t *testing.T) {
	url := "tcp://" + silentServer(t)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		r, err := OpenReader(url, WithIOTimeout(time.Minute), WithStop(stop))
		if err == nil {
			r.Close()
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), url) {
			t.Fatalf("open after stop: %v; want an error naming %s", err, url)
		}
	case <-time.After(20 * time.Second): // far below the minute of the timeout
		t.Fatal("the open went on after stop closed")
	}
}

func TestReadStatsCountInTheSingularAndThePlural(t *testing.T) {
	st := ReadStats{Undecodable: 1, Truncated: 1, Concealed: 2, CutByLoss: 1}
	want := "1 undecodable packet, 1 picture cut short by the end of the input, 2 pictures concealed, 1 picture cut short by the stream's loss"
	if got := st.String(); got != want {
		t.Errorf("stats read %q, want %q", got, want)
	}
	if st.Damage() != 2 {
		t.Errorf("damage %d, want the undecodable packet and the cut picture, not the picture of a loss", st.Damage())
	}
	if r := st.Reasons(); r["truncated"] != 1 || r["cut_by_loss"] != 1 || len(r) != 4 {
		t.Errorf("reasons %v", r)
	}
}
