package remote

import "fmt"

// splitData cuts a packet's data into the pieces it travels in: every
// piece but the last goes in a wire.DeliveryPart, the last in the
// wire.Delivery. The pieces share data's memory.
func splitData(data []byte) (parts [][]byte, last []byte) {
	for len(data) > partBytes {
		parts = append(parts, data[:partBytes])
		data = data[partBytes:]
	}
	return parts, data
}

// assembly gathers the pieces of a packet's data as they arrive, up to
// MaxPacketBytes: a peer cannot make it hold more. It keeps the pieces
// (each a received message's own memory) and joins them once, at the end,
// into data of the exact size: one copy of each byte, where appending as
// they came allocated five times the data for a 1.5 MB keyframe and copied
// it again at each growth (BenchmarkAssembly).
type assembly struct {
	pieces [][]byte
	size   int
	// over is set when the pieces went over MaxPacketBytes: the packet
	// is refused when its Delivery comes.
	over bool
}

// add keeps a DeliveryPart's piece.
func (a *assembly) add(piece []byte) {
	if a.over || a.size+len(piece) > MaxPacketBytes {
		a.over, a.pieces, a.size = true, nil, 0
		return
	}
	a.pieces = append(a.pieces, piece)
	a.size += len(piece)
}

// finish returns the whole data, ending with the Delivery's last piece,
// and starts a new packet.
func (a *assembly) finish(last []byte) ([]byte, error) {
	pieces, size, over := a.pieces, a.size, a.over
	*a = assembly{}
	switch {
	case over || size+len(last) > MaxPacketBytes:
		return nil, fmt.Errorf("%w: packet data over %d bytes", ErrBadMessage, MaxPacketBytes)
	case pieces == nil:
		return last, nil
	}
	data := make([]byte, 0, size+len(last))
	for _, p := range pieces {
		data = append(data, p...)
	}
	return append(data, last...), nil
}
