package elements

import "time"

// catchUpAfter is how late a camera's decoded picture may be taken by its
// chain (now less when its packets came) before it is dropped
// for a newer one already come: a few frames of a 25 frames/s camera, as
// a live test pattern's pacer lets its chain fall a few frames behind.
const catchUpAfter = 200 * time.Millisecond

// catchUpWarnEvery spaces the warnings of a camera whose chain is behind.
const catchUpWarnEvery = 10 * time.Second

// tooLate reports whether a camera's picture of age age is to be dropped
// for a newer one, when one is there to take instead.
func tooLate(age time.Duration) bool { return age > catchUpAfter }
