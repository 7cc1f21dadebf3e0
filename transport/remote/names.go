package remote

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/gopline/gopline/transport/wire"
)

// Actor names a peer may address (see allowedTarget).
const (
	gatewayName = "gopline"
	proxyPrefix = "gopline-sub-"
	linkPrefix  = "gopline-link-"
)

// wireTypeNames lists the full names of gopline's wire messages.
func wireTypeNames() []string {
	msgs := wire.File_transport_wire_wire_proto.Messages()
	names := make([]string, 0, msgs.Len())
	for i := range msgs.Len() {
		names = append(names, string(protoreflect.FullName(msgs.Get(i).FullName())))
	}
	return names
}
