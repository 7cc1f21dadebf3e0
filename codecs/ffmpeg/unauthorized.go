package ffmpeg

import "strings"

// userinfo splits url at the userinfo of its authority: its scheme, the
// user name, whether a password follows it, and what follows the
// userinfo's @ (the host, port and path). password is false, and user
// empty, for a url without userinfo.
func userinfo(url string) (scheme, user string, password bool, after string) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || scheme == "" {
		return "", "", false, ""
	}
	authority, _, _ := strings.Cut(rest, "/")
	// The userinfo ends at the authority's last @: a password may hold @.
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return scheme, "", false, ""
	}
	user, _, password = strings.Cut(authority[:at], ":")
	return scheme, user, password, rest[at+1:]
}

// credentialsHint says what to do about a server that refused the input
// at url: forbidden (403) when the user it names may not open the stream,
// else (401) when the credentials it gives are wrong, or it gives none.
func credentialsHint(url string, forbidden bool) string {
	scheme, user, password, _ := userinfo(url)
	form := scheme + "://USER:PASSWORD@HOST/PATH, with @, : and / in the password written %40, %3A and %2F"
	switch {
	case forbidden:
		return "the server knows the user but refuses it this stream: check the user's rights on the camera, and the stream's path"
	case password:
		return "the server refused the user \"" + user + "\" and its password: check them in the URL (" + form + ")"
	case user != "":
		return "the server asks for a password, and the URL gives the user \"" + user + "\" alone: give it as " + form
	}
	return "the server asks for a user and password: give them in the URL as " + form
}
