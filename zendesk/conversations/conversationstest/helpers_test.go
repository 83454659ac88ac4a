package conversationstest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

// api sends a request to the fake with the app key and returns the status
// and the decoded JSON body.
type api struct {
	t      *testing.T
	s      *conversationstest.Server
	id     string
	secret string
	bearer string
}

func newAPI(t *testing.T, opts ...conversationstest.Option) (*conversationstest.Server, *api) {
	t.Helper()
	s := conversationstest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s, &api{t: t, s: s, id: s.KeyID, secret: s.Secret}
}

func (a *api) app(path string) string { return a.s.URL + "/v2/apps/" + a.s.AppID + path }

func (a *api) raw(method, url string, body []byte, contentType string) (int, []byte, http.Header) {
	a.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	switch {
	case a.bearer != "":
		req.Header.Set("Authorization", "Bearer "+a.bearer)
	case a.id != "":
		req.SetBasicAuth(a.id, a.secret)
	}
	resp, err := a.s.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// do sends body (nil for none) as JSON to path under the app.
func (a *api) do(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var b []byte
	if body != nil {
		if s, ok := body.(string); ok {
			b = []byte(s)
		} else {
			b, _ = json.Marshal(body)
		}
	}
	status, out, _ := a.raw(method, a.app(path), b, "application/json")
	m := map[string]any{}
	if len(out) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			a.t.Fatalf("%s %s: %d, body not JSON: %q", method, path, status, out)
		}
	}
	return status, m
}

// must sends the request and fails the test unless it answers want.
func (a *api) must(want int, method, path string, body any) map[string]any {
	a.t.Helper()
	status, m := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, m)
	}
	return m
}

// errCode returns the first error's code and title of an error body.
func errCode(t *testing.T, m map[string]any) (string, string) {
	t.Helper()
	errs, ok := m["errors"].([]any)
	if !ok || len(errs) == 0 {
		t.Fatalf("no errors[] in %v", m)
	}
	e := errs[0].(map[string]any)
	return e["code"].(string), e["title"].(string)
}

func obj(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

func str(m map[string]any, key string) string {
	v, _ := m[key].(string)
	return v
}

// receiver is a webhook endpoint that records what it is sent.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	keys   []string
	status func(n int) int // answer to the n-th request (from 1); nil: 200
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.keys = append(r.keys, req.Header.Get("X-API-Key"))
		n := len(r.bodies)
		st := r.status
		r.mu.Unlock()
		if st != nil {
			w.WriteHeader(st(n))
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

// events returns every event received, in order, with the X-API-Key of
// its delivery.
func (r *receiver) events(t *testing.T) []map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, b := range r.bodies {
		var env struct {
			Events []map[string]any `json:"events"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("delivery not JSON: %q", b)
		}
		out = append(out, env.Events...)
	}
	return out
}

func (r *receiver) ofType(t *testing.T, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range r.events(t) {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

// setup makes a user, a personal conversation and a custom integration
// whose webhook goes to rec, and returns the ids.
func setup(t *testing.T, a *api, rec *receiver, triggers ...string) (userID, convID, integrationID string) {
	t.Helper()
	if len(triggers) == 0 {
		triggers = []string{"conversation:message", "switchboard:passControl", "switchboard:releaseControl", "conversation:typing"}
	}
	in := a.must(201, "POST", "/integrations", map[string]any{
		"type": "custom", "displayName": "Dydu livechat",
		"webhooks": []any{map[string]any{"target": rec.URL, "triggers": triggers, "includeFullUser": true}},
	})
	integrationID = str(obj(in, "integration"), "id")
	u := a.must(201, "POST", "/users", map[string]any{"externalId": "dydu-ctx-1",
		"profile": map[string]any{"givenName": "Jeanne", "surname": "Martin", "email": "jeanne@example.org"}})
	userID = str(obj(u, "user"), "id")
	c := a.must(201, "POST", "/conversations", map[string]any{"type": "personal",
		"participants": []any{map[string]any{"userId": userID, "subscribeSDKClient": false}}})
	convID = str(obj(c, "conversation"), "id")
	return userID, convID, integrationID
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(sortStrings(ks), ",")
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}
