package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandLineErrorsExitWithUsageCode(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "Usage: gopline"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"demo", "-size", "640"}, "want WIDTHxHEIGHT"},
		{[]string{"demo", "-frames", "0"}, "-frames 0"},
		{[]string{"demo", "-no-such-flag"}, "flag provided but not defined"},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
}

func TestDemoMissingInputNamesIt(t *testing.T) {
	code, _, stderr := runCmd("demo", "-input", "/no/such/clip.mp4", "-frames", "2")
	if code != 1 || !strings.Contains(stderr, "/no/such/clip.mp4") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestDemoReportsEveryCodec(t *testing.T) {
	code, stdout, stderr := runCmd("demo", "-input", "testsrc", "-size", "160x120", "-frames", "20", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var results []struct {
		Codec string  `json:"codec"`
		Bytes int     `json:"payload_bytes"`
		PSNR  float64 `json:"psnr_db"`
	}
	if err := json.Unmarshal([]byte(stdout), &results); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(results) != 3 || results[0].Codec != "h264" || results[1].Codec != "jpeg" {
		t.Fatalf("results %+v", results)
	}
	if results[2].PSNR < results[0].PSNR || results[0].Bytes >= results[2].Bytes {
		t.Errorf("H.264 %+v vs matching JPEG %+v", results[0], results[2])
	}
}

func TestVersionNamesFFmpeg(t *testing.T) {
	code, stdout, _ := runCmd("version")
	if code != 0 || !strings.Contains(stdout, "libavcodec") {
		t.Errorf("exit %d: %q", code, stdout)
	}
}
