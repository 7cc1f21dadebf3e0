package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTokenIsTakenFromAnyCaseOfBearerOrFromTheQuery(t *testing.T) {
	h := &Handler{cfg: Config{Token: "s3cret"}}
	served := h.authorized(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	cases := []struct {
		name, url, auth string
		want            int
	}{
		{"Bearer", "/api/topics", "Bearer s3cret", http.StatusOK},
		{"lowercase scheme", "/api/topics", "bearer s3cret", http.StatusOK},
		{"uppercase scheme", "/api/topics", "BEARER s3cret", http.StatusOK},
		{"query", "/api/topics?token=s3cret", "", http.StatusOK},
		{"query on WHEP", "/whep/cam?token=s3cret", "", http.StatusOK},
		{"none", "/api/topics", "", http.StatusUnauthorized},
		{"wrong", "/api/topics", "bearer wrong", http.StatusUnauthorized},
		{"wrong query", "/api/topics?token=wrong", "", http.StatusUnauthorized},
		{"empty query", "/api/topics?token=", "", http.StatusUnauthorized},
		{"another scheme", "/api/topics", "Basic s3cret", http.StatusUnauthorized},
		{"scheme alone", "/api/topics", "Bearer", http.StatusUnauthorized},
		{"a wrong header wins over a right query", "/api/topics?token=s3cret", "Bearer wrong", http.StatusUnauthorized},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		served(w, r)
		if w.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.want)
		}
	}
}

func TestTokenRefusalTellsABrowserToAddTheTokenToTheURL(t *testing.T) {
	h := &Handler{cfg: Config{Token: "s3cret"}}
	w := httptest.NewRecorder()
	h.authorized(func(http.ResponseWriter, *http.Request) { t.Error("served without the token") })(w, httptest.NewRequest("GET", "/api/topics", nil))
	body := w.Body.String()
	if w.Code != http.StatusUnauthorized || !strings.Contains(body, "?token=TOKEN") || !strings.Contains(body, "Authorization: Bearer TOKEN") {
		t.Errorf("refusal: %d %q, want 401 naming ?token=TOKEN and Authorization: Bearer TOKEN", w.Code, body)
	}
	if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate = %q, want the Bearer challenge", got)
	}
}

func TestNoTokenServesEveryone(t *testing.T) {
	h := &Handler{}
	w := httptest.NewRecorder()
	h.authorized(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })(w, httptest.NewRequest("GET", "/api/topics", nil))
	if w.Code != http.StatusNoContent {
		t.Errorf("a node without a token: %d, want served", w.Code)
	}
}
