package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// RawRequest is a call that the typed services do not cover, sent through
// [Client.Raw] with the client's account, credentials, retries and pacing.
type RawRequest struct {
	// Method is GET (the default), POST, PUT, PATCH or DELETE.
	Method string
	// Path is relative to /api/v2/: "requests.json",
	// "users/search.json?query=x". A URL with a scheme or a "." or ".."
	// segment is refused.
	Path string
	// Header adds headers. An Authorization header replaces the client's
	// credentials for this call (to act as an end user with their token).
	Header http.Header
	// Body is sent as application/json when not empty; it must be JSON.
	Body json.RawMessage
}

// RawResponse is the answer to a [RawRequest].
type RawResponse struct {
	StatusCode int
	Header     http.Header
	// Body is the body of a 2xx answer, as sent.
	Body []byte
}

// rawMethods are the methods a RawRequest may use.
var rawMethods = map[string]bool{http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true}

// Raw sends req under /api/v2/ and returns the answer. A non-2xx answer is
// returned as an [*Error] (with the response, whose StatusCode is set); a
// request that may have been applied (any but GET) is not replayed after a
// 5xx or a network error.
func (c *Client) Raw(ctx context.Context, req *RawRequest) (*RawResponse, error) {
	if req == nil {
		return nil, invalid("raw request is nil")
	}
	method := strings.ToUpper(strings.TrimSpace(req.Method))
	if method == "" {
		method = http.MethodGet
	}
	if !rawMethods[method] {
		return nil, invalid("raw request method %q: want GET, POST, PUT, PATCH or DELETE", req.Method)
	}
	path := strings.TrimLeft(strings.TrimSpace(req.Path), "/")
	if path == "" || strings.Contains(path, "://") || strings.HasPrefix(path, "api/v2/") {
		return nil, invalid("raw request path %q: want a path relative to /api/v2/, e.g. \"requests.json\"", req.Path)
	}
	rr := &rest.Request{Method: method, Path: "/api/v2/" + path, Header: req.Header.Clone(), NotIdempotent: method != http.MethodGet}
	if len(bytes.TrimSpace(req.Body)) > 0 {
		if !json.Valid(req.Body) {
			return nil, invalid("raw request body is not JSON")
		}
		rr.Body = req.Body
	}
	if auth := rr.Header.Get("Authorization"); auth != "" {
		rr.NoAuth = true
		// The caller's credential is scrubbed from errors and logs as the
		// client's own is: the scheme's value, and the header whole.
		_, cred, _ := strings.Cut(auth, " ")
		c.rest.Secrets().Add(auth, strings.TrimSpace(cred))
	}
	var buf bytes.Buffer
	resp, err := c.rest.Do(ctx, rr, &buf)
	out := &RawResponse{StatusCode: resp.StatusCode, Header: resp.Header}
	if err != nil {
		if resp.StatusCode == 0 {
			return nil, err
		}
		return out, err
	}
	out.Body = buf.Bytes()
	return out, nil
}
