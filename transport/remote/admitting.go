package remote

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// The admission's place in a node's gRPC server: the transport credentials
// admit each connection, and the interceptors answer a refused
// connection's calls and note what a stream brings.

// refuseStream and refuseUnary answer the calls of a connection admitted
// only to be told why it is over the limits; they come before the guard.
func (a *admission) refuseStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := a.refused(peerAddr(ss.Context())); err != nil {
		return err
	}
	return handler(srv, ss)
}

func (a *admission) refuseUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := a.refused(peerAddr(ctx)); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// countStream notes the messages of a stream that keep its connection in
// use; it comes after the guard, which checked them.
func (a *admission) countStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, &countedStream{ServerStream: ss, a: a, remote: peerAddr(ss.Context())})
}

// countedStream notes the batches its peer sends that the node acts on.
type countedStream struct {
	grpc.ServerStream
	a      *admission
	remote string
}

func (s *countedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if rm, ok := m.(*remote.RemoteMessage); ok {
		if b := rm.GetMessageBatch(); b != nil {
			if acts, ends := s.a.inBatch(b); acts {
				s.a.active(s.remote, ends)
			}
		}
	}
	return nil
}

// admittingCreds wraps a server's transport credentials (TLS, or none) to
// admit each connection before its handshake, to release it when it
// closes, and to report a failed handshake. (protoactor's remote opens its
// listener itself at the pinned version, so a limiting net.Listener cannot
// be given; gRPC calls the credentials for every connection it accepts.)
type admittingCreds struct {
	credentials.TransportCredentials
	a       *admission
	refused func(peer, what string, err error)
}

func (c *admittingCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	remote := raw.RemoteAddr().String()
	ad, err := c.a.admit(remote, raw.Close)
	if err != nil {
		c.refused(remote, "connection", err)
		if ad == nil {
			return nil, nil, err
		}
		// Through the handshake, to be told why on its first call.
	}
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		c.a.release(remote, ad)
		if !errors.Is(err, io.EOF) { // a port check that connects and leaves
			c.refused(remote, "handshake", err)
		}
		return nil, nil, err
	}
	return &admittedConn{Conn: conn, a: c.a, remote: remote, ad: ad}, info, nil
}

func (c *admittingCreds) Clone() credentials.TransportCredentials {
	return &admittingCreds{TransportCredentials: c.TransportCredentials.Clone(), a: c.a, refused: c.refused}
}

// admittedConn releases its admission when it closes.
type admittedConn struct {
	net.Conn
	a      *admission
	remote string
	ad     *admitted
}

func (c *admittedConn) Close() error {
	c.a.release(c.remote, c.ad)
	return c.Conn.Close()
}
