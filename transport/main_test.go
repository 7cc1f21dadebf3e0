package transport

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: every
// test shuts down its actor system and closes its Bus, and nothing they
// started may keep running.
//
// One goroutine of protoactor's own is let be: the dead-letter log's
// throttle, which the actor system starts on the first dead letter of a
// period (a message to an actor a test has stopped) and which ends by itself
// when its period (a second by default) is over. It belongs to the actor
// system, not to anything of this package, and no Close can wait for it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
}
