package remote

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func TestIsHTTPStatus(t *testing.T) {
	for _, c := range []struct {
		first string
		want  bool
	}{
		{"HTTP/", true},
		{"HTTP", false},                 // the peer stopped sending
		{"\x00\x00\x18\x04\x00", false}, // a node's HTTP/2 SETTINGS frame
		{"\x15\x03\x03\x00\x02", false}, // a TLS alert
		{"<!DOC", false},
		{"", false},
	} {
		if got := isHTTPStatus([]byte(c.first)); got != c.want {
			t.Errorf("isHTTPStatus(%q) = %v, want %v", c.first, got, c.want)
		}
	}
}

// A remote= that names a web port (a node's --http, any web server,
// HTTPS too) is named as one: not "it may speak TLS".
func TestProbeNamesAWebPort(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("a page")) })
	web, https := httptest.NewServer(handler), httptest.NewTLSServer(handler)
	defer web.Close()
	defer https.Close()
	plain := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	for _, addr := range []string{web.Listener.Addr().String(), https.Listener.Addr().String()} {
		err := probe(addr, plain, 3*time.Second)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "cannot reach the node at "+addr+": it answers HTTP: it is a web port") ||
			strings.Contains(err.Error(), "may speak TLS") {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

// An address nothing listens on is said to be one, with what was tried.
func TestProbeNamesAnAddressNobodyListensOn(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	err = probe(addr, []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, 3*time.Second)
	if !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrRefused) ||
		!strings.Contains(err.Error(), "cannot reach the node at "+addr+": connection refused: no node listens there (tried a TCP connection)") {
		t.Errorf("%v", err)
	}
}
