package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// SharedSecretScheme says where a [SharedSecretVerifier] finds the secret in
// a request.
type SharedSecretScheme int

const (
	// SchemeBearer: "Authorization: Bearer <secret>" (the scheme name is
	// case-insensitive).
	SchemeBearer SharedSecretScheme = iota + 1
	// SchemeBasic: "Authorization: Basic base64(user:password)"; each secret
	// is the "user:password" string.
	SchemeBasic
	// SchemeHeader: the header named by [SharedSecretVerifier.Header]
	// carries the secret as is.
	SchemeHeader
)

// String returns "bearer", "basic", "header" or "unknown".
func (s SharedSecretScheme) String() string {
	switch s {
	case SchemeBearer:
		return "bearer"
	case SchemeBasic:
		return "basic"
	case SchemeHeader:
		return "header"
	}
	return "unknown"
}

// SharedSecretVerifier authenticates senders that do not sign their
// requests but send a fixed secret with each, such as Braze webhook
// campaigns, whose request headers are the campaign's to choose
// (https://www.braze.com/docs/user_guide/message_building_by_channel/webhooks/creating_a_webhook/),
// and the http actions of babelforce task automations, which carry headers
// too (https://babelforce.github.io/manager-sdk/): the sender is configured
// with a secret header or credential, and the receiver checks it on every
// call.
//
// The comparison is constant-time: the presented credential and every
// configured secret are hashed with SHA-256 and all digests are compared, so
// neither the length of a secret nor which secret matched shows in the
// timing. Several secrets are accepted so that one can be rotated.
//
// AllowedSources optionally restricts the client address (an allowlist of
// CIDR prefixes, IPv4 or IPv6); it is checked before the credential. The
// client address is r.RemoteAddr unless ClientIP says otherwise, which is
// needed behind a reverse proxy (see [ClientIPFromForwardedFor]). Braze
// publishes the addresses its webhooks come from, for such an allowlist
// (https://www.braze.com/docs/user_guide/message_building_by_channel/webhooks/creating_a_webhook/#ip-allowlisting).
//
// The zero value (no scheme, no secret) refuses every request with
// [ErrNotConfigured]. A SharedSecretVerifier is safe for concurrent use.
type SharedSecretVerifier struct {
	Scheme SharedSecretScheme
	// Header names the header that carries the secret for [SchemeHeader],
	// e.g. "X-Webhook-Secret".
	Header string
	// Secrets are the accepted secrets (for [SchemeBasic], "user:password"
	// strings). Empty strings are ignored.
	Secrets []string
	// AllowedSources, when not empty, lists the client networks allowed to
	// call, e.g. netip.MustParsePrefix("203.0.113.0/24"). IPv4-mapped IPv6
	// addresses are compared as IPv4.
	AllowedSources []netip.Prefix
	// ClientIP returns the client address of r; nil means the address in
	// r.RemoteAddr. Use it only with a proxy you trust to set the header it
	// reads.
	ClientIP func(r *http.Request) (netip.Addr, error)
}

// VerifyRequest implements [Verifier]. Errors wrap [ErrNotConfigured],
// [ErrSourceNotAllowed], [ErrMissingSignature] (no credential in the
// expected place) or [ErrSignatureMismatch] (a credential matching no
// secret), and never contain the credential.
func (v SharedSecretVerifier) VerifyRequest(r *http.Request, _ []byte) error {
	if !hasSecret(v.Secrets) {
		return fmt.Errorf("%w: SharedSecretVerifier has no secret", ErrNotConfigured)
	}
	if v.Scheme == SchemeHeader && v.Header == "" {
		return fmt.Errorf("%w: SharedSecretVerifier with SchemeHeader has no Header name", ErrNotConfigured)
	}
	if v.Scheme < SchemeBearer || v.Scheme > SchemeHeader {
		return fmt.Errorf("%w: SharedSecretVerifier has no Scheme", ErrNotConfigured)
	}
	if err := checkSource(r, v.AllowedSources, v.ClientIP); err != nil {
		return err
	}
	presented, err := presentedSecret(r, v.Scheme, v.Header)
	if err != nil {
		return err
	}
	if !matchSecret(presented, v.Secrets) {
		return fmt.Errorf("%w: the %s credential matches no configured secret", ErrSignatureMismatch, v.Scheme)
	}
	return nil
}

