// Package keyedmutex serialises work per key inside one process: the
// events of one chat, the texts of one customer. Across replicas a flow
// claims the key in its store as well; this lock only keeps a process's
// own events from racing for that claim, so that the second waits for the
// first instead of being answered busy.
package keyedmutex

import (
	"context"
	"sync"
)

// Mutex holds keys, one holder per key at a time. The zero value is ready
// to use; it keeps nothing for a key once no one holds it or waits for it.
// Safe for concurrent use.
type Mutex struct {
	mu      sync.Mutex
	held    map[string]chan struct{} // closed when its holder unlocks
	waiting int
}

// Lock waits until no one else in this process holds key, or until ctx
// ends (its error is then context.Cause(ctx)), and holds key until the
// returned function is called (once or more: later calls do nothing).
// Waiters are not served in any particular order.
func (m *Mutex) Lock(ctx context.Context, key string) (unlock func(), err error) {
	for {
		m.mu.Lock()
		done, busy := m.held[key]
		if !busy {
			if m.held == nil {
				m.held = map[string]chan struct{}{}
			}
			mine := make(chan struct{})
			m.held[key] = mine
			m.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					m.mu.Lock()
					delete(m.held, key)
					m.mu.Unlock()
					close(mine)
				})
			}, nil
		}
		m.waiting++
		m.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
		m.mu.Lock()
		m.waiting--
		m.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// Held returns how many keys are held.
func (m *Mutex) Held() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.held)
}

// Waiting returns how many callers of Lock are waiting.
func (m *Mutex) Waiting() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.waiting
}
