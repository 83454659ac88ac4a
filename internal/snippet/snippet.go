// Package snippet renders outside text (a vendor's error message, the
// start of a response body) as one bounded line for an error string or a
// log record.
package snippet

import (
	"bytes"
	"strings"
)

// Line returns b as one line of at most n bytes (plus "…" when cut):
// surrounding space trimmed, control characters replaced by spaces,
// invalid UTF-8 dropped.
func Line(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	cut := len(b) > n
	if cut {
		b = b[:n]
	}
	s := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "")))
	if cut {
		s += "…"
	}
	return s
}
