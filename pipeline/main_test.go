package pipeline

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: every
// goroutine a pipeline starts must end when it stops.
//
// protoactor's dead-letter throttle is the one exception: on the first
// message of a second to an actor that is gone it starts a goroutine that
// sleeps out that second, which no Shutdown stops. The tests that leave a
// stage stuck in a call send such messages when they free it at their end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
}
