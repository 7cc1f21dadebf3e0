package remote

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// actorTimer is an actor's one timer: a message the actor sends itself
// after a while, a new one replacing the last.
type actorTimer struct{ t *time.Timer }

// after sends msg to ctx's actor after d, in place of what the timer held.
func (a *actorTimer) after(ctx actor.Context, d time.Duration, msg any) {
	a.stop()
	self, system := ctx.Self(), ctx.ActorSystem()
	a.t = time.AfterFunc(d, func() { system.Root.Send(self, msg) })
}

func (a *actorTimer) stop() {
	if a.t != nil {
		a.t.Stop()
		a.t = nil
	}
}
