package remote

import (
	"bytes"
	"io"
	"net"
	"time"
)

// minSniffTimeout is the least time answersHTTP waits for an answer: a
// web server answers a request at once, so a probe that used its time up
// waiting for gRPC still learns, within a round trip, whether a web port
// answered.
const minSniffTimeout = time.Second

// httpRequest is what answersHTTP sends: the smallest request every
// HTTP/1 server answers with its status line (an HTTPS server of Go's
// answers it too, with 400). A node would answer it with an HTTP/2 frame
// or a TLS alert, never with "HTTP/".
const httpRequest = "HEAD / HTTP/1.0\r\n\r\n"

// answersHTTP reports whether what listens at addr is a web server: it
// answers an HTTP request with an HTTP status line. It is asked after a
// probe failed, to name the mistake of a remote= that names a web port.
func answersHTTP(addr string, timeout time.Duration) bool {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return false
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return false
	}
	if _, err := c.Write([]byte(httpRequest)); err != nil {
		return false
	}
	var buf [len(httpStatusPrefix)]byte
	n, _ := io.ReadFull(c, buf[:])
	return isHTTPStatus(buf[:n])
}

// httpStatusPrefix opens an HTTP/1 status line ("HTTP/1.1 400 Bad Request").
const httpStatusPrefix = "HTTP/"

// isHTTPStatus reports whether b, the first bytes a peer sent, open an
// HTTP/1 status line.
func isHTTPStatus(b []byte) bool {
	return len(b) == len(httpStatusPrefix) && bytes.Equal(b, []byte(httpStatusPrefix))
}
