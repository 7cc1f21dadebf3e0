package media

import (
	"fmt"
	"math"
)

// PlanePSNR returns the peak signal-to-noise ratio in dB between plane i of a
// and b, which must have the same format and size. Identical planes give
// +Inf; callers that average PSNRs cap it first (see CapPSNR).
func PlanePSNR(a, b *Frame, i int) (float64, error) {
	if a.Format != b.Format || a.Width != b.Width || a.Height != b.Height {
		return 0, fmt.Errorf("%w: %v %dx%d vs %v %dx%d", ErrFormatMismatch, a.Format, a.Width, a.Height, b.Format, b.Width, b.Height)
	}
	if err := a.Validate(); err != nil {
		return 0, err
	}
	if err := b.Validate(); err != nil {
		return 0, err
	}
	if i < 0 || i >= a.Format.NumPlanes() {
		return 0, fmt.Errorf("%w: %v has no plane %d", ErrFormatMismatch, a.Format, i)
	}
	_, h := a.Format.PlaneSize(i, a.Width, a.Height)
	var sum, n uint64
	for r := range h {
		ra, rb := a.Row(i, r), b.Row(i, r)
		for x := range ra {
			d := int64(ra[x]) - int64(rb[x])
			sum += uint64(d * d)
		}
		n += uint64(len(ra))
	}
	if sum == 0 {
		return math.Inf(1), nil
	}
	mse := float64(sum) / float64(n)
	return 10 * math.Log10(255*255/mse), nil
}

// LumaPSNR is PlanePSNR of the luma plane of two YUV420P or two GRAY8
// frames.
func LumaPSNR(a, b *Frame) (float64, error) { return PlanePSNR(a, b, 0) }

// MaxPSNR is the figure CapPSNR puts in place of +Inf (identical pictures)
// so that means over many frames stay finite.
const MaxPSNR = 100.0

// CapPSNR returns psnr, or MaxPSNR when psnr is larger (identical planes).
func CapPSNR(psnr float64) float64 { return math.Min(psnr, MaxPSNR) }
