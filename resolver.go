package gopline

import (
	"context"
	"errors"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/discovery"
)

// resolveTimeout bounds a resolver's look: a browse and every node's
// listing, which run concurrently (see discovery's limits).
const resolveTimeout = 5 * discovery.DefaultBrowseTimeout

// resolver is the node's Directory as the topics' transport.Resolver.
type resolver struct {
	dir *discovery.Directory
	log zerolog.Logger
}

// Resolve names the one other node that publishes topic. A browse that
// fails (no multicast interface, say) finds none: the subscriber waits for
// a publisher in this process, and says so when none comes.
func (r resolver) Resolve(topic string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addr, err := r.dir.Resolve(ctx, topic)
	if err != nil && !errors.Is(err, discovery.ErrAmbiguous) {
		r.log.Debug().Err(err).Str("topic", topic).Msg("discovery: no other node found")
		return "", nil
	}
	return addr, err
}

func (r resolver) Published(addr string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	return r.dir.Published(ctx, addr)
}
