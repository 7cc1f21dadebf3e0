package transport

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/rs/zerolog"
)

// lockedBuffer is a log's output, written by the broker's goroutine and
// read by the test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A topic whose keyframes are recovery points says so once, with the
// topic's name, and counts each one.
func TestTopicSaysItsKeyframesAreRecoveryPoints(t *testing.T) {
	var logs lockedBuffer
	f := newFixture(t, WithLogger(zerolog.New(&logs)))
	recovery := h264.JoinAnnexB([][]byte{{0x06, 0x06, 0x01, 0xc4, 0x80}, {0x21, 0xb8}})
	idr := h264.JoinAnnexB([][]byte{{0x67}, {0x68}, {0x65, 0xb8}})
	for _, data := range [][]byte{idr, recovery, recovery} {
		p := f.src.next(true)
		p.Data = data
		f.send(&Publish{Packet: p})
		for range 3 {
			f.send(&Publish{Packet: f.src.next(false)})
		}
	}
	st := f.flush()
	if st.RecoveryPointKeyframes != 2 {
		t.Errorf("%d recovery point keyframes counted, want 2", st.RecoveryPointKeyframes)
	}
	said := logs.String()
	if n := strings.Count(said, "this camera uses intra refresh or open GOP"); n != 1 || !strings.Contains(said, `"topic":"/test/camera"`) {
		t.Errorf("said %d times, want once with the topic: %s", n, said)
	}
}
