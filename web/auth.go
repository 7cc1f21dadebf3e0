package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// tokenRefusal is the 401's text: it names both ways a client may give
// the token, since a browser's page load cannot set a header.
const tokenRefusal = "this node needs its token: send Authorization: Bearer TOKEN, or add ?token=TOKEN to the URL " +
	"(a page's own ?token= is passed on to its calls)"

// authorized requires the token, when the handler has one: as a bearer
// token (the scheme's case does not matter, RFC 7235) or as ?token=TOKEN,
// which a browser's page load and a WHEP player given only a URL can send.
func (h *Handler) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.Token != "" && !h.tokenMatches(requestToken(r)) {
			h.warnToken(r)
			w.Header().Set("WWW-Authenticate", `Bearer realm="gopline"`)
			http.Error(w, tokenRefusal, http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

// errWrongToken is what the log says of a request refused for its token.
var errWrongToken = errors.New("a wrong token, or none")

// warnToken says in the log that r was refused for its token, at most
// every clientWarnEvery with the count: someone guessing it is seen.
func (h *Handler) warnToken(r *http.Request) {
	h.warnClient(&h.wrongToken, clientAddr(r.RemoteAddr), "refused for the token", errWrongToken)
}

// requestToken is the token r gives: its Authorization header's bearer
// token, else its ?token= query parameter; "" when it gives none.
func requestToken(r *http.Request) string {
	if scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return r.URL.Query().Get("token")
}

// tokenMatches compares in constant time; any token matches when the
// handler has none, and an empty one never does when it has one.
func (h *Handler) tokenMatches(given string) bool {
	if h.cfg.Token == "" {
		return true
	}
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(h.cfg.Token)) == 1
}
