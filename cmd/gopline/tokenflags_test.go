package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// A node's token comes from --token, --token-file (its first line) or
// $GOPLINE_TOKEN, so that it need not be on a command line every user of
// the host can read; --help never shows it.
func TestTheTokenComesFromAFileOrTheEnvironment(t *testing.T) {
	t.Setenv(tokenEnv, "from-env")
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  from-file \nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
		err  string
	}{
		{nil, "from-env", ""},
		{[]string{"--token", "given"}, "given", ""},
		{[]string{"--token-file", file}, "from-file", ""},
		{[]string{"--token-file", empty}, "", "holds no token"},
		{[]string{"--token-file", filepath.Join(dir, "none")}, "", "no such file"},
	} {
		fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
		n := addNodeFlags(fs, "")
		err := fs.Parse(c.args)
		if (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) || err == nil && *n.token != c.want {
			t.Errorf("%q: token %q, %v; want %q, %q", c.args, *n.token, err, c.want, c.err)
		}
		if usage := fs.FlagUsages(); strings.Contains(usage, "from-env") {
			t.Errorf("--help shows the token:\n%s", usage)
		}
	}
}
