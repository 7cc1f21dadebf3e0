package mcapimport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// rosMessage is a decoded ROS message: its fields by name. A value is an
// int64, a float64, a string, a []byte (an array of bytes, sharing the
// message's buffer), or a rosMessage; other arrays are read past and left
// out.
type rosMessage map[string]any

// rosWire reads a ROS message serialized as ROS 2's CDR (aligned, either
// byte order) or ROS 1's (packed, little-endian).
type rosWire struct {
	defs     *rosDefinitions
	data     []byte
	pos      int
	cdr      bool
	order    binary.ByteOrder
	maxAlign int // 8 for XCDR1, 4 for XCDR2
	budget   int // fields and elements still allowed
}

// maxNesting bounds how deep messages nest in a schema (a schema may name
// its own type).
const maxNesting = 32

var errShortMessage = errors.New("the message ends inside a field")

// decodeROS decodes data, a message of the definitions' top type in the
// MCAP message encoding "cdr" (ROS 2) or "ros1".
func decodeROS(defs *rosDefinitions, encoding string, data []byte) (rosMessage, error) {
	w := &rosWire{defs: defs, data: data, order: binary.LittleEndian, maxAlign: 8, budget: 4*len(data) + 4096}
	if encoding == "cdr" {
		if len(data) < 4 {
			return nil, errShortMessage
		}
		switch rep := binary.BigEndian.Uint16(data); rep {
		case 0x0000, 0x0001: // CDR, big- and little-endian
		case 0x0006, 0x0007: // XCDR2 of a final type: no headers, 8-byte values aligned to 4
			w.maxAlign = 4
		default:
			return nil, fmt.Errorf("CDR representation 0x%04x: gopline reads plain CDR and XCDR2 of final types", rep)
		}
		if data[1]&1 == 0 {
			w.order = binary.BigEndian
		}
		w.data, w.cdr = data[4:], true
	}
	return w.message(defs.top, 0)
}

func (w *rosWire) message(fields []rosField, depth int) (rosMessage, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("messages nest more than %d deep", maxNesting)
	}
	m := rosMessage{}
	for _, f := range fields {
		v, err := w.field(f, depth)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if v != nil {
			m[f.name] = v
		}
	}
	return m, nil
}

// field reads one field; it returns nil for an array it read past.
func (w *rosWire) field(f rosField, depth int) (any, error) {
	if f.array < 0 {
		return w.value(f.typ, depth)
	}
	n := f.array
	if n == 0 {
		count, err := w.uint(4)
		if err != nil {
			return nil, err
		}
		if count > uint64(len(w.data)-w.pos) && primitiveSize(f.typ) != 0 {
			return nil, errShortMessage
		}
		n = int(min(count, math.MaxInt32))
	}
	if size := primitiveSize(f.typ); size == 1 {
		if n > len(w.data)-w.pos {
			return nil, errShortMessage
		}
		b := w.data[w.pos : w.pos+n : w.pos+n]
		w.pos += n
		return b, nil
	} else if size > 0 && f.typ != "time" && f.typ != "duration" {
		w.align(size)
		if n > (len(w.data)-w.pos)/size {
			return nil, errShortMessage
		}
		w.pos += n * size
		return nil, nil
	}
	for i := 0; i < n; i++ {
		if _, err := w.value(f.typ, depth); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil, nil
}

// value reads one value of type typ.
func (w *rosWire) value(typ string, depth int) (any, error) {
	if w.budget--; w.budget < 0 {
		return nil, errors.New("more fields than the message's bytes could hold")
	}
	switch typ {
	case "bool", "byte", "char", "uint8", "uint16", "uint32", "uint64":
		v, err := w.uint(primitiveSize(typ))
		return int64(min(v, math.MaxInt64)), err
	case "int8", "int16", "int32", "int64":
		v, err := w.uint(primitiveSize(typ))
		shift := 64 - 8*primitiveSize(typ)
		return int64(v<<shift) >> shift, err
	case "float32":
		v, err := w.uint(4)
		return float64(math.Float32frombits(uint32(v))), err
	case "float64":
		v, err := w.uint(8)
		return math.Float64frombits(v), err
	case "string":
		return w.string()
	case "time", "duration": // ROS 1's primitives: a time's seconds are unsigned (to 2106), a duration's signed
		sec, err := w.uint(4)
		if err != nil {
			return nil, err
		}
		nsec, err := w.uint(4)
		secs := int64(sec)
		if typ == "duration" {
			secs = int64(int32(sec))
		}
		return rosMessage{"sec": secs, "nanosec": int64(nsec)}, err
	case "wstring":
		return nil, errors.New("wstring fields are not read")
	}
	fields, ok := w.defs.types[typ]
	if !ok {
		return nil, fmt.Errorf("type %s is not defined in the schema", typ)
	}
	return w.message(fields, depth+1)
}

// primitiveSize returns the bytes of a primitive type, 0 for strings and
// messages.
func primitiveSize(typ string) int {
	switch typ {
	case "bool", "byte", "char", "int8", "uint8":
		return 1
	case "int16", "uint16":
		return 2
	case "int32", "uint32", "float32":
		return 4
	case "int64", "uint64", "float64", "time", "duration":
		return 8
	}
	return 0
}

// align moves to the next multiple of size in CDR.
func (w *rosWire) align(size int) {
	if !w.cdr {
		return
	}
	a := min(size, w.maxAlign)
	w.pos = (w.pos + a - 1) / a * a
}

func (w *rosWire) uint(size int) (uint64, error) {
	w.align(size)
	if size > len(w.data)-w.pos {
		return 0, errShortMessage
	}
	b := w.data[w.pos : w.pos+size]
	w.pos += size
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(w.order.Uint16(b)), nil
	case 4:
		return uint64(w.order.Uint32(b)), nil
	}
	return w.order.Uint64(b), nil
}

// string reads a string: its length, then its bytes, which in CDR end
// with a NUL the length counts.
func (w *rosWire) string() (string, error) {
	n, err := w.uint(4)
	if err != nil {
		return "", err
	}
	if n > uint64(len(w.data)-w.pos) {
		return "", errShortMessage
	}
	s := w.data[w.pos : w.pos+int(n)]
	w.pos += int(n)
	if w.cdr && len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	return string(s), nil
}
