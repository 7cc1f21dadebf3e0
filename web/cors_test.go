package web

import (
	"net/http"
	"strings"
	"testing"
)

const playerOrigin = "https://player.example"

// corsOK says what is missing of the CORS headers a player at origin needs
// to read an answer; "" when nothing is.
func corsOK(hdr http.Header, origin string) string {
	var missing []string
	if got := hdr.Get("Access-Control-Allow-Origin"); got != origin && got != "*" {
		missing = append(missing, "Access-Control-Allow-Origin "+origin+" (got "+got+")")
	}
	expose := hdr.Get("Access-Control-Expose-Headers")
	for _, name := range []string{"Location", "ETag", "Link", "Accept-Patch"} {
		if !strings.Contains(expose, name) {
			missing = append(missing, "Expose-Headers "+name)
		}
	}
	return strings.Join(missing, ", ")
}

func TestWHEPPlayerOnAnotherOriginIsAnsweredWithCORS(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	origin := "Origin: " + playerOrigin
	// The preflight carries no token, by the browser's rules.
	for _, path := range []string{"/whep/cam", "/whep-session/any", "/api/topics", "/api/topics/cam"} {
		status, _, hdr := post(t, n, "OPTIONS", path, "", origin, "Access-Control-Request-Method: POST",
			"Access-Control-Request-Headers: authorization, content-type")
		if status != http.StatusNoContent {
			t.Errorf("preflight of %s: %d, want 204", path, status)
		}
		if miss := corsOK(hdr, playerOrigin); miss != "" {
			t.Errorf("preflight of %s lacks %s", path, miss)
		}
		for _, m := range []string{"POST", "PATCH", "DELETE", "GET"} {
			if !strings.Contains(hdr.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("preflight of %s: Allow-Methods %q lacks %s", path, hdr.Get("Access-Control-Allow-Methods"), m)
			}
		}
		for _, h := range []string{"Authorization", "Content-Type", "If-Match"} {
			if !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), h) {
				t.Errorf("preflight of %s: Allow-Headers %q lacks %s", path, hdr.Get("Access-Control-Allow-Headers"), h)
			}
		}
	}
	if _, _, hdr := post(t, n, "OPTIONS", "/whep/cam", "", origin); hdr.Get("Accept-Post") != "application/sdp" {
		t.Errorf("WHEP preflight: Accept-Post %q, want application/sdp", hdr.Get("Accept-Post"))
	}

	// Without the token: refused, in words the player can read.
	status, body, hdr := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType, origin)
	if status != http.StatusUnauthorized || corsOK(hdr, playerOrigin) != "" {
		t.Errorf("offer without the token: %d %q, CORS lacking %s", status, body, corsOK(hdr, playerOrigin))
	}

	// With it: the session, its Location readable, its PATCH refused as
	// WHEP says of a server without trickle ICE, its DELETE.
	auth := "Authorization: Bearer s3cret"
	status, body, hdr = post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType, origin, auth)
	if status != http.StatusCreated || corsOK(hdr, playerOrigin) != "" {
		t.Fatalf("offer: %d %q, CORS lacking %s", status, body, corsOK(hdr, playerOrigin))
	}
	session := hdr.Get("Location")
	if status, _, hdr := post(t, n, "PATCH", session, "a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n",
		"Content-Type: application/trickle-ice-sdpfrag", origin, auth); status != http.StatusMethodNotAllowed || corsOK(hdr, playerOrigin) != "" {
		t.Errorf("PATCH of the session: %d, CORS lacking %s; want 405 with CORS", status, corsOK(hdr, playerOrigin))
	}
	if status, _, hdr := post(t, n, "DELETE", session, "", origin, auth); status != http.StatusOK || corsOK(hdr, playerOrigin) != "" {
		t.Errorf("DELETE of the session: %d, CORS lacking %s", status, corsOK(hdr, playerOrigin))
	}
	if status, _, hdr := post(t, n, "GET", "/api/topics", "", origin, auth); status != http.StatusOK || corsOK(hdr, playerOrigin) != "" {
		t.Errorf("topics: %d, CORS lacking %s", status, corsOK(hdr, playerOrigin))
	}
	// A player that sends credentials is refused "*" by its browser: it
	// gets its own origin back.
	if _, _, hdr := post(t, n, "GET", "/api/topics", "", origin, auth); hdr.Get("Access-Control-Allow-Origin") != playerOrigin ||
		hdr.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("topics with a token: Allow-Origin %q, Allow-Credentials %q, want %s and true",
			hdr.Get("Access-Control-Allow-Origin"), hdr.Get("Access-Control-Allow-Credentials"), playerOrigin)
	}
	// The pages are not called across origins.
	if _, _, hdr := post(t, n, "GET", "/", "", origin); hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the index page: Allow-Origin %q, want none", hdr.Get("Access-Control-Allow-Origin"))
	}
}

func TestNodeWithoutATokenAllowsAnyOrigin(t *testing.T) {
	n := newLiveNode(t, Config{})
	status, _, hdr := post(t, n, "GET", "/api/topics", "", "Origin: "+playerOrigin)
	if status != http.StatusOK || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("topics: %d, Allow-Origin %q, want *", status, hdr.Get("Access-Control-Allow-Origin"))
	}
}
