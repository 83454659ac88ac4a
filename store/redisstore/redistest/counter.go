package redistest

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// maxCommands bounds the round trips a [Counter] names; past it, Count
// still counts.
const maxCommands = 10_000

// Counter counts the round trips a go-redis client makes to its server:
// one per command, and one per pipeline or transaction however many
// commands it holds. It is how tests hold a store's or a flow's cost per
// operation to a number. Build it with [CountCommands]; safe for
// concurrent use.
type Counter struct {
	mu   sync.Mutex
	n    int64
	cmds []string
}

// Hooker is what [CountCommands] needs of a client: *redis.Client,
// *redis.ClusterClient and [redis.UniversalClient] all have it.
type Hooker interface {
	AddHook(redis.Hook)
}

// CountCommands adds a [Counter] to client's hooks and returns it. It
// counts what the client sends from then on, the handshake of each new
// connection included (hello, client setinfo): warm the client up (a
// Ping) and [Counter.Reset] before measuring. A hook cannot be removed;
// use Reset or differences of [Counter.Count] between steps.
func CountCommands(client Hooker) *Counter {
	c := &Counter{}
	client.AddHook(counterHook{c})
	return c
}

// Count returns the round trips since the counter was made or last reset.
func (c *Counter) Count() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Commands names the round trips since the counter was made or last
// reset, in order (the first 10,000): a command by its name ("get",
// "evalsha"), a pipeline as "pipeline: " and its commands' names, spaced.
func (c *Counter) Commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.cmds...)
}

// Reset sets the count to zero and forgets the commands.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.cmds = 0, nil
}

func (c *Counter) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if len(c.cmds) < maxCommands {
		c.cmds = append(c.cmds, name)
	}
}

// counterHook is the go-redis hook of a Counter.
type counterHook struct{ c *Counter }

func (h counterHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h counterHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.c.add(cmd.Name())
		return next(ctx, cmd)
	}
}

func (h counterHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		names := make([]string, len(cmds))
		for i, cmd := range cmds {
			names[i] = cmd.Name()
		}
		h.c.add("pipeline: " + strings.Join(names, " "))
		return next(ctx, cmds)
	}
}
