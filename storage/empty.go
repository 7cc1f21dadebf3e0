package storage

import "errors"

// HoldsNoPacket reports whether the recording file at path holds no
// packet: it is empty, a bbolt file with no buckets (ErrNeverWritten), or
// a recording none of whose streams holds a committed packet. Those are
// what a recorder killed after it created a file, and before its first
// commit of packets there, leaves: such a file has nothing to lose. A file
// that does not open for another reason, or that a writer has open
// (ErrLocked), is not reported: opening it names what is wrong with it.
func HoldsNoPacket(path string) bool {
	rec, err := Open(path, WithReadOnly())
	if errors.Is(err, ErrNeverWritten) {
		return true
	}
	if err != nil {
		return false
	}
	defer rec.Close()
	st, err := rec.RecordingStats()
	return err == nil && st.Packets == 0
}
