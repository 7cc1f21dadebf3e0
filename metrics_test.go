package gopline_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gopline/gopline"
)

// get fetches url with token (none when ""), returning the status and
// body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// sampleValue returns the value of the sample of metric whose labels hold
// every one of want (name="value" each), and whether there is one.
func sampleValue(text, metric string, want ...string) (float64, bool) {
	for _, line := range strings.Split(text, "\n") {
		name, rest, _ := strings.Cut(line, "{")
		if name != metric {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		all := true
		for _, w := range want {
			all = all && strings.Contains(labels, w)
		}
		if v, err := strconv.ParseFloat(value, 64); all && err == nil {
			return v, true
		}
	}
	return 0, false
}

// A node serving HTTP gives its counters to a Prometheus scraper at
// /metrics: its pipeline's nodes, its topics and subscribers, and the
// process; with a token, to those that bring it.
func TestHTTPServesMetrics(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), ignoreDeadLetterThrottle)
	n, err := gopline.New(gopline.WithHTTPConfig(gopline.HTTPConfig{Listen: "127.0.0.1:0", Token: "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p := start(t, n, "testsrc size=160x96 is-live=true ! h264enc gop=5 ! publish topic=/camera")
	start(t, n, "subscribe topic=/camera ! fakesink")
	waitPublished(t, n, "/camera", 10)
	url := n.HTTPURL() + "/metrics"
	if status, _ := get(t, url, ""); status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", status)
	}
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := get(t, url, "s3cret")
		if status != http.StatusOK {
			t.Fatalf("/metrics: %d %s", status, body)
		}
		text = body
		if v, _ := sampleValue(text, "gopline_subscriber_delivered_total", `topic="/camera"`); v > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, c := range []struct {
		metric string
		labels []string
	}{
		{"gopline_node_out_total", []string{`pipeline="` + p.ID() + `"`, `element="h264enc"`}},
		{"gopline_node_bytes_total", []string{`element="h264enc"`}},
		{"gopline_node_in_total", []string{`element="fakesink"`}},
		{"gopline_topic_published_total", []string{`topic="/camera"`}},
		{"gopline_topic_publishers", []string{`topic="/camera"`}},
		{"gopline_topic_subscribers", []string{`topic="/camera"`}},
		{"gopline_subscriber_delivered_total", []string{`topic="/camera"`}},
		{"gopline_topic_width_pixels", []string{`topic="/camera"`}},
	} {
		if v, ok := sampleValue(text, c.metric, c.labels...); !ok || v <= 0 {
			t.Errorf("%s%v = %v (found %v) in\n%s", c.metric, c.labels, v, ok, text)
		}
	}
	for _, metric := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "go_goroutines"} {
		if !strings.Contains(text, "\n"+metric+" ") {
			t.Errorf("no %s in\n%s", metric, text)
		}
	}
	if !strings.Contains(text, "# TYPE gopline_node_out_total counter\n") {
		t.Errorf("no TYPE line for gopline_node_out_total in\n%s", text)
	}
	// Scrapes in a loop are answered from the last one's text, made at
	// most once a second: they do not keep asking the topics.
	// (The process's CPU time, in microseconds, tells a text made anew.)
	time.Sleep(1100 * time.Millisecond)
	start := time.Now()
	_, first := get(t, url, "s3cret")
	for n := 0; n < 20 && time.Since(start) < 500*time.Millisecond; n++ {
		if _, again := get(t, url, "s3cret"); again != first {
			t.Fatalf("a scrape right after another was made anew:\n%s\nthen\n%s", first, again)
		}
	}
	// Profiles are served only when asked for.
	if status, _ := get(t, n.HTTPURL()+"/debug/pprof/", "s3cret"); status != http.StatusNotFound {
		t.Errorf("/debug/pprof/ without Pprof: %d", status)
	}
}

func TestHTTPServesProfilesWhenAsked(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), ignoreDeadLetterThrottle)
	n, err := gopline.New(gopline.WithHTTPConfig(gopline.HTTPConfig{Listen: "127.0.0.1:0", Token: "s3cret", Pprof: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if status, _ := get(t, n.HTTPURL()+"/debug/pprof/goroutine?debug=1", ""); status != http.StatusUnauthorized {
		t.Fatalf("a profile without the token: %d", status)
	}
	status, body := get(t, n.HTTPURL()+"/debug/pprof/goroutine?debug=1", "s3cret")
	if status != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Fatalf("the goroutine profile: %d %.200s", status, body)
	}
}
