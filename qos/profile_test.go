package qos_test

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/qos"
)

func TestPolicyNamesReadBack(t *testing.T) {
	for d := qos.Volatile; d <= qos.Persistent; d++ {
		for _, s := range []string{d.String(), strings.ToUpper(d.String()), " " + strings.ReplaceAll(d.String(), "_", "-") + " "} {
			if got, err := qos.ParseDurability(s); err != nil || got != d {
				t.Errorf("ParseDurability(%q) = %v, %v; want %v", s, got, err, d)
			}
		}
	}
	for h := qos.KeepLast; h <= qos.KeepAll; h++ {
		for _, s := range []string{h.String(), strings.ToUpper(h.String()), "Keep-" + h.String()[5:]} {
			if got, err := qos.ParseHistory(s); err != nil || got != h {
				t.Errorf("ParseHistory(%q) = %v, %v; want %v", s, got, err, h)
			}
		}
	}
	for r := qos.BestEffort; r <= qos.Reliable; r++ {
		for _, s := range []string{r.String(), strings.ToUpper(r.String())} {
			if got, err := qos.ParseReliability(s); err != nil || got != r {
				t.Errorf("ParseReliability(%q) = %v, %v; want %v", s, got, err, r)
			}
		}
	}
	if got := qos.Durability(7).String(); got != "durability(7)" {
		t.Errorf("Durability(7) = %q", got)
	}
	if got := qos.History(7).String(); got != "history(7)" {
		t.Errorf("History(7) = %q", got)
	}
	if got := qos.Reliability(7).String(); got != "reliability(7)" {
		t.Errorf("Reliability(7) = %q", got)
	}
	for _, s := range []string{"", "transient", "durability(7)", "transientlocal"} {
		if _, err := qos.ParseDurability(s); !errors.Is(err, qos.ErrBadProfile) {
			t.Errorf("ParseDurability(%q) error %v, want ErrBadProfile", s, err)
		}
	}
	if _, err := qos.ParseHistory("keep"); !errors.Is(err, qos.ErrBadProfile) || !strings.Contains(err.Error(), `"keep"`) {
		t.Errorf("ParseHistory(keep) error %v", err)
	}
	if _, err := qos.ParseReliability("besteffort"); !errors.Is(err, qos.ErrBadProfile) || !strings.Contains(err.Error(), `"besteffort"`) {
		t.Errorf("ParseReliability(besteffort) error %v", err)
	}
}

