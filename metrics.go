package gopline

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gopline/gopline/internal/promtext"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// started is when the process started, near enough: when this package
// was initialised.
var started = time.Now()

// WriteMetrics writes the node's counters in Prometheus's text format:
// per node of each pipeline made on the node and still running, its items
// in and out, drops, errors, skips by reason, restarts, bytes and the age
// of its items; per topic, its publishers, what was published and
// delivered, its cache and each subscriber's window; and the process's
// CPU, resident memory and goroutines. The node's HTTP endpoint serves the
// same at /metrics (docs/reliability.md, "Monitoring a running node").
func (n *Node) WriteMetrics(w io.Writer) error {
	var s promtext.Set
	n.mu.Lock()
	pipelines := slices.Clone(n.pipelines)
	n.mu.Unlock()
	nodeMetrics(&s, pipelines)
	topicMetrics(&s, n.bus)
	processMetrics(&s)
	_, err := s.WriteTo(w)
	return err
}

// metricsReuse is how long a scrape's text answers the scrapes after it:
// each asks every topic's broker for its counters, and clients that
// scrape in a loop must not keep the brokers from their packets.
const metricsReuse = time.Second

// metricsHandler serves WriteMetrics, written at most once a metricsReuse.
func (n *Node) metricsHandler() http.Handler {
	var (
		mu   sync.Mutex
		text []byte
		at   time.Time
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if text == nil || time.Since(at) >= metricsReuse {
			var b bytes.Buffer
			_ = n.WriteMetrics(&b) // a bytes.Buffer does not fail
			text, at = b.Bytes(), time.Now()
		}
		body := text
		mu.Unlock()
		w.Header().Set("Content-Type", promtext.ContentType)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body) // a scraper that went away: nothing to tell
	})
}

func nodeMetrics(s *promtext.Set, pipelines []*pipeline.Pipeline) {
	counters := []struct {
		name, help string
		value      func(pipeline.NodeStats) uint64
	}{
		{"gopline_node_in_total", "Items the node received.", func(st pipeline.NodeStats) uint64 { return st.In }},
		{"gopline_node_out_total", "Items the node emitted.", func(st pipeline.NodeStats) uint64 { return st.Out }},
		{"gopline_node_dropped_total", "Items the node dropped on purpose (late live frames, a gate waiting for a keyframe, shed GOPs).", func(st pipeline.NodeStats) uint64 { return st.Dropped }},
		{"gopline_node_errors_total", "Items the node's stage failed on, and its failed stops.", func(st pipeline.NodeStats) uint64 { return st.Errors }},
		{"gopline_node_restarts_total", "Times the node's stream started again: after a panic, or a source's reconnection.", func(st pipeline.NodeStats) uint64 { return st.Restarts }},
		{"gopline_node_panics_total", "Restarts of the node's stage after a panic.", func(st pipeline.NodeStats) uint64 { return st.Panics }},
		{"gopline_node_bytes_total", "Payload bytes of the packets the node emitted.", func(st pipeline.NodeStats) uint64 { return st.Bytes }},
	}
	for _, c := range counters {
		s.Family(c.name, c.help, promtext.Counter)
	}
	skipped := s.Family("gopline_node_skipped_total", "What the node's stage left out of its input, by reason.", promtext.Counter)
	age := s.Family("gopline_node_age_seconds", "Age of the node's items (capture time to when the node was done with them), at the quantile.", promtext.Gauge)
	for _, p := range pipelines {
		for _, st := range p.Stats() {
			labels := []string{"pipeline", p.ID(), "node", st.Node, "element", st.Element}
			for _, c := range counters {
				s.Family(c.name, c.help, promtext.Counter).Add(float64(c.value(st)), labels...)
			}
			for reason, count := range st.Skipped {
				skipped.Add(float64(count), append(labels, "reason", reason)...)
			}
			if st.LatencyP50 > 0 || st.LatencyP99 > 0 {
				age.Add(st.LatencyP50/1e3, append(labels, "quantile", "0.5")...)
				age.Add(st.LatencyP99/1e3, append(labels, "quantile", "0.99")...)
			}
		}
	}
}

