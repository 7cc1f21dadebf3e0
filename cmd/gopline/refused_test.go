package main

import (
	"strings"
	"testing"
)

// A command that looks at a node that wants a token, given none or a
// wrong one, says that the node refused it and how to pass the token,
// never only that there is no publisher.
func TestTopicCommandsSayANodeRefusedThemAndHowToPassTheToken(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	robot := serveCamera(t, "robot", "/camera", "--token", "s3cret")
	const required = "refused: token required: pass the node's token with --token SECRET"
	cases := []struct {
		name string
		args []string
		says []string
	}{
		{"topics", []string{"topics", "--no-mdns"}, []string{"1 node found refused this one", "the node refused the token", required}},
		{"topics --remote", []string{"topics", "--remote", robot}, []string{"the node refused the token", required}},
		{"topics --remote, a wrong token", []string{"topics", "--remote", robot, "--token", "wrong"},
			[]string{"the node refused the token", "refused: the --token given is not the node's"}},
		{"topic hz", []string{"topic", "hz", "--no-mdns", "--duration", "4s", "/camera"},
			[]string{"1 node found refused this one", robot + ": the node refused the token", required}},
		{"topic hz --remote", []string{"topic", "hz", "--remote", robot, "/camera"}, []string{"refused the subscription", required}},
		{"topic info", []string{"topic", "info", "--no-mdns", "/camera"}, []string{"1 node found refused this one", required}},
	}
	// Each case is a process of its own: they run at once.
	type result struct {
		code   int
		stderr string
	}
	results := make([]chan result, len(cases))
	for i, c := range cases {
		results[i] = make(chan result, 1)
		go func() {
			code, _, stderr := goplineProcess(t, c.args...)
			results[i] <- result{code, stderr}
		}()
	}
	for i, c := range cases {
		r := <-results[i]
		if r.code != 1 {
			t.Errorf("%s: exit %d, want 1:\n%s", c.name, r.code, r.stderr)
		}
		for _, s := range c.says {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("%s: does not say %q:\n%s", c.name, s, r.stderr)
			}
		}
	}
}
