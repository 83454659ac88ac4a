package brightpattern

import (
	"errors"
	"net/http"
	"testing"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

func TestDecodeErrorShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    int
		body      string
		kind      error
		code, msg string
	}{
		{400, fixture(t, "chat_error.json"), deskbridge.ErrInvalid, "1003", "Invalid chat parameters"},
		{401, fixture(t, "oauth_error.json"), deskbridge.ErrUnauthorized, "invalid_client", "Client authentication failed"},
		{400, `{"error":"invalid_grant"}`, deskbridge.ErrUnauthorized, "invalid_grant", ""},
		{403, `{"error":"account_disabled"}`, deskbridge.ErrForbidden, "account_disabled", ""},
		{404, `{"error":"invalid_user_name"}`, deskbridge.ErrNotFound, "invalid_user_name", ""},
		{500, "<html>\n Internal error \n</html>", deskbridge.ErrUnavailable, "", "<html>  Internal error  </html>"},
		{502, ``, deskbridge.ErrUnavailable, "", ""},
		{400, `{"unexpected":true}`, deskbridge.ErrInvalid, "", `{"unexpected":true}`},
	} {
		err := decodeError(&rest.ErrorInfo{APIError: deskbridge.APIError{Vendor: "brightpattern", Method: http.MethodPost, Path: "/x", StatusCode: tc.status}, Body: []byte(tc.body)})
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tc.kind) || e.Code != tc.code || e.Message != tc.msg {
			t.Errorf("%d %s: %#v (%v)", tc.status, tc.body, e, err)
		}
	}
}
