package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// npmDir is where scripts/viewer-deps.sh installs the Foxglove client.
func npmDir() string {
	if d := os.Getenv("GOPLINE_NPM"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "gopline", "npm")
}

// The real Foxglove client (@foxglove/ws-protocol, from Node.js) subscribes
// to a live topic: its first message is a keyframe with SPS and PPS, and
// every message decodes with gopline's decoder.
func TestFoxgloveClientFromNodeJS(t *testing.T) {
	modules := filepath.Join(npmDir(), "node_modules")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join(modules, "@foxglove", "ws-protocol")); err != nil || serr != nil {
		msg := "no node or no @foxglove/ws-protocol in " + modules + " (scripts/viewer-deps.sh installs them)"
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	n := newLiveNode(t, Config{Token: "s3cret"})
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove?token=s3cret"
	cmd := exec.Command(node, filepath.Join("testdata", "foxglove-client.js"), url, "/cam", "45")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var gop uint64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var m struct {
			Ms      float64
			Format  string
			FrameID string `json:"frame_id"`
			Data    []byte
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		nalus, err := h264.SplitAnnexB(m.Data)
		if err != nil || m.Format != "h264" || m.FrameID != "cam" {
			t.Fatalf("message %d: format %q, frame %q, %v", i, m.Format, m.FrameID, err)
		}
		key := h264.IsRandomAccess(nalus)
		if i == 0 {
			if !key || !hasParameterSets(nalus) {
				t.Fatal("the first message is not a keyframe with SPS and PPS")
			}
			t.Logf("first message %.0f ms after the client connected", m.Ms)
		}
		if key {
			gop = uint64(i)
		}
		p := &media.Packet{Codec: media.H264, Data: m.Data, Key: key, Width: 320, Height: 240, Seq: uint64(i), GOP: gop}
		if _, err := dec.Decode(p); err != nil {
			t.Fatalf("message %d does not decode: %v", i, err)
		}
	}
	if i != 45 {
		t.Errorf("%d messages, want 45", i)
	}
}
