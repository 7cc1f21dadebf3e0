package export

// Phase is what an export is reading its packets for, as its Progress
// reports them.
type Phase int

const (
	// Writing is the export proper: each packet read is written.
	Writing Phase = iota
	// ScanningKeyframes is an MP4 export reading its range once before it
	// writes anything, for the keyframes' parameter sets and picture
	// sizes, which choose the track's sample entry. Its packets are read
	// again while Writing.
	ScanningKeyframes
)

// String names the phase in messages.
func (p Phase) String() string {
	if p == ScanningKeyframes {
		return "scanning keyframes"
	}
	return "writing"
}

// Progress is told, after each packet record an export reads, the phase
// it reads for, the records read so far in that phase, and the number
// expected (an estimate for a part of a stream, exact at the phase's last
// call). An MP4 export scans its keyframes and then writes; other exports
// only write. A nil Progress is told nothing.
type Progress func(phase Phase, done, total int)

// of is p's report of phase as a function of done and total; nil for a
// nil p.
func (p Progress) of(phase Phase) func(done, total int) {
	if p == nil {
		return nil
	}
	return func(done, total int) { p(phase, done, total) }
}

// progressCount counts the records a reader reads and reports them.
type progressCount struct {
	report      func(done, total int) // nil: nobody asked
	read, total int
}

// count reports one more record read.
func (c *progressCount) count() {
	c.read++
	if c.report != nil {
		c.total = max(c.total, c.read)
		c.report(c.read, c.total)
	}
}

// finish reports the count as exact.
func (c *progressCount) finish() {
	if c.report != nil {
		c.report(c.read, c.read)
	}
}
