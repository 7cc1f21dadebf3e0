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
// MaxPacketBytes: a peer cannot make it hold more.
type assembly struct {
	data []byte
	// over is set when the pieces went over MaxPacketBytes: the packet
	// is refused when its Delivery comes.
	over bool
}

// add appends a DeliveryPart's piece.
func (a *assembly) add(piece []byte) {
	if a.over || len(a.data)+len(piece) > MaxPacketBytes {
		a.over, a.data = true, nil
		return
	}
	a.data = append(a.data, piece...)
}

// finish returns the whole data, ending with the Delivery's last piece,
// and starts a new packet.
func (a *assembly) finish(last []byte) ([]byte, error) {
	data, over := a.data, a.over
	*a = assembly{}
	switch {
	case over || len(data)+len(last) > MaxPacketBytes:
		return nil, fmt.Errorf("%w: packet data over %d bytes", ErrBadMessage, MaxPacketBytes)
	case data == nil:
		return last, nil
	}
	return append(data, last...), nil
}
