package conversations

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// MaxBodyBytes is the largest JSON request body the API accepts ("100kb",
// https://developer.zendesk.com/api-reference/conversations/#request-size-limits).
// A larger one is refused before sending.
const MaxBodyBytes = maxJSONBody

// appPath is the path of a resource of the client's app:
// /v2/apps/{appId} followed by format, whose arguments are path-escaped.
func (c *Client) appPath(format string, args ...any) string {
	return rest.Pathf("/v2/apps/%s"+format, append([]any{c.appID}, args...)...)
}

// call is one request of a method: op names the method in refusals.
type call struct {
	op         string
	method     string
	path       string
	query      any
	body       any
	idempotent bool
}

// request encodes the call's body, refusing one over [MaxBodyBytes].
func (c *Client) request(k *call) (*rest.Request, error) {
	req := &rest.Request{Method: k.method, Path: k.path, Query: k.query, Idempotent: k.idempotent}
	if k.body != nil {
		data, err := json.Marshal(k.body)
		if err != nil {
			return nil, invalid(k.op, "body", "cannot be encoded as JSON: %v", err)
		}
		if len(data) > maxJSONBody {
			return nil, overLimit(k.op, "body", len(data), maxJSONBody, "bytes of JSON")
		}
		req.Body = json.RawMessage(data)
	}
	return req, nil
}

// send makes the call and returns the member key of the answer decoded
// into a new T.
func send[T any](ctx context.Context, c *Client, k *call, key string) (*T, error) {
	req, err := c.request(k)
	if err != nil {
		return nil, err
	}
	v, err := rest.Send[T](ctx, c.rest, req, key)
	return v, c.decorate(err)
}

// sendOptional is send for an answer whose member may be missing: then it
// returns nil and no error.
func sendOptional[T any](ctx context.Context, c *Client, k *call, key string) (*T, error) {
	req, err := c.request(k)
	if err != nil {
		return nil, err
	}
	var body []byte
	if _, err := c.rest.Do(ctx, req, &body); err != nil {
		return nil, c.decorate(err)
	}
	out := new(T)
	found, err := rest.DecodeMember(body, key, out)
	if err != nil {
		return nil, &answerError{op: k.op, key: key, err: err}
	}
	if !found {
		return nil, nil
	}
	return out, nil
}

// do makes a call whose answer carries nothing to read (a delete, a
// switchboard action: an empty object).
func (c *Client) do(ctx context.Context, k *call) error {
	req, err := c.request(k)
	if err != nil {
		return err
	}
	_, err = c.rest.Do(ctx, req, nil)
	return c.decorate(err)
}

// get fetches path and returns its member key.
func get[T any](ctx context.Context, c *Client, op, path, key string) (*T, error) {
	return send[T](ctx, c, &call{op: op, method: http.MethodGet, path: path}, key)
}

// del deletes path.
func (c *Client) del(ctx context.Context, op, path string) error {
	return c.do(ctx, &call{op: op, method: http.MethodDelete, path: path})
}

// answerError is an answer that does not decode.
type answerError struct {
	op, key string
	err     error
}

func (e *answerError) Error() string {
	return "conversations: " + e.op + ": decoding " + e.key + ": " + e.err.Error()
}

func (e *answerError) Unwrap() error { return e.err }