func presentedSecret(r *http.Request, scheme SharedSecretScheme, header string) (string, error) {
	switch scheme {
	case SchemeBearer:
		auth := r.Header.Get("Authorization")
		if auth == "" {
			return "", fmt.Errorf("%w: no Authorization header", ErrMissingSignature)
		}
		name, token, _ := strings.Cut(auth, " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(name, "Bearer") || token == "" {
			return "", fmt.Errorf("%w: Authorization header holds no Bearer token", ErrMissingSignature)
		}
		return token, nil
	case SchemeBasic:
		user, pass, ok := r.BasicAuth()
		if !ok || (user == "" && pass == "") {
			return "", fmt.Errorf("%w: no Basic credential in the Authorization header", ErrMissingSignature)
		}
		return user + ":" + pass, nil
	default: // SchemeHeader
		s := r.Header.Get(header)
		if s == "" {
			return "", fmt.Errorf("%w: no %s header", ErrMissingSignature, http.CanonicalHeaderKey(header))
		}
		return s, nil
	}
}

// matchSecret reports whether presented equals one of secrets, in time that
// depends on neither their lengths nor which one matched. Comparing SHA-256
// digests gives every comparison the same length; every secret is compared.
func matchSecret(presented string, secrets []string) bool {
	p := sha256.Sum256([]byte(presented))
	match := 0
	for _, s := range secrets {
		if s == "" {
			continue
		}
		d := sha256.Sum256([]byte(s))
		match |= subtle.ConstantTimeCompare(p[:], d[:])
	}
	return match == 1
}

// checkSource enforces an allowlist; an empty allowlist allows everyone.
func checkSource(r *http.Request, allowed []netip.Prefix, clientIP func(*http.Request) (netip.Addr, error)) error {
	if len(allowed) == 0 {
		return nil
	}
	var (
		addr netip.Addr
		err  error
	)
	if clientIP != nil {
		addr, err = clientIP(r)
	} else {
		addr, err = remoteAddr(r)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSourceNotAllowed, err)
	}
	if !addr.IsValid() {
		return fmt.Errorf("%w: no client address", ErrSourceNotAllowed)
	}
	addr = addr.Unmap().WithZone("")
	if inPrefixes(addr, allowed) {
		return nil
	}
	return fmt.Errorf("%w: %s is not in the allowlist", ErrSourceNotAllowed, addr)
}

func inPrefixes(addr netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// remoteAddr parses r.RemoteAddr ("ip:port", "[ipv6]:port", or a bare
// address as some tests and proxies set it).
func remoteAddr(r *http.Request) (netip.Addr, error) {
	if a, ok := parseAddr(r.RemoteAddr); ok {
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("cannot parse the remote address %q", r.RemoteAddr)
}

// parseAddr parses an address with or without a port, unmapping IPv4-mapped
// IPv6 addresses and dropping zones so that allowlist prefixes match.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// ClientIPFromForwardedFor returns a [SharedSecretVerifier.ClientIP] function
// for a server behind reverse proxies whose addresses are in trustedProxies.
//
// When the peer (r.RemoteAddr) is not a trusted proxy, the peer is the
// client and X-Forwarded-For is ignored, since anyone can send it. When it
// is, the function walks X-Forwarded-For from the right (the hop closest to
// this server) and returns the first address that is not a trusted proxy;
// the hops left of it were written by the client and are not believed.
func ClientIPFromForwardedFor(trustedProxies ...netip.Prefix) func(r *http.Request) (netip.Addr, error) {
	return func(r *http.Request) (netip.Addr, error) {
		peer, err := remoteAddr(r)
		if err != nil || !inPrefixes(peer, trustedProxies) {
			return peer, err
		}
		var hops []string
		for _, line := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(line, ",")...)
		}
		client := peer
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			a, ok := parseAddr(hop)
			if !ok {
				return netip.Addr{}, fmt.Errorf("X-Forwarded-For holds %q, not an IP address", hop)
			}
			client = a
			if !inPrefixes(a, trustedProxies) {
				break
			}
		}
		return client, nil
	}
}
