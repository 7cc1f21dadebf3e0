package h264

import "fmt"

// syntaxReader reads named syntax elements and keeps the first error, so that
// a parser can read a run of elements and check once. After an error every
// read returns zero. The error names the element that failed.
type syntaxReader struct {
	r   *BitReader
	err error
}

func (s *syntaxReader) fail(err error, element string) {
	if s.err == nil {
		s.err = fmt.Errorf("%w (reading %s)", err, element)
	}
}

// u reads the n-bit unsigned element u(n).
func (s *syntaxReader) u(n int, element string) uint32 {
	if s.err != nil {
		return 0
	}
	v, err := s.r.ReadBits(n)
	if err != nil {
		s.fail(err, element)
	}
	return v
}

// flag reads the one-bit element u(1) as a boolean.
func (s *syntaxReader) flag(element string) bool {
	return s.u(1, element) == 1
}

// ue reads the unsigned exp-Golomb element ue(v).
func (s *syntaxReader) ue(element string) uint32 {
	if s.err != nil {
		return 0
	}
	v, err := s.r.ReadUE()
	if err != nil {
		s.fail(err, element)
	}
	return v
}

// se reads the signed exp-Golomb element se(v).
func (s *syntaxReader) se(element string) int32 {
	if s.err != nil {
		return 0
	}
	v, err := s.r.ReadSE()
	if err != nil {
		s.fail(err, element)
	}
	return v
}

// ueMax reads ue(v) and fails with ErrInvalidSPS when it exceeds limit, the
// largest value the standard allows for that element.
func (s *syntaxReader) ueMax(limit uint32, element string) uint32 {
	return s.ueLimit(limit, element, ErrInvalidSPS)
}

// ueLimit reads ue(v) and fails with invalid when it exceeds limit.
func (s *syntaxReader) ueLimit(limit uint32, element string, invalid error) uint32 {
	v := s.ue(element)
	if s.err == nil && v > limit {
		s.err = fmt.Errorf("%w: %s is %d, at most %d allowed", invalid, element, v, limit)
		return 0
	}
	return v
}
