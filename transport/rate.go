package transport

import "time"

// rateMeter is the policy that measures a topic's rate over windows of at
// least a second: the rate of the last complete window (an estimate from
// the packets so far before the first is complete), or 0 once no packet
// came for two windows, or for two of its own periods when it is slower
// than one packet a second (a camera at 0.2 frames/s is not stopped
// between two pictures, as ros2 topic hz does not call it stopped).
type rateMeter struct {
	start          time.Time
	packets, bytes int
	rate, byteRate float64
	last           time.Time
}

const rateWindow = time.Second

func (m *rateMeter) handle(now time.Time, in input, do []action) []action {
	if in.kind == inPublished {
		m.add(now, len(in.packet.Data))
	}
	return do
}

func (m *rateMeter) add(now time.Time, size int) {
	if m.start.IsZero() {
		m.start = now
	}
	if d := now.Sub(m.start); d >= rateWindow {
		m.rate, m.byteRate = float64(m.packets)/d.Seconds(), float64(m.bytes)/d.Seconds()
		m.start, m.packets, m.bytes = now, 0, 0
	}
	m.packets++
	m.bytes += size
	m.last = now
}

func (m *rateMeter) due() time.Time { return time.Time{} }

func (m *rateMeter) report(now time.Time, st *TopicStats) { st.Rate, st.ByteRate = m.rates(now) }

func (m *rateMeter) rates(now time.Time) (packets, bytes float64) {
	if m.last.IsZero() || now.Sub(m.last) > m.silence() {
		return 0, 0
	}
	if m.rate == 0 && m.packets > 1 && m.last.After(m.start) {
		// Not a whole window yet: estimate from the gaps so far.
		d := m.last.Sub(m.start).Seconds()
		return float64(m.packets-1) / d, float64(m.bytes) * float64(m.packets-1) / float64(m.packets) / d
	}
	return m.rate, m.byteRate
}

// silence is how long without a packet means the topic stopped: two
// windows, or two periods of the last window's rate when that is longer.
func (m *rateMeter) silence() time.Duration {
	limit := 2 * rateWindow
	if m.rate > 0 {
		limit = max(limit, time.Duration(2*float64(time.Second)/m.rate))
	}
	return limit
}
