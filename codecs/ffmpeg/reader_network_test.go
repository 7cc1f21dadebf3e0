package ffmpeg

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// freePort returns a port of the loopback that is free for network
// ("tcp" or "udp").
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ffmpegCaller sends a 160x120 test pattern as H.264 in MPEG-TS to url,
// as users send it to a receiver that listens, for the length of the
// test; it calls again while the receiver is not listening yet.
func ffmpegCaller(t *testing.T, url string) {
	t.Helper()
	ffmpegCallerAfter(t, url, 0)
}

// ffmpegCallerAfter is ffmpegCaller whose first call comes after delay.
func ffmpegCallerAfter(t *testing.T, url string, delay time.Duration) {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		for ctx.Err() == nil {
			_ = exec.CommandContext(ctx, ff, "-hide_banner", "-loglevel", "quiet", "-re", "-f", "lavfi",
				"-i", "testsrc=size=160x120:rate=30", "-c:v", "libx264", "-g", "15", "-tune", "zerolatency",
				"-f", "mpegts", url).Run()
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// A receiver that listens, as ffmpeg -i tcp://...?listen=1 does, opens
// when a sender connects to it, and decodes the sender's stream.
func TestReaderListensForATCPSender(t *testing.T) {
	url := "tcp://127.0.0.1:" + strconv.Itoa(freePort(t, "tcp")) + "?listen=1"
	ffmpegCaller(t, strings.TrimSuffix(url, "?listen=1"))
	stop := make(chan struct{})
	defer close(stop)
	r, err := OpenReader(url, WithStop(stop))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The probe ends with the parameters (see liveProbeOptions); the rate
	// is the one the SPS states.
	if info := r.Info(); info.Codec != "h264" || info.Width != 160 || info.Height != 120 || info.FrameRate != 30 {
		t.Fatalf("info %+v, want h264 160x120 at 30 frames/s", info)
	}
	readFrames(t, r, 20, 160, 120)
}

// A listener's wait for its sender is no part of its stream: the first
// picture of a sender that connects a second late is not stamped from the
// start of the wait.
func TestReaderOfALateSenderIsTimedFromTheConnection(t *testing.T) {
	port := strconv.Itoa(freePort(t, "tcp"))
	stop := make(chan struct{})
	defer close(stop)
	began := time.Now()
	ffmpegCallerAfter(t, "tcp://127.0.0.1:"+port, time.Second)
	r, err := OpenReader("tcp://127.0.0.1:"+port+"?listen=1", WithStop(stop))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	if waited := f.CaptureTime.Sub(began); waited < time.Second {
		t.Fatalf("the first picture is stamped %v after the wait began, before its sender connected (1s)", waited)
	}
}

// An SRT listener (srt://...?mode=listener) opens when a caller sends to
// it, as ffmpeg -i opens it, where the FFmpeg gopline runs with has SRT.
func TestReaderListensForAnSRTCaller(t *testing.T) {
	port := strconv.Itoa(freePort(t, "udp"))
	ffmpegCaller(t, "srt://127.0.0.1:"+port)
	stop := make(chan struct{})
	defer close(stop)
	r, err := OpenReader("srt://127.0.0.1:"+port+"?mode=listener", WithStop(stop))
	if errors.Is(err, ErrBadOption) && strings.Contains(err.Error(), "no srt protocol") {
		t.Skip("this FFmpeg has no SRT")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	readFrames(t, r, 20, 160, 120)
}

// A URL whose protocol FFmpeg does not have (srt:// where it was built
// without SRT, or a misspelled scheme) fails at once with an error that
// names the protocol and what to do, and that opening again cannot cure.
func TestReaderOfAMissingProtocolSaysWhichAndWhatToDo(t *testing.T) {
	_, err := OpenReader("srtt://127.0.0.1:9000?mode=listener")
	if !errors.Is(err, ErrOpen) || !errors.Is(err, ErrBadOption) {
		t.Fatalf("err = %v, want ErrOpen and ErrBadOption", err)
	}
	for _, want := range []string{"no srtt protocol", "ffmpeg -protocols", Version()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
}
