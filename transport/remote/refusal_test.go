package remote

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// A node that refuses another says why, to it: the probe a node makes
// before it connects gets the reason, not a timeout.
func TestRefusedPeersGetTheReason(t *testing.T) {
	dir := t.TempDir()
	files := testPKIFor(t, dir, "fleet", "robot", "viewer", "intruder")
	stranger := testPKIFor(t, dir, "other", "stranger")[0]
	robot := files[0]
	robot.RequireClientCert = true
	tlsNode := startChild(t, "pub", childArgs{TLS: &robot, Allow: []string{"viewer"}})
	tokenNode := startChild(t, "pub", childArgs{Token: "s3cret"})
	plain := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	withTLS := func(f TLSFiles) []grpc.DialOption {
		_, client, err := LoadTLS(f)
		if err != nil {
			t.Fatal(err)
		}
		return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(client))}
	}
	for _, c := range []struct {
		name, addr string
		opts       []grpc.DialOption
		refused    bool   // errors.Is ErrRefused
		says       string // in the error
	}{
		{"no token", tokenNode.addr, plain, true, "token"},
		{"wrong token", tokenNode.addr, append(plain, grpc.WithPerRPCCredentials(tokenCredentials{token: "nope"})), true, "token"},
		{"a name not allowed", tlsNode.addr, withTLS(files[2]), true, "client certificate not allowed"},
		{"another CA", tlsNode.addr, withTLS(stranger), false, "certificate"},
		{"plaintext against TLS", tlsNode.addr, plain, false, "TLS"},
		{"TLS against plaintext", tokenNode.addr, withTLS(files[1]), false, "TLS"},
	} {
		began := time.Now()
		err := probe(c.addr, c.opts, 3*time.Second)
		t.Logf("%s (%v): %v", c.name, time.Since(began).Round(time.Millisecond), err)
		if err == nil || errors.Is(err, ErrRefused) != c.refused || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v (want refused %v, saying %q)", c.name, err, c.refused, c.says)
		}
	}
	if err := probe(tlsNode.addr, withTLS(files[1]), 3*time.Second); err != nil {
		t.Errorf("the allowed viewer: %v", err)
	}
	if err := probe(tokenNode.addr, append(plain, grpc.WithPerRPCCredentials(tokenCredentials{token: "s3cret"})), 3*time.Second); err != nil {
		t.Errorf("the right token: %v", err)
	}
	// The refusing nodes log the refusals with the peers, failed TLS
	// handshakes too.
	for _, n := range []*node{tlsNode, tokenNode} {
		if !n.stderr.Await("refused a peer", logWait) {
			t.Errorf("a node does not log its refusals:\n%s", n.stderr.String())
		}
	}
	if !tlsNode.stderr.Await(`"refused":"handshake"`, logWait) {
		t.Errorf("the TLS node does not log a failed handshake:\n%s", tlsNode.stderr.String())
	}
}

// Listings of a node's topics that overlap all get the full answer.
func TestConcurrentTopicListingsAllGetTheAnswer(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	lister := startChild(t, "topics", childArgs{Addr: pub.addr})
	for i := range 8 {
		r := lister.next(10 * time.Second)
		for r != nil && r.Subs == nil && r.Event == "" {
			r = lister.next(10 * time.Second)
		}
		switch {
		case r == nil:
			t.Fatalf("listing %d did not answer", i)
		case r.Event != "":
			t.Fatalf("listing %d: %s", i, r.Event)
		case *r.Subs != 1:
			t.Fatalf("listing %d got %d topics, want 1 (/cam)", i, *r.Subs)
		}
	}
}

// A node's listing names it: by Config.Name, or by its address when it
// has none.
func TestTopicListingNamesTheNode(t *testing.T) {
	named := startChild(t, "pub", childArgs{Name: "robot-1"})
	unnamed := startChild(t, "pub", childArgs{})
	for _, c := range []struct {
		pub  *node
		want string
	}{{named, "robot-1"}, {unnamed, unnamed.addr}} {
		lister := startChild(t, "topics", childArgs{Addr: c.pub.addr})
		r := lister.next(10 * time.Second)
		for r != nil && r.Subs == nil && r.Event == "" {
			r = lister.next(10 * time.Second)
		}
		switch {
		case r == nil:
			t.Fatalf("the listing of %s did not answer", c.pub.addr)
		case r.Event != "":
			t.Fatalf("the listing of %s: %s", c.pub.addr, r.Event)
		case r.Node != c.want:
			t.Fatalf("the listing of %s names the node %q, want %q", c.pub.addr, r.Node, c.want)
		}
	}
}

func TestProbeResult(t *testing.T) {
	for _, c := range []struct {
		err     error
		refused bool
		says    string
	}{
		{status.Error(codes.Unimplemented, "not served"), false, ""},
		{status.Error(codes.Unauthenticated, "gopline: the node refused the token: missing or wrong token"), true, "refused the token"},
		{status.Error(codes.PermissionDenied, "gopline: client certificate not allowed"), true, "not allowed"},
		{status.Error(codes.ResourceExhausted, "gopline: too many connections"), false, "at a limit"},
		{status.Error(codes.ResourceExhausted, "gopline: the node is at its connection limit: 32 unauthenticated connections"), false,
			"a:1: the node is at its connection limit: 32"},
		{status.Error(codes.DeadlineExceeded, "x509: certificate signed by unknown authority"), false, "not signed by this node's CA"},
		{status.Error(codes.DeadlineExceeded, "context deadline exceeded"), false, "no answer"},
	} {
		err := probeResult("a:1", c.err)
		if c.says == "" {
			if err != nil {
				t.Errorf("%v: %v", c.err, err)
			}
			continue
		}
		if err == nil || errors.Is(err, ErrRefused) != c.refused || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: %v", c.err, err)
		}
		if token := status.Code(c.err) == codes.Unauthenticated; errors.Is(err, ErrTokenRefused) != token {
			t.Errorf("%v: %v is a refusal for the token: %v, want %v", c.err, err, !token, token)
		}
	}
}
