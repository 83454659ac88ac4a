package rest

import (
	"errors"
	"fmt"
	"github.com/deskbridge/deskbridge"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Vendor declares how one vendor's API differs from the others'. A vendor
// package holds one, as a package-level value; everything else (requests,
// credentials, retries, pacing, errors, pagination, logging) is written
// once, here.
type Vendor struct {
	// Name names the vendor in error strings and log records: "zendesk".
	Name string

	// Host turns the value of the vendor's host option (WithSubdomain,
	// WithEnvironment, WithInstance…) into a base URL, refusing any value
	// that could send requests, and credentials, to another host. Nil when
	// the vendor has no such option. See LabelHost.
	Host func(value string) (string, error)
	// HostOption names that option, for the error when no host is given:
	// "WithSubdomain".
	HostOption string
	// DefaultBaseURL is used when neither the host option nor WithBaseURL
	// is given. Empty means one of them is required.
	DefaultBaseURL string

	// Credentials names the vendor's credential options, for the error
	// when none or several are given: "WithAPIToken, WithOAuthToken or
	// WithOAuthClientCredentials".
	Credentials string

	// Header holds headers sent with every request (Accept).
	Header http.Header
	// RateLimit names the headers that carry the vendor's budget.
	RateLimit RateLimitHeaders
	// Budget names the rate-limit budget a request draws on, from its
	// method and its path below the base URL, for a vendor whose budgets
	// are per endpoint group (Braze): a spent budget then holds only the
	// requests on the same budget. Nil means one budget per client.
	Budget func(method, path string) string
	// RequestIDHeaders are the response headers that may carry the
	// vendor's request id; the first present wins.
	RequestIDHeaders []string
	// IdempotencyHeader carries Request.IdempotencyKey. Empty means
	// "Idempotency-Key".
	IdempotencyHeader string
	// DecodeError builds the vendor's error from a non-2xx response (or a
	// request held back, ErrorInfo.NotSent). Nil means a plain
	// *deskbridge.APIError.
	DecodeError func(*ErrorInfo) error
}

// labelPattern is one DNS label in lower case: letters, digits and inner
// hyphens, 1 to 63 characters. Nothing that could end a host name (a dot,
// a slash, "@", ":") passes.
var labelPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// LabelHost returns a Vendor.Host for a vendor whose hosts differ by one
// DNS label: format holds one %s ("https://%s.zendesk.com"). The value is
// lower-cased (host names are case-insensitive) and must then be one DNS
// label, so that "evil.com/x" or "acme.zendesk.com" can never move requests
// to another host; what names the value ("subdomain") goes in the error.
func LabelHost(format, what string) func(string) (string, error) {
	return func(value string) (string, error) {
		label := strings.ToLower(strings.TrimSpace(value))
		if !labelPattern.MatchString(label) {
			hint := ""
			if i := strings.IndexByte(label, '.'); i > 0 && labelPattern.MatchString(label[:i]) {
				hint = fmt.Sprintf(" (give only the first label: %q)", label[:i])
			}
			return "", fmt.Errorf("%s %q is not one DNS label: want 1 to 63 letters, digits or inner hyphens%s", what, value, hint)
		}
		return fmt.Sprintf(format, label), nil
	}
}

// TableHost returns a Vendor.Host for a vendor whose hosts are a fixed
// table (Braze's instances), keyed in upper case: the value is looked up
// case-insensitively; an unknown one is an error listing the known ones.
func TableHost(table map[string]string, what string) func(string) (string, error) {
	known := slices.Sorted(maps.Keys(table))
	return func(value string) (string, error) {
		if u, ok := table[strings.ToUpper(strings.TrimSpace(value))]; ok {
			return u, nil
		}
		return "", fmt.Errorf("unknown %s %q; known: %s", what, value, strings.Join(known, ", "))
	}
}

// errorf prefixes an error with the vendor's name.
func (v *Vendor) errorf(format string, args ...any) error {
	return fmt.Errorf(v.Name+": "+format, args...)
}

// refusef is errorf for input the client refuses before anything is sent
// (an option, a path, a query, a body): the error also matches
// deskbridge.ErrInvalid.
func (v *Vendor) refusef(format string, args ...any) error {
	return &refusedError{err: v.errorf(format, args...)}
}

// refusedError matches deskbridge.ErrInvalid besides its cause; its text
// is the cause's.
type refusedError struct{ err error }

func (e *refusedError) Error() string   { return e.err.Error() }
func (e *refusedError) Unwrap() []error { return []error{e.err, deskbridge.ErrInvalid} }

// Configurable is a vendor package's option target: its unexported config
// type, which holds the Settings every vendor shares.
type Configurable interface {
	RestSettings() *Settings
}

// Build applies a vendor's options in order and builds the client from the
// settings they leave. Nil options are skipped. Every error names the
// vendor. It returns the vendor's config too, for the options only that
// vendor has.
func Build[C any, PC interface {
	*C
	Configurable
}, O ~func(PC) error](v *Vendor, opts []O) (PC, *Client, error) {
	cfg := PC(new(C))
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, nil, v.refusef("%w", err)
		}
	}
	c, err := NewClient(v, cfg.RestSettings())
	if err != nil {
		return nil, nil, err
	}
	return cfg, c, nil
}

// resolveBaseURL picks the base URL: WithBaseURL, else the host option,
// else the vendor's default.
func (s *Settings) resolveBaseURL(v *Vendor) (string, error) {
	switch {
	case s.baseURL != "":
		return s.baseURL, nil
	case s.hostURL != "":
		return s.hostURL, nil
	case v.DefaultBaseURL != "":
		return v.DefaultBaseURL, nil
	case v.HostOption != "":
		return "", v.refusef("no account: give %s (or WithBaseURL for a fake or a proxy)", v.HostOption)
	}
	return "", v.refusef("no base URL: give WithBaseURL")
}

// credential picks the one credential the options gave.
func (s *Settings) credential(v *Vendor) (*Credential, error) {
	switch len(s.creds) {
	case 0:
		if v.Credentials == "" {
			return nil, nil
		}
		return nil, v.refusef("no credentials: give %s", v.Credentials)
	case 1:
		return &s.creds[0], nil
	}
	names := make([]string, len(s.creds))
	for i, c := range s.creds {
		names[i] = c.option
	}
	return nil, v.refusef("%d credential options given (%s); give exactly one", len(names), strings.Join(names, ", "))
}

var errNoVendorName = errors.New("rest: Vendor.Name is empty")
