package web

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The Foxglove WebSocket protocol, version 1: the subprotocol a client
// must ask for, and the opcode of a binary Message Data.
// foxgloveSDKSubprotocol is the same protocol under the name
// foxglove_bridge 3 and the Foxglove SDK give it (its messages are the
// spec's, and playback control's, which only a server that advertises the
// capability serves).
const (
	foxgloveSubprotocol    = "foxglove.websocket.v1"
	foxgloveSDKSubprotocol = "foxglove.sdk.v1"
	opMessageData          = 0x01
)

// foxgloveSubprotocols are the names gopline takes, the one it prefers
// first: a client that offers both is answered with foxglove.websocket.v1,
// which every Foxglove client knows.
var foxgloveSubprotocols = []string{foxgloveSubprotocol, foxgloveSDKSubprotocol}

// Bounds of what a Foxglove client may send: one message (a longer one
// ends the connection, errClientMessageTooBig), and the subscriptions it
// may hold on one connection.
const (
	maxClientMessage  = 64 << 10
	maxSubscriptions  = 64
	messageDataHeader = 1 + 4 + 8
	statusInfo        = 0
	statusWarning     = 1
	statusError       = 2
)

// Errors of a client's message; the server answers each with a status
// message and keeps the connection.
var (
	errClientMessage = errors.New("foxglove: bad client message")
	errUnknownOp     = errors.New("foxglove: operation not supported by gopline")
)

// errClientMessageTooBig ends the connection of a client that sent a
// message longer than maxClientMessage, after a status that says so: the
// rest of the message is not read.
var errClientMessageTooBig = errors.New("a client message is at most 64 KiB (65536 bytes), and this one is longer")

// clientMessage is a client's JSON message: subscribe or unsubscribe, the
// only operations gopline serves (it advertises no capabilities).
type clientMessage struct {
	Op string `json:"op"`
	// Subscriptions are the subscriptions of a subscribe, read from
	// wire, where each must give both fields.
	Subscriptions   []subscription          `json:"-"`
	Wire            []subscriptionOnTheWire `json:"subscriptions"`
	SubscriptionIDs []uint32                `json:"subscriptionIds"`
}

type subscription struct {
	ID        uint32
	ChannelID uint32
}

// subscriptionOnTheWire is a subscription as sent, whose fields may be
// missing: a missing id is no subscription 0.
type subscriptionOnTheWire struct {
	ID        *uint32 `json:"id"`
	ChannelID *uint32 `json:"channelId"`
}

// parseClientMessage reads a client's text message. Numbers out of
// uint32's range, a missing list, more subscriptions than a connection may
// hold and unknown fields' types are errors; an operation gopline does not
// serve is errUnknownOp.
func parseClientMessage(b []byte) (clientMessage, error) {
	var m clientMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%w: %v", errClientMessage, err)
	}
	if dec.More() {
		return m, fmt.Errorf("%w: more than one JSON value", errClientMessage)
	}
	switch m.Op {
	case "subscribe":
		if len(m.Wire) == 0 || len(m.Wire) > maxSubscriptions {
			return m, fmt.Errorf("%w: subscribe needs 1 to %d subscriptions, has %d", errClientMessage, maxSubscriptions, len(m.Wire))
		}
		for i, w := range m.Wire {
			switch {
			case w.ID == nil:
				return m, fmt.Errorf("%w: subscribe: subscription %d of %d has no \"id\"; nothing is subscribed", errClientMessage, i+1, len(m.Wire))
			case w.ChannelID == nil:
				return m, fmt.Errorf("%w: subscribe: subscription %d of %d (id %d) has no \"channelId\"; nothing is subscribed",
					errClientMessage, i+1, len(m.Wire), *w.ID)
			}
			m.Subscriptions = append(m.Subscriptions, subscription{ID: *w.ID, ChannelID: *w.ChannelID})
		}
	case "unsubscribe":
		if len(m.SubscriptionIDs) == 0 || len(m.SubscriptionIDs) > maxSubscriptions {
			return m, fmt.Errorf("%w: unsubscribe needs 1 to %d subscription ids, has %d", errClientMessage, maxSubscriptions, len(m.SubscriptionIDs))
		}
	case "":
		return m, fmt.Errorf("%w: no op", errClientMessage)
	default:
		return m, fmt.Errorf("%w: %.40q", errUnknownOp, m.Op)
	}
	return m, nil
}

// Server messages in JSON.
type (
	serverInfo struct {
		Op                 string            `json:"op"`
		Name               string            `json:"name"`
		Capabilities       []string          `json:"capabilities"`
		SupportedEncodings []string          `json:"supportedEncodings"`
		Metadata           map[string]string `json:"metadata"`
		SessionID          string            `json:"sessionId"`
	}
	channel struct {
		ID             uint32 `json:"id"`
		Topic          string `json:"topic"`
		Encoding       string `json:"encoding"`
		SchemaName     string `json:"schemaName"`
		Schema         string `json:"schema"`
		SchemaEncoding string `json:"schemaEncoding"`
	}
	advertise struct {
		Op       string    `json:"op"`
		Channels []channel `json:"channels"`
	}
	unadvertise struct {
		Op         string   `json:"op"`
		ChannelIDs []uint32 `json:"channelIds"`
	}
	status struct {
		Op      string `json:"op"`
		Level   int    `json:"level"`
		Message string `json:"message"`
		ID      string `json:"id,omitempty"`
	}
	removeStatus struct {
		Op        string   `json:"op"`
		StatusIDs []string `json:"statusIds"`
	}
)

// messageData fills the header of b, a binary Message Data whose payload
// follows its first messageDataHeader bytes, for the client's subscription
// subID, with timestamp recvNanos (the spec's receive timestamp, which
// Foxglove takes as the log time: logClock); it returns b.
func messageData(b []byte, subID uint32, recvNanos uint64) []byte {
	b[0] = opMessageData
	binary.LittleEndian.PutUint32(b[1:], subID)
	binary.LittleEndian.PutUint64(b[5:], recvNanos)
	return b
}

// replayedField is the field, set to 1, that a client which asks for it
// (/foxglove?replay=marked: the node's own pages) finds after the schema's
// fields in the message of each picture its topic replayed from the cache:
// the cached GOP a subscription starts with, which the page decodes whole
// to reach the newest picture, where a backlog of live pictures is
// skipped. The schemas do not have it, and protobuf readers skip a field
// they do not know; Foxglove, which does not ask, never gets it.
const replayedField protowire.Number = 16

// appendReplayed appends replayedField to b, a picture's protobuf message.
func appendReplayed(b []byte) []byte {
	b = protowire.AppendTag(b, replayedField, protowire.VarintType)
	return protowire.AppendVarint(b, 1)
}
