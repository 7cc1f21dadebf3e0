package web

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/foxglove"
)

// foxClient is a bare Foxglove client for the tests.
type foxClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialFoxglove(t *testing.T, n *liveNode, query string) *foxClient {
	t.Helper()
	return &foxClient{t: t, ws: dialRaw(t, n, query)}
}

// next reads the next message: its op (or "binary") and bytes.
func (c *foxClient) next() (string, []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if typ == websocket.MessageBinary {
		return "binary", data
	}
	var m struct{ Op string }
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatal(err)
	}
	return m.Op, data
}

// nextOp skips binary messages up to the next text message.
func (c *foxClient) nextOp() (string, []byte) {
	c.t.Helper()
	for {
		if op, data := c.next(); op != "binary" {
			return op, data
		}
	}
}

func (c *foxClient) send(msg string) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// greeting reads serverInfo and the first advertise, and returns the
// channels.
func (c *foxClient) greeting() []channel {
	c.t.Helper()
	if op, _ := c.next(); op != "serverInfo" {
		c.t.Fatalf("first message %q, want serverInfo", op)
	}
	op, data := c.next()
	var adv advertise
	if err := json.Unmarshal(data, &adv); op != "advertise" || err != nil {
		c.t.Fatalf("second message %q (%v), want advertise", op, err)
	}
	return adv.Channels
}

// decodeMessage reads a Message Data into the subscription id and its
// CompressedVideo or CompressedImage message (see decodeFields).
func decodeMessage(t *testing.T, ch channel, data []byte) (uint32, foxglove.Message) {
	t.Helper()
	sub, get := decodeFields(t, ch, data)
	ts := get("timestamp").Message()
	tsf := ts.Descriptor().Fields()
	m := foxglove.Message{FrameID: get("frame_id").String(), Data: get("data").Bytes(), Format: get("format").String(),
		Timestamp: foxglove.Time{Sec: ts.Get(tsf.ByName("seconds")).Int(), Nsec: ts.Get(tsf.ByName("nanos")).Int()}}
	return sub, m
}

// decodeFields reads a Message Data into the subscription id and its
// message's fields by name, decoded as a player does: with the schema the
// channel ch advertised, a base64 FileDescriptorSet, and its message found
// by name.
func decodeFields(t *testing.T, ch channel, data []byte) (uint32, func(name string) protoreflect.Value) {
	t.Helper()
	if len(data) < messageDataHeader || data[0] != opMessageData {
		t.Fatalf("binary message of %d bytes, opcode %#x", len(data), data[0])
	}
	set, err := base64.StdEncoding.DecodeString(ch.Schema)
	if err != nil {
		t.Fatalf("channel %d: schema: %v", ch.ID, err)
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(set, &fds); err != nil {
		t.Fatal(err)
	}
	files, err := protodesc.NewFiles(&fds)
	if err != nil {
		t.Fatal(err)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(ch.SchemaName))
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.MessageDescriptor)
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(data[messageDataHeader:], msg); err != nil {
		t.Fatal(err)
	}
	get := func(name string) protoreflect.Value { return msg.Get(md.Fields().ByName(protoreflect.Name(name))) }
	return binary.LittleEndian.Uint32(data[1:]), get
}

// hasParameterSets reports whether nalus hold an SPS and a PPS.
func hasParameterSets(nalus [][]byte) bool {
	var sps, pps bool
	for _, n := range nalus {
		sps = sps || h264.TypeOf(n) == h264.NALUTypeSPS
		pps = pps || h264.TypeOf(n) == h264.NALUTypePPS
	}
	return sps && pps
}

func jsonNumber(id uint32) string { b, _ := json.Marshal(id); return string(b) }

// replayMark reads replayedField from a Message Data's picture message:
// 1 when the node marked it replayed, 0 when it did not.
func replayMark(t *testing.T, data []byte) uint64 {
	t.Helper()
	var mark uint64
	for b := data[messageDataHeader:]; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if num == replayedField && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				t.Fatalf("bad mark: %v", protowire.ParseError(m))
			}
			mark = v
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			t.Fatalf("bad field %d: %v", num, protowire.ParseError(m))
		}
		b = b[m:]
	}
	return mark
}

// closeReason is the reason of the close frame that ended a connection
// with err, or "".
func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}
