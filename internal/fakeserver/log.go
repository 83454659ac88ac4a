package fakeserver

import (
	"strings"
	"sync"

	"github.com/deskbridge/deskbridge/deskbridgetest"
)

// Bounds of a fake's request log: a long demo or load run keeps a fake's
// memory flat.
const (
	// DefaultLogSize is how many requests a Log keeps when Max is zero.
	DefaultLogSize = 20_000
	// MaxLoggedBody is how much of one request body is kept.
	MaxLoggedBody = 16 << 10
	// MaxLoggedBodies is how many body bytes the log keeps in all; past
	// it, the oldest entries lose their bodies.
	MaxLoggedBodies = 16 << 20
)

// Log records the requests a fake received, the newest Max of them, and
// the bodies of the newest of those. Safe for concurrent use.
type Log struct {
	// Max bounds the entries kept; 0 means DefaultLogSize.
	Max int
	// MaxBodies bounds the body bytes kept; 0 means MaxLoggedBodies.
	MaxBodies int

	mu         sync.Mutex
	entries    []deskbridgetest.Request
	bodyBytes  int
	oldestBody int // the first entry that may still hold a body
	dropped    int
}

// Entries returns a copy of the log.
func (l *Log) Entries() []deskbridgetest.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]deskbridgetest.Request(nil), l.entries...)
}

// Count returns how many logged requests had the method ("" for any) and
// a path starting with prefix.
func (l *Log) Count(method, prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.entries {
		if (method == "" || e.Method == method) && strings.HasPrefix(e.Path, prefix) {
			n++
		}
	}
	return n
}

// CountStatus returns how many logged requests were answered with status.
func (l *Log) CountStatus(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.entries {
		if e.Status == status {
			n++
		}
	}
	return n
}

// Reset empties the log.
func (l *Log) Reset() {
	l.mu.Lock()
	l.entries, l.bodyBytes, l.oldestBody, l.dropped = nil, 0, 0, 0
	l.mu.Unlock()
}

// Dropped returns how many of the oldest entries were dropped to keep the
// log within Max.
func (l *Log) Dropped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

func (l *Log) add(e deskbridgetest.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.Max
	if limit <= 0 {
		limit = DefaultLogSize
	}
	if len(l.entries) >= limit {
		// Drop the oldest half at once, so that adding stays cheap.
		n := len(l.entries) - limit/2
		for _, old := range l.entries[:n] {
			l.bodyBytes -= len(old.Body)
		}
		l.entries = append(l.entries[:0], l.entries[n:]...)
		l.oldestBody = max(l.oldestBody-n, 0)
		l.dropped += n
	}
	l.entries = append(l.entries, e)
	l.bodyBytes += len(e.Body)
	maxBodies := l.MaxBodies
	if maxBodies <= 0 {
		maxBodies = MaxLoggedBodies
	}
	for l.bodyBytes > maxBodies && l.oldestBody < len(l.entries)-1 {
		old := &l.entries[l.oldestBody]
		if old.Body != nil {
			l.bodyBytes -= len(old.Body)
			old.Body, old.BodyDropped = nil, true
		}
		l.oldestBody++
	}
}
