package web

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// 40 Foxglove clients that subscribe to nothing (Studio's windows with no
// panel), each of which connects again soon after its connection ends, on
// a node of 8 places: the 8 connected first stay connected to the end, and
// the others come and go around them, each told that a new client keeps
// its place only once it subscribes, where each of those used to evict an
// idle one once it had been idle for the grace, and be evicted in turn.
func TestIdleFoxgloveClientsThatReconnectSettle(t *testing.T) {
	const clients, places = 40, 8
	const grace, reconnect, settle, run = 300 * time.Millisecond, 200 * time.Millisecond, 2 * time.Second, 4 * time.Second
	n := newLiveNode(t, Config{MaxViewers: places})
	n.handler.mu.Lock()
	n.handler.foxPool.limits.idleGrace = grace // Studio's 3 s between tries, and the 5 s grace, scaled down
	n.handler.mu.Unlock()
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove"
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	start := time.Now()
	var mu sync.Mutex
	// stayed, cameLate: open at the end, connected within the first half
	// of the run, or after it.
	var stayed, cameLate, connections int
	reasons := map[string]int{} // why the others ended
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}}); err == nil {
					from := time.Now()
					for err == nil {
						_, _, err = ws.Read(ctx)
					}
					ws.CloseNow()
					mu.Lock()
					connections++
					switch {
					case ctx.Err() == nil:
						reasons[closeReason(err)]++
					case from.Sub(start) < settle:
						stayed++
					default:
						cameLate++
					}
					mu.Unlock()
				}
				select {
				case <-ctx.Done():
				case <-time.After(reconnect):
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d connections in %v; open at the end: %d connected in the first %v, %d after; the others ended: %v",
		connections, run, stayed, settle, cameLate, reasons)
	// Those that came after are guests, which end within the grace, and
	// refused clients being told why.
	if stayed != places {
		t.Errorf("%d clients connected in the first %v stayed to the end, want the %d the node has places for", stayed, settle, places)
	}
	for why := range reasons {
		if !strings.Contains(why, "serves all") {
			t.Errorf("a client ended with %q, want told the node serves all it can", why)
		}
	}
	told := 0
	for why, n := range reasons {
		if strings.Contains(why, "keeps its place only once it subscribes") {
			told += n
		}
	}
	if told == 0 {
		t.Errorf("no client was told that a new one keeps its place only once it subscribes: %v", reasons)
	}
}
