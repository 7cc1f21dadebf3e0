package rtsp

import (
	"errors"
	"fmt"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"

	"github.com/gopline/gopline/internal/credentials"
)

// How a server's refusals become the Reader's errors.

// refused wraps an error of the RTSP exchange, naming what the server
// asks for when it refused the credentials, or the certificate that was
// not the one pinned.
func (r *Reader) refused(err error) error {
	if pinned := r.pinFailed.Load(); pinned != nil {
		return fmt.Errorf("%w %q: %w", ErrOpen, r.shown, *pinned)
	}
	err = redacted{err}
	var status liberrors.ErrClientBadStatusCode
	switch {
	case errors.As(err, &status) && (status.Code == base.StatusUnauthorized || status.Code == base.StatusForbidden):
		return fmt.Errorf("%w %q: %w: %w (%s)", ErrOpen, r.shown, ErrUnauthorized, err,
			credentials.Hint(r.url, status.Code == base.StatusForbidden))
	case errors.As(err, &status) && status.Code == base.StatusNotFound:
		return fmt.Errorf("%w %q: %w (%s)", ErrOpen, r.shown, err, credentials.NotFoundHint)
	case errors.As(err, &status) && status.Code == base.StatusUnsupportedTransport &&
		r.cfg.transport != nil && *r.cfg.transport == gortsplib.TransportTCP:
		return fmt.Errorf("%w %q: %w: %w", ErrOpen, r.shown, ErrRefusesTCP, err)
	}
	return fmt.Errorf("%w %q: %w", ErrOpen, r.shown, err)
}

// refusedSetup is refused for the SETUP's error: a camera asked for RTP
// over TCP that refuses the SETUP with another error status than 461
// (older cameras and relays that send RTP over UDP only answer 400 Bad
// Request, 453 or 500, where ffmpeg and GStreamer ask for UDP first) is
// taken as one that refuses TCP too, but for a refusal of its
// credentials, or of a stream that is not there.
func (r *Reader) refusedSetup(err error) error {
	var status liberrors.ErrClientBadStatusCode
	if errors.As(err, &status) && status.Code >= 400 && r.cfg.transport != nil && *r.cfg.transport == gortsplib.TransportTCP &&
		status.Code != base.StatusUnauthorized && status.Code != base.StatusForbidden && status.Code != base.StatusNotFound &&
		r.pinFailed.Load() == nil {
		return fmt.Errorf("%w %q: %w: it answered the SETUP of RTP over TCP %w", ErrOpen, r.shown, ErrRefusesTCP, redacted{err})
	}
	return r.refused(err)
}

// redacted is an error of the RTSP client whose text shows URLs without
// their passwords (credentials.Redact): a server's redirect, say, may
// name one.
type redacted struct{ err error }

func (e redacted) Error() string { return credentials.Redact(e.err.Error()) }
func (e redacted) Unwrap() error { return e.err }
