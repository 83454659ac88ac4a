package cxone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// Discovery is a tenant's cxone-configuration: where its APIs are. Fields
// as the agent SDK reads them (common-sdk cxone-configuration.js,
// https://github.com/nice-devone/nice-cxone-agent-sdk).
type Discovery struct {
	// APIEndpoint is the base of the ACD APIs: "https://api-na1.niceincontact.com".
	APIEndpoint string `json:"api_endpoint"`
	// Area is the tenant's area: "na1", "eu1", "au1"…
	Area string `json:"area"`
	// Cluster is the tenant's ACD cluster: "C6", "L36"…
	Cluster string `json:"cluster,omitempty"`
	// Domain is the domain of the tenant's hosts: "niceincontact.com".
	Domain string `json:"domain"`
	// ACDDomain and UHDomain are the ACD's and UserHub's domains.
	ACDDomain string `json:"acdDomain,omitempty"`
	UHDomain  string `json:"uhDomain,omitempty"`
	// GlobalDomain is "globaldomain_v1".
	GlobalDomain string `json:"globaldomain_v1,omitempty"`
}

// Discovery returns the tenant's cxone-configuration, reading it (and the
// token, when the tenant id comes from it) on the first call.
func (c *Client) Discovery(ctx context.Context) (*Discovery, error) {
	conn, err := c.conn.get(ctx, c.connect)
	if err != nil {
		return nil, err
	}
	d := conn.discovery
	return &d, nil
}

// discover reads GET /.well-known/cxone-configuration?tenantId= and
// returns it with the API base URL to use.
func (c *Client) discover(ctx context.Context, tenant string) (*Discovery, string, error) {
	const path = "/.well-known/cxone-configuration"
	var body []byte
	if _, err := c.root.Do(ctx, &rest.Request{Path: path, Query: url.Values{"tenantId": {tenant}}, NoAuth: true}, &body); err != nil {
		return nil, "", err
	}
	var fixed *url.URL
	if c.fixed {
		fixed = c.rootURL()
	}
	d, base, err := parseDiscovery(body, fixed)
	if err != nil {
		return nil, "", fmt.Errorf("cxone: GET %s: %w", path, err)
	}
	return d, base, nil
}

// parseDiscovery reads a cxone-configuration and checks it: the area
// must look like one, the domain must be CXone's, and the API endpoint
// must be an https URL on a CXone host of that domain, because the client
// sends its token there. With fixed (WithBaseURL) the API endpoint may
// also lie below fixed, and the API base is fixed whatever it names.
func parseDiscovery(body []byte, fixed *url.URL) (*Discovery, string, error) {
	var d Discovery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, "", fmt.Errorf("the answer is not a JSON object: %w", err)
	}
	if d.APIEndpoint == "" {
		return nil, "", errors.New("the answer has no api_endpoint")
	}
	if d.Area != "" && !areaPattern().MatchString(d.Area) {
		return nil, "", fmt.Errorf("refusing area %q: not an area name (%s)", clip(d.Area), areaPattern())
	}
	if d.Domain != "" && !slices.Contains(cxoneDomains(), strings.ToLower(d.Domain)) {
		return nil, "", fmt.Errorf("refusing domain %q: not one of CXone's (%s)", clip(d.Domain), strings.Join(cxoneDomains(), ", "))
	}
	u, err := url.Parse(d.APIEndpoint)
	if err != nil || !u.IsAbs() {
		return nil, "", fmt.Errorf("api_endpoint %q is not an absolute URL", clip(d.APIEndpoint))
	}
	if fixed != nil && below(u, fixed) {
		return &d, fixed.String(), nil
	}
	if err := checkCXoneURL(u); err != nil {
		return nil, "", fmt.Errorf("refusing api_endpoint %q, which would receive the access token: %w", clip(d.APIEndpoint), err)
	}
	if d.Domain != "" && !inDomain(u.Hostname(), strings.ToLower(d.Domain)) {
		return nil, "", fmt.Errorf("refusing api_endpoint %q: its host is not in the domain %q the answer names", clip(d.APIEndpoint), d.Domain)
	}
	if fixed != nil {
		return &d, fixed.String(), nil
	}
	return &d, strings.TrimRight(u.String(), "/"), nil
}

// hostLabel is one lower-case DNS label.
var hostLabel = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// checkCXoneURL accepts an https URL on a host of one of CXone's domains,
// with no user info, no port but 443, no query and no fragment.
func checkCXoneURL(u *url.URL) error {
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("scheme %q is not https", u.Scheme)
	case u.User != nil:
		return errors.New("it carries user info")
	case u.Port() != "" && u.Port() != "443":
		return fmt.Errorf("port %s is not 443", u.Port())
	case u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return errors.New("it carries a query or a fragment")
	}
	host := u.Hostname()
	for label := range strings.SplitSeq(host, ".") {
		if !hostLabel.MatchString(label) {
			return fmt.Errorf("host %q is not a lower-case DNS name", clip(host))
		}
	}
	for _, d := range cxoneDomains() {
		if inDomain(host, d) {
			return nil
		}
	}
	return fmt.Errorf("host %q is not in CXone's domains (%s)", clip(host), strings.Join(cxoneDomains(), ", "))
}

// inDomain reports whether host is domain or a host below it.
func inDomain(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// below reports whether u lies on base's origin and below its path.
func below(u, base *url.URL) bool {
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) || u.User != nil {
		return false
	}
	prefix := strings.TrimRight(base.EscapedPath(), "/")
	p := u.EscapedPath()
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

// rootURL is the discovery host's base URL.
func (c *Client) rootURL() *url.URL {
	u, _ := url.Parse(c.root.BaseURL()) // checked by NewClient
	return u
}
