package rtsp

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
)

// checkFingerprint refuses a camera whose certificate is not the one
// pinned (WithFingerprint), and keeps why for refused to say.
func (r *Reader) checkFingerprint(cs tls.ConnectionState) error {
	if r.cfg.pinned == nil {
		return nil
	}
	var got [sha256.Size]byte
	if len(cs.PeerCertificates) > 0 {
		got = sha256.Sum256(cs.PeerCertificates[0].Raw)
	}
	if !bytes.Equal(got[:], r.cfg.pinned) {
		err := fmt.Errorf("%w: its certificate's SHA-256 is %x, not the %x pinned (fingerprint=)", ErrUnauthorized, got, r.cfg.pinned)
		r.pinFailed.Store(&err)
		return err
	}
	return nil
}
