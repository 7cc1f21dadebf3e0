package bench

import (
	"testing"
	"time"
)

// The busy loop takes CPU while it runs, and its process is gone after
// Stop.
func TestHogSpinsUntilStopped(t *testing.T) {
	h, err := StartHog()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	st := h.cmd.ProcessState
	if st == nil {
		t.Fatal("the busy loop's process was not waited for")
	}
	if cpu := st.UserTime() + st.SystemTime(); cpu == 0 {
		t.Fatal("the busy loop took no CPU in half a second")
	}
}
