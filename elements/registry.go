package elements

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// Registry returns a registry of gopline's elements, for the one-line
// syntax (pipeline.Parse) and `gopline elements`. Each element's spec is
// beside its constructor; its error can only come from a mistake in one of
// them, which the tests would catch.
func Registry() (*pipeline.Registry, error) {
	r := pipeline.NewRegistry()
	for _, s := range []pipeline.Spec{
		testSrcSpec.Spec(), videoSrcSpec.Spec(), h264EncSpec.Spec(), jpegEncSpec.Spec(), h264DecSpec.Spec(),
		jpegDecSpec.Spec(), gateSpec.Spec(), publishSpec.Spec(), subscribeSpec.Spec(), recordSpec.Spec(),
		playSpec.Spec(), teeSpec.Spec(), queueSpec.Spec(), fakeSinkSpec.Spec(), statsSpec.Spec(), snapshotSpec.Spec(),
	} {
		if err := r.Register(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// The properties several elements share.

func formatField[C any](ptr func(*C) *media.PixelFormat) pipeline.Field[C] {
	return pipeline.EnumOf("format", media.YUV420P, []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8}, ptr).
		Doc("pixel format of the frames")
}

func topicField[C any](ptr func(*C) *string) pipeline.Field[C] {
	return pipeline.StringField("topic", "", ptr).Required().Normalize(transport.RootedName).Check(transport.ValidateTopicName).
		Doc("topic name, e.g. /camera/front (camera/front is taken as /camera/front, as ros2 takes it)")
}

func windowField[C any](ptr func(*C) *int) pipeline.Field[C] {
	return pipeline.IntField("window", transport.DefaultWindow, ptr).Range(1, 1024)
}

// qosField is a QoS request; "auto" (nil) takes the topic's offer.
func qosField[C any](ptr func(*C) **qos.Profile) pipeline.Field[C] {
	return pipeline.TextField("qos", "auto", parseQoS, formatQoS, ptr).
		Doc("QoS requested: auto (what the topic offers), a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. transient_local,reliable (without a preset first they change default: reliable, volatile)")
}

// offerField is a publisher's QoS offer; "auto" (nil) offers the node's
// default, and policies without a preset change durable_video.
func offerField[C any](ptr func(*C) **qos.Profile) pipeline.Field[C] {
	return pipeline.TextField("qos", "auto", parseOffer, formatQoS, ptr).
		Doc("QoS offered: auto (the node's default: durable_video unless gopline run --qos says otherwise), a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. deadline=100ms (without a preset first they change durable_video: a durable topic with a deadline), volatile, keep_last=2")
}

// maxQoSLen bounds a QoS text: the longest profile, every policy spelled
// out, is under 200 bytes, and the qos package's refusal quotes it whole.
const maxQoSLen = 256

func parseQoS(s string) (*qos.Profile, error) { return parseQoSWith(s, qos.ParseProfile) }

// parseOffer is parseQoS of a publisher's offer (qos.ParseOffer).
func parseOffer(s string) (*qos.Profile, error) { return parseQoSWith(s, qos.ParseOffer) }

func parseQoSWith(s string, parse func(string) (qos.Profile, error)) (*qos.Profile, error) {
	if s == "auto" {
		return nil, nil
	}
	if len(s) > maxQoSLen {
		return nil, fmt.Errorf("%s is longer than a QoS profile can be", syntax.Quote(s))
	}
	p, err := parse(s)
	if err != nil {
		return nil, err
	}
	return &p, p.Validate()
}

func formatQoS(p *qos.Profile) string {
	if p == nil {
		return "auto"
	}
	return p.String()
}

// parseTopics parses "/a,/b".
func parseTopics(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	topics := strings.Split(s, ",")
	for _, t := range topics {
		if err := transport.ValidateTopicName(t); err != nil {
			return nil, err
		}
	}
	return topics, nil
}

// rootTopicList roots each name of a line's comma-separated topics
// (transport.RootedName): camera is /camera, as in topic=.
func rootTopicList(s string) string {
	topics := strings.Split(s, ",")
	for i, t := range topics {
		topics[i] = transport.RootedName(t)
	}
	return strings.Join(topics, ",")
}

// checkHostPort accepts host:port with a port from 1 to 65535.
func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%s: want host:port", syntax.Quote(s))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%s: the port is not a number from 1 to 65535", syntax.Quote(s))
	}
	return nil
}

// keyValues parses "k=v,k=v". A comma followed by a part without "=" is in
// the value before it, as FFmpeg's lists are written:
// "protocol_whitelist=file,udp,rtp,framerate=30" is protocol_whitelist
// "file,udp,rtp" and framerate "30". A backslash before a comma puts the
// comma in the value whatever follows it ("headers=Cookie: id=7\,lang=en"
// is one option), and \\ is a backslash; any other backslash stays, as in
// a bare value of the one-line syntax.
func keyValues(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	last := ""
	for _, part := range splitOptions(s) {
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k) // "a=1, b=2": the space is the list's, not the key's
		switch {
		case ok && k != "":
			out[k], last = v, k
		case !ok && last != "" && strings.TrimSpace(part) != "":
			out[last] += "," + part // "file,udp": the list goes on
		default:
			return nil, fmt.Errorf("options: %s is not key=value (a comma followed by a part without = continues the value before it; "+
				"write \\, for a comma followed by a key= in a value)", syntax.Quote(part))
		}
	}
	return out, nil
}

// splitOptions splits s at its commas but those after a backslash (\,),
// which stay in their part as commas, as \\ stays as a backslash.
func splitOptions(s string) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '\\'):
			i++
			b.WriteByte(s[i])
		case s[i] == ',':
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(parts, b.String())
}

// formatKeyValues writes options as keyValues reads them, keys sorted. A
// value whose comma keyValues would take for the start of a new option (a
// part after it holds "=" or nothing) has its commas written \, and its
// backslashes before a comma, a backslash or its end \\.
func formatKeyValues(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + escapeOptionValue(m[k]))
	}
	return b.String()
}

// escapeOptionValue writes v as keyValues reads it back (see
// formatKeyValues).
func escapeOptionValue(v string) string {
	parts := strings.Split(v, ",")
	escapeCommas := false
	for _, p := range parts[1:] {
		escapeCommas = escapeCommas || strings.Contains(p, "=") || strings.TrimSpace(p) == ""
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && (i+1 == len(v) || v[i+1] == ',' || v[i+1] == '\\'):
			b.WriteString(`\\`)
		case c == ',' && escapeCommas:
			b.WriteString(`\,`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
