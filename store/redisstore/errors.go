package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/store"
)

// Error is the error of a [Store] operation: which operation, on which key,
// and why. Its text never holds the client's password.
//
// It matches [deskbridge.ErrUnavailable] (with [errors.Is]) when Redis
// could not be reached or did not answer in time, or answered that it
// cannot serve now (loading, read-only replica, cluster down, out of
// memory): a transient failure, on which a flow answers 503 and the sender
// retries. It matches [store.ErrInvalid] for arguments refused before
// anything was sent, and the context's error when the context ended.
type Error struct {
	Op  string // "Get", "Set", "Add", "SetIfNewer", "Delete", "DeleteIf", "Lease", "Release", "EndLease" or "Ping"
	Key string // the key as the caller gave it, without the prefix; "" for Ping
	Err error  // the cause

	msg         string // the cause's text, scrubbed; "" means Err.Error()
	unavailable bool
}

// maxKeyInError bounds the key quoted in an error's text.
const maxKeyInError = 100

// Error returns "redisstore: <Op> <key>: <cause>".
func (e *Error) Error() string {
	msg := e.msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Key == "" {
		return "redisstore: " + e.Op + ": " + msg
	}
	return "redisstore: " + e.Op + " " + quote(e.Key) + ": " + msg
}

// Unwrap returns the cause, and [deskbridge.ErrUnavailable] for a
// transient failure.
func (e *Error) Unwrap() []error {
	if e.unavailable {
		return []error{e.Err, deskbridge.ErrUnavailable}
	}
	return []error{e.Err}
}

// quote quotes s for an error's text, cut to maxKeyInError bytes.
func quote(s string) string {
	if len(s) > maxKeyInError {
		return strconv.Quote(s[:maxKeyInError]) + "…"
	}
	return strconv.Quote(s)
}

// fail wraps the error of a command sent to Redis.
func (s *Store) fail(op, key string, err error) error {
	return &Error{Op: op, Key: key, Err: err, msg: s.secrets.Scrub(err.Error()), unavailable: transient(err)}
}

// transient reports whether err is Redis unreachable, slow, or answering
// that it cannot serve now, as opposed to a reply that will not change on
// a retry (a wrong type, a refused password, a script error).
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, store.ErrInvalid) || errors.Is(err, errForeignValue) {
		return false
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true // network, timeout, pool, closed client, deadline
	}
	for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "OOM", "NOREPLICAS", "ERR max number of clients"} {
		if redis.HasErrorPrefix(err, p) {
			return true
		}
	}
	return false
}

// errForeignValue is matched by the error for a Redis key that holds a
// value this package did not write.
var errForeignValue = errors.New("the value was not written by redisstore")

func errForeign(redisKey string) error {
	return fmt.Errorf("the Redis key %s holds a value in another layout (want \"<version>:<value>\"): another program writes under this prefix; give each user of the Redis its own prefix: %w", quote(redisKey), errForeignValue)
}
