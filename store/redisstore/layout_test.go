package redisstore

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// FuzzDecode reads Redis values, which another program may have written
// under the prefix: never a panic, and what encode writes reads back.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{"0:done", "1765000000000000000:away", "-5:", ":x", "x:y", "no colon", "", "0:a:b", "+1:x", "01:x", strconv.FormatInt(math.MinInt64, 10) + ":v", "99999999999999999999:v"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		version, value, ok := decode(raw)
		if !ok {
			return
		}
		if encode(version, value) != raw {
			t.Fatalf("decode(%q) = %d, %q, which encode writes as %q", raw, version, value, encode(version, value))
		}
	})
}

func TestMillisecondsRoundUp(t *testing.T) {
	for ttl, want := range map[int64]int64{1: 1, 999_999: 1, 1_000_000: 1, 1_000_001: 2, 1_500_000_000: 1500} {
		if got := ms(time.Duration(ttl)).Milliseconds(); got != want {
			t.Errorf("ms(%dns) = %dms, want %d", ttl, got, want)
		}
	}
}
