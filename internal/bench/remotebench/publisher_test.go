package remotebench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// childEnv makes the test binary a stand-in for the publishing process:
// "serve" prints an address and waits for its stdin to end, "anchor"
// serves the anchor (serveAnchor), "fail" exits
// at once.
const childEnv = "REMOTEBENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "serve":
		fmt.Print("127.0.0.1:")
		fmt.Println("7999")
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	case "anchor":
		serveAnchor()
	case "fail":
		fmt.Fprintln(os.Stderr, "cannot listen")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func child(role string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role)
	return cmd
}

func TestPublisherProcessGivesItsAddressAndStopsWithItsStdin(t *testing.T) {
	p, addr, err := StartPublisher(child("serve"))
	if err != nil {
		t.Fatal(err)
	}
	if addr != "127.0.0.1:7999" {
		t.Errorf("address %q", addr)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

func TestPublisherProcessThatEndsEarlyIsAnError(t *testing.T) {
	_, _, err := StartPublisher(child("fail"))
	if err == nil || !strings.Contains(err.Error(), "ended before it listened") {
		t.Fatalf("got %v", err)
	}
}
