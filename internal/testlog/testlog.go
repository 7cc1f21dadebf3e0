// Package testlog is a log destination for tests: many goroutines (actors,
// a child process's output copier) write to it while the test reads it.
package testlog

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// Buffer is a bytes.Buffer safe for concurrent writes and reads.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Await waits up to d until the buffer holds want, and says whether it
// does. A process logs what it did after the peer sees it done: a test
// that observed the deed waits for the line rather than reading at once.
func (b *Buffer) Await(want string, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(b.String(), want) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
