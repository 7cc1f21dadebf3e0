package ffmpeg

import (
	"errors"
	"net"
	"testing"
	"time"
)

// trickleServer answers every connection a byte of an HTTP header at a
// time, every gap, never finishing it, and returns its address.
func trickleServer(t *testing.T, gap time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				header := []byte("HTTP/1.1 200 OK\r\nX-Slow: ")
				for i := 0; ; i++ {
					b := byte('a')
					if i < len(header) {
						b = header[i]
					}
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					select {
					case <-done:
						return
					case <-time.After(gap):
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// A server whose every byte comes within the I/O timeout, but whose answer
// never ends, fails the opening after OpenTimeouts I/O timeouts instead of
// holding it for ever.
func TestAnOpeningThatTricklesFailsAtItsDeadline(t *testing.T) {
	addr := trickleServer(t, 50*time.Millisecond)
	const timeout = 300 * time.Millisecond
	opened := make(chan error, 1)
	began := time.Now()
	go func() {
		r, err := OpenReader("http://"+addr+"/video", WithIOTimeout(timeout))
		if err == nil {
			r.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		took := time.Since(began)
		if !errors.Is(err, ErrOpenTimeout) || !errors.Is(err, ErrOpen) {
			t.Fatalf("OpenReader = %v, want ErrOpenTimeout", err)
		}
		if took < OpenTimeouts*timeout {
			t.Errorf("the opening failed after %v, before its deadline of %v", took, OpenTimeouts*timeout)
		}
		t.Logf("%v after %v", err, took)
	case <-time.After(30 * time.Second):
		t.Fatal("the opening of a server that trickles its answer did not end")
	}
}

func TestOnlyInputsReadFromAServerHaveAnOpeningDeadline(t *testing.T) {
	for url, want := range map[string]bool{
		"http://cam/video":                  true,
		"https://cam/live.m3u8":             true,
		"rtsp://cam/stream":                 true,
		"rtmp://server/app/key":             true,
		"srt://server:9000":                 true,
		"srt://0.0.0.0:9000?mode=listener":  false,
		"tcp://0.0.0.0:9000?listen=1":       false,
		"rtp://0.0.0.0:5004":                false,
		"udp://0.0.0.0:5004":                false,
		"/home/robot/cam.mp4":               false,
		"file:///home/robot/cam.mp4":        false,
		"/dev/video0":                       false,
		"http://0.0.0.0:8080/feed?listen=1": false,
	} {
		if got := fromServer(url); got != want {
			t.Errorf("fromServer(%q) = %v, want %v", url, got, want)
		}
	}
}
