package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrRefused is wrapped by the error of a probe that the node refused for
// good: its token, or its client certificate's name. The error says which.
// (A node at its limits, or a TLS handshake that fails, is tried again.)
var ErrRefused = errors.New("remote: the node refused this node")

// ErrTokenRefused is what the error of a probe the node refused for its
// token (missing or wrong) is too (errors.Is), besides ErrRefused: a
// client can tell its user how to pass the token.
var ErrTokenRefused = errors.New("remote: the node refused the token")

// tokenRefusal is a refusal for the token: its text is the refusal's.
type tokenRefusal struct{ error }

func (e tokenRefusal) Is(target error) bool { return target == ErrTokenRefused }
func (e tokenRefusal) Unwrap() error        { return e.error }

// ErrUnreachable is what an UnreachableError is (errors.Is): a probe
// reached no node.
var ErrUnreachable = errors.New("remote: cannot reach the node")

// UnreachableError says that a probe reached no node at Addr: nothing
// listens there, the host does not answer, or what answers is not a node
// (a web port, say). Unlike a refusal (ErrRefused), it says nothing of the
// node's topics: no node was asked.
type UnreachableError struct {
	Addr string
	// Why says what happened, in a user's words.
	Why string
	// Tried says what was tried ("a TCP connection").
	Tried string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%v at %s: %s (tried %s)", ErrUnreachable, e.Addr, e.Why, e.Tried)
}

// Is makes an UnreachableError match ErrUnreachable.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// probe connects to the node at addr as protoactor would (the node's TLS,
// token and limits) and asks it for something it does not serve: a node
// that would refuse this one's stream says why, one that would accept it
// says it does not serve the call. So a link learns why a node refuses it
// before it lets protoactor connect (which would only time out), and
// connects only to a node that is up: protoactor at the pinned version
// keeps a writer, and its connections, for an address that is down.
// probe probes the node at addr once for the callers that ask at once:
// eight listings of one node started together open one probe's
// connections, not eight, within the places the node gives one host.
func (n *Node) probe(addr string, timeout time.Duration) error {
	_, err, _ := n.probes.Do(addr, func() (any, error) { return nil, probe(addr, n.dialOpts, timeout) })
	return err
}

func probe(addr string, dialOpts []grpc.DialOption, timeout time.Duration) error {
	// A plain connection first: gRPC, waiting for the node to be ready,
	// would only say that the time ran out, not that nothing listens.
	began := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return &UnreachableError{Addr: addr, Why: dialReason(err), Tried: "a TCP connection"}
	}
	c.Close()
	conn, err := grpc.NewClient(addr, dialOpts...)
	if err != nil {
		return fmt.Errorf("remote: %s: %w", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err = remote.NewRemotingClient(conn).ListProcesses(ctx, &remote.ListProcessesRequest{}, grpc.WaitForReady(true))
	if mayBeWebPort(err) && answersHTTP(addr, max(timeout-time.Since(began), minSniffTimeout)) {
		return &UnreachableError{Addr: addr, Why: "it answers HTTP: it is a web port (gopline's --http, say), not a node's --listen port",
			Tried: "gRPC, then an HTTP request"}
	}
	return probeResult(addr, err)
}

// mayBeWebPort reports whether a probe's answer may come from a web port:
// the call failed without an answer of a node (a refusal, a limit, or the
// call not served).
func mayBeWebPort(err error) bool {
	switch status.Code(err) {
	case codes.OK, codes.Unimplemented, codes.Unauthenticated, codes.PermissionDenied, codes.ResourceExhausted:
		return false
	}
	return true
}

// probeResult tells what a probe's answer means.
func probeResult(addr string, err error) error {
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.Unimplemented:
		return nil // served, up to the call
	case codes.Unauthenticated: // the guard's answer to a missing or wrong token
		return tokenRefusal{fmt.Errorf("%w: %s: %s", ErrRefused, addr, strings.TrimPrefix(st.Message(), "gopline: "))}
	case codes.PermissionDenied:
		return fmt.Errorf("%w: %s: %s", ErrRefused, addr, strings.TrimPrefix(st.Message(), "gopline: "))
	case codes.ResourceExhausted: // for now: try again later
		msg := strings.TrimPrefix(st.Message(), "gopline: ")
		if !strings.HasPrefix(msg, "the node is at") {
			msg = "the node is at a limit: " + msg
		}
		return fmt.Errorf("remote: %s: %s", addr, msg)
	case codes.DeadlineExceeded:
		if why := handshakeReason(st.Message()); why != "" {
			return fmt.Errorf("remote: %s: cannot connect%s", addr, why)
		}
		return fmt.Errorf("remote: %s: no answer", addr)
	}
	return fmt.Errorf("remote: %s: %s%s", addr, st.Message(), handshakeReason(st.Message()))
}

// handshakeReason explains the TLS failures a probe can meet.
func handshakeReason(msg string) string {
	switch {
	case strings.Contains(msg, "certificate signed by unknown authority"):
		return " (the node's certificate is not signed by this node's CA)"
	case strings.Contains(msg, "certificate is valid for"), strings.Contains(msg, "doesn't contain any IP SANs"):
		return " (the node's certificate does not name the address it is reached by)"
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return " (this node speaks TLS, the node does not)"
	case strings.Contains(msg, "error reading server preface"), strings.Contains(msg, "connection closed before server preface"):
		return " (the node closed the connection: it may speak TLS, refuse this node's certificate, or be at its connection limit)"
	}
	return ""
}

// dialReason says why a connection to a node failed, in a user's words.
func dialReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: no node listens there"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host: " + err.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer: the host is down or a firewall drops the connection"
	}
	return err.Error()
}
