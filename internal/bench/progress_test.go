package bench

import (
	"sync"
	"testing"
)

func TestProgressReportsEveryStepOnceInOrder(t *testing.T) {
	var got []int
	p := NewProgress(50, func(done, total int) {
		if total != 50 {
			t.Errorf("total %d, want 50", total)
		}
		got = append(got, done) // calls are one at a time: no lock needed
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Step()
		}()
	}
	wg.Wait()
	if len(got) != 50 {
		t.Fatalf("%d reports, want 50", len(got))
	}
	for i, d := range got {
		if d != i+1 {
			t.Fatalf("report %d says %d done", i, d)
		}
	}
}

func TestProgressWithoutCallbackCountsNothing(t *testing.T) {
	p := NewProgress(3, nil)
	if p != nil {
		t.Fatal("a progress without a callback is not nil")
	}
	p.Step() // a nil Progress takes steps
}
