package rest

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// ErrPathTraversal is returned for a path with a "." or ".." segment, or
// one that decodes to such a segment ("..%2F.."), which could move a
// request to another resource than the one named.
var ErrPathTraversal = errors.New(`path has a "." or ".." segment`)

// ErrEmptySegment is returned for a path with an empty segment
// ("/agents/" or "/agents//status"): an id that was empty, which would
// turn a call on one resource into a call on the collection.
var ErrEmptySegment = errors.New("path has an empty segment (an empty id?)")

// Pathf formats a request path, escaping each argument as one path segment:
// Pathf("/api/v2/users/%s", "a/b") is "/api/v2/users/a%2Fb". Any verb
// works (%d, %s, %v); the plain %d of an integer and the %s or %v of a
// string are formatted without fmt, as the paths of most calls need. An
// argument such as ".." is kept as is and refused by Do.
func Pathf(format string, args ...any) string {
	if p, ok := quickPath(format, args); ok {
		return p
	}
	escaped := make([]any, len(args))
	for i, a := range args {
		escaped[i] = segment{a}
	}
	return fmt.Sprintf(format, escaped...)
}

// quickPath formats what Pathf is mostly given (bare %d of an integer, %s
// or %v of a string) without fmt; it reports false for anything else.
func quickPath(format string, args []any) (string, bool) {
	var buf strings.Builder
	buf.Grow(len(format) + 24*len(args))
	var num [20]byte
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			buf.WriteByte(c)
			continue
		}
		if i+1 >= len(format) {
			return "", false
		}
		i++
		verb := format[i]
		if verb == '%' {
			buf.WriteByte('%')
			continue
		}
		if n >= len(args) {
			return "", false
		}
		switch a := args[n].(type) {
		case int64:
			if verb != 'd' && verb != 'v' {
				return "", false
			}
			buf.Write(strconv.AppendInt(num[:0], a, 10))
		case int:
			if verb != 'd' && verb != 'v' {
				return "", false
			}
			buf.Write(strconv.AppendInt(num[:0], int64(a), 10))
		case string:
			if verb != 's' && verb != 'v' {
				return "", false
			}
			buf.WriteString(url.PathEscape(a))
		default:
			return "", false
		}
		n++
	}
	if n != len(args) {
		return "", false
	}
	return buf.String(), true
}

// segment formats its value with the verb it is given, then path-escapes it.
type segment struct{ v any }

func (s segment) Format(f fmt.State, verb rune) {
	io.WriteString(f, url.PathEscape(fmt.Sprintf(fmt.FormatString(f, verb), s.v)))
}

// resolve turns a request path (escaped, relative to the base URL, or an
// absolute URL below it) into the URL to send.
func (c *Client) resolve(p string) (*url.URL, error) {
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		u, err := url.Parse(p)
		if err != nil {
			return nil, errors.New("not a valid URL")
		}
		if !sameOrigin(u, c.base) {
			return nil, fmt.Errorf("refusing a URL on another host than %s", c.base.Host)
		}
		if !strings.HasPrefix(u.EscapedPath(), c.basePath+"/") {
			return nil, fmt.Errorf("refusing a URL outside %s", c.base.Redacted())
		}
		if err := checkSegments(u.EscapedPath()); err != nil {
			return nil, err
		}
		u.Fragment = ""
		return u, nil
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	rawPath, rawQuery, _ := strings.Cut(p, "?")
	if err := checkSegments(rawPath); err != nil {
		return nil, err
	}
	if strings.Contains(rawPath, "//") || len(rawPath) > 1 && strings.HasSuffix(rawPath, "/") {
		return nil, ErrEmptySegment
	}
	full := c.basePath + rawPath
	unescaped, err := url.PathUnescape(full)
	if err != nil {
		return nil, errors.New("path is not validly escaped")
	}
	u := &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: unescaped, RawQuery: rawQuery}
	if u.EscapedPath() != full {
		u.RawPath = full
	}
	return u, nil
}

// checkSegments refuses a "." or ".." segment, also one that an escaped
// slash or backslash hides ("..%2F..", "..%5C..": a server or proxy that
// decodes them before routing would walk up).
func checkSegments(escapedPath string) error {
	for seg := range strings.SplitSeq(escapedPath, "/") {
		s, err := url.PathUnescape(seg)
		if err != nil {
			return errors.New("path is not validly escaped")
		}
		for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == "." || part == ".." {
				return ErrPathTraversal
			}
		}
		if s == "." || s == ".." {
			return ErrPathTraversal
		}
	}
	return nil
}
