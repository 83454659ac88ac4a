package babelforcetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
)

// babelforce's ids on the wire are 32 lower-case hex characters without
// hyphens, and its API does not match the hyphenated UUID form of the same
// id. babelforce's own Go SDK says so, and rewrites every hyphenated UUID
// path segment to that form before sending, "instead of 404ing"
// (https://github.com/babelforce/manager-sdk-go, ids.go, normalizeUUIDPath,
// added to every generated client in client.go). The fake issues only that form
// and answers a path naming the hyphenated form with babelforce's answer,
// 404, whether or not the id exists in the other form.
//
// The status-sync article's extract of a webhook response shows a task's
// ids hyphenated; the SDK's statement is the later one and covers every
// API, but which form the task-automation API writes in its bodies is a
// guess (taskBodyID, in unconfirmed.go).

var (
	wireIDPattern     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	hyphenatedPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// newID returns a new random id in babelforce's wire form: the 128 bits of
// a version 4 UUID as 32 lower-case hex characters.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// checkSeedID refuses an id given to a seeding helper that babelforce would
// never send: anything but 32 lower-case hex characters.
func checkSeedID(what, id string) error {
	if !wireIDPattern.MatchString(id) {
		return fmt.Errorf("%s %q is not a babelforce id (32 lower-case hex characters, no hyphens)", what, id)
	}
	return nil
}

// refuseHyphenatedID serves a route whose path has an {id} with next,
// unless the id is in the hyphenated UUID form: that gets 404, as
// babelforce answers it (see above), before the body is read.
func refuseHyphenatedID(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); hyphenatedPattern.MatchString(id) {
			apiError(w, r, http.StatusNotFound, "Not Found",
				"no resource has the id "+id+": babelforce ids are 32 hex characters without hyphens")
			return
		}
		next(w, r)
	}
}
