package brightpattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Each test here names one guess of unconfirmed.go, so that a change of
// the guess is a change of a test.

// TestUnconfirmedRateLimitHeaders names the doubt: Bright Pattern
// documents no rate-limit headers; none is read.
func TestUnconfirmedRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := rateLimitHeaders()
	if len(h.Limit)+len(h.Remaining)+len(h.Reset) != 0 {
		t.Fatalf("%+v", h)
	}
}

// TestUnconfirmedRequestIDHeader names the doubt: no request id header is
// documented; X-Request-Id is read.
func TestUnconfirmedRequestIDHeader(t *testing.T) {
	t.Parallel()
	if h := requestIDHeaders(); len(h) != 1 || h[0] != "X-Request-Id" {
		t.Fatal(h)
	}
}

// TestUnconfirmedDefaultTokenLifetime names the doubt: whether a token
// answer may lack expires_in; the example's 3599 s is assumed.
func TestUnconfirmedDefaultTokenLifetime(t *testing.T) {
	t.Parallel()
	if defaultTokenLifetime() != 3599*time.Second {
		t.Fatal(defaultTokenLifetime())
	}
}

// TestUnconfirmedTenantURLParam names the doubt: whether tenantUrl is
// needed, or minded, on the tenant's own domain; it is always sent.
func TestUnconfirmedTenantURLParam(t *testing.T) {
	t.Parallel()
	if !sendTenantURLParam() {
		t.Fatal("tenantUrl not sent")
	}
}

// TestUnconfirmedEventKey names the doubt: the key holding a chat event's
// type is "event".
func TestUnconfirmedEventKey(t *testing.T) {
	t.Parallel()
	if eventKey() != "event" {
		t.Fatal(eventKey())
	}
	b, _ := json.Marshal(EndEvent())
	if string(b) != `{"event":"chat_session_end"}` {
		t.Fatal(string(b))
	}
}

// TestUnconfirmedAnonymousUser names the doubt: that users/me answers the
// anonymous user (no id) when credentials are not used.
func TestUnconfirmedAnonymousUser(t *testing.T) {
	t.Parallel()
	if !anonymousUser(&zendesk.User{Name: "Anonymous user"}) || !anonymousUser(nil) || anonymousUser(&zendesk.User{ID: 1}) {
		t.Fatal("anonymousUser")
	}
}

// TestUnconfirmedPrivilegedRole names the doubt: which role has
// "sufficient privileges"; agents and admins pass, end users do not.
func TestUnconfirmedPrivilegedRole(t *testing.T) {
	t.Parallel()
	if !privilegedRole("agent") || !privilegedRole("admin") || privilegedRole("end-user") || privilegedRole("") {
		t.Fatal("privilegedRole")
	}
}

// TestUnconfirmedTokenAccessDisabled names the doubt: Zendesk's answer to
// an API token when Token Access is off is not documented; a 401/403 whose
// text speaks of token access disabled is taken as it, a plain "Couldn't
// authenticate you" is not.
func TestUnconfirmedTokenAccessDisabled(t *testing.T) {
	t.Parallel()
	e := func(status int, code, msg string) error {
		return &zendesk.Error{APIError: deskbridge.APIError{StatusCode: status, Code: code, Message: msg}}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{e(401, "Couldn't authenticate you", ""), false},
		{e(401, "", "API token access is disabled"), true},
		{e(403, "Forbidden", "Token access not enabled for this account"), true},
		{e(404, "", "token disabled"), false},
		{fmt.Errorf("wrapped: %w", e(401, "", "API token access is disabled")), true},
		{errors.New("token disabled"), false},
	} {
		if got := tokenAccessDisabled(tc.err); got != tc.want {
			t.Errorf("tokenAccessDisabled(%v) = %v", tc.err, got)
		}
	}
}

// TestUnconfirmedUnknownSubdomain names the doubt: what an unknown
// subdomain answers; a 404 to users/me, a redirect away, or an unresolved
// host is taken as it.
func TestUnconfirmedUnknownSubdomain(t *testing.T) {
	t.Parallel()
	if !unknownSubdomain(&zendesk.Error{APIError: deskbridge.APIError{StatusCode: 404}}) ||
		unknownSubdomain(&zendesk.Error{APIError: deskbridge.APIError{StatusCode: 401}}) ||
		!unknownSubdomain(errors.New("zendesk: GET /api/v2/users/me: refusing to follow a redirect away from the base URL (https://www.zendesk.com/)")) ||
		unknownSubdomain(nil) {
		t.Fatal("unknownSubdomain")
	}
}

// TestUnconfirmedPasswordGrantBody names the doubt: the password grant's
// field names are RFC 6749's, not shown by Zendesk.
func TestUnconfirmedPasswordGrantBody(t *testing.T) {
	t.Parallel()
	b := passwordGrantBody("c", "s", "u", "p", "read")
	if len(b) != 6 || b["grant_type"] != "password" || b["username"] != "u" || b["password"] != "p" || b["client_id"] != "c" || b["client_secret"] != "s" || b["scope"] != "read" {
		t.Fatal(b)
	}
}

func TestUnconfirmedUserPhoneLoginKey(t *testing.T) {
	t.Parallel()
	// Doubt: Export User Phone Numbers names the login id "loginId" in the
	// 5.2 example and "login_id" in its table and the 3.18 example. Both
	// are read; wrong, List gives users without a login.
	var us []UserPhone
	if err := json.Unmarshal([]byte(`[{"loginId":"a","extension":1009},{"login_id":"b","external":"4151234567","voiceMail":true}]`), &us); err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].LoginID != "a" || us[0].Extension != "1009" || us[1].LoginID != "b" || us[1].External != "4151234567" || !us[1].VoiceMail {
		t.Fatalf("%+v", us)
	}
}
