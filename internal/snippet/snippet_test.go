package snippet

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"  plain  ", 10, "plain"},
		{"two\nlines\r\x00", 20, "two lines"},
		{"abcdef", 3, "abc…"},
		{"\xff\xfeok", 10, "ok"},
		{"é" + strings.Repeat("x", 10), 3, "éx…"}, // "é" is 2 bytes
	} {
		if got := Line([]byte(c.in), c.n); got != c.want {
			t.Errorf("Line(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := Line([]byte("aé"), 2); !utf8.ValidString(got) {
		t.Errorf("a cut inside a rune left invalid UTF-8: %q", got)
	}
}
