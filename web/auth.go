package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
		if h.cfg.Token != "" && h.tokenRefusal(r) != nil {
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

// Refusals of a client for the token, which a Foxglove client is told.
var (
	errNoToken         = errors.New("this node needs its token: /foxglove?token=TOKEN, the token percent-encoded")
	errWrongTokenGiven = errors.New("the token given is not this node's")
)

// warnToken says in the log that r was refused for its token, at most
// every clientWarnEvery with the count: someone guessing it is seen.
func (h *Handler) warnToken(r *http.Request) {
	h.warnClient(&h.wrongToken, clientAddr(r.RemoteAddr), "refused for the token", errWrongToken)
}

// tokenRefusal returns nil when r gives the handler's token (or the
// handler has none), else errNoToken or errWrongTokenGiven. r may give it
// as its Authorization header's bearer token or as its ?token= query
// parameter, read two ways: decoded as a query is, and with its percent
// escapes alone decoded. A token pasted into a URL as it is keeps its
// "+", which a query's decoding reads as a space (a base64 token, as
// openssl rand -base64 makes, often has one); either reading matches.
func (h *Handler) tokenRefusal(r *http.Request) error {
	if h.cfg.Token == "" {
		return nil
	}
	given := requestTokens(r)
	matched := false
	for _, t := range given {
		matched = h.tokenMatches(t) || matched // every one compared, in constant time
	}
	switch {
	case matched:
		return nil
	case len(given) == 0:
		return errNoToken
	}
	for _, t := range given {
		if strings.Contains(t, " ") {
			return fmt.Errorf("%w (a + in a URL reads as a space: percent-encode the token, + as %%2B)", errWrongTokenGiven)
		}
	}
	return errWrongTokenGiven
}

// requestTokens are the tokens r gives, none empty: its Authorization
// header's bearer token, else its ?token= query parameter as a query
// decodes it and as it is with its percent escapes alone decoded.
func requestTokens(r *http.Request) []string {
	var out []string
	add := func(t string) {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "Bearer") {
		add(strings.TrimSpace(token))
		return out // the header, when there is one, is the token
	}
	add(r.URL.Query().Get("token"))
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == "token" {
			if raw, err := url.PathUnescape(v); err == nil {
				add(raw)
			}
			break // the first, as Query().Get takes
		}
	}
	return out
}

// tokenMatches compares in constant time; any token matches when the
// handler has none, and an empty one never does when it has one.
func (h *Handler) tokenMatches(given string) bool {
	if h.cfg.Token == "" {
		return true
	}
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(h.cfg.Token)) == 1
}
