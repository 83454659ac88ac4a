package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// zendeskVerifierKinds returns lit as a literal verifier and as each
// constructor that derives the key once prepares it, with the same Secrets,
// Tolerance and Now. It fails the test if a prepared kind did not derive
// the key (then the agreement tests would compare the literal with itself).
func zendeskVerifierKinds(t *testing.T, lit ZendeskVerifier) map[string]ZendeskVerifier {
	t.Helper()
	nop := func(context.Context, *ZendeskEvent) error { return nil }
	fromNew := NewZendeskVerifier(lit.Secrets...)
	fromNew.Tolerance, fromNew.Now = lit.Tolerance, lit.Now
	kinds := map[string]ZendeskVerifier{
		"literal":            lit,
		"NewZendeskVerifier": fromNew,
		"NewZendeskHandler":  NewZendeskHandler(lit, nop).verifier.(ZendeskVerifier),
		"NewHandler": NewHandler(lit, DecodeJSON[json.RawMessage](nil),
			func(context.Context, json.RawMessage) error { return nil }).verifier.(ZendeskVerifier),
	}
	for kind, v := range kinds {
		prepared := v.keys != nil && v.keys.current(v.Secrets)
		if want := kind != "literal" && hasSecret(lit.Secrets); prepared != want {
			t.Fatalf("%s: key derived once = %v, want %v", kind, prepared, want)
		}
	}
	return kinds
}

// TestZendeskKeysMatchCryptoHMAC checks the key state derived once against
// crypto/hmac for keys around the SHA-256 block size (64 bytes, beyond
// which the key is hashed first) and messages of several lengths.
func TestZendeskKeysMatchCryptoHMAC(t *testing.T) {
	t.Parallel()
	const ts = "2021-03-25T05:09:27Z"
	for _, keyLen := range []int{1, 2, 31, 32, 44, 63, 64, 65, 100, 128, 129, 300} {
		key := strings.Repeat("k3Y-", keyLen/4+1)[:keyLen]
		keys := newZendeskKeys([]string{key})
		if keys == nil {
			t.Fatal("no key state derived")
		}
		for _, bodyLen := range []int{0, 1, 43, 44, 45, 55, 56, 64, 1033, 5000} {
			body := []byte(strings.Repeat("{\"a\":1}", bodyLen/7+1)[:bodyLen])
			mac := hmac.New(sha256.New, []byte(key))
			mac.Write([]byte(ts))
			mac.Write(body)
			want := mac.Sum(nil)
			if !keys.match(ts, body, want) {
				t.Errorf("key %d bytes, body %d bytes: the HMAC of crypto/hmac does not match", keyLen, bodyLen)
			}
			want[len(want)-1] ^= 1
			if keys.match(ts, body, want) {
				t.Errorf("key %d bytes, body %d bytes: a wrong HMAC matches", keyLen, bodyLen)
			}
		}
	}
	// A timestamp longer than the scratch buffer still signs in full.
	long := vecTimestamp + strings.Repeat("0", 100)
	mac := hmac.New(sha256.New, []byte(vecSecret))
	mac.Write([]byte(long + vecBody))
	if !newZendeskKeys([]string{vecSecret}).match(long, []byte(vecBody), mac.Sum(nil)) {
		t.Error("a long timestamp does not match")
	}
}

// TestZendeskHandlerVerifierDerivesKeyOnce guards the hot path: the verifier
// a handler keeps must not derive the HMAC key (hmac.New: two SHA-256
// digests, the padded key blocks) on each request, for one secret or two.
func TestZendeskHandlerVerifierDerivesKeyOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, which allocates")
	}
	body := agentEventBody("01ONCE")
	r := signedRequest(body, hNow)
	for _, secrets := range [][]string{{vecSecret}, {vecSecret2, vecSecret}} {
		lit := ZendeskVerifier{Secrets: secrets, Now: fixedClock(hNow)}
		h := NewZendeskHandler(lit, func(context.Context, *ZendeskEvent) error { return nil })
		for name, v := range map[string]Verifier{"handler's": h.verifier, "NewZendeskVerifier": withClock(NewZendeskVerifier(secrets...), hNow)} {
			if err := v.VerifyRequest(r, body); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(100, func() { _ = v.VerifyRequest(r, body) }); n != 0 {
				t.Errorf("%d secrets, %s verifier: %v allocations per request, want 0", len(secrets), name, n)
			}
		}
		// The literal verifier still derives the key per request.
		if n := testing.AllocsPerRun(100, func() { _ = lit.VerifyRequest(r, body) }); n == 0 {
			t.Errorf("%d secrets, literal verifier: no allocation; is it prepared?", len(secrets))
		}
	}
}

func withClock(v ZendeskVerifier, at time.Time) ZendeskVerifier {
	v.Now = fixedClock(at)
	return v
}

