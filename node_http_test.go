package gopline_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/transport/remote"
	"github.com/gopline/gopline/web"
)

func getTopics(t *testing.T, url, token string) (int, []web.TopicInfo) {
	t.Helper()
	status, body := get(t, url+"/api/topics", token)
	var topics []web.TopicInfo
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &topics); err != nil {
			t.Fatal(err)
		}
	}
	return status, topics
}

func TestHTTPServesTheNodesTopicsUntilClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), ignoreDeadLetterThrottle)
	n, err := gopline.New(gopline.WithHTTP("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	start(t, n, "testsrc size=160x96 is-live=true ! h264enc gop=5 ! publish topic=/camera")
	waitPublished(t, n, "/camera", 2)
	url := n.HTTPURL()
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("HTTPURL = %q", url)
	}
	status, topics := getTopics(t, url, "")
	if status != http.StatusOK || len(topics) != 1 || topics[0].Name != "/camera" || topics[0].Codec != "h264" {
		t.Fatalf("topics: %d %+v", status, topics)
	}
	// A Foxglove client subscribed when the node closes: its connection and
	// its subscription end with the node.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/foxglove",
		&websocket.DialOptions{Subprotocols: []string{"foxglove.websocket.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for range 2 { // serverInfo, advertise
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"op":"subscribe","subscriptions":[{"id":0,"channelId":1}]}`)); err != nil {
		t.Fatal(err)
	}
	if typ, _, err := ws.Read(ctx); err != nil || typ != websocket.MessageBinary {
		t.Fatalf("no message data: %v", err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	if _, err := http.Get(url + "/api/topics"); err == nil {
		t.Error("the HTTP endpoint still answers after Close")
	}
}

// ownProcessEnv names the test that a test binary runs again in a process
// of its own (inOwnProcess).
const ownProcessEnv = "GOPLINE_TEST_OWN_PROCESS"

// inOwnProcess runs the calling test again in a process of its own and
// reports whether this is that process, where the test is to run: gopline
// runs one node with a remote port per process (docs/remote.md, "Limits of
// the pinned protoactor": its Start sets gRPC's process-wide logger while
// another node's server may read it), and this package's ExampleWithListen
// starts one too.
func inOwnProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv(ownProcessEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), ownProcessEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s in a process of its own: %v\n%s", t.Name(), err, out)
	}
	return false
}

func TestHTTPTakesTheRemotePortsToken(t *testing.T) {
	if !inOwnProcess(t) {
		return
	}
	n, err := gopline.New(gopline.WithRemote(remote.Config{Token: "s3cret"}), gopline.WithHTTP("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if status, _ := getTopics(t, n.HTTPURL(), ""); status != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", status)
	}
	if status, _ := getTopics(t, n.HTTPURL(), "s3cret"); status != http.StatusOK {
		t.Errorf("with the remote port's token: %d, want 200", status)
	}
}

func TestBadHTTPAddressFailsNew(t *testing.T) {
	for _, addr := range []string{"", ":0", "127.0.0.1:99999"} {
		if n, err := gopline.New(gopline.WithHTTP(addr)); err == nil {
			n.Close()
			t.Errorf("WithHTTP(%q): New did not fail", addr)
		}
	}
}

// A process serves one remote node at a time (protoactor's remote keeps
// state for the whole process, and two at once race): a New that would
// start a second while the first is open fails, saying what to do.
func TestASecondRemoteNodeOfAProcessIsRefused(t *testing.T) {
	if !inOwnProcess(t) {
		return
	}
	n, err := gopline.New(gopline.WithListen("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	second, err := gopline.New(gopline.WithListen(gopline.SubscriberAddr))
	if err == nil {
		second.Close()
		t.Fatal("a second remote node started while the first was open")
	}
	if !errors.Is(err, remote.ErrNodeOpen) || !strings.Contains(err.Error(), "a process of its own") {
		t.Fatalf("New = %v, want remote.ErrNodeOpen saying to use a process of its own", err)
	}
}