func topicMetrics(s *promtext.Set, bus *transport.Bus) {
	for _, name := range bus.Topics() {
		st, err := bus.Stats(name)
		if err != nil {
			continue // a topic stopping as it was asked
		}
		topic := []string{"topic", name}
		gauge := func(metric, help string, v float64) { s.Family(metric, help, promtext.Gauge).Add(v, topic...) }
		counter := func(metric, help string, v uint64) {
			s.Family(metric, help, promtext.Counter).Add(float64(v), topic...)
		}
		gauge("gopline_topic_publishers", "Publishers registered on the topic.", float64(st.Publishers))
		gauge("gopline_topic_subscribers", "Subscribers of the topic.", float64(len(st.Subscribers)))
		counter("gopline_topic_published_total", "Packets published on the topic.", st.Published)
		gauge("gopline_topic_published_per_second", "Packets published a second, over the last second or more.", st.Rate)
		gauge("gopline_topic_published_bytes_per_second", "Data bytes published a second, over the last second or more.", st.ByteRate)
		counter("gopline_topic_delivered_total", "Packets delivered to the topic's subscribers, all they ever were.", st.Delivered)
		counter("gopline_topic_dropped_total", "Packets the topic dropped for its subscribers (full windows, whole GOPs).", st.Dropped)
		counter("gopline_topic_replayed_total", "Deliveries from the topic's cache.", st.Replayed)
		counter("gopline_topic_keyframe_requests_total", "Keyframe requests the topic received.", st.KeyframeRequests)
		counter("gopline_topic_deadlines_missed_total", "Deadlines the topic's publishers missed.", st.DeadlinesMissed)
		if st.Width > 0 {
			gauge("gopline_topic_width_pixels", "Width of the topic's latest keyframe.", float64(st.Width))
			gauge("gopline_topic_height_pixels", "Height of the topic's latest keyframe.", float64(st.Height))
		}
		if c := st.Cache; c != nil {
			gauge("gopline_topic_cache_packets", "Packets the topic's GOP cache holds.", float64(c.Frames))
			gauge("gopline_topic_cache_bytes", "Bytes of packet data the topic's GOP cache holds.", float64(c.Bytes))
		}
		for _, sub := range st.Subscribers {
			// Names may repeat (a client subscribed again while its
			// old feed leaves); the actor is the subscriber's identity.
			labels := append(slices.Clone(topic), "subscriber", sub.Who(), "actor", transport.ActorName(sub.Subscriber))
			s.Family("gopline_subscriber_in_flight", "Deliveries to the subscriber not yet acknowledged.", promtext.Gauge).
				Add(float64(sub.InFlight), labels...)
			s.Family("gopline_subscriber_delivered_total", "Packets delivered to the subscriber.", promtext.Counter).
				Add(float64(sub.Delivered), labels...)
			s.Family("gopline_subscriber_dropped_total", "Packets dropped for the subscriber.", promtext.Counter).
				Add(float64(sub.Dropped), labels...)
		}
	}
}

// processMetrics adds the process's figures under the names Prometheus's
// own client gives them, so that existing dashboards read them.
func processMetrics(s *promtext.Set) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		s.Family("process_cpu_seconds_total", "User and system CPU time the process spent, in seconds.", promtext.Counter).Add(cpu.Seconds())
	}
	if rss, ok := residentBytes(); ok {
		s.Family("process_resident_memory_bytes", "Resident memory of the process, in bytes.", promtext.Gauge).Add(float64(rss))
	}
	s.Family("process_start_time_seconds", "When the process started, in seconds since 1970.", promtext.Gauge).
		Add(float64(started.UnixNano()) / 1e9)
	s.Family("go_goroutines", "Goroutines that exist now.", promtext.Gauge).Add(float64(runtime.NumGoroutine()))
}

// residentBytes reads the process's resident memory from /proc (Linux).
func residentBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}
