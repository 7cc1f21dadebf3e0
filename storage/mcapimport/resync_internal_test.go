package mcapimport

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/foxglove/mcap/go/mcap"
)

// countedReaderAt counts its reads.
type countedReaderAt struct {
	r     *bytes.Reader
	reads int
}

func (c *countedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.r.ReadAt(p, off)
}

// A data section crafted so that a record seems to begin every 9 bytes,
// each saying it runs on past the search's window to where no record
// begins, costs the search its window's reads and resyncLookups more, not
// a read a place: a hostile file does not make it quadratic, nor a read
// per byte. The place where whole records begin is still found when it
// lies in the window.
func TestRecordSearchIsBoundedOnACraftedFile(t *testing.T) {
	const size = 8 << 20
	var data []byte
	for len(data) < size {
		data = append(data, byte(mcap.OpMessage))
		data = binary.LittleEndian.AppendUint64(data, 2<<20+1) // its next record would begin inside a unit
	}
	data = data[:size]
	in := &countedReaderAt{r: bytes.NewReader(data)}
	search := recordSearch{at: in, end: size, known: func(uint16) bool { return true }}
	if at := search.find(0); at != -1 {
		t.Fatalf("found a run of records at %d", at)
	}
	// Each of its 932,068 places would read records past the window.
	windows := size/resyncWindow + 1
	if want := 2*windows + 4096; in.reads > want {
		t.Fatalf("%d reads for %d bytes, want at most %d", in.reads, size, want)
	}

	// Whole records after the damage: four messages of 30 bytes each.
	var whole []byte
	for range 4 {
		whole = append(whole, byte(mcap.OpMessage))
		whole = binary.LittleEndian.AppendUint64(whole, 30)
		whole = append(whole, make([]byte, 30)...)
	}
	data = append(bytes.Repeat([]byte{0xee}, 1000), whole...)
	search = recordSearch{at: bytes.NewReader(data), end: int64(len(data)), known: func(uint16) bool { return true }}
	if at := search.find(10); at != 1000 {
		t.Fatalf("found %d, want the run of records at 1000", at)
	}
}
