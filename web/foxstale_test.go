package web

import (
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// A topic whose publisher stays but publishes nothing (a relay whose
// source node died) stays advertised; its subscriber is told in a warning
// status with an id that names the topic and how old its picture is, a
// new subscriber is told at once with the replayed picture, and both
// statuses are removed when the topic publishes again.
func TestFoxgloveSubscribersAreToldATopicWentSilentAndCameBack(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	pid, err := n.bus.Topic("/still")
	if err != nil {
		t.Fatal(err)
	}
	publisher := n.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	durable := qos.DurableVideo()
	n.system.Root.Send(pid, &transport.PublisherJoined{Publisher: publisher, QoS: &durable})
	var publishing atomic.Bool
	publishing.Store(true)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second / 10)
		defer tick.Stop()
		epoch := media.NewEpoch()
		for seq := uint64(0); ; seq++ {
			if publishing.Load() {
				n.system.Root.Send(pid, &transport.Publish{Publisher: publisher, Packet: &media.Packet{Codec: media.JPEG,
					Data: []byte{0xff, 0xd8, 0xff, 0xd9}, Key: true, Seq: seq, GOP: seq, Epoch: epoch, CaptureTime: time.Now(), Width: 16, Height: 16}})
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
		_ = n.system.Root.StopFuture(publisher).Wait()
	})
	waitFor(t, 10*time.Second, "a picture cached on /still", func() bool {
		st, err := n.bus.Stats("/still")
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
	live := &liveNode{server: n.server}
	statusOf := func(id string) func([]byte) bool {
		return func(data []byte) bool {
			var st status
			return json.Unmarshal(data, &st) == nil && st.ID == id
		}
	}
	removed := func(id string) func([]byte) bool {
		return func(data []byte) bool {
			var rs removeStatus
			return json.Unmarshal(data, &rs) == nil && slices.Contains(rs.StatusIDs, id)
		}
	}
	anyPicture := func([]byte) bool { return true }

	first := dialFoxglove(t, live, "")
	channel := jsonNumber(first.greeting()[0].ID)
	first.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + channel + `}]}`)
	first.untilOp(10*time.Second, "binary", anyPicture)

	publishing.Store(false)
	silent := time.Now()
	var told status
	data := first.untilOp(15*time.Second, "status", statusOf("gopline.stale.1"))
	_ = json.Unmarshal(data, &told)
	t.Logf("%v after the silence began: %s", time.Since(silent).Round(100*time.Millisecond), data)
	if told.Level != statusWarning || !strings.Contains(told.Message, "/still") || !strings.Contains(told.Message, " s old") {
		t.Errorf("status %+v, want a warning naming the topic and the picture's age", told)
	}

	second := dialFoxglove(t, live, "")
	if chans := second.greeting(); len(chans) != 1 || jsonNumber(chans[0].ID) != channel {
		t.Fatalf("a new client is told of %+v, want the silent topic's channel %s still", chans, channel)
	}
	second.send(`{"op":"subscribe","subscriptions":[{"id":2,"channelId":` + channel + `}]}`)
	picture, toldToo := false, false // in either order
	for deadline := time.Now().Add(5 * time.Second); (!picture || !toldToo) && time.Now().Before(deadline); {
		op, data := second.next()
		picture = picture || op == "binary" // the replayed picture
		toldToo = toldToo || op == "status" && statusOf("gopline.stale.2")(data)
	}
	if !picture || !toldToo {
		t.Fatalf("a new subscriber of the silent topic: picture %v, status %v; want both", picture, toldToo)
	}

	publishing.Store(true)
	first.untilOp(10*time.Second, "removeStatus", removed("gopline.stale.1"))
	second.untilOp(10*time.Second, "removeStatus", removed("gopline.stale.2"))
}
