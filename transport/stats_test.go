package transport

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

func TestActorNameIsForPeople(t *testing.T) {
	for _, c := range []struct {
		pid  *actor.PID
		want string
	}{
		{actor.NewPID("nonhost", "pipeline-1/subscribe0"), "pipeline-1/subscribe0"},
		{actor.NewPID("10.0.0.7:7400", "gopline-link-3"), "10.0.0.7:7400/gopline-link-3"},
		{nil, "-"},
	} {
		if got := ActorName(c.pid); got != c.want {
			t.Errorf("ActorName(%v) = %q, want %q", c.pid, got, c.want)
		}
	}
}
