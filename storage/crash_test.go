package storage_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
)

// crashWriterEnv, when set to a path, turns the test binary into the child of
// TestKilledWriterLeavesEveryCommittedPacket: it records into that path until
// it is killed.
const (
	crashWriterEnv = "GOPLINE_STORAGE_CRASH_WRITER"
	crashSyncEnv   = "GOPLINE_STORAGE_CRASH_SYNC"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashWriterEnv); path != "" {
		os.Exit(runCrashWriter(path, os.Getenv(crashSyncEnv)))
	}
	if path := os.Getenv(durableWriterEnv); path != "" {
		os.Exit(runDurableWriter(path))
	}
	os.Exit(m.Run())
}

// runCrashWriter appends packets of newSynth in a tight loop and, after each
// Flush, prints the indexes that Flush committed, one a line. It stops by
// itself after a while, in case its parent is gone.
func runCrashWriter(path, sync string) int {
	policy := storage.SyncEveryCommit
	if sync == "none" {
		policy = storage.SyncNone
	}
	rec, err := storage.Open(path, storage.WithSync(policy))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := rec.CreateStream(cameraInfo()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := newSynth()
	out := bufio.NewWriter(os.Stdout)
	reported := 0
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		if err := rec.Append("/camera", s.packet(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if i%7 != 6 {
			continue
		}
		if err := rec.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for ; reported <= i; reported++ {
			fmt.Fprintln(out, reported)
		}
		if err := out.Flush(); err != nil {
			return 1
		}
	}
	return 0
}

func TestKilledWriterLeavesEveryCommittedPacket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	for run, sync := range []string{"every-commit", "none", "every-commit"} {
		t.Run(fmt.Sprintf("run%d-sync-%s", run, sync), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rec.gopline")
			committed := runAndKill(t, path, sync, time.Duration(20+rng.IntN(300))*time.Millisecond)
			if committed == 0 {
				t.Fatal("the writer reported no committed packet")
			}
			rec := mustOpenPath(t, path, storage.WithReadOnly())
			got := readStream(t, rec, "/camera")
			if len(got) < committed {
				t.Fatalf("%d packets in the file, the writer committed %d", len(got), committed)
			}
			s := newSynth()
			keys := make(map[uint64]bool)
			for i, g := range got {
				if g.index != uint64(i) {
					t.Fatalf("packet %d has index %d: not contiguous from 0", i, g.index)
				}
				if d := samePacket(g.p, s.packet(i)); d != "" {
					t.Fatalf("packet %d: %s differs from what the writer appended", i, d)
				}
				if g.p.Key {
					keys[g.p.Seq] = true
				} else if !keys[g.p.GOP] {
					t.Fatalf("delta %d: its keyframe %d is missing", i, g.p.GOP)
				}
			}
			if !got[0].p.Key {
				t.Fatal("the first packet is not a keyframe")
			}
			t.Logf("killed after %d reported packets; the file holds %d", committed, len(got))
			// Recover finds the file whole: every packet, nothing lost.
			// It may find more: the pages of the commit the kill cut
			// short, written before its meta page, hold packets too.
			res, err := storage.Recover(path, filepath.Join(t.TempDir(), "recovered.gopline"))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Streams) != 1 {
				t.Fatalf("recover: %+v", res)
			}
			rs := res.Streams[0]
			if n := int64(len(got)); rs.Packets < n || rs.Counted != n || rs.Lost() != 0 || rs.Damaged+rs.Dropped+rs.Missing != 0 {
				t.Fatalf("recover: %+v; want at least the %d packets of the file, and nothing lost", rs, n)
			}
		})
	}
}

// runAndKill starts the writer, lets it run for delay after its first
// report, kills it with SIGKILL and returns how many packets it reported
// committed.
func runAndKill(t *testing.T, path, sync string, delay time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashWriterEnv+"="+path, crashSyncEnv+"="+sync)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int, 1<<16)
	done := make(chan error, 1)
	go func() {
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // a line cut short by the kill does not count
				if errors.Is(err, io.EOF) {
					err = nil
				}
				done <- err
				close(lines)
				return
			}
			n, err := strconv.Atoi(line[:len(line)-1])
			if err != nil {
				done <- err
				close(lines)
				return
			}
			lines <- n
		}
	}()
	committed := 0
	first, ok := <-lines
	if !ok {
		_ = cmd.Wait()
		t.Fatalf("the writer exited before reporting: %v", <-done)
	}
	committed = first + 1
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	for n := range lines {
		if n != committed {
			t.Fatalf("the writer reported %d after %d", n, committed-1)
		}
		committed = n + 1
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the writer exited by itself before it was killed")
	}
	return committed
}
