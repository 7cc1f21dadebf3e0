package transport

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// A relative name means the name in the root namespace, as ros2 takes it;
// an absolute one, or one that is wrong either way, stays as it is.
func TestRootedNameIsTheNameInTheRootNamespace(t *testing.T) {
	for name, want := range map[string]string{
		"camera": "/camera", "robot1/camera/front": "/robot1/camera/front", "/camera": "/camera",
		"": "", "camera/": "camera/", "cam era": "cam era", "~/camera": "~/camera",
	} {
		if got := RootedName(name); got != want {
			t.Errorf("RootedName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestValidateTopicName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"/camera", true},
		{"/robot1/camera/front_h264", true},
		{"/A/b_C/0", true},
		{"/_private", true},
		{"", false},
		{"/", false},
		{"camera", false},
		{"/camera/", false},
		{"//camera", false},
		{"/camera//front", false},
		{"/camera front", false},
		{"/camera-front", false},
		{"/camera.front", false},
		{"/caméra", false},
		{"/~/camera", false},
		{"/" + strings.Repeat("a", MaxTopicNameLen), false},
		{"/" + strings.Repeat("a", MaxTopicNameLen-1), true},
	} {
		err := ValidateTopicName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateTopicName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidTopicName) {
			t.Errorf("ValidateTopicName(%q) = %v, not an ErrInvalidTopicName", tc.name, err)
		}
	}
}

// A ROS 2 user's relative name is refused with the absolute name that
// gopline takes.
func TestARelativeTopicNameIsAnsweredWithTheAbsoluteOne(t *testing.T) {
	err := ValidateTopicName("camera/image_raw")
	if err == nil || !strings.Contains(err.Error(), "absolute: /camera/image_raw") {
		t.Fatalf("camera/image_raw: %v; want the absolute name named", err)
	}
	if err := ValidateTopicName("camera front"); err == nil || strings.Contains(err.Error(), "absolute") {
		t.Fatalf("camera front: %v; want no absolute name that is not one", err)
	}
}

func TestBusTopics(t *testing.T) {
	sys := newSystem(t)
	bus := NewBus(sys)
	defer bus.Close()

	a, err := bus.Topic("/b/camera")
	if err != nil {
		t.Fatal(err)
	}
	again, err := bus.Topic("/b/camera")
	if err != nil || !again.Equal(a) {
		t.Fatalf("second Topic call gave %v, %v; want the same broker %v", again, err, a)
	}
	if _, err := bus.Topic("/a/lidar"); err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Topic("no/slash"); !errors.Is(err, ErrInvalidTopicName) {
		t.Fatalf("Topic with a bad name: %v, want ErrInvalidTopicName", err)
	}
	if got := bus.Topics(); !slices.Equal(got, []string{"/a/lidar", "/b/camera"}) {
		t.Fatalf("Topics() = %v", got)
	}
	if _, err := bus.Stats("/nope"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("Stats of an unknown topic: %v, want ErrUnknownTopic", err)
	}
	st, err := bus.Stats("/b/camera")
	if err != nil || st.Topic != "/b/camera" {
		t.Fatalf("Stats = %+v, %v", st, err)
	}

	// A broker that is gone is replaced on the next use.
	if err := sys.Root.StopFuture(a).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Stats("/b/camera"); !errors.Is(err, ErrTopicUnavailable) {
		t.Fatalf("Stats of a stopped broker: %v, want ErrTopicUnavailable", err)
	}
	b, err := bus.Topic("/b/camera")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Stats("/b/camera"); err != nil {
		t.Fatalf("Stats after the broker was replaced: %v (pid %v)", err, b)
	}

	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bus.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := bus.Topic("/c"); !errors.Is(err, ErrBusClosed) {
		t.Fatalf("Topic after Close: %v, want ErrBusClosed", err)
	}
	if got := bus.Topics(); len(got) != 0 {
		t.Fatalf("Topics() after Close = %v", got)
	}
}

func TestNoGoroutineLeftAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		sys := actor.NewActorSystem(actor.WithLoggerFactory(discardLogger))
		defer sys.Shutdown()
		bus := NewBus(sys)
		var sinks []*testSink
		for _, name := range []string{"/one", "/two", "/three"} {
			pid, err := bus.Topic(name)
			if err != nil {
				t.Fatal(err)
			}
			pub := spawnSink(t, sys, pid, true)
			sys.Root.Send(pid, &PublisherJoined{Publisher: pub.pid})
			for range 3 {
				s := spawnSink(t, sys, pid, true)
				sys.Root.Send(pid, &Subscribe{Subscriber: s.pid})
				sinks = append(sinks, s)
			}
			src := packetSource{epoch: 1}
			for i := range 50 {
				sys.Root.Send(pid, &Publish{Packet: src.next(i%10 == 0)})
			}
			sys.Root.Send(pid, &KeyframeRequest{})
			sinks = append(sinks, pub)
		}
		if err := bus.Close(); err != nil {
			t.Fatal(err)
		}
		for _, s := range sinks {
			s.stop()
		}
	}()
	waitUntil(t, "goroutines end", func() bool { return runtime.NumGoroutine() <= before })
}
