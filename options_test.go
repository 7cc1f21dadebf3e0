package gopline

import (
	"errors"
	"testing"

	"github.com/gopline/gopline/transport/remote"
)

func TestListenAddressesAreChecked(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:7400": true, "127.0.0.1:0": true, "0.0.0.0:65535": true, "[::1]:7400": true, "robot.local:7400": true,
		"": false, "127.0.0.1": false, ":7400": false, "127.0.0.1:65536": false, "127.0.0.1:-1": false, "127.0.0.1:port": false,
	} {
		err := checkListen(addr)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrBadOption)) {
			t.Errorf("checkListen(%q) = %v", addr, err)
		}
	}
}

// WithListen sets the address and keeps the rest of an earlier WithRemote;
// WithRemote replaces all of it.
func TestRemoteOptionsCompose(t *testing.T) {
	c := defaultConfig()
	for _, o := range []Option{WithRemote(remote.Config{Token: "secret"}), WithListen("127.0.0.1:7400")} {
		if err := o(&c); err != nil {
			t.Fatal(err)
		}
	}
	if c.remote == nil || c.remote.Token != "secret" || c.remote.Listen != "127.0.0.1:7400" {
		t.Errorf("after WithRemote, WithListen: %+v", c.remote)
	}
	if err := WithRemote(remote.Config{})(&c); err != nil || c.remote.Token != "" || c.remote.Listen != "" {
		t.Errorf("after a second WithRemote: %+v, %v", c.remote, err)
	}
}
