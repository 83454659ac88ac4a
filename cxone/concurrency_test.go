package cxone

import (
	"sync"
	"testing"
)

// Goroutines sharing a new client discover once and fetch one token.
func TestConcurrentFirstCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.on("GET", "/inContactAPI/services/v23.0/unavailable-codes/12", jsonResp(200, fixture(t, "unavailable_code.json")))
	c := e.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.UnavailableCodes.Get(t.Context(), 12)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.tokens.Load(); n != 1 {
		t.Errorf("%d tokens fetched", n)
	}
	for _, u := range []string{"/.well-known/openid-configuration", "/.well-known/cxone-configuration"} {
		if n := len(e.rec.To(authBase + u)); n != 1 {
			t.Errorf("%s read %d times", u, n)
		}
	}
}
