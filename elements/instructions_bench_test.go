package elements

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instructionFrames is the length of the clip that
// BenchmarkEncodeInstructionsVsGStreamer counts over: valgrind runs a
// program some fifty times slower, and the count per frame settles long
// before 120 frames.
const instructionFrames = 120

// BenchmarkEncodeInstructionsVsGStreamer counts the instructions that
// BenchmarkEncodeVsGStreamer's jobs execute, each tool in its own process
// under valgrind's cachegrind: the user-space instructions of all the
// process's threads (valgrind runs them one at a time). Unlike a time, the
// count does not depend on the machine's load or on the other jobs beside
// it: the same binary on the same clip gives it to within a few in a
// million, so one run settles what rounds of timings on a shared machine
// leave to their noise. It leaves out what happens in the kernel (the
// file's reads, page faults, the threads' sleeps and wake-ups) and what an
// instruction costs (cache misses, waits): BenchmarkEncodeVsGStreamer's
// CPU times include those.
//
// For each tool it reports instructions a frame with the start-up excluded
// (a clip of instructionFrames frames less a clip of one, over the frames
// after the first), the start-up's instructions (the clip of one frame),
// the same for reading the clip alone (_read), and gopline_vs_gst_instr,
// gopline's instructions a frame over gst's: below 1 when gopline executes
// fewer. With GOPLINE_BASELINE set, that gopline binary is counted too.
//
// It skips without valgrind (make bench installs it) or GStreamer's
// rawvideoparse and x264enc. It takes about a minute and a half on two
// cores.
func BenchmarkEncodeInstructionsVsGStreamer(b *testing.B) {
	requireGStreamer(b)
	valgrind, err := exec.LookPath("valgrind")
	if err != nil {
		b.Skip("valgrind not found: make bench installs it")
	}
	tools, binaries := encodeJobTools(b)
	clips := encodeJobClips(b, instructionFrames)

	count := func(tool string, read, short bool) float64 {
		frames := instructionFrames
		if short {
			frames = 1
		}
		cmd := append([]string{valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"},
			encodeJobCommand(tool, binaries[tool], clips[short], read)...)
		n, err := countInstructions(cmd, tool != "gst", frames)
		if errors.Is(err, errValgrindCannotRun) {
			b.Skipf("%s: %v", tool, err)
		}
		if err != nil {
			b.Fatalf("%s (read=%v, %d frames): %v", tool, read, frames, err)
		}
		return n
	}
	for range b.N {
		perFrame := map[string]float64{}
		for _, read := range []bool{false, true} {
			suffix := ""
			if read {
				suffix = "_read"
			}
			for _, tool := range tools {
				full, one := count(tool, read, false), count(tool, read, true)
				perFrame[tool+suffix] = (full - one) / (instructionFrames - 1)
				b.ReportMetric(perFrame[tool+suffix]/1e6, tool+suffix+"_Minstr/frame")
				b.ReportMetric(one/1e6, tool+suffix+"_start_Minstr")
			}
			for _, tool := range tools[1:] {
				b.ReportMetric(perFrame[tool+suffix]/perFrame["gst"+suffix], tool+"_vs_gst"+suffix+"_instr")
			}
		}
	}
}

// instructionsLine is cachegrind's summary line of the instructions
// executed, e.g. "==123== I   refs:      2,362,311,950".
var instructionsLine = regexp.MustCompile(`I\s+refs:\s+([0-9,]+)`)

// countInstructions runs cmd, a program under cachegrind, and returns the
// instructions it executed. When gopline is set, the program is gopline run
// --json, and it checks from the stats that frames frames reached the sink.
// errValgrindCannotRun: valgrind cannot run the program on this machine.
var errValgrindCannotRun = errors.New("valgrind cannot run the program on this machine")

// unhandledInstruction is valgrind's line for an instruction it cannot
// execute (as valgrind 3.19 with RDTSCP, 0xF 0x1 0xF9, on AMD EPYC Turin).
var unhandledInstruction = regexp.MustCompile(`unhandled instruction bytes: ((?:0x[0-9A-F]+ ?){1,3})`)

func countInstructions(cmd []string, gopline bool, frames int) (float64, error) {
	c := exec.Command(cmd[0], cmd[1:]...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if m := unhandledInstruction.FindSubmatch(stderr.Bytes()); m != nil {
			return 0, fmt.Errorf("%w: it stops at an instruction it does not know (%s), which a library the program loads uses on this CPU",
				errValgrindCannotRun, bytes.TrimSpace(m[1]))
		}
		return 0, fmt.Errorf("%w\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	if gopline {
		if _, err := checkGoplineStats(stdout.Bytes(), frames); err != nil {
			return 0, err
		}
	}
	m := instructionsLine.FindSubmatch(stderr.Bytes())
	if m == nil {
		return 0, fmt.Errorf("no instruction count in valgrind's output:\n%s", stderr.Bytes())
	}
	return strconv.ParseFloat(strings.ReplaceAll(string(m[1]), ",", ""), 64)
}
