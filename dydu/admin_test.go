package dydu

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

// TestAdminBasicAuth: admin calls carry Basic base64(login:password), to
// the admin URL when given; dialog calls never do.
func TestAdminBasicAuth(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, WithAdminCredentials("bms-admin", "pa55-word"), WithAdminURL("https://bo.dydu.example/"))
	mock.RegisterNoResponder(rec.Wrap(jsonResp(200, `[{"id":1,"name":"Animal"}]`)))
	got, err := c.Admin.Competencies(t.Context())
	if err != nil || len(got) != 1 || got[0].Name != "Animal" {
		t.Fatalf("%+v %v", got, err)
	}
	r := rec.Last(t)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("bms-admin:pa55-word"))
	if r.Method != http.MethodGet || r.Host != "bo.dydu.example" || r.Path != "/servlet/api/competencies/"+testBot || r.Header.Get("Authorization") != want {
		t.Fatalf("%s %s%s %q", r.Method, r.Host, r.Path, r.Header.Get("Authorization"))
	}
	_, _ = c.History(t.Context(), testCtx) // the mock's array is no history, but the request went out
	if r := rec.Last(t); r.Header.Get("Authorization") != "" || r.Host != "app1.dydu.example" {
		t.Fatalf("a dialog call to %s sent %q", r.Host, r.Header.Get("Authorization"))
	}
}

// TestAdminErrors: a 401 is ErrUnauthorized and never shows the password.
func TestAdminErrors(t *testing.T) {
	t.Parallel()
	c, mock, _ := newMocked(t, WithAdminCredentials("bms-admin", "pa55-word"))
	auth := base64.StdEncoding.EncodeToString([]byte("bms-admin:pa55-word"))
	mock.RegisterNoResponder(jsonResp(401, `{"message":"refused: Basic `+auth+` pa55-word"}`))
	_, err := c.Admin.Competencies(t.Context())
	if !errors.Is(err, deskbridge.ErrUnauthorized) || strings.Contains(err.Error(), "pa55-word") || strings.Contains(err.Error(), auth) {
		t.Fatalf("%v", err)
	}
	c2, _, _ := newMocked(t)
	if _, err := c2.Admin.Competencies(t.Context()); !errors.Is(err, ErrNoAdminCredentials) || !errors.Is(err, deskbridge.ErrInvalid) {
		t.Fatal(err)
	}
}
