package main

import (
	"context"
	"strings"
	"testing"
)

// A REDIS_URL that does not parse is refused with a fixed message: the
// parser's own error quotes the URL, and with it the Redis password.
func TestOpenStoreNeverShowsTheRedisPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-Pa55"
	for _, u := range []string{
		"redis://:" + password + "@localhost:notaport",
		"redis://user:" + password + "@localhost:6379/notadb",
		"rediss://user:" + password + "@[::1:6379",
		"http://user:" + password + "@localhost:6379",
	} {
		_, err := openStore(context.Background(), func(k string) string {
			if k == "REDIS_URL" {
				return u
			}
			return ""
		}, false)
		if err == nil {
			t.Errorf("REDIS_URL %q: no error", u)
			continue
		}
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "Pa55") {
			t.Errorf("REDIS_URL %q: the error shows the password: %v", u, err)
		}
		if !strings.Contains(err.Error(), "REDIS_URL") {
			t.Errorf("REDIS_URL %q: the error does not name REDIS_URL: %v", u, err)
		}
	}
}
