package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"hash"
	"slices"
	"sync"
)

// zendeskKeys is the HMAC-SHA256 key state of a ZendeskVerifier's secrets,
// derived once instead of on every request. For each non-empty secret it
// holds the SHA-256 states reached after hashing the padded key XOR ipad and
// the padded key XOR opad (RFC 2104). FIPS 198-1 section 6 allows exactly
// this precomputation; crypto/hmac does the same on Reset. The states are
// read-only once built. A call to match restores them into a SHA-256 digest
// of its own, taken from pool, so no hash.Hash is ever used by two
// goroutines at once.
//
// Like the secrets, the states are secret: they are never logged or
// returned, and they belong to one verifier (and its copies), not to the
// package.
type zendeskKeys struct {
	// secrets is a copy of the Secrets the states were derived from, ""
	// included: current compares the verifier's Secrets with it. A copy, so
	// that replacing an element of the verifier's slice is seen.
	secrets []string
	states  []zendeskKeyState // one per non-empty secret, in order
	pool    sync.Pool         // of *zendeskScratch
}

// zendeskKeyState holds the marshaled SHA-256 digests of one secret's inner
// and outer HMAC hash after the key block.
type zendeskKeyState struct {
	inner, outer []byte
}

// zendeskScratch is what one match call works with.
type zendeskScratch struct {
	h     hash.Hash
	state encoding.BinaryUnmarshaler // h
	ts    [40]byte                   // room for the timestamp, which hash.Hash cannot write as a string
	inner [sha256.Size]byte
	sum   [sha256.Size]byte
}

// newZendeskKeys derives the key state of secrets. It returns nil when there
// is no non-empty secret, or when SHA-256 digests cannot be marshaled (they
// can in every Go release this module supports): Verify then derives the key
// per request.
func newZendeskKeys(secrets []string) *zendeskKeys {
	k := &zendeskKeys{secrets: slices.Clone(secrets)}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		st, ok := deriveZendeskKey(secret)
		if !ok {
			return nil
		}
		k.states = append(k.states, st)
	}
	if len(k.states) == 0 {
		return nil
	}
	k.pool.New = func() any {
		h := sha256.New()
		return &zendeskScratch{h: h, state: h.(encoding.BinaryUnmarshaler)}
	}
	return k
}

// deriveZendeskKey computes the state HMAC-SHA256 starts from for secret, as
// crypto/hmac.New and Reset do: a key longer than the block is hashed first,
// then zero-padded to the block and XORed with ipad (0x36) and opad (0x5c).
func deriveZendeskKey(secret string) (zendeskKeyState, bool) {
	h := sha256.New()
	m, ok := h.(encoding.BinaryMarshaler)
	if _, ok2 := h.(encoding.BinaryUnmarshaler); !ok || !ok2 {
		return zendeskKeyState{}, false
	}
	var block [sha256.BlockSize]byte
	if len(secret) > len(block) {
		sum := sha256.Sum256([]byte(secret))
		copy(block[:], sum[:])
	} else {
		copy(block[:], secret)
	}
	defer clear(block[:])

	state := func(pad byte) ([]byte, error) {
		var padded [sha256.BlockSize]byte
		for i, b := range block {
			padded[i] = b ^ pad
		}
		h.Reset()
		_, _ = h.Write(padded[:])
		clear(padded[:])
		return m.MarshalBinary()
	}
	inner, err := state(0x36)
	if err != nil {
		return zendeskKeyState{}, false
	}
	outer, err := state(0x5c)
	if err != nil {
		return zendeskKeyState{}, false
	}
	return zendeskKeyState{inner: inner, outer: outer}, true
}

// current reports whether secrets is what k was derived from: same length,
// same strings in the same order. Strings that share their bytes with k's
// copies (the usual case) compare without reading them.
func (k *zendeskKeys) current(secrets []string) bool {
	if len(secrets) != len(k.secrets) {
		return false
	}
	for i, s := range secrets {
		if s != k.secrets[i] {
			return false
		}
	}
	return true
}

// match reports whether want is HMAC-SHA256(secret, timestamp+body) for one
// of the secrets. It computes the HMAC of every secret, matching or not, so
// that timing does not tell which secret (old or new) signed, and compares
// in constant time.
func (k *zendeskKeys) match(timestamp string, body, want []byte) bool {
	s := k.pool.Get().(*zendeskScratch)
	defer k.pool.Put(s)
	ts := append(s.ts[:0], timestamp...) // allocates only for a timestamp longer than s.ts
	matched := false
	for _, st := range k.states {
		restore(s.state, st.inner)
		writeZendeskSignedMessage(s.h, ts, body)
		inner := s.h.Sum(s.inner[:0])
		restore(s.state, st.outer)
		_, _ = s.h.Write(inner)
		if hmac.Equal(s.h.Sum(s.sum[:0]), want) {
			matched = true
		}
	}
	return matched
}

// restore sets a digest to a state it marshaled itself.
func restore(d encoding.BinaryUnmarshaler, state []byte) {
	if err := d.UnmarshalBinary(state); err != nil {
		// The state comes from MarshalBinary of the same digest type.
		panic("webhook: restoring a SHA-256 state: " + err.Error())
	}
}
