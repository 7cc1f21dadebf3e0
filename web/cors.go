package web

import (
	"net/http"
	"strings"
)

// CORS: a WHEP player or a dashboard served from another origin calls
// /whep, /whep-session and /api across origins. The token is what guards
// them, not the origin, so every origin may call; a preflight (OPTIONS)
// carries no token, by the browser's rules, and is answered without one.
const (
	corsAllowMethods = "OPTIONS, GET, POST, PATCH, DELETE"
	corsAllowHeaders = "Authorization, Content-Type, If-Match"
	// corsExposeHeaders are the WHEP answer's headers a cross-origin
	// player must read (the session's Location above all), and
	// Retry-After of a refusal.
	corsExposeHeaders = "Location, ETag, Link, Accept-Patch, Retry-After"
	// corsMaxAge is how long, in seconds, a browser may keep a
	// preflight's answer.
	corsMaxAge = "86400"
)

// corsPath says whether path is one of the paths called across origins.
func corsPath(path string) bool {
	return strings.HasPrefix(path, whepPrefix) || strings.HasPrefix(path, sessionPrefix) ||
		path == "/api/topics" || strings.HasPrefix(path, "/api/topics/")
}

// withCORS answers the preflights of the cross-origin paths and adds the
// CORS headers to every answer there, refusals included, so that a player
// on another origin can read why it was refused.
func (h *Handler) withCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !corsPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Origin", "*")
		// A client that sends credentials (cookies, with fetch's
		// credentials: "include") is refused "*" by its browser: it gets
		// its own origin named back. That grants it nothing the token
		// does not: gopline sets no cookies.
		if origin := r.Header.Get("Origin"); origin != "" && h.cfg.Token != "" {
			hdr.Set("Access-Control-Allow-Origin", origin)
			hdr.Set("Access-Control-Allow-Credentials", "true")
			hdr.Add("Vary", "Origin")
		}
		hdr.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		hdr.Set("Access-Control-Allow-Methods", corsAllowMethods)
		hdr.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		hdr.Set("Access-Control-Max-Age", corsMaxAge)
		hdr.Set("Allow", allowedMethods(r.URL.Path))
		if strings.HasPrefix(r.URL.Path, whepPrefix) {
			hdr.Set("Accept-Post", "application/sdp")
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// allowedMethods are the methods gopline answers at path, one of the
// cross-origin paths.
func allowedMethods(path string) string {
	switch {
	case strings.HasPrefix(path, whepPrefix):
		return "OPTIONS, POST"
	case strings.HasPrefix(path, sessionPrefix):
		// No PATCH: gopline's answer holds all its candidates, and a
		// PATCH (trickle ICE, ICE restart) is answered 405, as WHEP
		// asks of a server without them.
		return "OPTIONS, DELETE"
	}
	return "OPTIONS, GET"
}
