package mcapimport_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopline/gopline/storage/mcapimport"
)

// jpegTopic is a topic of CompressedImage messages, message k holding
// picture order[k] of pics at stamps[k], logged at logTimes[k].
func jpegTopic(topic string, pics [][]byte, order []int, stamps, logTimes []time.Time) bagChannel {
	ch := bagChannel{topic: topic, schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedImage, encoding: "cdr"}
	for k, i := range order {
		ch.messages = append(ch.messages, newCDR().time(stamps[k]).str("cam").str("jpeg").bytes(pics[i]).b)
		ch.logTimes = append(ch.logTimes, logTimes[k])
	}
	return ch
}

// A bag whose messages are stored out of their time order (a SQLite bag's
// rows inserted by several threads, a ROS 1 bag written by a script) is
// imported in log-time order, as ros2 bag play and rosbag play take it:
// each picture in its place with its own stamp, none moved.
func TestImportsPicturesInTimeOrder(t *testing.T) {
	pics := jpegs(t, 20)
	order := []int{0, 5, 2, 9, 1, 3, 8, 4, 7, 6, 10, 12, 11, 14, 13, 15, 16, 19, 18, 17}
	var stamps, logs []time.Time
	for _, i := range order {
		stamps, logs = append(stamps, stamp(i)), append(logs, logTime(i))
	}
	ch := jpegTopic("/cam/image/compressed", pics, order, stamps, logs)
	out, res := importBag(t, writeBag(t, "zstd", ch), mcapimport.Options{})
	if tp := topicOf(t, res, ch.topic); tp.Packets != 20 || tp.Retimed != 0 || !tp.First.Equal(stamp(0)) || !tp.Last.Equal(stamp(19)) {
		t.Fatalf("%+v", tp)
	}
	_, pkts := readStream(t, out, ch.topic)
	for i, p := range pkts {
		if !bytes.Equal(p.Data, pics[i]) || !p.CaptureTime.Equal(stamp(i)) {
			t.Fatalf("packet %d: %d bytes at %v; want picture %d at %v", i, len(p.Data), p.CaptureTime, i, stamp(i))
		}
	}
}

// A picture stored further from its place than the import holds pictures
// back for (256 pictures) is stored after those given out before it, a
// microsecond after the last, counted as Retimed: the others keep their
// places and stamps.
func TestImportsAPictureLaterThanTheWindowAfterThoseGivenOut(t *testing.T) {
	const n, window = 300, 256
	pics := jpegs(t, n)
	order := make([]int, 0, n)
	for i := 1; i < n; i++ {
		order = append(order, i)
	}
	order = append(order, 0) // the first picture stored last
	var stamps, logs []time.Time
	for _, i := range order {
		stamps, logs = append(stamps, stamp(i)), append(logs, logTime(i))
	}
	ch := jpegTopic("/cam/image/compressed", pics, order, stamps, logs)
	out, res := importBag(t, writeBag(t, "zstd", ch), mcapimport.Options{})
	if tp := topicOf(t, res, ch.topic); tp.Packets != n || tp.Retimed != 1 {
		t.Fatalf("%+v", tp)
	}
	_, pkts := readStream(t, out, ch.topic)
	givenOut := n - 1 - window // pictures 1 to 43 were given out before picture 0 came
	for i, p := range pkts {
		want, at := i+1, stamp(i+1)
		switch {
		case i == givenOut:
			want, at = 0, stamp(givenOut).Add(time.Microsecond)
		case i > givenOut:
			want, at = i, stamp(i)
		}
		if !bytes.Equal(p.Data, pics[want]) || !p.CaptureTime.Equal(at) {
			t.Fatalf("packet %d at %v; want picture %d at %v", i, p.CaptureTime, want, at)
		}
	}
}

// A stamp far out of line with its neighbours' (a camera's clock glitch, a
// year ahead) is repaired on its own picture: it takes its log time, less
// the offset its neighbours' stamps have from theirs, and is counted in
// OutOfLine; the pictures after it keep their stamps.
func TestImportsAStampOutOfLineAtItsPlace(t *testing.T) {
	const n = 20
	pics := jpegs(t, n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for _, c := range []struct {
		name string
		at   int
		off  time.Duration
	}{
		{"a year ahead", 10, 365 * 24 * time.Hour},
		{"an hour back", 10, -time.Hour},
		{"the first", 0, 365 * 24 * time.Hour},
		{"the last", n - 1, 10 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stamps, logs []time.Time
			for i := range n {
				stamps, logs = append(stamps, stamp(i)), append(logs, logTime(i))
			}
			stamps[c.at] = stamps[c.at].Add(c.off)
			ch := jpegTopic("/cam/image/compressed", pics, order, stamps, logs)
			out, res := importBag(t, writeBag(t, "zstd", ch), mcapimport.Options{})
			if tp := topicOf(t, res, ch.topic); tp.Packets != n || tp.Retimed != 0 || tp.OutOfLine != 1 || !tp.Last.Equal(stamp(n-1)) {
				t.Fatalf("%+v", tp)
			}
			_, pkts := readStream(t, out, ch.topic)
			for i, p := range pkts {
				if !bytes.Equal(p.Data, pics[i]) || !p.CaptureTime.Equal(stamp(i)) {
					t.Fatalf("packet %d: at %v; want picture %d at %v", i, p.CaptureTime, i, stamp(i))
				}
			}
		})
	}
}

