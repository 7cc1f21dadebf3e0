package rtsp

import "errors"

var (
	// ErrOpen means the stream could not be opened: the server did not
	// answer, refused the request, or the URL is not one of RTSP. The
	// error names the stream and the cause.
	ErrOpen = errors.New("rtsp: cannot open")
	// ErrNotH264 means the server's session has no H.264 video the Reader
	// takes (it offers another codec, or H.264 in RTP's interleaved mode):
	// the stream is for another reader. The error names what it offers.
	ErrNotH264 = errors.New("rtsp: no H.264 video")
	// ErrRecorded means the server's session is a recording of a known
	// length (its description's range has an end), not a live camera: the
	// stream is for a reader that ends at its end. The error says the
	// range.
	ErrRecorded = errors.New("rtsp: a recording, not a live stream")
	// ErrUnauthorized means the server refused the credentials (401: none
	// given, or wrong ones; 403: the user may not open that stream). The
	// error says which, and what to give.
	ErrUnauthorized = errors.New("rtsp: the server refused access")
	// ErrRefusesTCP means the server refused RTP over its RTSP connection
	// (461 Unsupported Transport, or another error status to that SETUP
	// but 401, 403 and 404), asked for by WithTransport("tcp"): the
	// stream comes over UDP or not at all. Open without a transport then
	// takes UDP.
	ErrRefusesTCP = errors.New("rtsp: the server refuses RTP over its RTSP connection (TCP)")
	// ErrStreamLost means a stream that played ended: the server closed
	// the connection, or sent nothing for the timeout beyond its picture
	// interval (see WithTimeout); the error says the bound.
	ErrStreamLost = errors.New("rtsp: stream lost")
	// ErrNothingArrived means no RTP packet of the stream's payload type
	// came to an rtp:// port (ListenRTP) within the timeout: no sender,
	// one sending elsewhere, or with another payload type, which the
	// error names.
	ErrNothingArrived = errors.New("rtp: nothing arrived")
	// ErrBadOption means an Option's value is out of its range.
	ErrBadOption = errors.New("rtsp: bad option")
)
