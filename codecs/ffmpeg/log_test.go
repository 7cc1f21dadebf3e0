package ffmpeg

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// An FFmpeg context's address, as gopline keys its log lines by it, is the
// one go-astiav's Class shows.
func TestClassAddressIsTheContexts(t *testing.T) {
	e := mustEncoder(t, 64, 48)
	defer e.Close()
	addr := classAddress(e.ctx)
	if addr == 0 || !strings.HasSuffix(e.ctx.Class().String(), fmt.Sprintf("@ %#x", addr)) {
		t.Fatalf("address %#x, class %s", addr, e.ctx.Class())
	}
}

// A decoder given a logger of its own says what it finds wrong there, as
// FFmpeg's lines with lib=ffmpeg, and not in another decoder's.
func TestADecoderLogsToItsOwnLogger(t *testing.T) {
	pkts := encodeClip(t, pattern(t, 320, 240), 2)
	var mine, other testlog.Buffer
	d := mustDecoder(t, WithDecoderLogger(zerolog.New(&mine)))
	quiet := mustDecoder(t, WithDecoderLogger(zerolog.New(&other)))
	decodeOne(t, quiet, pkts[0])
	decodeOne(t, d, pkts[0])
	bad := pkts[1].Clone()
	bad.Data = bad.Data[:len(bad.Data)/2]
	if _, err := d.Decode(bad); err == nil {
		t.Fatal("a truncated packet decoded")
	}
	if !strings.Contains(mine.String(), `"lib":"ffmpeg"`) || !strings.Contains(mine.String(), "h264") {
		t.Fatalf("the decoder's log:\n%s", mine.String())
	}
	if other.String() != "" {
		t.Fatalf("another decoder's log has its lines:\n%s", other.String())
	}
	// Its contexts are forgotten once closed.
	d.Close()
	if _, ok := contextLogs.Load(d.logAt); ok {
		t.Fatal("a closed decoder's context is still bound")
	}
}

// An encoder's option that libx264 refuses is said in the encoder's log
// (a warning: FFmpeg's level is lowered to warnings for the test).
func TestAnEncoderLogsToItsOwnLogger(t *testing.T) {
	var process, mine testlog.Buffer
	SetLogger(zerolog.New(&process), zerolog.WarnLevel)
	t.Cleanup(testFFmpegLog)
	e, err := NewH264Encoder(64, 48, WithX264Params("no-such-option=1"), WithEncoderLogger(zerolog.New(&mine)))
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if !strings.Contains(mine.String(), "no-such-option") || strings.Contains(process.String(), "no-such-option") {
		t.Fatalf("the encoder's log:\n%s\nthe process's:\n%s", mine.String(), process.String())
	}
}

// A reader's demuxer says what is wrong with a file in the reader's log.
func TestAReaderLogsToItsOwnLogger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.mp4")
	if err := os.WriteFile(path, append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 4096)...), 0o644); err != nil {
		t.Fatal(err)
	}
	var mine testlog.Buffer
	if r, err := OpenReader(path, WithReaderLogger(zerolog.New(&mine))); err == nil {
		r.Close()
		t.Fatal("a file without its moov box opened")
	}
	if !strings.Contains(mine.String(), `"lib":"ffmpeg"`) || !strings.Contains(mine.String(), "moov") {
		t.Fatalf("the reader's log:\n%s", mine.String())
	}
}

// FFmpeg logs some lines in parts ("Packet corrupt (stream = 0, dts = 2)",
// then "."): they reach the log as one line. An AVI file of raw pictures
// cut inside its last one makes its demuxer say so.
func TestALineFFmpegLogsInPartsIsOneLine(t *testing.T) {
	path := cutRawAVI(t)
	var process, mine testlog.Buffer
	SetLogger(zerolog.New(&process), zerolog.WarnLevel)
	t.Cleanup(testFFmpegLog)
	r := mustReader(t, path, WithReaderLogger(zerolog.New(&mine)))
	if _, err := readAll(t, r); err != io.EOF {
		t.Fatal(err)
	}
	log := mine.String()
	if !strings.Contains(log, `dts = 2)."`) || strings.Contains(log, `"message":"."`) {
		t.Fatalf("the reader's log:\n%s", log)
	}
}

// A source opened again and again (a camera that stays down) says what
// FFmpeg said at its first attempt once: the readers of one group count
// their lines' repeats together; readers of no group each say theirs.
func TestReadersOfOneGroupHoldBackEachOthersRepeats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.mp4")
	if err := os.WriteFile(path, append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 4096)...), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(opts ...ReaderOption) {
		if r, err := OpenReader(path, opts...); err == nil {
			r.Close()
			t.Fatal("a file without its moov box opened")
		}
	}
	var grouped, apart testlog.Buffer
	group := new(int)
	for range 3 {
		open(WithReaderLogger(zerolog.New(&grouped)), WithReaderLogRepeats(group))
		open(WithReaderLogger(zerolog.New(&apart)))
	}
	if n := strings.Count(grouped.String(), "moov"); n != 1 {
		t.Errorf("three openings of one group said it %d times, want once:\n%s", n, grouped.String())
	}
	if n := strings.Count(apart.String(), "moov"); n != 3 {
		t.Errorf("three readers of no group said it %d times, want 3:\n%s", n, apart.String())
	}
}