// Stamps that drift from their log times (a simulation running at half
// real time, its stamps on its own clock), or whose log times tell nothing
// (all equal), are kept: out of line is further from the neighbours than a
// second and than their log times' spread.
func TestImportKeepsStampsInLine(t *testing.T) {
	const n = 40
	pics := jpegs(t, n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for _, c := range []struct {
		name   string
		stamp  func(i int) time.Time
		logged func(i int) time.Time
	}{
		{"half real time", func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second / 2) }, func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }},
		{"one log time", func(i int) time.Time { return t0.Add(time.Duration(i) * 3 * time.Second) }, func(int) time.Time { return t0 }},
		{"sparse", func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }, func(i int) time.Time { return t0.Add(time.Duration(i) * 61 * time.Second) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stamps, logs []time.Time
			for i := range n {
				stamps, logs = append(stamps, c.stamp(i)), append(logs, c.logged(i))
			}
			ch := jpegTopic("/cam/image/compressed", pics, order, stamps, logs)
			out, res := importBag(t, writeBag(t, "zstd", ch), mcapimport.Options{})
			if tp := topicOf(t, res, ch.topic); tp.Packets != n || tp.Retimed != 0 || tp.OutOfLine != 0 {
				t.Fatalf("%+v", tp)
			}
			_, pkts := readStream(t, out, ch.topic)
			for i, p := range pkts {
				if !p.CaptureTime.Equal(c.stamp(i)) {
					t.Fatalf("packet %d: at %v; want %v", i, p.CaptureTime, c.stamp(i))
				}
			}
		})
	}
}

// A bag whose cameras are stamped on different clocks (one with a
// simulation's time, or a sensor's boot clock, the other with the wall
// clock; both logged with the wall clock) plays both together, as ros2 bag
// play paces them by their log times: by default a topic whose stamps are
// further than a minute from its log times is timed by them, and said;
// ClockStamp keeps every stamp, ClockLog takes every log time.
func TestImportTimesATopicOnAnotherClockByItsLogTimes(t *testing.T) {
	const n = 30
	pics := jpegs(t, n)
	order := make([]int, n)
	var simStamps, wallStamps, logs []time.Time
	for i := range n {
		order[i] = i
		simStamps = append(simStamps, time.Unix(5, 0).Add(time.Duration(i)*time.Second/fps))
		wallStamps, logs = append(wallStamps, stamp(i)), append(logs, logTime(i))
	}
	sim := jpegTopic("/cam_sim/image/compressed", pics, order, simStamps, logs)
	wall := jpegTopic("/cam_wall/image/compressed", pics, order, wallStamps, logs)
	bag := writeBag(t, "zstd", sim, wall)
	for _, c := range []struct {
		name      string
		clock     mcapimport.Clock
		sim, wall []time.Time
		logTimed  bool
	}{
		{"auto", mcapimport.ClockAuto, logs, wallStamps, true},
		{"stamp", mcapimport.ClockStamp, simStamps, wallStamps, false},
		{"log", mcapimport.ClockLog, logs, logs, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, res := importBag(t, bag, mcapimport.Options{Clock: c.clock})
			s, w := topicOf(t, res, sim.topic), topicOf(t, res, wall.topic)
			if s.LogTimed != c.logTimed || w.LogTimed != (c.clock == mcapimport.ClockLog) || s.Retimed != 0 || w.Retimed != 0 {
				t.Fatalf("sim %+v\nwall %+v", s, w)
			}
			if c.clock == mcapimport.ClockAuto && (s.ClockOffset > -50*365*24*time.Hour || w.ClockOffset != 0) {
				t.Fatalf("sim's stamps %v from its log times, wall's %v", s.ClockOffset, w.ClockOffset)
			}
			for topic, want := range map[string][]time.Time{sim.topic: c.sim, wall.topic: c.wall} {
				_, pkts := readStream(t, out, topic)
				for i, p := range pkts {
					if !p.CaptureTime.Equal(want[i]) {
						t.Fatalf("%s packet %d at %v; want %v", topic, i, p.CaptureTime, want[i])
					}
				}
			}
		})
	}
}
