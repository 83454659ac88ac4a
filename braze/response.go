package braze

import (
	"context"
	"net/http"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// Response is what every successful call returns besides its own fields.
// Any 2xx is a success; Braze's "success" means the payload was accepted,
// not that a message was delivered.
type Response struct {
	// Message is Braze's message: "success", or "queued".
	Message string `json:"message"`
	// Errors are the minor errors returned with a success: the items they
	// name were refused, the rest was processed. Check them.
	Errors []MinorError `json:"errors,omitempty"`
	// StatusCode is the HTTP status (200, 201 or 202).
	StatusCode int `json:"-"`
	// Queued is set when Braze accepted the request without processing it
	// yet (202 {"message":"queued"}, during maintenance).
	Queued bool `json:"-"`
	// Attempts is how many times the request was sent.
	Attempts int `json:"-"`
}

func (r *Response) response() *Response { return r }

type result interface{ response() *Response }

// kind says how a POST may be retried.
type kind int

const (
	// write: retried after a 429 only.
	write kind = iota
	// send: a message send; retried after a 429, and after a 5xx only with
	// WithRetrySends; its failures say whether it may have been sent.
	send
	// safe: replaying it changes nothing (an export, setting a state).
	safe
)

// post sends one POST and fills out's Response fields. body is any value
// the core encodes, or a json.RawMessage sent as it is.
func (c *Client) post(ctx context.Context, path string, body any, k kind, out result) error {
	retried := k == safe || (k == send && c.retrySends)
	if err := ctx.Err(); err != nil {
		// Certainly not sent (a transport may not look at the context).
		return &deskbridge.TransportError{Vendor: vendor.Name, Method: http.MethodPost, Path: path, Err: err}
	}
	resp, err := c.rest.Do(ctx, &rest.Request{
		Method:     http.MethodPost,
		Path:       path,
		Body:       body,
		Idempotent: retried,
	}, out)
	if err != nil {
		if k == send {
			return sendFailure(err, retried)
		}
		return err
	}
	r := out.response()
	// A success's minor errors are the vendor's words, as an error's are:
	// a credential they echo is scrubbed the same way.
	for i := range r.Errors {
		r.Errors[i].Type = c.rest.Secrets().Scrub(r.Errors[i].Type)
	}
	r.StatusCode = resp.StatusCode
	r.Attempts = resp.Attempts
	r.Queued = queued(resp.StatusCode, r.Message)
	return nil
}