func TestPresets(t *testing.T) {
	cases := []struct {
		name string
		p    qos.Profile
		want qos.Profile
	}{
		{"default", qos.Default(), qos.Profile{Reliability: qos.Reliable, Durability: qos.Volatile, History: qos.KeepLast, Depth: 1}},
		{"sensor_data", qos.SensorData(), qos.Profile{Reliability: qos.BestEffort, Durability: qos.Volatile, History: qos.KeepLast, Depth: 1}},
		{"durable_video", qos.DurableVideo(), qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 1}},
		{"persistent_video", qos.PersistentVideo(), qos.Profile{Reliability: qos.Reliable, Durability: qos.Persistent, History: qos.KeepLast, Depth: 1}},
	}
	for _, c := range cases {
		if c.p != c.want {
			t.Errorf("%s() = %+v, want %+v", c.name, c.p, c.want)
		}
		if got := c.p.String(); got != c.name {
			t.Errorf("%s().String() = %q", c.name, got)
		}
		if err := c.p.Validate(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if got := (qos.Profile{}).String(); got != "sensor_data" {
		t.Errorf("the zero Profile prints as %q, want sensor_data", got)
	}
}

// profileCases feed TestParseProfile and TestProfileStringReadsBack.
var profileCases = []struct {
	in   string
	want qos.Profile
}{
	{"default", qos.Default()},
	{"transient_local", qos.DurableVideo()},
	{"TRANSIENT_LOCAL", qos.DurableVideo()},
	{"Transient-Local", qos.DurableVideo()},
	{"durable_video", qos.DurableVideo()},
	{"sensor_data", qos.SensorData()},
	{"persistent_video", qos.PersistentVideo()},
	{"persistent", qos.PersistentVideo()},
	{"best_effort", qos.SensorData()},
	{"volatile", qos.Default()},
	{"reliable,transient_local,depth=2,deadline=100ms,lifespan=5s,lease=1s",
		qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 2,
			Deadline: 100 * time.Millisecond, Lifespan: 5 * time.Second, Lease: time.Second}},
	{" reliable , transient_local , depth = 2 ", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 2}},
	{"durable_video,depth=3", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 3}},
	{"sensor_data,reliable", qos.Default()},
	{"durable_video,best_effort,lifespan=2s", qos.Profile{Durability: qos.TransientLocal, Depth: 1, Lifespan: 2 * time.Second}},
	{"durability=persistent,reliability=best_effort,history=keep_last",
		qos.Profile{Reliability: qos.BestEffort, Durability: qos.Persistent, History: qos.KeepLast, Depth: 1}},
	{"transient_local,keep_all,max_bytes=16MiB",
		qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepAll, MaxBytes: 16 << 20}},
	{"transient_local,keep_all", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepAll}},
	{"transient_local,max_bytes=500KB", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 1, MaxBytes: 500000}},
	{"transient_local,max_bytes=1000", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 1, MaxBytes: 1000}},
	{"transient_local,max_bytes=1000b", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 1, MaxBytes: 1000}},
	{"transient_local,max_bytes=2gib", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 1, MaxBytes: 2 << 30}},
	{"deadline=0,lifespan=infinite,lease=inf", qos.Default()},
	{"deadline=1m30s", qos.Profile{Reliability: qos.Reliable, Depth: 1, Deadline: 90 * time.Second}},
	{"keep_last,depth=1", qos.Default()},
	// keep_last=N is history and depth in one, as ROS 2 writes them.
	{"durable_video,keep_last=2", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 2}},
	{"transient_local,keep_last=2", qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 2}},
	{"KEEP_LAST=3", qos.Profile{Reliability: qos.Reliable, History: qos.KeepLast, Depth: 3}},
}

