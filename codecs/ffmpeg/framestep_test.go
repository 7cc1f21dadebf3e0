package ffmpeg

import "testing"

func TestFrameStepsAreTheMedianOfTheLatestSteps(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []int64
		want  int64
	}{
		{"none", nil, 0},
		{"one", []int64{3000}, 3000},
		{"steady", []int64{3000, 3000, 3000}, 3000},
		{"a gap after the first step", []int64{3000, 108000000}, 108000000}, // two steps: the upper one
		{"a gap among steps", []int64{3000, 3000, 108000000, 3000}, 3000},
		{"B-frame decode steps", []int64{90, 90, 2790, 3060, 2970, 2970, 3060, 452970, 2970}, 2970},
		{"a rate that changes", []int64{3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, 6000},
		{"repaired steps", []int64{3000, 1, 1, 3000, 3000}, 3000},
	} {
		var s frameSteps
		for _, step := range c.steps {
			s.add(step)
		}
		if got := s.interval(); got != c.want {
			t.Errorf("%s: %v gives %d, want %d", c.name, c.steps, got, c.want)
		}
		if got := s.interval(); got != c.want {
			t.Errorf("%s: asked again, %d", c.name, got)
		}
	}
}
