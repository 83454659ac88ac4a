package babelforce

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

func TestSecretsListAndKeys(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", rec.Wrap(jsonResp(200, `["zendesk","myAuth"]`)))
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets/zendesk", rec.Wrap(jsonResp(200, `["webhook"]`)))
	prefixes, err := c.Secrets.ListPrefixes(t.Context())
	if err != nil || strings.Join(prefixes, ",") != "zendesk,myAuth" {
		t.Fatalf("ListPrefixes = %v, %v", prefixes, err)
	}
	keys, err := c.Secrets.Keys(t.Context(), "zendesk")
	if err != nil || strings.Join(keys, ",") != "webhook" {
		t.Fatalf("Keys = %v, %v", keys, err)
	}
	for _, r := range rec.All() {
		checkCommon(t, r, "Bearer "+staticToken)
	}
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets/none", jsonResp(404, `{"error_message":"Not Found"}`))
	if _, err := c.Secrets.Keys(t.Context(), "none"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/configurations/secrets", jsonResp(500, `{"error_message":"boom"}`))
	if _, err := c.Secrets.ListPrefixes(t.Context()); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsStoreUpdateDelete(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil, WithMaxRetries(2), WithRetryWaitMax(time.Millisecond))
	// The status-sync article's curl: POST …/secrets/zendesk {"webhook":
	// "Basic …"} → 204.
	mock.RegisterResponder("POST", testBase+"/api/v3/tasks/configurations/secrets/zendesk", rec.Wrap(
		httpmock.NewStringResponder(503, "").Then(httpmock.NewStringResponder(204, ""))))
	if err := c.Secrets.Store(t.Context(), "zendesk", map[string]string{"webhook": "Basic YmFiZWxmb3JjZQ=="}); err != nil {
		t.Fatal(err)
	}
	calls := rec.All()
	// Storing is idempotent, so the POST was retried after the 503.
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	checkCommon(t, calls[1], "Bearer "+staticToken)
	sameJSON(t, calls[1].Body, `{"webhook":"Basic YmFiZWxmb3JjZQ=="}`)

	mock.RegisterResponder("PATCH", testBase+"/api/v3/tasks/configurations/secrets/zendesk", rec.Wrap(httpmock.NewStringResponder(204, "")))
	if err := c.Secrets.Update(t.Context(), "zendesk", map[string]string{"token": "abc", "other": ""}); err != nil {
		t.Fatal(err)
	}
	r := rec.Last(t)
	if r.Method != "PATCH" {
		t.Fatal(r.Method)
	}
	sameJSON(t, r.Body, `{"token":"abc","other":""}`)

	mock.RegisterResponder("DELETE", testBase+"/api/v3/tasks/configurations/secrets/zendesk", rec.Wrap(httpmock.NewStringResponder(204, "")))
	if err := c.Secrets.Delete(t.Context(), "zendesk", "token", "other"); err != nil {
		t.Fatal(err)
	}
	r = rec.Last(t)
	if r.Method != "DELETE" || r.Body != `["token","other"]` || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %s %q", r.Method, r.Body, r.Header.Get("Content-Type"))
	}
}

func TestSecretValuesScrubbedFromErrors(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, nil)
	const value = "Basic c2VjcmV0LXZhbHVl"
	mock.RegisterResponder("POST", testBase+"/api/v3/tasks/configurations/secrets/zendesk",
		jsonResp(400, `{"error_message":"invalid value `+value+`","error_detail":"`+value+` is not allowed"}`))
	err := c.Secrets.Store(t.Context(), "zendesk", map[string]string{"webhook": value, "x": "ab"})
	var e *Error
	if !errors.As(err, &e) || strings.Contains(err.Error(), value) || strings.Contains(e.Message+e.Detail, value) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(e.Message, "[redacted]") {
		t.Fatalf("message = %q", e.Message)
	}
	if scrubSecrets(nil, []string{value}) != nil {
		t.Fatal("nil error")
	}
	other := errors.New("x " + value)
	if scrubSecrets(other, []string{value}) != other {
		t.Fatal("a non-API error was changed")
	}
}

func TestSecretRef(t *testing.T) {
	t.Parallel()
	if got := SecretRef("zendesk", "webhook"); got != "{{secret.zendesk.webhook}}" {
		t.Fatalf("SecretRef = %q", got)
	}
}