// TestZendeskVerifierSecretsChangedAfterPreparation: the key state derived
// once is used only while Secrets is what it was derived from; after any
// change the verifier verifies with the current secrets, never stale ones.
func TestZendeskVerifierSecretsChangedAfterPreparation(t *testing.T) {
	t.Parallel()
	sig1, sig2 := signedHeader(vecSig, vecTimestamp), signedHeader(vecSig2, vecTimestamp)
	body := []byte(vecBody)
	check := func(t *testing.T, v ZendeskVerifier, h http.Header, want error) {
		t.Helper()
		if err := v.Verify(h, body); !errors.Is(err, want) {
			t.Errorf("Verify = %v, want %v", err, want)
		}
	}

	t.Run("element replaced", func(t *testing.T) {
		t.Parallel()
		v := withClock(NewZendeskVerifier(vecSecret), vecTime)
		check(t, v, sig1, nil)
		v.Secrets[0] = vecSecret2
		check(t, v, sig1, ErrSignatureMismatch) // the derived key of vecSecret is not used
		check(t, v, sig2, nil)
		v.Secrets[0] = vecSecret // back to what the state was derived from
		check(t, v, sig1, nil)
		check(t, v, sig2, ErrSignatureMismatch)
	})
	t.Run("slice reassigned", func(t *testing.T) {
		t.Parallel()
		v := withClock(NewZendeskVerifier(vecSecret), vecTime)
		v.Secrets = []string{vecSecret2}
		check(t, v, sig1, ErrSignatureMismatch)
		check(t, v, sig2, nil)
		v.Secrets = nil
		check(t, v, sig1, ErrNotConfigured)
	})
	t.Run("secret appended while rotating", func(t *testing.T) {
		t.Parallel()
		v := withClock(NewZendeskVerifier(vecSecret), vecTime)
		v.Secrets = append(v.Secrets, vecSecret2)
		check(t, v, sig1, nil)
		check(t, v, sig2, nil)
	})
	t.Run("equal copy of the secrets", func(t *testing.T) {
		t.Parallel()
		v := withClock(NewZendeskVerifier(vecSecret, vecSecret2), vecTime)
		v.Secrets = []string{vecSecret, vecSecret2}
		if !v.keys.current(v.Secrets) {
			t.Error("equal secrets in a new slice do not use the derived key")
		}
		check(t, v, sig1, nil)
		check(t, v, sig2, nil)
	})
	t.Run("constructor copies its argument", func(t *testing.T) {
		t.Parallel()
		secrets := []string{vecSecret}
		v := withClock(NewZendeskVerifier(secrets...), vecTime)
		secrets[0] = vecSecret2
		check(t, v, sig1, nil)
		check(t, v, sig2, ErrSignatureMismatch)
	})
	t.Run("handler shares the caller's slice", func(t *testing.T) {
		t.Parallel()
		// As before the key was derived once: a handler verifies with the
		// caller's slice, so replacing an element changes what verifies.
		secrets := []string{vecSecret}
		var calls int
		var mu sync.Mutex
		h := NewZendeskHandler(ZendeskVerifier{Secrets: secrets, Now: fixedClock(hNow)},
			func(context.Context, *ZendeskEvent) error { mu.Lock(); calls++; mu.Unlock(); return nil })
		signedBy := func(secret, id string) *http.Request {
			r := signedRequest(agentEventBody(id), hNow)
			sig, _ := SignZendesk(secret, hNow, agentEventBody(id))
			r.Header.Set(HeaderZendeskSignature, sig)
			return r
		}
		if a := serve(h, signedBy(vecSecret, "a")); a.status != http.StatusOK {
			t.Fatalf("before the change: %d %s", a.status, a.body)
		}
		secrets[0] = vecSecret2
		if a := serve(h, signedBy(vecSecret, "b")); a.status != http.StatusUnauthorized {
			t.Errorf("old secret after the change: %d %s, want 401", a.status, a.body)
		}
		if a := serve(h, signedBy(vecSecret2, "c")); a.status != http.StatusOK || a.body != outcomeHandled {
			t.Errorf("new secret after the change: %d %s, want 200 handled", a.status, a.body)
		}
		if calls != 2 {
			t.Errorf("%d calls, want 2", calls)
		}
	})
}

// TestZendeskPreparedVerifierConcurrent shares one prepared verifier, with
// two secrets, between goroutines that verify different bodies signed with
// either secret or with neither; run with -race.
func TestZendeskPreparedVerifierConcurrent(t *testing.T) {
	t.Parallel()
	const other = "not-a-configured-secret"
	v := withClock(NewZendeskVerifier(vecSecret, vecSecret2), vecTime)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				body := []byte(fmt.Sprintf(`{"g":%d,"i":%d}`, g, i))
				secret := [...]string{vecSecret, vecSecret2, other}[(g+i)%3]
				sig, ts := SignZendesk(secret, vecTime, body)
				err := v.Verify(signedHeader(sig, ts), body)
				if (secret == other) != errors.Is(err, ErrSignatureMismatch) || (secret != other && err != nil) {
					errs <- fmt.Errorf("goroutine %d, request %d, secret %d: %v", g, i, (g+i)%3, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