func TestParseProfile(t *testing.T) {
	for _, c := range profileCases {
		got, err := qos.ParseProfile(c.in)
		if err != nil {
			t.Errorf("ParseProfile(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseProfile(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// A publisher's offer of policies alone changes durable_video, what a
// publisher offers by default: a deadline added to a camera's topic keeps
// its replay. A preset first is the offer's base, as in any profile.
func TestParseOfferChangesDurableVideo(t *testing.T) {
	durable := qos.DurableVideo()
	for text, want := range map[string]qos.Profile{
		"deadline=100ms":   {Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 1, Deadline: 100 * time.Millisecond},
		"keep_last=2":      {Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepLast, Depth: 2},
		"volatile":         {Reliability: qos.Reliable, Durability: qos.Volatile, History: qos.KeepLast, Depth: 1},
		"durable_video":    durable,
		"sensor_data":      qos.SensorData(),
		"default,lease=1s": {Reliability: qos.Reliable, Durability: qos.Volatile, History: qos.KeepLast, Depth: 1, Lease: time.Second},
	} {
		if got, err := qos.ParseOffer(text); err != nil || got != want {
			t.Errorf("ParseOffer(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	if p, err := qos.ParseProfile("deadline=100ms"); err != nil || p.Durability != qos.Volatile {
		t.Errorf("ParseProfile(deadline=100ms) = %v, %v: a request's policies change default, as ROS 2's do", p, err)
	}
}

func TestParseProfileRejects(t *testing.T) {
	cases := []struct {
		in       string
		mentions string // the part the error must quote or name
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"fast", `"fast"`},
		{"reliable,fast", `"fast"`},
		{"reliable,,transient_local", "empty setting"},
		{"reliable,", "empty setting"},
		{"transient_local,durable_video", `"durable_video": a preset must come first`},
		{"reliable,best_effort", `"best_effort": reliability given twice`},
		{"volatile,transient_local", `"transient_local": durability given twice`},
		{"keep_last,history=keep_all", "history given twice"},
		{"depth=2,depth=3", `"depth=3": depth given twice`},
		{"depth=0", `"depth=0"`},
		{"reliable,depth=-1", `"depth=-1"`},
		{"reliable,depth=two", `"depth=two": want a whole number`},
		{"keep_all,depth=2", "depth applies to keep_last only"},
		{"durability=fast", `"durability=fast": unknown durability`},
		{"reliability=maybe", "unknown reliability"},
		{"history=keep_some", "unknown history"},
		{"reliable,deadline=soon", `"deadline=soon": want a duration`},
		{"reliable,deadline=-1s", `"deadline=-1s": negative duration`},
		{"lifespan=5", `"lifespan=5"`},
		{"lease=1s,lease=2s", "lease given twice"},
		{"reliable,max_bytes=lots", `"max_bytes=lots": want a byte count`},
		{"reliable,max_bytes=-5", `"max_bytes=-5"`},
		{"reliable,max_bytes=9999999999GiB", "too large"},
		{"reliable,colour=blue", `unknown key "colour"`},
		{"reliable,transient_local=yes", `"transient_local=yes"`},
		{"keep_last=0", `"keep_last=0": want a whole number of GOPs >= 1`},
		{"reliable,keep_last=two", `"keep_last=two": want a whole number`},
		{"keep_last=2,depth=3", `"depth=3": depth given twice`},
		{"depth=3,keep_last=2", `"keep_last=2": depth given twice`},
		{"keep_all,keep_last=2", `"keep_last=2": history given twice`},
		{"reliable,keep_all=2", `"keep_all=2": keep_all takes no value`},
	}
	for _, c := range cases {
		p, err := qos.ParseProfile(c.in)
		if err == nil {
			t.Errorf("ParseProfile(%q) = %v, want an error", c.in, p)
			continue
		}
		if !errors.Is(err, qos.ErrBadProfile) {
			t.Errorf("ParseProfile(%q) error %v does not wrap ErrBadProfile", c.in, err)
		}
		if !strings.Contains(err.Error(), c.mentions) {
			t.Errorf("ParseProfile(%q) error %q does not mention %q", c.in, err, c.mentions)
		}
		if p != (qos.Profile{}) {
			t.Errorf("ParseProfile(%q) returned %+v with its error", c.in, p)
		}
	}
}

func TestProfileStringReadsBack(t *testing.T) {
	profiles := []qos.Profile{
		{}, qos.Default(), qos.SensorData(), qos.DurableVideo(), qos.PersistentVideo(),
		{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 5, MaxBytes: 3 << 20,
			Deadline: 33 * time.Millisecond, Lifespan: time.Minute, Lease: 1500 * time.Millisecond},
		{Durability: qos.Persistent, History: qos.KeepAll, MaxBytes: 12345},
		{Durability: qos.TransientLocal, History: qos.KeepAll},
		{Reliability: qos.Reliable, Depth: 1, MaxBytes: 1 << 30},
		{Reliability: qos.Reliable, Depth: 1, MaxBytes: 1536},
		{Reliability: qos.Reliable, Depth: 1, Lease: time.Nanosecond},
		{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 1, Lifespan: 5 * time.Second},
	}
	for _, c := range profileCases {
		profiles = append(profiles, c.want)
	}
	for _, p := range profiles {
		s := p.String()
		got, err := qos.ParseProfile(s)
		if err != nil {
			t.Errorf("%+v prints as %q, which does not parse: %v", p, s, err)
			continue
		}
		want := p
		if want.History == qos.KeepLast && want.Depth == 0 {
			want.Depth = 1
		}
		if got != want {
			t.Errorf("%+v prints as %q, which reads back as %+v", p, s, got)
		}
		if again := got.String(); again != s {
			t.Errorf("%q reads back and prints as %q", s, again)
		}
	}
	p := qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 2, Deadline: 100 * time.Millisecond}
	if got, want := p.String(), "reliable,transient_local,keep_last,depth=2,deadline=100ms"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestProfileIsAFlag(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	var p qos.Profile
	fs.TextVar(&p, "qos", qos.Default(), "QoS profile")
	if err := fs.Parse([]string{"-qos=durable_video,depth=2"}); err != nil {
		t.Fatal(err)
	}
	if want := (qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, Depth: 2}); p != want {
		t.Errorf("flag set %+v, want %+v", p, want)
	}
	if err := fs.Parse([]string{"-qos=transient_local,depth=x"}); err == nil || !strings.Contains(err.Error(), `"depth=x"`) {
		t.Errorf("bad flag value: error %v", err)
	}
	var q qos.Profile
	if err := q.UnmarshalText([]byte("fast")); err == nil || q != (qos.Profile{}) {
		t.Errorf("UnmarshalText(fast) = %v and set %+v", err, q)
	}
	if b, err := qos.DurableVideo().MarshalText(); err != nil || string(b) != "durable_video" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
}

func TestProfileValidate(t *testing.T) {
	cases := []struct {
		p        qos.Profile
		mentions string // "" for a valid profile
	}{
		{qos.Profile{}, ""},
		{qos.Profile{History: qos.KeepAll, MaxBytes: 1}, ""},
		{qos.Profile{Reliability: 2}, "reliability(2)"},
		{qos.Profile{Durability: 3}, "durability(3)"},
		{qos.Profile{History: 2}, "history(2)"},
		{qos.Profile{Depth: -1}, "depth -1"},
		{qos.Profile{History: qos.KeepAll, Depth: 2}, "keep_all"},
		{qos.Profile{MaxBytes: -1}, "max_bytes -1"},
		{qos.Profile{Deadline: -time.Second}, "deadline -1s"},
		{qos.Profile{Lifespan: -time.Second}, "lifespan -1s"},
		{qos.Profile{Lease: -time.Second}, "lease -1s"},
	}
	for _, c := range cases {
		err := c.p.Validate()
		switch {
		case c.mentions == "" && err != nil:
			t.Errorf("%+v: %v", c.p, err)
		case c.mentions != "" && (!errors.Is(err, qos.ErrBadProfile) || !strings.Contains(err.Error(), c.mentions)):
			t.Errorf("%+v: error %v, want ErrBadProfile mentioning %q", c.p, err, c.mentions)
		}
	}
}

func TestCompatible(t *testing.T) {
	const ms = time.Millisecond
	with := func(p qos.Profile, f func(*qos.Profile)) qos.Profile { f(&p); return p }
	durability := func(d qos.Durability) func(*qos.Profile) { return func(p *qos.Profile) { p.Durability = d } }
	reliability := func(r qos.Reliability) func(*qos.Profile) { return func(p *qos.Profile) { p.Reliability = r } }
	deadline := func(d time.Duration) func(*qos.Profile) { return func(p *qos.Profile) { p.Deadline = d } }
	lease := func(d time.Duration) func(*qos.Profile) { return func(p *qos.Profile) { p.Lease = d } }
	base := qos.Default()

	type pair struct {
		pub, sub qos.Profile
		reasons  []string // nil: compatible
	}
	var cases []pair
	// Every durability offered against every durability asked.
	for offered := qos.Volatile; offered <= qos.Persistent; offered++ {
		for asked := qos.Volatile; asked <= qos.Persistent; asked++ {
			c := pair{pub: with(base, durability(offered)), sub: with(base, durability(asked))}
			if offered < asked {
				c.reasons = []string{fmt.Sprintf("durability: subscriber asks %v, publisher offers %v", asked, offered)}
			}
			cases = append(cases, c)
		}
	}
	// Every reliability offered against every reliability asked.
	for offered := qos.BestEffort; offered <= qos.Reliable; offered++ {
		for asked := qos.BestEffort; asked <= qos.Reliable; asked++ {
			c := pair{pub: with(base, reliability(offered)), sub: with(base, reliability(asked))}
			if offered < asked {
				c.reasons = []string{fmt.Sprintf("reliability: subscriber asks %v, publisher offers %v", asked, offered)}
			}
			cases = append(cases, c)
		}
	}
	// Deadlines and leases: offered must be at most requested, 0 infinite.
	periods := []struct {
		offered, asked time.Duration
		ok             bool
		offeredText    string
		askedText      string
	}{
		{0, 0, true, "", ""},
		{100 * ms, 0, true, "", ""},
		{0, 100 * ms, false, "infinite", "100ms"},
		{100 * ms, 100 * ms, true, "", ""},
		{50 * ms, 100 * ms, true, "", ""},
		{200 * ms, 100 * ms, false, "200ms", "100ms"},
	}
	for _, pd := range periods {
		c := pair{pub: with(base, deadline(pd.offered)), sub: with(base, deadline(pd.asked))}
		if !pd.ok {
			c.reasons = []string{"deadline: subscriber asks " + pd.askedText + ", publisher offers " + pd.offeredText}
		}
		cases = append(cases, c)
		c = pair{pub: with(base, lease(pd.offered)), sub: with(base, lease(pd.asked))}
		if !pd.ok {
			c.reasons = []string{"liveliness lease: subscriber asks " + pd.askedText + ", publisher offers " + pd.offeredText}
		}
		cases = append(cases, c)
	}
	// Policies that never conflict, and everything wrong at once.
	cases = append(cases,
		pair{pub: qos.DurableVideo(), sub: qos.Profile{Reliability: qos.Reliable, Durability: qos.TransientLocal, History: qos.KeepAll}},
		pair{pub: with(qos.DurableVideo(), func(p *qos.Profile) { p.Depth, p.Lifespan, p.MaxBytes = 5, time.Second, 1 }), sub: qos.DurableVideo()},
		pair{pub: qos.PersistentVideo(), sub: qos.SensorData()},
		pair{pub: qos.SensorData(), sub: qos.SensorData()},
		pair{pub: qos.SensorData(), sub: qos.DurableVideo(), reasons: []string{
			"durability: subscriber asks transient_local, publisher offers volatile",
			"reliability: subscriber asks reliable, publisher offers best_effort",
		}},
		pair{pub: qos.Profile{Deadline: time.Second}, sub: qos.Profile{Reliability: qos.Reliable, Durability: qos.Persistent, Deadline: 100 * ms, Lease: time.Second}, reasons: []string{
			"durability: subscriber asks persistent, publisher offers volatile",
			"reliability: subscriber asks reliable, publisher offers best_effort",
			"deadline: subscriber asks 100ms, publisher offers 1s",
			"liveliness lease: subscriber asks 1s, publisher offers infinite",
		}},
	)

	for _, c := range cases {
		err := qos.Compatible(c.pub, c.sub)
		if c.reasons == nil {
			if err != nil {
				t.Errorf("Compatible(%v, %v) = %v, want nil", c.pub, c.sub, err)
			}
			continue
		}
		var ie *qos.IncompatibleError
		if !errors.As(err, &ie) || !errors.Is(err, qos.ErrIncompatible) {
			t.Errorf("Compatible(%v, %v) = %v, want an *IncompatibleError", c.pub, c.sub, err)
			continue
		}
		if fmt.Sprint(ie.Reasons) != fmt.Sprint(c.reasons) {
			t.Errorf("Compatible(%v, %v) reasons %q, want %q", c.pub, c.sub, ie.Reasons, c.reasons)
		}
		if ie.Publisher != c.pub || ie.Subscriber != c.sub {
			t.Errorf("error carries %v and %v, want %v and %v", ie.Publisher, ie.Subscriber, c.pub, c.sub)
		}
		for _, want := range append(c.reasons, c.pub.String(), c.sub.String()) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	}
}

func TestCompatibleRejectsInvalidProfiles(t *testing.T) {
	bad := qos.Profile{Deadline: -time.Second}
	if err := qos.Compatible(bad, qos.Default()); !errors.Is(err, qos.ErrBadProfile) || !strings.HasPrefix(err.Error(), "publisher: ") {
		t.Errorf("invalid publisher: %v", err)
	}
	if err := qos.Compatible(qos.Default(), bad); !errors.Is(err, qos.ErrBadProfile) || !strings.HasPrefix(err.Error(), "subscriber: ") {
		t.Errorf("invalid subscriber: %v", err)
	}
}

func TestProfileCacheOptions(t *testing.T) {
	clk := newFakeClock()
	mk := func(p qos.Profile) *qos.GOPCache {
		t.Helper()
		c, err := qos.NewGOPCache(append(p.CacheOptions(), qos.WithCacheClock(clk.Now))...)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		return c
	}
	s := newTestStream(1)
	keepTwo := mk(qos.Profile{Durability: qos.TransientLocal, Depth: 2, Lifespan: time.Second})
	keepAll := mk(qos.Profile{Durability: qos.TransientLocal, History: qos.KeepAll, MaxBytes: 10 * 100})
	keepOne := mk(qos.DurableVideo())
	for range 4 {
		for _, p := range s.gop(5, 100, 10) {
			keepTwo.Retain(p)
			keepAll.Retain(p)
			keepOne.Retain(p)
		}
	}
	if st := keepTwo.Stats(); st.GOPs != 2 {
		t.Errorf("depth 2 keeps %d GOPs", st.GOPs)
	}
	if st := keepOne.Stats(); st.GOPs != 1 {
		t.Errorf("durable_video keeps %d GOPs", st.GOPs)
	}
	// Each GOP is 140 bytes; 1000 bytes hold 7 whole ones, but only 4 came.
	if st := keepAll.Stats(); st.GOPs != 4 || st.Bytes != 4*140 {
		t.Errorf("keep_all keeps %d GOPs, %d bytes", st.GOPs, st.Bytes)
	}
	clk.Advance(time.Second + time.Millisecond)
	if got := keepTwo.Replay(); got != nil {
		t.Errorf("a lifespan of 1s still replays %d packets after 1s", len(got))
	}
	if _, err := qos.NewGOPCache(qos.Profile{Lifespan: -1}.CacheOptions()...); !errors.Is(err, qos.ErrBadOption) {
		t.Errorf("negative lifespan: %v", err)
	}
}

// A publisher's profile is checked against a subscriber's before they are
// connected; an incompatible pair is reported with both profiles.
func ExampleCompatible() {
	pub, err := qos.ParseProfile("best_effort,volatile")
	if err != nil {
		fmt.Println(err)
		return
	}
	sub, err := qos.ParseProfile("durable_video,deadline=100ms")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := qos.Compatible(pub, sub); err != nil {
		var ie *qos.IncompatibleError
		if errors.As(err, &ie) {
			for _, r := range ie.Reasons {
				fmt.Println(r)
			}
		}
	}
	// Output:
	// durability: subscriber asks transient_local, publisher offers volatile
	// reliability: subscriber asks reliable, publisher offers best_effort
	// deadline: subscriber asks 100ms, publisher offers infinite
}

func ExampleParseProfile() {
	for _, s := range []string{
		"transient_local",
		"Reliable, Transient_Local, depth=2, deadline=100ms, lifespan=5s, lease=1s",
		"sensor_data,keep_all,max_bytes=8MiB",
		"durable_video,depth=zero",
	} {
		p, err := qos.ParseProfile(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p)
	}
	// Output:
	// durable_video
	// reliable,transient_local,keep_last,depth=2,deadline=100ms,lifespan=5s,lease=1s
	// best_effort,volatile,keep_all,max_bytes=8MiB
	// qos: bad profile "durable_video,depth=zero": setting "depth=zero": want a whole number of GOPs >= 1
}

// An incompatible pair names each profile's preset and spells out its
// policies: a user who wrote best_effort reads it, not only sensor_data.
func TestIncompatibleErrorSpellsOutBothProfiles(t *testing.T) {
	pub, err := qos.ParseProfile("best_effort")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := qos.ParseProfile("reliable,transient_local,keep_last,depth=2")
	if err != nil {
		t.Fatal(err)
	}
	err = qos.Compatible(pub, sub)
	want := "(publisher " + pub.String() + " = best_effort,volatile,keep_last"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "; subscriber reliable,transient_local,keep_last,depth=2)") {
		t.Fatalf("%v; want %q and the subscriber's policies", err, want)
	}
}
